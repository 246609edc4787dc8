"""Reads that gather one person's data from every app: the subject access export."""

from __future__ import annotations

from typing import Any

from django.forms.models import model_to_dict

from caremode.audit.models import AuditEvent
from caremode.decisions.models import DecisionRecord, ModePreference
from caremode.messaging.models import OutboundMessage
from caremode.people.models import AccessNeed, CarerConsent, ServiceUser
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
        "messages": _rows(OutboundMessage.objects.filter(service_user=service_user)),
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
