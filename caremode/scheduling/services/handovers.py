from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from caremode.accounts.models import User
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.people.models import ServiceUser, Team
from caremode.people.selectors import list_teams_for
from caremode.scheduling.errors import HandoverError
from caremode.scheduling.models import Contact, ContactChange, Handover
from caremode.scheduling.services.booking import cancel_contact


@transaction.atomic
def request_handover(
    *,
    actor: User,
    service_user: ServiceUser,
    kind: str,
    summary: str,
    to_team: Team | None = None,
    receiver_name: str = "",
) -> Handover:
    """Ask another team (transfer) or the next carer of care (discharge) to take the person on.

    The person stays on this caseload until the handover is accepted (E11). Raises HandoverError
    naming the field: no summary, a transfer without a receiving team or to the same team, a
    discharge without a receiver, or a handover already pending.
    """
    if kind not in Handover.Kind.values:
        raise HandoverError("Select transfer or discharge.", field="kind")
    if not summary.strip():
        raise HandoverError("Write what the receiver needs to know.", field="summary")
    if kind == Handover.Kind.TRANSFER and (to_team is None or to_team == service_user.team):
        raise HandoverError("Select the team taking over.", field="to_team")
    if kind == Handover.Kind.DISCHARGE and not receiver_name.strip():
        raise HandoverError(
            "Name who takes over care, for example the GP practice.", field="receiver_name"
        )
    try:
        with transaction.atomic():
            handover = Handover.objects.create(
                service_user=service_user,
                kind=kind,
                from_team=service_user.team,
                to_team=to_team if kind == Handover.Kind.TRANSFER else None,
                receiver_name=receiver_name.strip(),
                summary=summary.strip(),
                requested_by=actor,
                requested_at=timezone.now(),
            )
    except IntegrityError as error:
        raise HandoverError(
            f"A handover for {service_user.full_name} is already waiting to be accepted."
        ) from error
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        obj=handover,
        subject_id=service_user.pk,
        detail={"kind": kind, "to_team": to_team.pk if to_team else None},
    )
    return handover


def _may_respond(actor: User, handover: Handover) -> bool:
    teams = set(list_teams_for(actor).values_list("pk", flat=True))
    if handover.kind == Handover.Kind.TRANSFER:
        return handover.to_team_id in teams
    # A discharge is confirmed by the sending team once the receiver (e.g. the GP) has accepted.
    return handover.from_team_id in teams


@transaction.atomic
def accept_handover(*, actor: User, handover: Handover, note: str = "") -> Handover:
    """Accept a pending handover. A transfer moves the person to the receiving team's caseload;
    a discharge (confirmed once the receiver has accepted) ends care and cancels contacts still
    booked, telling the person. Raises HandoverError if the actor may not respond or it is not
    pending. Audited."""
    if not _may_respond(actor, handover):
        raise HandoverError("Only the receiving team can accept this handover.")
    if handover.kind == Handover.Kind.DISCHARGE and not note.strip():
        raise HandoverError(
            "Record how the receiver confirmed they accept care (who, and when).", field="note"
        )
    now = timezone.now()
    updated = Handover.objects.filter(pk=handover.pk, status=Handover.Status.PENDING).update(
        status=Handover.Status.ACCEPTED,
        responded_by=actor,
        responded_at=now,
        response_note=note.strip()[:500],
    )
    if not updated:
        raise HandoverError("This handover is no longer waiting to be accepted.")
    handover.refresh_from_db()
    person = handover.service_user
    if handover.kind == Handover.Kind.TRANSFER:
        ServiceUser.objects.filter(pk=person.pk).update(team=handover.to_team)
    else:
        ServiceUser.objects.filter(pk=person.pk).update(status=ServiceUser.Status.DISCHARGED)
        for contact in Contact.objects.filter(
            service_user=person, start__gt=now, attend_status__isnull=True
        ).select_related("service_user__team", "clinician"):
            cancel_contact(
                actor=actor,
                contact=contact,
                initiated_by=ContactChange.InitiatedBy.SERVICE,
                reason=f"Discharged to {handover.receiver_name}",
            )
    record_event(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=handover,
        subject_id=person.pk,
        detail={"accepted": True, "kind": handover.kind},
        reason=note,
    )
    return handover


@transaction.atomic
def decline_handover(*, actor: User, handover: Handover, note: str) -> Handover:
    """Decline a pending handover with the reason; the person stays with the sending team."""
    if not _may_respond(actor, handover):
        raise HandoverError("Only the receiving team can decline this handover.")
    if not note.strip():
        raise HandoverError("Give the reason for declining.", field="note")
    updated = Handover.objects.filter(pk=handover.pk, status=Handover.Status.PENDING).update(
        status=Handover.Status.DECLINED,
        responded_by=actor,
        responded_at=timezone.now(),
        response_note=note.strip()[:500],
    )
    if not updated:
        raise HandoverError("This handover is no longer waiting to be accepted.")
    handover.refresh_from_db()
    record_event(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=handover,
        subject_id=handover.service_user_id,
        detail={"declined": True},
        reason=note,
    )
    return handover
