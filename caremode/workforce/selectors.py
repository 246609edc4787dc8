"""Reads for training, digital support, wellbeing and workload. Individual wellbeing answers
leave this module only for their own respondent (`list_own_trend`); everyone else gets
`wellbeing.results_by_group`, which hides small groups before any figure exists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from caremode.accounts.models import Role, User
from caremode.core import codes
from caremode.people.models import ServiceUser, Team, TeamMembership
from caremode.scheduling.models import Contact, WorkingHours
from caremode.workforce import anonymity, training, wellbeing, workload
from caremode.workforce.models import (
    DigitalSupport,
    StaffProfile,
    SupportOutcome,
    TrainingCompletion,
    TrainingCourse,
    WellbeingResponse,
    outcome_of_contact,
)


def list_courses() -> list[TrainingCourse]:
    return list(TrainingCourse.objects.filter(retired_at__isnull=True))


def get_course(pk: int) -> TrainingCourse | None:
    return TrainingCourse.objects.filter(pk=pk, retired_at__isnull=True).first()


def list_completions(user: User) -> list[TrainingCompletion]:
    return list(
        TrainingCompletion.objects.filter(user=user).select_related("course", "confirmed_by")
    )


@dataclass(frozen=True)
class CourseStatus:
    course: TrainingCourse
    completed_on: dt.date | None
    expires_on: dt.date | None
    status: str
    confirmed: bool

    @property
    def label(self) -> str:
        return training.STATUS_LABELS[self.status]

    @property
    def trained(self) -> bool:
        return self.status in {"current", "due_soon"}


def _latest(completions: list[TrainingCompletion]) -> dict[int, TrainingCompletion]:
    latest: dict[int, TrainingCompletion] = {}
    for c in completions:
        if c.course_id not in latest or c.completed_on > latest[c.course_id].completed_on:
            latest[c.course_id] = c
    return latest


def _status(
    course: TrainingCourse, done: TrainingCompletion | None, today: dt.date
) -> CourseStatus:
    return CourseStatus(
        course=course,
        completed_on=done.completed_on if done else None,
        expires_on=training.expires_on(done.completed_on, course.refresher_months)
        if done
        else None,
        status=training.status(done.completed_on if done else None, course.refresher_months, today),
        confirmed=bool(done and done.confirmed_at),
    )


def training_status(user: User, *, today: dt.date) -> list[CourseStatus]:
    """Every course the person's role needs, with their latest completion and its expiry."""
    latest = _latest(list_completions(user))
    return [
        _status(course, latest.get(course.pk), today)
        for course in list_courses()
        if user.role in course.roles
    ]


def has_had_contact_by(user: User, mode: str) -> bool:
    """Whether this clinician has ever held an attended contact in `mode`."""
    return Contact.objects.filter(
        clinician=user, mode_used=mode, attend_status__in=codes.ATTENDED
    ).exists()


def training_advice(
    user: User, modes: list[str], *, today: dt.date
) -> dict[str, list[CourseStatus]]:
    """For each remote mode among `modes` in which the clinician has never held a contact: the
    courses for that mode they need and do not hold (never done, or the refresher overdue).
    Advice only: nothing is blocked. Empty when they are trained or experienced."""
    advice: dict[str, list[CourseStatus]] = {}
    needed = [s for s in training_status(user, today=today) if not s.trained]
    for mode in modes:
        if mode not in codes.REMOTE_MODES:
            continue
        missing = [s for s in needed if s.course.mode == mode]
        if missing and not has_had_contact_by(user, mode):
            advice[mode] = missing
    return advice


def managed_teams(user: User) -> QuerySet[Team]:
    """The teams this person manages (a team manager with an accepted membership)."""
    if user.role != Role.TEAM_MANAGER:
        return Team.objects.none()
    return Team.objects.filter(
        pk__in=TeamMembership.objects.accepted().filter(user=user).values("team_id")
    ).order_by("name")


def _members(team: Team) -> list[User]:
    return list(
        User.objects.filter(
            pk__in=TeamMembership.objects.accepted().filter(team=team).values("user_id"),
            is_active=True,
        ).order_by("display_name", "username")
    )


@dataclass(frozen=True)
class Coverage:
    course: TrainingCourse
    needed: int
    current: int
    due: list[tuple[User, CourseStatus]]  # never done, overdue or due within 30 days

    @property
    def percent(self) -> int:
        return round(100 * self.current / self.needed) if self.needed else 100


def team_coverage(team: Team, *, today: dt.date) -> list[Coverage]:
    """Per course: how many of the team's members who need it hold it, and who is due."""
    members = _members(team)
    completions = TrainingCompletion.objects.filter(user__in=members).select_related("course")
    by_user: dict[int, list[TrainingCompletion]] = {}
    for c in completions:
        by_user.setdefault(c.user_id, []).append(c)
    latest = {u.pk: _latest(by_user.get(u.pk, [])) for u in members}
    rows = []
    for course in list_courses():
        needing = [u for u in members if u.role in course.roles]
        statuses = [(u, _status(course, latest[u.pk].get(course.pk), today)) for u in needing]
        rows.append(
            Coverage(
                course=course,
                needed=len(needing),
                current=sum(1 for _u, s in statuses if s.trained),
                due=[(u, s) for u, s in statuses if s.status != "current"],
            )
        )
    return rows


def list_unconfirmed_completions(team: Team) -> list[TrainingCompletion]:
    return list(
        TrainingCompletion.objects.filter(
            user__in=_members(team), confirmed_at__isnull=True
        ).select_related("user", "course")
    )


