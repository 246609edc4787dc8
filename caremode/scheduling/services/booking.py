from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from caremode.accounts.models import User
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.core import codes
from caremode.core.errors import DomainError
from caremode.core.presenters import nhs_datetime, nhs_time
from caremode.messaging.services import cancel_queued_messages
from caremode.people.consent import may_join_contacts
from caremode.people.models import Carer, ServiceUser
from caremode.scheduling import diary
from caremode.scheduling.errors import (
    CarerNotConsentedError,
    ContactAlreadySettledError,
    ContactInPastError,
    ContactTimeNotAllowedError,
    DurationNotAllowedError,
    ModeNotOfferedError,
    OutsideWorkingHoursError,
    ServiceUserDischargedError,
    SlotAlreadyBookedError,
)
from caremode.scheduling.events import notify_contact_changed
from caremode.scheduling.models import Contact, ContactChange, TeamAlert, WorkingHours
from caremode.scheduling.selectors import get_working_hours
from caremode.scheduling.services import interpreters, reminders


def lock_diaries(*, service_user_id: int, clinician_id: int) -> str:
    """Lock the person's row, then the clinician's, for the rest of the transaction; return the
    person's status as it stands now.

    Every write that can put a contact into a diary takes these two locks, always in this order
    (person first, then clinician), before it checks for overlaps. Two bookings that could
    clash therefore queue on a row lock instead of each waiting on the other's uncommitted row
    in the two exclusion constraints (which PostgreSQL ends as `deadlock detected`); the one
    that waits then sees the winner's contact and is refused with SlotAlreadyBookedError. FOR
    NO KEY UPDATE: rows that merely refer to the person or the clinician are not held up.
    """
    status = (
        ServiceUser.objects.select_for_update(no_key=True)
        .values_list("status", flat=True)
        .get(pk=service_user_id)
    )
    User.objects.select_for_update(no_key=True).filter(pk=clinician_id).values_list(
        "pk", flat=True
    ).get()
    return str(status)


def check_duration(duration_minutes: object) -> None:
    """Raise DurationNotAllowedError (field `duration_minutes`) unless diary.duration_problem
    allows the length."""
    problem = diary.duration_problem(duration_minutes)
    if problem:
        raise DurationNotAllowedError(problem, field="duration_minutes")


def _check_time(
    *,
    clinician: User,
    service_user: ServiceUser,
    start: dt.datetime,
    duration_minutes: int,
    mode: str,
    exclude: int | None = None,
) -> tuple[dt.datetime, dt.datetime]:
    """Check a proposed time and return (end, blocked_until); raise naming the field.

    The overlap check here gives a clear message; the database constraints
    (0003_no_double_booking) make it hold under any concurrency.
    """
    check_duration(duration_minutes)
    now = timezone.now()
    if start <= now:
        raise ContactInPastError(
            "The start must be in the future. To record a contact that has happened, "
            "record its outcome instead.",
            field="start",
        )
    problem = diary.start_problem(start, timezone.localdate(now))
    if problem:
        raise ContactTimeNotAllowedError(problem, field="start")
    problem = diary.outside_working_hours(start, duration_minutes, get_working_hours(clinician))
    if problem:
        raise OutsideWorkingHoursError(problem, field="start")
    end = diary.contact_end(start, duration_minutes)
    until = diary.blocked_until(
        start, duration_minutes, mode, service_user.team.remote_buffer_minutes
    )
    standing = Contact.objects.exclude(attend_status__in=["2", "4"])
    if exclude is not None:
        standing = standing.exclude(pk=exclude)
    clash = standing.filter(clinician=clinician, start__lt=until, blocked_until__gt=start).first()
    if clash is not None:
        raise SlotAlreadyBookedError(
            f"That clashes with {clinician.get_full_name() or clinician}'s "
            f"{_what_and_when(clash)}"
            + (", or the pause after it" if clash.blocked_until > clash.end_at else "")
            + ". Choose another time.",
            field="start",
        )
    clash = standing.filter(service_user=service_user, start__lt=end, end_at__gt=start).first()
    if clash is not None:
        raise SlotAlreadyBookedError(
            f"That clashes with {service_user.full_name}'s {_what_and_when(clash)}. "
            "Choose another time.",
            field="start",
        )
    return end, until


