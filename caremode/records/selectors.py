"""Reads that gather one person's data from every app: the subject access export."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterator
from typing import Any

from django.db.models import Max
from django.forms.models import model_to_dict
from django.utils import timezone

from caremode.audit.models import AuditEvent
from caremode.core import codes
from caremode.decisions.models import DecisionRecord, ModePreference
from caremode.messaging.models import OutboundMessage, RecipientKind
from caremode.people.models import AccessNeed, CarerConsent, ServiceChange, ServiceUser
from caremode.scheduling.models import (
    Commitment,
    Contact,
    ContactChange,
    FollowUpTask,
    Handover,
)

PERSON_FIELDS = [
    "nhs_number",
    "given_name",
    "family_name",
    "date_of_birth",
    "gender",
    "gender_identity",
    "ethnic_category",
    "postcode_district",
    "imd_decile",
    "rurality",
    "main_language",
    "interpreter_needed",
    "phone",
    "email",
    "accepts_sms",
    "accepts_email",
    "status",
    "registered_at",
]


CARER_MESSAGE_PRIVATE = (
    "id",
    "service_user",
    "carer",
    "recipient",
    "body",
    "subject",
    "provider_reference",
    "last_error",
)


def _rows(queryset: Any, exclude: tuple[str, ...] = ("id", "service_user")) -> list[dict[str, Any]]:
    return [
        {key: value for key, value in model_to_dict(row).items() if key not in exclude}
        for row in queryset
    ]


def build_subject_access_export(service_user: ServiceUser) -> dict[str, Any]:
    """Everything CareMode holds about one person, for a subject access request.

    Carers appear only with their name and relationship; staff by name and role. The caller
    audits the export.
    """
    consents = CarerConsent.objects.filter(service_user=service_user).select_related("carer")
    contacts = Contact.objects.filter(service_user=service_user).select_related("clinician")
    return {
        "about": "Everything CareMode holds about you, as of the date of this export.",
        "person": {field: getattr(service_user, field) for field in PERSON_FIELDS}
        | {"team": service_user.team.name},
        "access_needs": _rows(AccessNeed.objects.filter(service_user=service_user)),
        "carers": [
            {
                "carer": str(c.carer),
                "relationship": c.carer.relationship,
                "scopes": c.scopes(),
                "granted_at": c.granted_at,
                "revoked_at": c.revoked_at,
            }
            for c in consents
        ],
        "contacts": [
            {
                **model_to_dict(
                    c,
                    exclude=[
                        "id",
                        "service_user",
                        "clinician",
                        "team",
                        "booked_by",
                        "outcome_recorded_by",
                        "carer_invited",
                    ],
                ),
                "clinician": str(c.clinician),
            }
            for c in contacts
        ],
        "changes_to_contacts": _rows(
            ContactChange.objects.filter(contact__service_user=service_user),
            exclude=("id", "recorded_by"),
        ),
        "mode_preferences": _rows(
            ModePreference.objects.filter(service_user=service_user),
            exclude=("id", "service_user", "recorded_by"),
        ),
        "shared_decisions": _rows(
            DecisionRecord.objects.filter(service_user=service_user),
            exclude=("id", "service_user", "clinician", "carer", "superseded_by"),
        ),
        "regular_contacts": _rows(
            Commitment.objects.filter(service_user=service_user),
            exclude=("id", "service_user", "clinician", "agreed_by"),
        ),
        "follow_ups": _rows(
            FollowUpTask.objects.filter(service_user=service_user),
            exclude=("id", "service_user", "contact", "team", "completed_by"),
        ),
        "handovers": _rows(
            Handover.objects.filter(service_user=service_user),
            exclude=("id", "service_user", "requested_by", "responded_by", "from_team", "to_team"),
        ),
        # Messages to the person in full; to a carer, only that one was sent and why (the body
        # may hold the carer's own join link, and the address is the carer's).
        "messages": _rows(
            OutboundMessage.objects.filter(
                service_user=service_user, recipient_kind=RecipientKind.SERVICE_USER
            )
        )
        + _rows(
            OutboundMessage.objects.filter(service_user=service_user).exclude(
                recipient_kind=RecipientKind.SERVICE_USER
            ),
            exclude=CARER_MESSAGE_PRIVATE,
        ),
        "who_has_looked_at_the_record": [
            {
                "when": e.at,
                "who": e.actor_label,
                "what": e.action,
                "purpose": e.detail.get("purpose", ""),
            }
            for e in AuditEvent.objects.filter(subject_id=service_user.pk).order_by("sequence")
        ],
    }


EXTRACT_COLUMNS = [
    "Person_ID",
    "UniqCareContID",
    "CareContDate",
    "CareContTime",
    "ConsMechanismMH",
    "AttendStatus",
    "ConsType",
    "ClinContDurOfCareCont",
    "AgeCareContDate",
    "EthnicCategory",
    "Gender",
    "GenderIDCode",
    "IMD_Decile",
    "Rurality",
    "LanguageCodePreferred",
    "InterpreterPresentInd",
    "AccessNeeds",
    "TechFailure",
    "Service",  # the service the contact's team belongs to: matches service_changes.csv
]


def pseudonym(nhs_number: str, key: str) -> str:
    """A stable pseudonym: HMAC-SHA256 of the NHS number under the trust's key, 16 hex digits."""
    return hmac.new(key.encode(), nhs_number.encode(), hashlib.sha256).hexdigest()[:16]


