from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from caremode.accounts.models import User
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.feedback.carer_input import withdraw_carer_input
from caremode.feedback.services import withdraw_feedback_requests_to_carer
from caremode.messaging.services import withdraw_queued_messages_to_carer
from caremode.people.models import CarerConsent, ServiceUser
from caremode.people.services import revoke_consent
from caremode.records.selectors import build_subject_access_export
from caremode.rooms.services import revoke_carer_passes


@transaction.atomic
def export_subject_access(
    *, actor: User, service_user: ServiceUser, form: str = "json"
) -> dict[str, Any]:
    """Everything held about a person, for a subject access request; audited as an export,
    naming the form it is given in (`json`, `html` or `pdf`: the same content)."""
    export = build_subject_access_export(service_user)
    record_event(
        actor=actor,
        action=AuditAction.EXPORT,
        obj=service_user,
        subject_id=service_user.pk,
        reason="Subject access request",
        detail={"sections": sorted(export), "form": form},
    )
    return export


@dataclass(frozen=True)
class ConsentWithdrawal:
    consent: CarerConsent
    messages_withdrawn: int
    room_passes_revoked: int
    invitations_revoked: int = 0
    questionnaires_withdrawn: int = 0


@transaction.atomic
def withdraw_carer_consent(
    *, actor: User, consent: CarerConsent, reason: str = ""
) -> ConsentWithdrawal:
    """Withdraw a carer's consent and everything that rested on it, in one transaction (E10).

    Composes the apps below (people cannot call them): the consent is revoked
    (`people.services.revoke_consent`), and the messages queued for that carer about that person
    are withdrawn with the reason (`messaging.services.withdraw_queued_messages_to_carer`), and
    the carer's video-room passes for that person are revoked, their room sessions ended and, on
    commit, their sockets closed (`rooms.services.revoke_carer_passes`), and their open
    invitations to give input before assessments and their feedback questionnaires closed
    (`feedback.carer_input.withdraw_carer_input`, `feedback.services.
    withdraw_feedback_requests_to_carer`).
    Raises ConsentAlreadyRevokedError when it was already withdrawn; then nothing changes.
    Audited: the revocation, and what it reached.
    """
    revoke_consent(actor=actor, consent=consent, reason=reason)
    carer, service_user = consent.carer, consent.service_user
    withdrawn = withdraw_queued_messages_to_carer(carer=carer, service_user=service_user)
    passes = revoke_carer_passes(actor=actor, carer=carer, service_user=service_user)
    invitations = withdraw_carer_input(carer=carer, service_user=service_user)
    questionnaires = withdraw_feedback_requests_to_carer(carer=carer, service_user=service_user)
    record_event(
        actor=actor,
        action=AuditAction.REVOKE,
        object_type="queued messages to a carer",
        object_id=str(carer.pk),
        subject_id=service_user.pk,
        reason="Consent withdrawn",
        detail={
            "consent": consent.pk,
            "messages_withdrawn": withdrawn,
            "room_passes": passes,
            "invitations": invitations,
            "questionnaires": questionnaires,
        },
    )
    return ConsentWithdrawal(
        consent=consent,
        messages_withdrawn=withdrawn,
        room_passes_revoked=passes,
        invitations_revoked=invitations,
        questionnaires_withdrawn=questionnaires,
    )