def _what_and_when(contact: Contact) -> str:
    """What a clashing contact is and when, without naming whom it is with (the clinician's
    other contact may be with someone the person booking cannot see): "digital support
    (video) on Tuesday 24 November 2026 at 3pm, until 3:30pm"."""
    kind = codes.CONTACT_TYPES[contact.consultation_type].lower()
    mode = codes.MODES[contact.planned_mode][1].lower()
    return f"{kind} ({mode}) on {nhs_datetime(contact.start)}, until {nhs_time(contact.end_at)}"


def _save_or_clash(contact: Contact, **kwargs: object) -> None:
    """Save inside a savepoint; the database's overlap rule becomes a clear domain error."""
    try:
        with transaction.atomic():
            contact.save(**kwargs)  # type: ignore[arg-type]
    except IntegrityError as error:
        if "overlap" in str(error) or "exclusion" in str(error) or "conflicting key" in str(error):
            raise SlotAlreadyBookedError(
                "Someone else has just booked that time. Choose another.", field="start"
            ) from error
        raise


@transaction.atomic
def book_contact(
    *,
    actor: User,
    service_user: ServiceUser,
    consultation_type: str,
    mode: str,
    start: dt.datetime,
    duration_minutes: int = 60,
    carer: Carer | None = None,
    interpreter_needed: bool | None = None,
    interpreter_language: str = "",
    interpreting: str = "",
    notes: str = "",
) -> Contact:
    """Book a contact with the acting clinician, in a mode the service offers.

    Preconditions: `service_user` was reached through an access function. Takes the diary locks
    (`lock_diaries`: person, then clinician) before any check, so concurrent bookings queue
    rather than deadlock. Raises, naming the field: ContactInPastError,
    ContactTimeNotAllowedError (beyond the booking horizon or off the 5-minute grid),
    DurationNotAllowedError, OutsideWorkingHoursError (outside the clinician's hours or a bank
    holiday), SlotAlreadyBookedError (the clinician, or the person, already has a contact then,
    including the pause after a remote contact, or someone has just booked it — enforced by the
    database too), ModeNotOfferedError, CarerNotConsentedError (E10),
    ServiceUserDischargedError, DomainError for an unknown code (`consultation_type` is one of
    `codes.CONTACT_TYPES`: a clinical type, or digital support, which `workforce` books). The
    overlap errors name what the time clashes with. Queues the reminder (and, before a first
    remote contact, guidance). When the person needs an interpreter (`interpreter_needed`
    overrides it), arranges one (`interpreters.arrange_interpreter`: the language and how from
    their access need, recorded on the contact, the interpreting service asked through the
    outbox), whoever calls this. A booker that names the interpreter's language
    (`interpreter_language`, and optionally `interpreting`: a record system's Appointment)
    arranges that one (`interpreters.interpreter_asked_for`), refused with
    InterpreterNotArrangedError (field `interpreter`) when it disagrees with the person's
    recorded need or cannot say how. Audited; the team's open pages hear of it on commit.
    """
    if consultation_type not in codes.CONTACT_TYPES:
        raise DomainError(
            f"Unknown consultation type {consultation_type!r}.", field="consultation_type"
        )
    if mode not in codes.MODES:
        raise DomainError(f"Unknown mode {mode!r}.", field="mode")
    status = lock_diaries(service_user_id=service_user.pk, clinician_id=actor.pk)
    if status != ServiceUser.Status.ACTIVE:
        raise ServiceUserDischargedError(
            f"{service_user.full_name} has been discharged; contacts cannot be booked."
        )
    offered = service_user.team.service.modes_offered
    if mode not in offered:
        labels = ", ".join(codes.MODES[m][1].lower() for m in offered)
        raise ModeNotOfferedError(
            f"{service_user.team.service.name} does not offer {codes.MODES[mode][1].lower()} "
            f"contacts. It offers: {labels}.",
            field="mode",
        )
    if carer is not None and not may_join_contacts(carer, service_user):
        raise CarerNotConsentedError(
            f"{service_user.full_name} has not agreed that {carer} may join contacts.",
            field="carer",
        )
    asked = (
        interpreters.interpreter_asked_for(
            service_user, mode=mode, language=interpreter_language, interpreting=interpreting
        )
        if interpreter_language
        else None
    )
    end, until = _check_time(
        clinician=actor,
        service_user=service_user,
        start=start,
        duration_minutes=duration_minutes,
        mode=mode,
    )
    now = timezone.now()
    first_remote = (
        mode in codes.REMOTE_MODES
        and not Contact.objects.filter(
            service_user=service_user, planned_mode__in=sorted(codes.REMOTE_MODES)
        )
        .exclude(attend_status__in=["2", "4"])
        .exists()
    )
    contact = Contact(
        service_user=service_user,
        team=service_user.team,
        clinician=actor,
        consultation_type=consultation_type,
        planned_mode=mode,
        planned_cons_mechanism=codes.cons_mechanism_for(mode),
        start=start,
        duration_minutes=duration_minutes,
        end_at=end,
        blocked_until=until,
        carer_invited=carer,
        interpreter_needed=asked is not None
        or (service_user.interpreter_needed if interpreter_needed is None else interpreter_needed),
        notes=notes,
        booked_by=actor,
        booked_at=now,
    )
    _save_or_clash(contact)
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        obj=contact,
        subject_id=service_user.pk,
        detail={"mode": mode, "consultation_type": consultation_type, "start": start.isoformat()},
    )
    if contact.interpreter_needed:
        interpreter = asked or interpreters.interpreter_needed_for(service_user, mode=mode)
        if interpreter is not None:
            interpreters.arrange_interpreter(
                actor=actor, contact=contact, interpreter=interpreter, now=now
            )
    if consultation_type not in codes.NON_CLINICAL_CONTACT_TYPES:
        _clear_nothing_booked_alerts(actor=actor, contact=contact, now=now)
    reminders.schedule_reminder(contact, now=now, first_remote=first_remote)
    notify_contact_changed(contact, change="booked")
    return contact


