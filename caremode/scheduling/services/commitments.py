from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from caremode.accounts.models import User
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.core import codes
from caremode.core.errors import DomainError
from caremode.people.models import ServiceUser
from caremode.scheduling import diary
from caremode.scheduling.errors import ContactTimeNotAllowedError
from caremode.scheduling.models import Commitment


@transaction.atomic
def agree_commitment(
    *,
    actor: User,
    service_user: ServiceUser,
    consultation_type: str,
    mode: str,
    weekday: int,
    time: dt.time,
    every_weeks: int = 1,
    starts_on: dt.date | None = None,
) -> Commitment:
    """Record an agreed rhythm ("a telephone call every Tuesday at 3pm") that CareMode then
    checks against the contacts delivered (E11). Raises DomainError naming the field (a time off
    the diary's 5-minute grid: ContactTimeNotAllowedError)."""
    if consultation_type not in codes.CONSULTATION_TYPES:
        raise DomainError("Select the type of contact.", field="consultation_type")
    if mode not in service_user.team.service.modes_offered:
        raise DomainError("The service does not offer that mode.", field="mode")
    if not 0 <= weekday <= 4:
        raise DomainError("Choose a weekday, Monday to Friday.", field="weekday")
    problem = diary.clock_time_problem(time)
    if problem:
        raise ContactTimeNotAllowedError(problem, field="time")
    if not 1 <= every_weeks <= 8:
        raise DomainError("Choose every 1 to 8 weeks.", field="every_weeks")
    starts_on = starts_on or timezone.localdate()
    if starts_on < timezone.localdate():
        raise DomainError("The first date cannot be in the past.", field="starts_on")
    commitment = Commitment.objects.create(
        service_user=service_user,
        clinician=actor,
        consultation_type=consultation_type,
        mode=mode,
        weekday=weekday,
        time=time,
        every_weeks=every_weeks,
        starts_on=starts_on,
        agreed_by=actor,
        agreed_at=timezone.now(),
    )
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        obj=commitment,
        subject_id=service_user.pk,
        detail={
            "mode": mode,
            "weekday": weekday,
            "time": time.isoformat(),
            "every_weeks": every_weeks,
        },
    )
    return commitment


@transaction.atomic
def end_commitment(*, actor: User, commitment: Commitment, reason: str) -> Commitment:
    """Stop a commitment from today, with the reason (agreed with the person, E11)."""
    if not reason.strip():
        raise DomainError("Give the reason for ending the commitment.", field="reason")
    if commitment.ends_on is not None:
        raise DomainError("This commitment has already ended.")
    commitment.ends_on = timezone.localdate()
    commitment.save(update_fields=["ends_on"])
    record_event(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=commitment,
        subject_id=commitment.service_user_id,
        reason=reason,
        detail={"ended": True},
    )
    return commitment
