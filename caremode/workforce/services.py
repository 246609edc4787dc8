"""Writes for training, digital support and the wellbeing pulse. Keyword-only, actor first,
atomic, audited; a broken rule raises WorkforceError naming the field. The wellbeing answers are
never written to the audit log: it records that someone answered a month, not what."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from caremode.accounts.models import Role, User
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.core import codes
from caremode.core.errors import DomainError
from caremode.people.consent import consents_to_join
from caremode.people.models import Carer, ServiceUser, TeamMembership
from caremode.scheduling.models import ContactChange
from caremode.scheduling.services import book_contact, cancel_contact, record_outcome
from caremode.workforce import pulse
from caremode.workforce.errors import WorkforceError
from caremode.workforce.models import (
    BOOKED_KINDS,
    BOOKED_MODES,
    Band,
    DigitalSupport,
    StaffProfile,
    SupportKind,
    SupportOutcome,
    Topic,
    TrainingCompletion,
    TrainingCourse,
    WellbeingResponse,
)
from caremode.workforce.selectors import get_staff_profile, managed_teams

TRAINED_ROLE_VALUES = (Role.CLINICIAN.value, Role.TEAM_MANAGER.value)


@transaction.atomic
def create_course(
    *,
    actor: User,
    title: str,
    topic: str,
    mode: str,
    refresher_months: int,
    roles: list[str],
    content: str = "",
    link: str = "",
) -> TrainingCourse:
    """A team manager adds a course to the catalogue. WorkforceError on `title` (empty), `topic`,
    `mode` (not a remote mode), `refresher_months` (0 to 120) or `roles` (none, or unknown)."""
    if actor.role != Role.TEAM_MANAGER:
        raise WorkforceError("Only a team manager can set training.", field="title")
    if not title.strip():
        raise WorkforceError("Enter the name of the training", field="title")
    if topic not in Topic.values:
        raise WorkforceError("Select what the training is about", field="topic")
    if mode not in codes.REMOTE_MODES:
        raise WorkforceError("Select a remote mode of contact", field="mode")
    if not 0 <= refresher_months <= 120:
        raise WorkforceError("Enter a number of months from 0 to 120", field="refresher_months")
    if not roles or any(r not in TRAINED_ROLE_VALUES for r in roles):
        raise WorkforceError("Select who needs this training", field="roles")
    course = TrainingCourse.objects.create(
        title=title.strip(),
        topic=topic,
        mode=mode,
        refresher_months=refresher_months,
        roles=sorted(roles),
        content=content.strip(),
        link=link.strip(),
        created_by=actor,
        created_at=timezone.now(),
    )
    record_event(actor=actor, action=AuditAction.CREATE, obj=course, detail={"title": course.title})
    return course


@transaction.atomic
def record_completion(
    *, actor: User, course: TrainingCourse, completed_on: dt.date, note: str = ""
) -> TrainingCompletion:
    """The member of staff's record that they completed `course`. WorkforceError on
    `completed_on` for a day in the future, or on `course` when it is retired. Audited."""
    if completed_on > timezone.localdate():
        raise WorkforceError("Enter a date that is today or in the past.", field="completed_on")
    if course.retired_at is not None:
        raise WorkforceError("That training is no longer offered.", field="course")
    completion = TrainingCompletion.objects.create(
        user=actor,
        course=course,
        completed_on=completed_on,
        note=note.strip(),
        recorded_at=timezone.now(),
    )
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        obj=completion,
        detail={"course": course.pk, "completed_on": completed_on.isoformat()},
    )
    return completion


@transaction.atomic
def confirm_completion(*, actor: User, completion: TrainingCompletion) -> TrainingCompletion:
    """A manager of the person's team confirms their completion (never their own).
    WorkforceError on `completion` otherwise, or when it is already confirmed. Audited."""
    in_team = TeamMembership.objects.accepted().filter(
        team__in=managed_teams(actor), user_id=completion.user_id
    )
    if completion.user_id == actor.pk or not in_team.exists():
        raise WorkforceError("Only a manager of their team can confirm this.", field="completion")
    updated = TrainingCompletion.objects.filter(pk=completion.pk, confirmed_at__isnull=True).update(
        confirmed_by=actor, confirmed_at=timezone.now()
    )
    if not updated:
        raise WorkforceError("This has already been confirmed.", field="completion")
    completion.refresh_from_db()
    record_event(actor=actor, action=AuditAction.UPDATE, obj=completion, detail={"confirmed": True})
    return completion


@transaction.atomic
def offer_digital_support(
    *,
    actor: User,
    service_user: ServiceUser,
    kind: str,
    carer: Carer | None = None,
    start: dt.datetime | None = None,
    duration_minutes: int = 30,
    mode: str = "",
    given_by: str = "",
) -> DigitalSupport:
    """Offer digital support to a service user, or to their carer (`carer`).

    A practice call (always by video) or help with a device or data (by video, telephone or face
    to face, `mode`) given at `start` is booked as a contact of type `digital_support` in the
    actor's diary and the person's appointments, through `scheduling.services.book_contact`: the
    same diary locks, rules and database constraints as any contact (no double booking of the
    actor or the person, the pause after a remote session, working hours), the same reminder to
    the person and to a carer with consent for appointment details. `given_by` names a volunteer
    or colleague who gives it with the actor. A guide is offered without a time.

    Raises WorkforceError on `kind`, `carer` (not a carer this person has agreed may join
    contacts), `start` (a practice call needs a time), `mode` or `duration_minutes` (5 to 120),
    and book_contact's errors (SlotAlreadyBookedError naming what it clashes with, and the rest),
    all before anything is saved. Audited against the service user.
    """
    if kind not in SupportKind.values:
        raise WorkforceError("Select the support offered", field="kind")
    if carer is not None and carer.pk not in {c.carer_id for c in consents_to_join(service_user)}:
        raise WorkforceError(
            "Select a carer this person has agreed may join contacts", field="carer"
        )
    if kind == SupportKind.PRACTICE_CALL and start is None:
        raise WorkforceError("Enter when the practice call is", field="start")
    if start is not None and kind not in BOOKED_KINDS:
        raise WorkforceError(
            "A guide is sent, not booked: leave the date and time empty", field="start"
        )
    if kind == SupportKind.PRACTICE_CALL:
        mode = "video"
    if start is not None and mode not in BOOKED_MODES:
        raise WorkforceError(
            "Select how the help will be given: video, telephone or face to face", field="mode"
        )
    if not 5 <= duration_minutes <= 120:
        raise WorkforceError("Enter a length from 5 to 120 minutes", field="duration_minutes")
    contact = None
    if start is not None:
        who = f" with {given_by.strip()}" if given_by.strip() else ""
        contact = book_contact(
            actor=actor,
            service_user=service_user,
            consultation_type=codes.DIGITAL_SUPPORT,
            mode=mode,
            start=start,
            duration_minutes=duration_minutes,
            carer=carer,
            notes=f"{SupportKind(kind).label}{who}",
        )
    support = DigitalSupport.objects.create(
        service_user=service_user,
        carer=carer,
        kind=kind,
        offered_by=actor,
        offered_at=timezone.now(),
        contact=contact,
        given_by=given_by.strip(),
    )
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        obj=support,
        subject_id=service_user.pk,
        detail={"kind": kind, "for_carer": carer is not None, "contact": support.contact_id},
    )
    return support


@transaction.atomic
def record_support_outcome(*, actor: User, support: DigitalSupport, outcome: str) -> DigitalSupport:
    """Record what became of the support, once.

    A booked session's outcome is its contact's, recorded through scheduling as any contact's
    is (taken up: attended in the planned mode; did not attend; declined: cancelled by the
    person, which frees the time), so the diary, the person's appointments and this record
    agree, and recording it again here or on the contact's own page is refused. A guide's
    outcome is a conditional update, so two people recording at once cannot both succeed.
    WorkforceError on `outcome` when unknown, already recorded, or for a session still to come
    (other than declining it). Audited.
    """
    if outcome not in SupportOutcome.values or outcome == SupportOutcome.CANCELLED_BY_SERVICE:
        raise WorkforceError("Select what happened", field="outcome")
    now = timezone.now()
    contact = support.contact
    if contact is not None:
        if contact.start > now and outcome != SupportOutcome.DECLINED:
            raise WorkforceError("This is still to come; record it afterwards.", field="outcome")
        try:
            if outcome == SupportOutcome.DECLINED:
                cancel_contact(
                    actor=actor,
                    contact=contact,
                    initiated_by=ContactChange.InitiatedBy.SERVICE_USER,
                    reason="Declined the digital support",
                )
            else:
                record_outcome(
                    actor=actor,
                    contact=contact,
                    attend_status="5" if outcome == SupportOutcome.TAKEN_UP else "3",
                    mode_used=contact.planned_mode if outcome == SupportOutcome.TAKEN_UP else "",
                )
        except DomainError as error:  # already recorded or cancelled, on the contact's page
            raise WorkforceError(error.message, field="outcome") from error
        if support.contact is not None:
            support.contact.refresh_from_db()
    else:
        updated = DigitalSupport.objects.filter(pk=support.pk, outcome="").update(
            outcome=outcome, outcome_recorded_by=actor, outcome_recorded_at=now
        )
        if not updated:
            raise WorkforceError("What happened has already been recorded.", field="outcome")
        support.refresh_from_db()
    record_event(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=support,
        subject_id=support.service_user_id,
        detail={"outcome": outcome},
    )
    return support


@transaction.atomic
def save_staff_profile(
    *, actor: User, ethnic_category: str, profession: str, band: str, mostly_remote: bool
) -> StaffProfile:
    """The member of staff's own groups, for reading the pulse by group. WorkforceError on
    `ethnic_category`, `profession` or `band`. Audited (that it changed, not what it says)."""
    if ethnic_category not in codes.ETHNIC_CATEGORIES:
        raise WorkforceError("Select your ethnic group", field="ethnic_category")
    if not profession.strip():
        raise WorkforceError("Enter your profession", field="profession")
    if band not in Band.values:
        raise WorkforceError("Select your band", field="band")
    profile, _created = StaffProfile.objects.update_or_create(
        user=actor,
        defaults={
            "ethnic_category": ethnic_category,
            "profession": profession.strip(),
            "band": band,
            "mostly_remote": mostly_remote,
            "updated_at": timezone.now(),
        },
    )
    record_event(
        actor=actor, action=AuditAction.UPDATE, object_type="staff profile", object_id=str(actor.pk)
    )
    return profile


def current_period(today: dt.date) -> dt.date:
    return today.replace(day=1)


@transaction.atomic
def submit_pulse(
    *, actor: User, answers: dict[str, Any], today: dt.date | None = None
) -> WellbeingResponse:
    """This month's answers from a member of staff, once a month. Their groups are copied from
    their profile (WorkforceError on `profile` if they have none) and their team from their
    first accepted membership. WorkforceError on the question key for an answer out of range,
    or on `period` for a second answer this month. The audit entry says who answered which
    month, never the answers."""
    if actor.role not in (Role.CLINICIAN, Role.TEAM_MANAGER, Role.ANALYST, Role.ADMIN):
        raise WorkforceError("The pulse is for staff.", field="period")
    profile = get_staff_profile(actor)
    if profile is None:
        raise WorkforceError("Tell us about your role first.", field="profile")
    try:
        clean = {key: int(answers[key]) for key in (*pulse.ONS4, *pulse.REMOTE_WORKING)}
    except (KeyError, TypeError, ValueError):
        clean = {}
    problems = pulse.check_answers(clean)
    if problems:
        key, message = next(iter(problems.items()))
        raise WorkforceError(message, field=key)
    period = current_period(today or timezone.localdate())
    membership = (
        TeamMembership.objects.accepted().filter(user=actor).order_by("joined_on", "pk").first()
    )
    try:
        with transaction.atomic():
            response = WellbeingResponse.objects.create(
                respondent=actor,
                period=period,
                answers=clean,
                ethnic_group=codes.ETHNIC_CATEGORIES[profile.ethnic_category][1],
                profession=profile.profession,
                band=profile.band,
                team_id=membership.team_id if membership else None,
                mostly_remote=profile.mostly_remote,
                submitted_at=timezone.now(),
            )
    except IntegrityError:
        raise WorkforceError(
            "You have already answered this month's pulse.", field="period"
        ) from None
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        object_type="wellbeing pulse",
        object_id=period.isoformat(),
    )
    return response