def _clear_nothing_booked_alerts(*, actor: User, contact: Contact, now: dt.datetime) -> None:
    """A "no contact and nothing booked" alert's cause is gone once a care contact is booked:
    its open alerts are resolved by the booking, each audited (hazard S18)."""
    for alert in TeamAlert.objects.filter(
        service_user_id=contact.service_user_id,
        kind=TeamAlert.Kind.CONTACT_GAP,
        resolved_at__isnull=True,
    ):
        TeamAlert.objects.filter(pk=alert.pk).update(resolved_at=now, resolved_by=actor)
        record_event(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=alert,
            subject_id=contact.service_user_id,
            detail={"resolved": True, "because": f"contact {contact.pk} booked"},
        )


def _check_change(contact: Contact, initiated_by: str, reason: str) -> None:
    if contact.has_outcome:
        raise ContactAlreadySettledError(
            "This contact already has an outcome, so it cannot be changed."
        )
    if initiated_by not in ContactChange.InitiatedBy.values:
        raise DomainError("Select who asked for the change.", field="initiated_by")
    if not reason.strip():
        raise DomainError("Give the reason for the change.", field="reason")


@transaction.atomic
def reschedule_contact(
    *, actor: User, contact: Contact, new_start: dt.datetime, initiated_by: str, reason: str
) -> ContactChange:
    """Move a contact, recording who asked, why and how much notice was given (E11).

    Raises, naming the field: the time errors of `book_contact` (after taking its diary locks),
    ContactAlreadySettledError, or a DomainError for a missing reason. The old reminder is
    withdrawn, a new one queued, and the person (and carers with consent) told of the change
    straight away; an interpreter arranged is moved too (the interpreting service told).
    Audited.
    """
    _check_change(contact, initiated_by, reason)
    if new_start == contact.start:
        raise DomainError("Choose a different time.", field="start")
    lock_diaries(service_user_id=contact.service_user_id, clinician_id=contact.clinician_id)
    end, until = _check_time(
        clinician=contact.clinician,
        service_user=contact.service_user,
        start=new_start,
        duration_minutes=contact.duration_minutes,
        mode=contact.planned_mode,
        exclude=contact.pk,
    )
    now = timezone.now()
    previous = contact.start
    contact.start, contact.end_at, contact.blocked_until = new_start, end, until
    _save_or_clash(contact, update_fields=["start", "end_at", "blocked_until"])
    change = ContactChange.objects.create(
        contact=contact,
        kind=ContactChange.Kind.RESCHEDULED,
        initiated_by=initiated_by,
        reason=reason.strip(),
        notice_hours=int((previous - now).total_seconds() // 3600),
        previous_start=previous,
        new_start=new_start,
        recorded_by=actor,
        recorded_at=now,
    )
    record_event(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=contact,
        subject_id=contact.service_user_id,
        reason=reason,
        detail={
            "rescheduled_from": previous.isoformat(),
            "to": new_start.isoformat(),
            "initiated_by": initiated_by,
        },
    )
    reminders.tell_about_change(
        contact,
        now=now,
        text=f"Your appointment on {nhs_datetime(previous)} has moved to "
        f"{nhs_datetime(new_start)}. Reason: {reason.strip()}",
    )
    reminders.schedule_reminder(contact, now=now, first_remote=False)
    interpreters.tell_interpreter_of_change(
        contact, what=f"Moved from {nhs_datetime(previous)} to {nhs_datetime(new_start)}."
    )
    notify_contact_changed(contact, change="rescheduled")
    return change


@transaction.atomic
def cancel_contact(
    *, actor: User, contact: Contact, initiated_by: str, reason: str, tell: bool = True
) -> ContactChange:
    """Cancel a contact as MHSDS records it (2 by the service user, 4 by the service), with the
    reason and notice given (E11, E17). Reminders are withdrawn and people told — unless
    `tell` is False, for a caller that tells them itself (a discharge sends one message about
    everything it ends). An interpreter arranged for a contact still to come is cancelled with
    the interpreting service, whatever `tell` says. Audited."""
    _check_change(contact, initiated_by, reason)
    now = timezone.now()
    status = "2" if initiated_by == ContactChange.InitiatedBy.SERVICE_USER else "4"
    updated = Contact.objects.filter(pk=contact.pk, attend_status__isnull=True).update(
        attend_status=status,
        outcome_recorded_by=actor,
        outcome_recorded_at=now,
        outcome_notes=reason.strip()[:500],
    )
    if not updated:
        raise ContactAlreadySettledError("This contact already has an outcome.")
    contact.refresh_from_db()
    change = ContactChange.objects.create(
        contact=contact,
        kind=ContactChange.Kind.CANCELLED,
        initiated_by=initiated_by,
        reason=reason.strip(),
        notice_hours=int((contact.start - now).total_seconds() // 3600),
        previous_start=contact.start,
        recorded_by=actor,
        recorded_at=now,
    )
    record_event(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=contact,
        subject_id=contact.service_user_id,
        reason=reason,
        detail={"cancelled": True, "attend_status": status},
    )
    if not tell:
        cancel_queued_messages(reference=f"contact:{contact.pk}", why=reason.strip()[:300])
    elif contact.start > now:
        reminders.tell_about_change(
            contact,
            now=now,
            text=f"Your appointment on {nhs_datetime(contact.start)} has been cancelled. "
            f"Reason: {reason.strip()}. Your care team will be in touch to rearrange it.",
        )
    if contact.start > now:
        interpreters.tell_interpreter_of_change(
            contact, what=f"Cancelled: the appointment on {nhs_datetime(contact.start)}."
        )
    notify_contact_changed(contact, change="cancelled")
    return change


@transaction.atomic
def set_working_hours(
    *, actor: User, clinician: User, hours: dict[int, tuple[dt.time, dt.time] | None]
) -> list[WorkingHours]:
    """Replace a clinician's weekly working hours. Raises DomainError naming the day's field
    when a day ends before it starts, or ContactTimeNotAllowedError for a time off the diary's
    5-minute grid. Existing contacts are not moved."""
    rows = []
    for weekday, window in sorted(hours.items()):
        if window is None:
            continue
        starts, ends = window
        for part, value in (("starts", starts), ("ends", ends)):
            problem = diary.clock_time_problem(value)
            if problem:
                raise ContactTimeNotAllowedError(problem, field=f"day_{weekday}_{part}")
        if starts >= ends:
            raise DomainError("The end must be after the start.", field=f"day_{weekday}_ends")
        rows.append(WorkingHours(clinician=clinician, weekday=weekday, starts=starts, ends=ends))
    WorkingHours.objects.filter(clinician=clinician).delete()
    saved = WorkingHours.objects.bulk_create(rows)
    record_event(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=clinician,
        object_type="working hours",
        detail={str(r.weekday): f"{r.starts:%H:%M}-{r.ends:%H:%M}" for r in rows},
    )
    return saved
