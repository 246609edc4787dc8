from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.utils import timezone

from caremode.accounts.models import Role, User
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.core.presenters import nhs_datetime
from caremode.messaging.purposes import Purpose
from caremode.people.models import ServiceUser, Team
from caremode.people.selectors import list_teams_for
from caremode.scheduling.errors import HandoverError
from caremode.scheduling.models import (
    Commitment,
    Contact,
    ContactChange,
    FollowUpTask,
    Handover,
    TeamAlert,
)
from caremode.scheduling.services import reminders
from caremode.scheduling.services.booking import cancel_contact
from caremode.scheduling.services.checks import resolve_alert
from caremode.scheduling.services.commitments import end_commitment
from caremode.scheduling.services.outcomes import complete_follow_up

# A UK number the person can ring: a landline or a mobile, typed with spaces if they like.
UK_PHONE = re.compile(r"^(?:\+44|0)[1-9][0-9]{8,9}$")


@transaction.atomic
def request_handover(
    *,
    actor: User,
    service_user: ServiceUser,
    kind: str,
    summary: str,
    to_team: Team | None = None,
    receiver_name: str = "",
    receiver_phone: str = "",
) -> Handover:
    """Ask another team (transfer) or the next carer of care (discharge) to take the person on.

    The person stays on this caseload until the handover is accepted (E11): a transfer by the
    receiving team, a discharge by this team's manager (not `actor`). Raises HandoverError
    naming the field: no summary, a transfer without a receiving team or to the same team, a
    discharge without a receiver or without a UK phone number the person can call, or a
    handover already pending. Audited.
    """
    if kind not in Handover.Kind.values:
        raise HandoverError("Select transfer or discharge.", field="kind")
    if not summary.strip():
        raise HandoverError("Write what the receiver needs to know.", field="summary")
    if kind == Handover.Kind.TRANSFER and (to_team is None or to_team == service_user.team):
        raise HandoverError("Select the team taking over.", field="to_team")
    phone = ""
    if kind == Handover.Kind.DISCHARGE:
        if not receiver_name.strip():
            raise HandoverError(
                "Name who takes over care, for example the GP practice.", field="receiver_name"
            )
        # Kept as typed (people read it back), checked without its spaces and brackets.
        phone = " ".join(receiver_phone.split())
        if not UK_PHONE.match(re.sub(r"[\s()-]", "", phone)):
            raise HandoverError(
                "Enter the UK phone number the person can call from now on, using the digits "
                "0 to 9, like 0113 496 0000.",
                field="receiver_phone",
            )
    try:
        with transaction.atomic():
            handover = Handover.objects.create(
                service_user=service_user,
                kind=kind,
                from_team=service_user.team,
                to_team=to_team if kind == Handover.Kind.TRANSFER else None,
                receiver_name=receiver_name.strip() if kind == Handover.Kind.DISCHARGE else "",
                receiver_phone=phone,
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


def why_not_respond(actor: User, handover: Handover) -> str | None:
    """Why `actor` may not accept or decline `handover`, or None when they may.

    A transfer is answered by the receiving team. A discharge is confirmed by a second person:
    a team manager of the sending team who is not the person who asked for it.
    """
    teams = set(list_teams_for(actor).values_list("pk", flat=True))
    if handover.kind == Handover.Kind.TRANSFER:
        if handover.to_team_id not in teams:
            return "Only the receiving team can answer this handover."
        return None
    if actor.pk == handover.requested_by_id:
        return (
            "A discharge needs a second person: the team manager confirms it, not the "
            "clinician who asked for it."
        )
    if actor.role != Role.TEAM_MANAGER or handover.from_team_id not in teams:
        return f"Only the manager of {handover.from_team} can confirm this discharge."
    return None


def _check_may_respond(actor: User, handover: Handover) -> None:
    problem = why_not_respond(actor, handover)
    if problem:
        raise HandoverError(problem)


def _mark_responded(actor: User, handover: Handover, *, status: str, note: str) -> None:
    updated = Handover.objects.filter(pk=handover.pk, status=Handover.Status.PENDING).update(
        status=status,
        responded_by=actor,
        responded_at=timezone.now(),
        response_note=note.strip()[:500],
    )
    if not updated:
        raise HandoverError("This handover is no longer waiting to be accepted.")
    handover.refresh_from_db()


@transaction.atomic
def accept_handover(*, actor: User, handover: Handover, note: str = "") -> Handover:
    """Accept a pending handover: a transfer moves the person to the receiving team's caseload;
    a discharge, confirmed by the sending team's manager, ends care (see `_discharge`).

    Raises HandoverError if the actor may not respond (`why_not_respond`: for a discharge, the
    clinician who asked cannot confirm it), if it is not pending, or (field `note`) for a
    discharge without a note of how the receiver confirmed they accept care. Audited, naming
    who asked and who confirmed.
    """
    _check_may_respond(actor, handover)
    if handover.kind == Handover.Kind.DISCHARGE and not note.strip():
        raise HandoverError(
            "Record how the receiver confirmed they accept care (who, and when).", field="note"
        )
    if handover.kind == Handover.Kind.DISCHARGE:
        # The person's row first, as every booking locks it (booking.lock_diaries): no contact
        # can be booked for them while the discharge is being made.
        list(
            ServiceUser.objects.select_for_update(no_key=True)
            .filter(pk=handover.service_user_id)
            .values_list("pk", flat=True)
        )
    _mark_responded(actor, handover, status=Handover.Status.ACCEPTED, note=note)
    person = handover.service_user
    detail: dict[str, object] = {
        "accepted": True,
        "kind": handover.kind,
        "requested_by": handover.requested_by_id,
        "confirmed_by": actor.pk,
    }
    if handover.kind == Handover.Kind.TRANSFER:
        ServiceUser.objects.filter(pk=person.pk).update(team=handover.to_team)
    else:
        detail.update(_discharge(actor=actor, handover=handover))
    record_event(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=handover,
        subject_id=person.pk,
        detail=detail,
        reason=note,
    )
    return handover


def _discharge(*, actor: User, handover: Handover) -> dict[str, object]:
    """End care: the person is discharged; contacts still to come are cancelled (their queued
    reminders withdrawn); commitments end; open follow-ups close and open alerts are resolved,
    each audited by its own service; and the person and carers whose consent includes
    appointment details are told what happens next and whom to call. Returns what was done,
    for the audit entry."""
    now = timezone.now()
    person = handover.service_user
    why = f"Discharged to {handover.receiver_name}"
    ServiceUser.objects.filter(pk=person.pk).update(status=ServiceUser.Status.DISCHARGED)
    cancelled = []
    for contact in Contact.objects.filter(
        service_user=person, start__gt=now, attend_status__isnull=True
    ).select_related("service_user__team", "clinician"):
        cancel_contact(
            actor=actor,
            contact=contact,
            initiated_by=ContactChange.InitiatedBy.SERVICE,
            reason=why,
            tell=False,
        )
        cancelled.append(contact)
    commitments = list(Commitment.objects.filter(service_user=person, ends_on__isnull=True))
    for commitment in commitments:
        end_commitment(actor=actor, commitment=commitment, reason=why)
    follow_ups = list(FollowUpTask.objects.filter(service_user=person, completed_at__isnull=True))
    for task in follow_ups:
        complete_follow_up(actor=actor, task=task, note=f"Closed: {why.lower()}.")
    alerts = list(TeamAlert.objects.filter(service_user=person, resolved_at__isnull=True))
    for alert in alerts:
        resolve_alert(actor=actor, alert=alert)
    told = reminders.tell_person_and_carers(
        person,
        purpose=Purpose.DISCHARGE,
        subject="Your care",
        reference=f"handover:{handover.pk}",
        body=discharge_message(handover, cancelled=cancelled),
        send_after=now,
    )
    return {
        "contacts_cancelled": [c.pk for c in cancelled],
        "commitments_ended": len(commitments),
        "follow_ups_closed": [t.pk for t in follow_ups],
        "alerts_resolved": [a.pk for a in alerts],
        "told": told,
    }


def discharge_message(handover: Handover, *, cancelled: list[Contact]) -> str:
    """What the person (and carers with consent) read when a discharge is confirmed: that care
    with the team has ended, who looks after them now and how to call them, what was cancelled,
    and where to turn in a crisis. It names no one, as it may be read on a shared phone."""
    team = handover.from_team.name
    lines = [
        f"Care from {team} has now ended. {handover.receiver_name} looks after your care from "
        f"now on: for help or advice, call them on {handover.receiver_phone}.",
    ]
    if cancelled:
        when = "; ".join(nhs_datetime(c.start) for c in cancelled)
        lines.append(f"These appointments with {team} are cancelled: {when}.")
    lines.append(
        "If you need help urgently, call NHS 111 and choose the mental health option. "
        "In an emergency, call 999."
    )
    return "\n".join(lines)


@transaction.atomic
def decline_handover(*, actor: User, handover: Handover, note: str) -> Handover:
    """Decline a pending handover with the reason; the person stays with the sending team.

    Raises HandoverError as `accept_handover` does, or (field `note`) without a reason. Once
    declined, only the sending team can open it (scheduling.access.access_handover). Audited.
    """
    _check_may_respond(actor, handover)
    if not note.strip():
        raise HandoverError("Give the reason for declining.", field="note")
    _mark_responded(actor, handover, status=Handover.Status.DECLINED, note=note)
    record_event(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=handover,
        subject_id=handover.service_user_id,
        detail={"declined": True, "requested_by": handover.requested_by_id},
        reason=note,
    )
    return handover
