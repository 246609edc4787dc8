from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from caremode.accounts.models import Role, User
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.core import codes
from caremode.core.errors import DomainError
from caremode.people.selectors import list_teams_for
from caremode.scheduling import diary
from caremode.scheduling.errors import (
    OutcomeAlreadyRecordedError,
    OutcomeCorrectionError,
    OutcomeTooEarlyError,
)
from caremode.scheduling.events import notify_contact_changed
from caremode.scheduling.models import Contact, ContactChange, FollowUpTask, OutcomeCorrection

# Recorded here: what happened at a contact that was due. Cancellations go through
# `cancel_contact`, which asks who cancelled, why and with how much notice.
OUTCOMES = frozenset({"5", "6", "7", "3"})
FOLLOW_UP_AFTER = {"3": "Did not attend", "7": "Arrived late and could not be seen"}


def _check_outcome(
    *, attend_status: str, mode_used: str, ended_early: bool, interpreter_present: bool
) -> None:
    """The one check of an outcome's fields, for recording and for correcting it."""
    if attend_status in ("2", "4"):
        raise DomainError(
            "Record a cancellation with Cancel, so the reason and notice are kept.",
            field="attend_status",
        )
    if attend_status not in OUTCOMES:
        raise DomainError(f"Unknown outcome {attend_status!r}.", field="attend_status")
    attended = attend_status in codes.ATTENDED
    if attended and not mode_used:
        raise DomainError("Select the mode that was actually used.", field="mode_used")
    if mode_used and mode_used not in codes.MODES:
        raise DomainError(f"Unknown mode {mode_used!r}.", field="mode_used")
    if ended_early and not attended:
        raise DomainError(
            "A contact can only have ended early if it took place.", field="ended_early"
        )
    if interpreter_present and not attended:
        raise DomainError(
            "An interpreter can only have been present if the contact took place.",
            field="interpreter_present",
        )


def _follow_up_missed(contact: Contact, attend_status: str, now: dt.datetime) -> None:
    """A follow-up for the care team after a missed contact, due within its working days."""
    FollowUpTask.objects.create(
        contact=contact,
        service_user_id=contact.service_user_id,
        team_id=contact.team_id,
        due_on=diary.add_working_days(timezone.localdate(), contact.team.follow_up_days),
        reason=f"{FOLLOW_UP_AFTER[attend_status]}: "
        f"{contact.get_consultation_type_display().lower()} by "
        f"{contact.get_planned_mode_display().lower()}",
        created_at=now,
    )


@transaction.atomic
def record_outcome(
    *,
    actor: User | None,
    contact: Contact,
    attend_status: str,
    mode_used: str = "",
    technical_failure: bool = False,
    ended_early: bool = False,
    interpreter_present: bool = False,
    late_start_minutes: int | None = None,
    notes: str = "",
    began_at: dt.datetime | None = None,
) -> Contact:
    """Record what became of a contact that was due, in MHSDS AttendStatus terms (E13, E16, E17).
    `actor` None: recorded by CareMode itself (the worker), audited as "system". Whether an
    interpreter was present (MHSDS InterpreterPresentInd) is kept for contacts that took place.

    Raises, naming the field: DomainError for a cancellation code (use `cancel_contact`), an
    unknown code, a missing mode used for an attended contact, or "ended early" or "interpreter
    present" for one that did not take place; OutcomeTooEarlyError before the contact's start;
    OutcomeAlreadyRecordedError if an outcome exists (checked in the UPDATE itself, so two people
    recording at once cannot both succeed). `began_at`: when a contact that took place really
    began, if before its booked start (a video call begun a little early); it may then be
    recorded from that moment, as attended only. A did-not-attend (or late, not seen) creates a
    follow-up task for the care team, due within the team's working days. A late start is
    recorded as a change. Audited.
    """
    _check_outcome(
        attend_status=attend_status,
        mode_used=mode_used,
        ended_early=ended_early,
        interpreter_present=interpreter_present,
    )
    attended = attend_status in codes.ATTENDED
    if late_start_minutes is not None and not (attended and 0 < late_start_minutes <= 240):
        raise DomainError(
            "A late start is between 1 and 240 minutes, for a contact that took place.",
            field="late_start_minutes",
        )
    now = timezone.now()
    began_early = attended and began_at is not None and began_at <= now
    if contact.start > now and not began_early:
        raise OutcomeTooEarlyError(
            "This contact has not started yet. To call it off, cancel it instead.",
            field="attend_status",
        )
    updated = Contact.objects.filter(pk=contact.pk, attend_status__isnull=True).update(
        attend_status=attend_status,
        mode_used=mode_used if attended else "",
        cons_mechanism_used=codes.cons_mechanism_for(mode_used) if attended else "",
        technical_failure=technical_failure,
        ended_early=ended_early,
        interpreter_present=interpreter_present if attended else None,
        late_start_minutes=late_start_minutes,
        outcome_notes=notes,
        outcome_recorded_by=actor,
        outcome_recorded_at=now,
    )
    if not updated:
        raise OutcomeAlreadyRecordedError(
            "An outcome has already been recorded for this contact.", field="attend_status"
        )
    contact.refresh_from_db()
    if late_start_minutes:
        ContactChange.objects.create(
            contact=contact,
            kind=ContactChange.Kind.LATE_START,
            initiated_by=ContactChange.InitiatedBy.SERVICE,
            reason=notes or "Started late",
            notice_hours=0,
            previous_start=contact.start,
            late_minutes=late_start_minutes,
            recorded_by=actor,
            recorded_at=now,
        )
    if attend_status in FOLLOW_UP_AFTER:
        _follow_up_missed(contact, attend_status, now)
    record_event(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=contact,
        subject_id=contact.service_user_id,
        detail={
            "attend_status": attend_status,
            "mode_used": contact.mode_used,
            "technical_failure": technical_failure,
            "ended_early": ended_early,
            "interpreter_present": contact.interpreter_present,
            "late_start_minutes": late_start_minutes,
        },
    )
    notify_contact_changed(contact, change="outcome_recorded")
    return contact