def get_completion_for_manager(manager: User, pk: int) -> TrainingCompletion | None:
    """A completion by a member of a team this person manages (not their own), else None."""
    members = TeamMembership.objects.accepted().filter(team__in=managed_teams(manager))
    return (
        TrainingCompletion.objects.filter(pk=pk, user_id__in=members.values("user_id"))
        .exclude(user=manager)
        .select_related("user", "course")
        .first()
    )


# Digital support -------------------------------------------------------------------------------


def list_digital_support(service_user: ServiceUser) -> list[DigitalSupport]:
    return list(
        DigitalSupport.objects.filter(service_user=service_user).select_related(
            "carer", "offered_by", "contact"
        )
    )


def get_digital_support(service_user: ServiceUser, pk: int) -> DigitalSupport | None:
    return (
        DigitalSupport.objects.filter(service_user=service_user, pk=pk)
        .select_related("contact")
        .first()
    )


def digital_support_by_person() -> dict[int, tuple[dt.date | None, dt.date | None]]:
    """service user id → (first day support was offered, first day it was taken up). A booked
    session is taken up when its contact was attended, on the contact's day; a guide on the day
    its uptake was recorded."""
    firsts: dict[int, tuple[dt.date | None, dt.date | None]] = {}
    rows = DigitalSupport.objects.values_list(
        "service_user_id",
        "offered_at",
        "outcome",
        "outcome_recorded_at",
        "contact_id",
        "contact__attend_status",
        "contact__start",
    ).order_by("offered_at")
    for person, offered_at, outcome, recorded_at, contact_id, status, start in rows:
        offered, taken = firsts.get(person, (None, None))
        day = timezone.localtime(offered_at).date()
        offered = day if offered is None or day < offered else offered
        if contact_id is not None:
            outcome = outcome_of_contact(status)
        if outcome == SupportOutcome.TAKEN_UP:
            when = timezone.localtime(start or recorded_at or offered_at).date()
            taken = when if taken is None or when < taken else taken
        firsts[person] = (offered, taken)
    return firsts


# Wellbeing -------------------------------------------------------------------------------------


def get_staff_profile(user: User) -> StaffProfile | None:
    return StaffProfile.objects.filter(user=user).first()


def get_own_response(user: User, period: dt.date) -> WellbeingResponse | None:
    return WellbeingResponse.objects.filter(respondent=user, period=period).first()


def list_own_trend(user: User) -> list[WellbeingResponse]:
    """The person's own answers, oldest first: shown to them and to nobody else."""
    return list(WellbeingResponse.objects.filter(respondent=user).order_by("period"))


def list_periods(*, today: dt.date | None = None) -> list[dt.date]:
    """The months whose results are published, newest first: only months that have ended, so
    nobody can work out one colleague's answers by watching a month's figures change as each
    person answers (ADR 0010)."""
    this_month = (today or timezone.localdate()).replace(day=1)
    return list(
        WellbeingResponse.objects.filter(period__lt=this_month)
        .order_by("-period")
        .values_list("period", flat=True)
        .distinct()
    )


def threshold() -> int:
    """The threshold in force; raises if the setting is below 10, so no figure is ever computed
    for a smaller group even if the start-up check was skipped."""
    return anonymity.group_threshold(getattr(settings, "WELLBEING_MIN_GROUP", None))


def wellbeing_results(period: dt.date) -> wellbeing.Results:
    """One month's results by staff group, small groups hidden (`anonymity`)."""
    names = dict(Team.objects.values_list("pk", "name"))
    found = WellbeingResponse.objects.filter(period=period).values_list(
        "ethnic_group", "profession", "band", "team_id", "mostly_remote", "answers"
    )
    rows = [
        wellbeing.Answer(
            groups={
                "ethnic_group": ethnic_group,
                "profession": profession,
                "band": band,
                "team": names.get(team_id, "No team"),
                "mostly_remote": "Mostly remote" if remote else "Mostly in person",
            },
            answers=answers,
        )
        for ethnic_group, profession, band, team_id, remote, answers in found
    ]
    return wellbeing.results_by_group(rows, threshold=threshold())


# Workload --------------------------------------------------------------------------------------


def team_workload(team: Team, *, since: dt.datetime, until: dt.datetime) -> workload.Workload:
    """The team's workload figures from its diary between `since` and `until` (contacts that
    took place or still stand; cancelled ones freed their time)."""
    contacts = (
        Contact.objects.filter(team=team, start__gte=since, start__lt=until)
        .exclude(attend_status__in=["2", "4"])
        .values_list(
            "clinician_id",
            "start",
            "duration_minutes",
            "planned_mode",
            "mode_used",
            "late_start_minutes",
        )
    )
    entries = [
        workload.DiaryEntry(
            clinician_id=clinician,
            start=start,
            duration_minutes=minutes,
            mode=used or planned,
            late_start_minutes=late or 0,
        )
        for clinician, start, minutes, planned, used, late in contacts
    ]
    hours: dict[int, dict[int, tuple[dt.time, dt.time]]] = {}
    for row in WorkingHours.objects.filter(clinician_id__in={e.clinician_id for e in entries}):
        hours.setdefault(row.clinician_id, {})[row.weekday] = (row.starts, row.ends)
    return workload.workload(entries, pause_minutes=team.remote_buffer_minutes, hours=hours)


def list_teams() -> list[Team]:
    return list(Team.objects.order_by("name"))
