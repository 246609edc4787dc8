"""Reads that gather one person's data from every app: the subject access export."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Max
from django.forms.models import model_to_dict
from django.utils import timezone

from caremode.audit.models import AuditEvent
from caremode.core import codes
from caremode.core.pseudonyms import pseudonym
from caremode.decisions.models import DecisionRecord, ModePreference
from caremode.messaging.models import OutboundMessage, RecipientKind
from caremode.monitoring.instruments import Measure
from caremode.monitoring.models import (
    Assessment,
    CheckIn,
    CheckInSchedule,
    WarningSign,
    WarningSignReport,
)
from caremode.people.models import AccessNeed, CarerConsent, ServiceChange, ServiceUser
from caremode.scheduling.models import (
    AppointmentRequest,
    Commitment,
    Contact,
    ContactChange,
    FollowUpTask,
    Handover,
)
from caremode.scheduling.selectors import cons_mechanism, cons_type, interpreter_present
from caremode.workforce.selectors import digital_support_by_person

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
        "messages": _without_link_tokens(
            _rows(
                OutboundMessage.objects.filter(
                    service_user=service_user, recipient_kind=RecipientKind.SERVICE_USER
                )
            )
        )
        + _rows(
            OutboundMessage.objects.filter(service_user=service_user).exclude(
                recipient_kind=RecipientKind.SERVICE_USER
            ),
            exclude=CARER_MESSAGE_PRIVATE,
        ),
        "requests_about_appointments": _rows(
            AppointmentRequest.objects.filter(service_user=service_user),
            exclude=("id", "service_user", "team", "requested_by", "closed_by"),
        ),
        **_monitoring_sections(service_user),
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


# A check-in or room link in a message body still works until it is used or expires: the export
# (downloaded by staff) says a link was sent, never the link itself.
_LINK_TOKEN = re.compile(r"/(check-in|rooms/join)/[^/\s]+/")


def _without_link_tokens(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {**row, "body": _LINK_TOKEN.sub(r"/\1/[link removed]/", row["body"])}
        if isinstance(row.get("body"), str)
        else row
        for row in rows
    ]


def _monitoring_sections(service_user: ServiceUser) -> dict[str, Any]:
    """The person's monitoring data for the subject access export: check-in schedules and
    check-ins (never a link's token hash), every questionnaire with its answers and CareMode's
    score, their early-warning signs and when they reported them; staff by name."""
    schedules = CheckInSchedule.objects.filter(service_user=service_user).select_related(
        "agreed_by"
    )
    assessments = Assessment.objects.filter(service_user=service_user).select_related("contact")
    signs = WarningSign.objects.filter(service_user=service_user).select_related("agreed_by")
    reports = WarningSignReport.objects.filter(service_user=service_user).select_related("sign")
    return {
        "check_in_schedules": [
            {
                **model_to_dict(row, exclude=["id", "service_user", "agreed_by", "ended_by"]),
                "agreed_by": str(row.agreed_by),
            }
            for row in schedules.order_by("agreed_at", "pk")
        ],
        "check_ins": _rows(
            CheckIn.objects.filter(service_user=service_user).order_by("due_at", "pk"),
            exclude=("id", "service_user", "schedule", "token_hash"),
        ),
        "questionnaires": [
            {
                **model_to_dict(
                    row, exclude=["id", "service_user", "checkin", "contact", "recorded_by"]
                ),
                "scored_during_contact_on": row.contact.start if row.contact else None,
            }
            for row in assessments.order_by("taken_at", "pk")
        ],
        "early_warning_signs": [
            {
                **model_to_dict(row, exclude=["id", "service_user", "agreed_by", "retired_by"]),
                "agreed_with": str(row.agreed_by),
            }
            for row in signs
        ],
        "early_warning_signs_reported": [
            {"sign": report.sign.sign, "reported_at": report.reported_at}
            for report in reports.order_by("reported_at", "pk")
        ],
    }


# CareMode's own columns (not MHSDS), Y or N as of the contact's date: had the person (or a carer
# for them) been offered digital support, and had they taken it up (docs/data-standards.md).
DIGITAL_SUPPORT_COLUMNS = ("DigitalSupportOffered", "DigitalSupportTakenUp")


def digital_support_flags(
    firsts: tuple[dt.date | None, dt.date | None] | None, day: dt.date
) -> list[str]:
    """The two digital support columns for one contact on `day`, from the person's first offer
    and first uptake (`workforce.selectors.digital_support_by_person`)."""
    offered, taken = firsts or (None, None)
    return [
        "Y" if offered is not None and offered <= day else "N",
        "Y" if taken is not None and taken <= day else "N",
    ]


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
    *DIGITAL_SUPPORT_COLUMNS,
    "Service",  # the service the contact's team belongs to: matches service_changes.csv
]


def _current_needs() -> dict[int, list[str]]:
    """Each person's current access needs, by service user id."""
    needs: dict[int, list[str]] = {}
    for person_id, need in AccessNeed.objects.filter(ended_at__isnull=True).values_list(
        "service_user_id", "need"
    ):
        needs.setdefault(person_id, []).append(need)
    return needs


def _needs_history() -> dict[int, list[tuple[str, dt.datetime, dt.datetime | None]]]:
    """Every access need ever recorded, by service user id: (need, recorded, ended or None)."""
    history: dict[int, list[tuple[str, dt.datetime, dt.datetime | None]]] = {}
    for person_id, need, recorded_at, ended_at in AccessNeed.objects.values_list(
        "service_user_id", "need", "recorded_at", "ended_at"
    ):
        history.setdefault(person_id, []).append((need, recorded_at, ended_at))
    return history


def needs_at(history: list[tuple[str, dt.datetime, dt.datetime | None]], when: dt.datetime) -> str:
    """The access needs current at `when` (recorded by then and not yet ended), `;`-separated."""
    return ";".join(
        sorted(
            {
                need
                for need, recorded_at, ended_at in history
                if recorded_at <= when and (ended_at is None or ended_at > when)
            }
        )
    )


def iter_pseudonymised_contacts(*, key: str, since: dt.date | None = None) -> Iterator[list[str]]:
    """Every offered care contact (missed and cancelled included, E17) in MHSDS shape, one row
    each (a digital support session is not a care contact: it is counted in the two
    DigitalSupport columns instead), without names, NHS numbers, dates of birth or postcodes;
    restricted records left out.
    Contacts still to come and those awaiting an outcome are not offered-and-settled, so omitted.
    ConsMechanismMH is the mode used when the contact took place, else the planned mode; access
    needs are those current at the contact's start; ConsType is MHSDS's 01 or 02.
    """
    needs = _needs_history()
    support = digital_support_by_person()
    contacts = (
        Contact.objects.care()
        .filter(attend_status__isnull=False, service_user__processing_restricted=False)
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
            cons_mechanism(contact),
            contact.attend_status or "",
            cons_type(contact.consultation_type),
            str(contact.duration_minutes),
            str(person.age_on(local.date())),
            person.ethnic_category,
            person.gender,
            person.gender_identity,
            "" if person.imd_decile is None else str(person.imd_decile),
            person.rurality,
            person.main_language,
            interpreter_present(contact),
            needs_at(needs.get(person.pk, []), contact.start),
            "Y" if contact.technical_failure else "N",
            *digital_support_flags(support.get(person.pk), local.date()),
            contact.team.service.name,
        ]


# The outcomes extract (`caremode extract --outcomes scores.csv`): one row per scored assessment.
OUTCOME_COLUMNS = ["Person_ID", "AssessmentDate", "Measure", "Score", "UniqCareContID", "Source"]


def _score_text(measure: str, score: Decimal) -> str:
    """PHQ-9 and GAD-7 totals as whole numbers; DIALOG's life mean to two decimals."""
    if measure == Measure.DIALOG:
        return f"{score.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):f}"
    return str(int(score))


def iter_pseudonymised_scores(*, key: str, since: dt.date | None = None) -> Iterator[list[str]]:
    """Every complete, scored assessment (`OUTCOME_COLUMNS`), pseudonymised as the contacts are
    (the same `Person_ID`), restricted records left out; incomplete questionnaires are never
    written. `UniqCareContID` is the contact a clinician scored it in, blank for a check-in."""
    assessments = (
        Assessment.objects.filter(
            complete=True, score__isnull=False, service_user__processing_restricted=False
        )
        .select_related("service_user")
        .order_by("taken_at", "pk")
    )
    if since is not None:
        assessments = assessments.filter(taken_at__date__gte=since)
    pseudonyms: dict[int, str] = {}
    for assessment in assessments.iterator(chunk_size=5000):
        day = timezone.localdate(assessment.taken_at)
        person = assessment.service_user
        if person.pk not in pseudonyms:
            pseudonyms[person.pk] = pseudonym(person.nhs_number, key)
        assert assessment.score is not None
        yield [
            pseudonyms[person.pk],
            day.isoformat(),
            assessment.measure,
            _score_text(assessment.measure, assessment.score),
            "" if assessment.contact_id is None else str(assessment.contact_id),
            assessment.source,
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
