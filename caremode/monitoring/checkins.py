"""Writes of check-ins: agreeing, changing and stopping a schedule; creating due check-ins and
sending their links; missed check-ins. Answering one is in `checkin_answers.py`.

The services of check-ins (the `services` layer of monitoring, apart from `services.py` so that
scoring and check-ins each stay a readable size). Rules and defaults, each in the hazard log
(docs/clinical-safety.md, H-M10 to H-M16):
- a check-in is open for `CHECKIN_OPEN_FOR` from when it is due; after that it is missed;
- two missed in a row (withdrawn ones do not count, a completed one ends the run) raise one
  follow-up for the team and one alert, once per run (E13);
- the link goes to the service user only, never to a carer (`Purpose.CHECKIN` is in
  `messaging.purposes.SERVICE_USER_ONLY`, so messaging refuses it for every carer);
- a link is a 256-bit random token of which only the SHA-256 hash is stored; it answers one
  check-in once, until it expires, and never for someone discharged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from caremode.accounts.models import User
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.core import codes
from caremode.core.links import new_link
from caremode.core.presenters import nhs_datetime
from caremode.messaging.models import Channel as MessageChannel
from caremode.messaging.purposes import Purpose
from caremode.messaging.services import cancel_queued_messages, queue_message
from caremode.monitoring.errors import (
    CheckInScheduleError,
)
from caremode.monitoring.instruments import Measure
from caremode.monitoring.models import (
    Channel,
    CheckIn,
    CheckInSchedule,
    Rhythm,
)
from caremode.people.models import ServiceUser
from caremode.scheduling import diary
from caremode.scheduling.models import Contact, FollowUpTask
from caremode.scheduling.services import raise_team_alert

# How long a check-in can be answered after it is due; then it is missed (H-M11).
CHECKIN_OPEN_FOR = dt.timedelta(days=3)
# Days between check-ins for each regular rhythm.
RHYTHM_DAYS = {Rhythm.WEEKLY: 7, Rhythm.FORTNIGHTLY: 14, Rhythm.MONTHLY: 28}
# "Before each review": the check-in opens this long before each booked review and closes when
# the review starts, so the answers are there to talk about.
BEFORE_REVIEW = dt.timedelta(days=2)
# A regular check-in is due at this UK local time on its day.
DUE_AT_HOUR = 9
# Check-ins missed in a row that raise a follow-up for the team (H-M11, E13).
MISSED_IN_A_ROW = 2


CHECKIN_PATH = "/check-in/{token}/"


def _audit(
    actor: User | None, action: str, obj: models.Model, subject_id: int, **detail: object
) -> None:
    record_event(actor=actor, action=action, obj=obj, subject_id=subject_id, detail=detail)


def _check_active(service_user: ServiceUser) -> None:
    if service_user.status != ServiceUser.Status.ACTIVE:
        raise CheckInScheduleError(
            f"{service_user} has been discharged: check-ins can no longer be agreed.",
            field="service_user",
        )


def _check_channel(service_user: ServiceUser, channel: str) -> None:
    if channel == Channel.SMS and not (service_user.phone and service_user.accepts_sms):
        raise CheckInScheduleError(
            "Check-ins cannot come by text message: there is no mobile number, or the person "
            "has not agreed to text messages. Choose email or the portal.",
            field="channel",
        )
    if channel == Channel.EMAIL and not (service_user.email and service_user.accepts_email):
        raise CheckInScheduleError(
            "Check-ins cannot come by email: there is no email address, or the person has not "
            "agreed to emails. Choose text message or the portal.",
            field="channel",
        )
    if channel == Channel.PORTAL and service_user.account_id is None:
        raise CheckInScheduleError(
            "The person has no portal account, so check-ins in the portal would never be seen. "
            "Choose text message or email.",
            field="channel",
        )


def _end_current(
    *, actor: User, service_user: ServiceUser, reason: str, now: dt.datetime
) -> CheckInSchedule | None:
    """End the current schedule (locked) and withdraw its open check-ins and queued links."""
    current = (
        CheckInSchedule.objects.select_for_update()
        .filter(service_user=service_user, ended_at__isnull=True)
        .first()
    )
    if current is None:
        return None
    current.ended_at = now
    current.ended_by = actor
    current.end_reason = reason[:200]
    current.save(update_fields=["ended_at", "ended_by", "end_reason"])
    _audit(actor, AuditAction.REVOKE, current, service_user.pk, reason=current.end_reason)
    for checkin in CheckIn.objects.filter(schedule=current, status=CheckIn.Status.DUE):
        _withdraw(checkin, why="The check-in schedule changed or stopped")
    return current


def _withdraw(checkin: CheckIn, *, why: str) -> None:
    if CheckIn.objects.filter(pk=checkin.pk, status=CheckIn.Status.DUE).update(
        status=CheckIn.Status.WITHDRAWN
    ):
        cancel_queued_messages(reference=f"checkin:{checkin.pk}", purpose=Purpose.CHECKIN, why=why)
        _audit(None, AuditAction.UPDATE, checkin, checkin.service_user_id, status="withdrawn")


@transaction.atomic
def agree_checkin_schedule(
    *,
    actor: User,
    service_user: ServiceUser,
    measures: Sequence[str],
    rhythm: str,
    channel: str,
    ask_warning_signs: bool = True,
    starts_on: dt.date | None = None,
) -> CheckInSchedule:
    """Agree (or change) the person's check-in schedule: which measures, how often, how sent.

    `actor` is the clinician agreeing it with the person, or the person themself changing it in
    the portal. The current schedule, if any, is ended (history kept) and its open check-ins
    and queued links withdrawn; the new one starts on `starts_on` (today by default). Audited.
    Raises CheckInScheduleError naming `measures`, `rhythm`, `channel`, `starts_on` or
    `service_user` (discharged); nothing changes when it does."""
    _check_active(service_user)
    chosen = [m for m in Measure if m.value in set(measures)]
    if not chosen or len(chosen) != len(set(measures)):
        raise CheckInScheduleError("Select at least one questionnaire.", field="measures")
    if rhythm not in Rhythm.values:
        raise CheckInScheduleError("Select how often check-ins come.", field="rhythm")
    if channel not in Channel.values:
        raise CheckInScheduleError("Select how check-ins are sent.", field="channel")
    _check_channel(service_user, channel)
    now = timezone.now()
    today = timezone.localdate(now)
    starts_on = starts_on or today
    if starts_on < today:
        raise CheckInScheduleError("The first check-in cannot be in the past.", field="starts_on")
    ServiceUser.objects.select_for_update().filter(pk=service_user.pk).first()
    previous = _end_current(actor=actor, service_user=service_user, reason="Changed", now=now)
    schedule = CheckInSchedule.objects.create(
        service_user=service_user,
        measures=[m.value for m in chosen],
        rhythm=rhythm,
        channel=channel,
        ask_warning_signs=ask_warning_signs,
        starts_on=starts_on,
        agreed_by=actor,
        agreed_at=now,
    )
    _audit(
        actor,
        AuditAction.CREATE,
        schedule,
        service_user.pk,
        measures=schedule.measures,
        rhythm=rhythm,
        channel=channel,
        replaces=previous.pk if previous else None,
    )
    return schedule


@transaction.atomic
def stop_checkin_schedule(*, actor: User, service_user: ServiceUser, reason: str = "") -> bool:
    """Stop the person's check-ins (the person in the portal, or their clinician).

    Ends the current schedule with no successor and withdraws its open check-ins and queued
    links. Audited. False when there was no schedule to stop."""
    ServiceUser.objects.select_for_update().filter(pk=service_user.pk).first()
    stopped = _end_current(
        actor=actor, service_user=service_user, reason=reason or "Stopped", now=timezone.now()
    )
    return stopped is not None


# Creating due check-ins (the worker's periodic check).


def _regular_due(schedule: CheckInSchedule, now: dt.datetime) -> dt.datetime | None:
    """The latest due moment of a regular schedule at or before `now`, or None."""
    days = RHYTHM_DAYS[Rhythm(schedule.rhythm)]
    today = timezone.localdate(now)
    if today < schedule.starts_on:
        return None
    periods = (today - schedule.starts_on).days // days
    for back in (0, 1):
        if periods - back < 0:
            return None
        day = schedule.starts_on + dt.timedelta(days=days * (periods - back))
        due = timezone.make_aware(dt.datetime.combine(day, dt.time(DUE_AT_HOUR)))
        if due <= now:
            return due
    return None


def _review_windows(
    schedule: CheckInSchedule, now: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """(opens, closes) for each booked review the check-in should come before, open now."""
    reviews = Contact.objects.filter(
        service_user_id=schedule.service_user_id,
        attend_status__isnull=True,
        consultation_type__in=codes.REVIEW_CONSULTATION_TYPES,
        start__gt=now,
        start__lte=now + BEFORE_REVIEW,
    ).order_by("start")
    starts_on = timezone.make_aware(dt.datetime.combine(schedule.starts_on, dt.time(0)))
    return [
        (max(review.start - BEFORE_REVIEW, starts_on, schedule.agreed_at), review.start)
        for review in reviews
        if review.start > starts_on
    ]


@dataclass(frozen=True)
class IssuedCheckIn:
    checkin: CheckIn
    link: str  # the only place the token exists: sent, never stored


def _issue(schedule: CheckInSchedule, *, due: dt.datetime, expires: dt.datetime) -> IssuedCheckIn:
    new = new_link()
    now = timezone.now()
    checkin = CheckIn.objects.create(
        schedule=schedule,
        service_user_id=schedule.service_user_id,
        measures=list(schedule.measures),
        due_at=due,
        expires_at=expires,
        token_hash=new.token_hash if schedule.channel != Channel.PORTAL else None,
    )
    _audit(None, AuditAction.CREATE, checkin, schedule.service_user_id, due_at=due.isoformat())
    link = new.url(CHECKIN_PATH)
    if schedule.channel != Channel.PORTAL:
        person = schedule.service_user
        sms = schedule.channel == Channel.SMS
        address = person.phone if sms else person.email
        allowed = person.accepts_sms if sms else person.accepts_email
        if address and allowed:
            queue_message(
                service_user=person,
                channel=MessageChannel.SMS if sms else MessageChannel.EMAIL,
                recipient=address,
                recipient_label=f"{person.given_name} (service user)",
                subject="Your check-in",
                body=checkin_message(person, link=link, expires_at=expires),
                purpose=Purpose.CHECKIN,
                reference=f"checkin:{checkin.pk}",
            )
            checkin.sent_at = now
            checkin.save(update_fields=["sent_at"])
    return IssuedCheckIn(checkin, link)


def checkin_message(person: ServiceUser, *, link: str, expires_at: dt.datetime) -> str:
    """The text of a check-in link: plain English, no clinical detail, what to do if urgent."""
    return (
        f"Hello {person.given_name}, your check-in from {person.team.name} is ready. It takes "
        f"about 2 minutes: {link} The link works once, until {nhs_datetime(expires_at)}. "
        "If you need help now, call NHS 111 and choose the mental health option, or 999 in an "
        "emergency."
    )


def create_due_checkins(*, now: dt.datetime | None = None) -> int:
    """For every current schedule of someone on a caseload, create the check-in due now (once)
    and send its link by the agreed channel to the person only; return how many were created.

    A regular check-in is due at 9am UK time every 7, 14 or 28 days from the schedule's start;
    "before each review" opens two days before each booked review and closes as it starts.
    Each schedule is locked while its check-in is created, so two workers never make two. A
    period whose check-in window closed while nobody ran the worker is not created (nor missed).
    """
    now = now or timezone.now()
    created = 0
    ids = list(
        CheckInSchedule.objects.filter(
            ended_at__isnull=True,
            service_user__status=ServiceUser.Status.ACTIVE,
            starts_on__lte=timezone.localdate(now),
        ).values_list("pk", flat=True)
    )
    for pk in ids:
        with transaction.atomic():
            schedule = (
                CheckInSchedule.objects.select_for_update()
                .select_related("service_user__team")
                .filter(pk=pk, ended_at__isnull=True)
                .first()
            )
            if schedule is None:
                continue
            if schedule.rhythm == Rhythm.BEFORE_REVIEW:
                windows = _review_windows(schedule, now)
            else:
                due = _regular_due(schedule, now)
                windows = [(due, due + CHECKIN_OPEN_FOR)] if due is not None else []
            for due, expires in windows:
                if expires <= now:
                    continue
                if schedule.checkins.filter(due_at=due).exists():
                    continue
                if schedule.checkins.filter(status=CheckIn.Status.DUE, expires_at__gt=now).exists():
                    continue  # one open check-in at a time
                _issue(schedule, due=due, expires=expires)
                created += 1
    return created


# Missed check-ins (the worker's periodic check).


def mark_missed_checkins(*, now: dt.datetime | None = None) -> int:
    """Mark check-ins whose window closed unanswered as missed; return how many.

    A due check-in of someone discharged is withdrawn instead (it is not theirs to miss). Then,
    for each person with `MISSED_IN_A_ROW` missed in a row, one follow-up for the team and one
    alert, keyed by the first check-in of the run so a third miss does not raise another."""
    now = now or timezone.now()
    missed = 0
    people: set[int] = set()
    closed = CheckIn.objects.filter(status=CheckIn.Status.DUE, expires_at__lte=now)
    for checkin in closed.select_related("service_user"):
        with transaction.atomic():
            if checkin.service_user.status != ServiceUser.Status.ACTIVE:
                _withdraw(checkin, why="The person was discharged")
                continue
            if CheckIn.objects.filter(pk=checkin.pk, status=CheckIn.Status.DUE).update(
                status=CheckIn.Status.MISSED
            ):
                _audit(None, AuditAction.UPDATE, checkin, checkin.service_user_id, status="missed")
                missed += 1
                people.add(checkin.service_user_id)
    for person_id in sorted(people):
        with transaction.atomic():
            _follow_up_missed_run(person_id, now=now)
    return missed


def _follow_up_missed_run(person_id: int, *, now: dt.datetime) -> FollowUpTask | None:
    person = ServiceUser.objects.select_related("team").get(pk=person_id)
    run: list[CheckIn] = []
    for checkin in (
        CheckIn.objects.filter(service_user_id=person_id)
        .exclude(status__in=[CheckIn.Status.WITHDRAWN, CheckIn.Status.DUE])
        .order_by("-due_at", "-pk")
    ):
        if checkin.status != CheckIn.Status.MISSED:
            break
        run.append(checkin)
    if len(run) < MISSED_IN_A_ROW:
        return None
    first = run[-1]
    key = f"checkins-missed:{first.pk}"
    reason = f"{len(run)} check-ins missed in a row since {nhs_datetime(first.due_at)}"
    try:
        with transaction.atomic():
            task = FollowUpTask.objects.create(
                key=key,
                service_user=person,
                team_id=person.team_id,
                due_on=diary.add_working_days(timezone.localdate(now), person.team.follow_up_days),
                reason=reason[:200],
                created_at=now,
            )
            _audit(None, AuditAction.CREATE, task, person.pk, reason="missed check-ins")
    except IntegrityError:
        return None  # raised for this run already
    raise_team_alert(
        kind="missed_checkins",
        key=key,
        service_user=person,
        message=f"{reason}. Get in touch to see how they are.",
    )
    return task