def _current_needs() -> dict[int, list[str]]:
    """Each person's current access needs, by service user id."""
    needs: dict[int, list[str]] = {}
    for person_id, need in AccessNeed.objects.filter(ended_at__isnull=True).values_list(
        "service_user_id", "need"
    ):
        needs.setdefault(person_id, []).append(need)
    return needs


def iter_pseudonymised_contacts(*, key: str, since: dt.date | None = None) -> Iterator[list[str]]:
    """Every offered contact (missed and cancelled included, E17) in MHSDS shape, one row each,
    without names, NHS numbers, dates of birth or postcodes; restricted records left out.
    Contacts still to come and those awaiting an outcome are not offered-and-settled, so omitted.
    """
    needs = _current_needs()
    contacts = (
        Contact.objects.filter(
            attend_status__isnull=False, service_user__processing_restricted=False
        )
        .select_related("service_user", "team__service")
        .order_by("pk")
    )
    if since is not None:
        contacts = contacts.filter(start__date__gte=since)
    for contact in contacts.iterator(chunk_size=5000):
        person = contact.service_user
        local = timezone.localtime(contact.start)
        yield [
            pseudonym(person.nhs_number, key),
            str(contact.pk),
            local.date().isoformat(),
            local.strftime("%H:%M"),
            contact.planned_cons_mechanism,
            contact.attend_status or "",
            contact.consultation_type,
            str(contact.duration_minutes),
            str(person.age_on(local.date())),
            person.ethnic_category,
            person.gender,
            person.gender_identity,
            "" if person.imd_decile is None else str(person.imd_decile),
            person.rurality,
            person.main_language,
            "Y" if contact.interpreter_needed else "N",
            ";".join(sorted(needs.get(person.pk, []))),
            "Y" if contact.technical_failure else "N",
            contact.team.service.name,
        ]


PREFERENCE_COLUMNS = [
    "Person_ID",
    "ConsMechanismMH",
    "AttendStatus",  # the current preference: prefers, accepts or declines
    "AgeCareContDate",
    "EthnicCategory",
    "Gender",
    "GenderIDCode",
    "IMD_Decile",
    "Rurality",
    "AccessNeeds",
]


def iter_pseudonymised_preferences(*, key: str) -> Iterator[list[str]]:
    """Each person's current view of each mode (E20), pseudonymised like the contacts, so that
    declined remote offers can be counted by group; restricted records left out."""
    needs = _current_needs()
    today = timezone.localdate()
    current = (
        ModePreference.objects.filter(
            superseded_at__isnull=True, service_user__processing_restricted=False
        )
        .select_related("service_user")
        .order_by("pk")
    )
    for preference in current.iterator(chunk_size=5000):
        person = preference.service_user
        yield [
            pseudonym(person.nhs_number, key),
            codes.cons_mechanism_for(preference.mode),
            preference.preference,
            str(person.age_on(today)),
            person.ethnic_category,
            person.gender,
            person.gender_identity,
            "" if person.imd_decile is None else str(person.imd_decile),
            person.rurality,
            ";".join(sorted(needs.get(person.pk, []))),
        ]


def list_past_retention(*, years: int, today: dt.date | None = None) -> list[ServiceUser]:
    """Discharged people whose last contact (or registration) is older than the retention period:
    for review and disposal under the trust's records policy, never deleted automatically."""
    today = today or timezone.localdate()
    try:
        cutoff = today.replace(year=today.year - years)
    except ValueError:  # 29 February, and that year had none: the period ends on the 28th
        cutoff = today.replace(year=today.year - years, day=28)
    people = ServiceUser.objects.filter(status=ServiceUser.Status.DISCHARGED).annotate(
        last_contact=Max("contacts__start")
    )
    return [
        p
        for p in people
        if timezone.localdate(p.last_contact or p.registered_at) < cutoff  # type: ignore[attr-defined]
    ]


SERVICE_CHANGE_COLUMNS = [
    "ServiceChangeID",
    "Service",
    "ChangeDate",
    "Summary",
    "ModesBefore",
    "ModesAfter",
]


def iter_service_changes() -> Iterator[list[str]]:
    """Every recorded service change (E23), oldest first, as `caremode evaluate --changes`
    reads them: the date in UK local time, modes `;`-separated. No one's identity is in them."""
    for change in ServiceChange.objects.select_related("service").order_by("changed_at", "pk"):
        yield [
            str(change.pk),
            change.service.name,
            timezone.localtime(change.changed_at).date().isoformat(),
            change.summary,
            ";".join(change.modes_before),
            ";".join(change.modes_after),
        ]