@transaction.atomic
def complete_follow_up(*, actor: User, task: FollowUpTask, note: str) -> FollowUpTask:
    """Close a follow-up with what was done (for example "Phoned; rebooked for Thursday").

    Raises DomainError (field `note`) without a note, or if the task is already complete.
    """
    if not note.strip():
        raise DomainError("Say what was done to follow up.", field="note")
    updated = FollowUpTask.objects.filter(pk=task.pk, completed_at__isnull=True).update(
        completed_at=timezone.now(), completed_by=actor, outcome_note=note.strip()[:500]
    )
    if not updated:
        raise DomainError("This follow-up has already been completed.")
    task.refresh_from_db()
    record_event(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=task,
        subject_id=task.service_user_id,
        detail={"completed": True, "note": task.outcome_note},
    )
    return task


# The fields of an outcome that a correction may change, and keeps as they were.
CORRECTED_FIELDS = (
    "attend_status",
    "mode_used",
    "technical_failure",
    "ended_early",
    "interpreter_present",
)


def why_not_correct(actor: User, contact: Contact) -> str | None:
    """Why `actor` may not correct the outcome of `contact`, or None when they may: the
    clinician of the contact, or a team manager of its team, once an outcome other than a
    cancellation is recorded (a cancellation's reason and notice are kept by `cancel_contact`)."""
    if not contact.has_outcome:
        return "No outcome has been recorded for this contact yet."
    if contact.attend_status in codes.CANCELLED:
        return "A cancellation is not corrected here: it keeps who cancelled and why."
    if actor.pk == contact.clinician_id:
        return None
    if actor.role == Role.TEAM_MANAGER and list_teams_for(actor).filter(pk=contact.team_id):
        return None
    return "Only the clinician of this contact or the team's manager can correct its outcome."


def _outcome_fields(contact: Contact) -> dict[str, object]:
    return {name: getattr(contact, name) for name in CORRECTED_FIELDS}


@transaction.atomic
def correct_outcome(
    *,
    actor: User,
    contact: Contact,
    reason: str,
    attend_status: str,
    mode_used: str = "",
    technical_failure: bool = False,
    ended_early: bool = False,
    interpreter_present: bool = False,
) -> OutcomeCorrection:
    """Correct a recorded outcome, with a reason: the contact holds the corrected value (the
    extract and the evaluation read it from there) and an `OutcomeCorrection` keeps the value it
    replaced.

    Raises OutcomeCorrectionError when `why_not_correct` gives a reason, or when nothing would
    change; DomainError (naming the field) for a missing reason or the checks of
    `record_outcome`. A correction to a missed outcome opens a follow-up when the contact has
    none; a correction to an attended one closes its open follow-up, saying why. Audited, with
    the old and the new values.
    """
    locked = Contact.objects.select_for_update().select_related("team").get(pk=contact.pk)
    problem = why_not_correct(actor, locked)
    if problem:
        raise OutcomeCorrectionError(problem, field="attend_status")
    reason = reason.strip()
    if not reason:
        raise DomainError("Say why the outcome is being corrected.", field="reason")
    _check_outcome(
        attend_status=attend_status,
        mode_used=mode_used,
        ended_early=ended_early,
        interpreter_present=interpreter_present,
    )
    attended = attend_status in codes.ATTENDED
    corrected: dict[str, object] = {
        "attend_status": attend_status,
        "mode_used": mode_used if attended else "",
        "technical_failure": technical_failure,
        "ended_early": ended_early,
        "interpreter_present": interpreter_present if attended else None,
    }
    previous = _outcome_fields(locked)
    if previous == corrected:
        raise OutcomeCorrectionError(
            "This is the outcome already recorded: change what was wrong.", field="attend_status"
        )
    now = timezone.now()
    Contact.objects.filter(pk=locked.pk).update(
        **corrected,
        cons_mechanism_used=codes.cons_mechanism_for(mode_used) if attended else "",
    )
    correction = OutcomeCorrection.objects.create(
        contact=locked,
        reason=reason[:300],
        previous=previous,
        corrected=corrected,
        corrected_by=actor,
        corrected_at=now,
    )
    locked.refresh_from_db()
    follow_up = FollowUpTask.objects.filter(contact=locked).first()
    if attend_status in FOLLOW_UP_AFTER and follow_up is None:
        _follow_up_missed(locked, attend_status, now)
    elif attended and follow_up is not None and follow_up.completed_at is None:
        FollowUpTask.objects.filter(pk=follow_up.pk).update(
            completed_at=now,
            completed_by=actor,
            outcome_note=f"Closed: the outcome was corrected to attended ({reason})"[:500],
        )
    record_event(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=locked,
        subject_id=locked.service_user_id,
        detail={
            "outcome_corrected": correction.pk,
            "reason": correction.reason,
            "previous": previous,
            "corrected": corrected,
        },
    )
    notify_contact_changed(locked, change="outcome_corrected")
    contact.refresh_from_db()
    return correction
