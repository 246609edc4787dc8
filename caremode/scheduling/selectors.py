from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from caremode.accounts.models import User
from caremode.core import codes
from caremode.core.suppression import suppress_count, suppress_percentage
from caremode.people.models import ServiceUser, Team
from caremode.people.selectors import search_caseload
from caremode.scheduling import diary
from caremode.scheduling.models import (
    AppointmentRequest,
    Commitment,
    Contact,
    ContactChange,
    FollowUpTask,
    Handover,
    OutcomeCorrection,
    TeamAlert,
    WorkingHours,
)


def list_caseload_for(user: User, *, query: str = "") -> QuerySet[ServiceUser]:
    """The person's caseload (see people.selectors.search_caseload), each with `next_contact_at`."""
    return (
        search_caseload(user, query=query)
        .order_by("family_name", "given_name", "pk")
        .annotate(
            next_contact_at=Min(
                "contacts__start",
                filter=Q(contacts__start__gte=timezone.now(), contacts__attend_status__isnull=True),
            ),
            # The caseload flag (issue 12): an open alert from monitoring between contacts.
            monitoring_flag=Exists(
                TeamAlert.objects.filter(
                    service_user=OuterRef("pk"),
                    resolved_at__isnull=True,
                    kind__in=TeamAlert.MONITORING_KINDS,
                )
            ),
            urgent_flag=Exists(
                TeamAlert.objects.filter(
                    service_user=OuterRef("pk"), resolved_at__isnull=True, urgent=True
                )
            ),
        )
    )


def list_upcoming_contacts(service_user: ServiceUser) -> list[Contact]:
    """Contacts still to come (no outcome yet), soonest first."""
    return list(
        service_user.contacts.filter(start__gte=timezone.now(), attend_status__isnull=True)
        .select_related("clinician", "carer_invited")
        .order_by("start")
    )


def list_past_contacts(service_user: ServiceUser, *, limit: int = 50) -> list[Contact]:
    """Contacts due already or with an outcome, most recent first."""
    return list(
        service_user.contacts.filter(Q(start__lt=timezone.now()) | Q(attend_status__isnull=False))
        .select_related("clinician", "carer_invited")
        .order_by("-start")[:limit]
    )


def list_contacts_awaiting_outcome(user: User) -> list[Contact]:
    """The clinician's own contacts that have started and still have no outcome."""
    return list(
        Contact.objects.filter(clinician=user, start__lt=timezone.now(), attend_status__isnull=True)
        .select_related("service_user")
        .order_by("start")[:50]
    )


def count_contacts_by_mode_and_outcome() -> list[dict[str, str]]:
    """Contacts offered so far by planned mode, with attendance and each kind of missed contact.

    De-identified and suppressed as MHSDS publications are (counts under 5 as `*`, others
    rounded to 5), so it is safe for analysts. Every offered care contact counts, missed ones
    included (E17); contacts still to come and those awaiting an outcome are counted apart;
    digital support sessions are not care contacts and are left out.
    """
    now = timezone.now()
    due = Q(start__lt=now) | Q(attend_status__isnull=False)
    rows = (
        Contact.objects.care()
        .filter(due, service_user__processing_restricted=False)
        .values("planned_mode")
        .annotate(
            offered=Count("pk"),
            attended_count=Count("pk", filter=Q(attend_status__in=sorted(codes.ATTENDED))),
            dna=Count("pk", filter=Q(attend_status="3")),
            patient_cancelled=Count("pk", filter=Q(attend_status="2")),
            provider_cancelled=Count("pk", filter=Q(attend_status="4")),
            late_not_seen=Count("pk", filter=Q(attend_status="7")),
            awaiting=Count("pk", filter=Q(attend_status__isnull=True)),
            technical_failure=Count("pk", filter=Q(technical_failure=True)),
        )
    )
    by_mode = {row["planned_mode"]: row for row in rows}
    summary = []
    for mode in codes.MODES:
        row = by_mode.get(mode)
        if row is None:
            continue
        recorded = row["offered"] - row["awaiting"]
        summary.append(
            {
                "mode": mode,
                "offered": suppress_count(row["offered"]),
                "awaiting": suppress_count(row["awaiting"]),
                "attended": suppress_count(row["attended_count"]),
                "attendance_rate": suppress_percentage(row["attended_count"], recorded),
                "dna_rate": suppress_percentage(row["dna"], recorded),
                "patient_cancellation_rate": suppress_percentage(
                    row["patient_cancelled"], recorded
                ),
                "provider_cancellation_rate": suppress_percentage(
                    row["provider_cancelled"], recorded
                ),
                "late_not_seen_rate": suppress_percentage(row["late_not_seen"], recorded),
                "tech_failure_rate": suppress_percentage(row["technical_failure"], recorded),
            }
        )
    return summary


def get_working_hours(clinician: User) -> dict[int, tuple[dt.time, dt.time]]:
    """weekday → (starts, ends); empty when none are recorded (Mon–Fri 9am–5pm applies)."""
    return {
        row.weekday: (row.starts, row.ends)
        for row in WorkingHours.objects.filter(clinician=clinician)
    }


def list_changes_for(service_user: ServiceUser, *, limit: int = 30) -> list[ContactChange]:
    """Reschedules, cancellations and late starts, newest first (shown to the person too)."""
    return list(
        ContactChange.objects.filter(contact__service_user=service_user)
        .select_related("contact", "recorded_by")
        .order_by("-recorded_at")[:limit]
    )


def list_open_follow_ups(teams: QuerySet[Team]) -> list[FollowUpTask]:
    return list(
        FollowUpTask.objects.filter(team__in=teams, completed_at__isnull=True)
        .select_related("service_user", "contact")
        .order_by("due_on", "pk")
    )


def list_follow_ups_for(service_user: ServiceUser) -> list[FollowUpTask]:
    return list(
        FollowUpTask.objects.filter(service_user=service_user)
        .select_related("completed_by")
        .order_by("-created_at")
    )


def list_open_alerts(teams: QuerySet[Team]) -> list[TeamAlert]:
    """The teams' alerts not yet dealt with: urgent ones first (escalated, then not yet
    acknowledged, oldest first, so the longest-waiting is on top), then the rest, newest first."""
    open_alerts = list(
        TeamAlert.objects.filter(team__in=teams, resolved_at__isnull=True).select_related(
            "service_user", "acknowledged_by"
        )
    )
    urgent = sorted(
        (a for a in open_alerts if a.urgent),
        key=lambda a: (a.escalated_at is None, a.acknowledged_at is not None, a.raised_at),
    )
    rest = sorted((a for a in open_alerts if not a.urgent), key=lambda a: a.raised_at, reverse=True)
    return urgent + rest


def list_open_alerts_for(service_user: ServiceUser) -> list[TeamAlert]:
    """One person's alerts not yet dealt with, urgent first, then newest first (the record)."""
    return sorted(
        TeamAlert.objects.filter(
            service_user=service_user, resolved_at__isnull=True
        ).select_related("acknowledged_by"),
        key=lambda a: (not a.urgent, -a.raised_at.timestamp()),
    )


@dataclass(frozen=True)
class PersonToWatch:
    """Someone whose measures deteriorated, or who missed check-ins, with the open alerts why."""

    service_user: ServiceUser
    reasons: tuple[str, ...]
    since: dt.datetime

    @property
    def service_user_id(self) -> int:
        return self.service_user.pk


def list_people_to_watch(teams: QuerySet[Team]) -> list[PersonToWatch]:
    """People on the teams' caseloads with an open alert of a reliable deterioration, a score
    in the severe band or missed check-ins (issue 12), one row each, the longest-waiting first.
    From the open alerts only: resolving the alert takes the person off the list."""
    by_person: dict[int, list[TeamAlert]] = {}
    for alert in (
        TeamAlert.objects.filter(
            team__in=teams, resolved_at__isnull=True, kind__in=TeamAlert.WATCH_KINDS
        )
        .select_related("service_user")
        .order_by("raised_at", "pk")
    ):
        by_person.setdefault(alert.service_user_id, []).append(alert)
    return [
        PersonToWatch(
            service_user=alerts[0].service_user,
            reasons=tuple(dict.fromkeys(a.get_kind_display() for a in alerts)),
            since=alerts[0].raised_at,
        )
        for alerts in by_person.values()
    ]


DECLINED_SHOWN_FOR = dt.timedelta(days=28)


def list_pending_handovers(teams: QuerySet[Team]) -> dict[str, object]:
    """Pending handovers this team is waiting on (outgoing) or must answer (incoming), and its
    own handovers declined recently, with the reason (a declined handover is the sending
    team's alone: the receiver no longer sees it)."""
    handovers = Handover.objects.select_related(
        "service_user", "from_team", "to_team", "requested_by"
    )
    pending = handovers.filter(status=Handover.Status.PENDING)
    return {
        "incoming": list(pending.filter(to_team__in=teams)),
        "outgoing": list(pending.filter(from_team__in=teams)),
        "declined": list(
            handovers.filter(
                from_team__in=teams,
                status=Handover.Status.DECLINED,
                responded_at__gte=timezone.now() - DECLINED_SHOWN_FOR,
            ).order_by("-responded_at")
        ),
        "declined_days": DECLINED_SHOWN_FOR.days,
    }


def list_handovers_for(service_user: ServiceUser) -> list[Handover]:
    return list(
        Handover.objects.filter(service_user=service_user).select_related(
            "from_team", "to_team", "requested_by", "responded_by"
        )
    )


def list_commitments_for(service_user: ServiceUser) -> list[Commitment]:
    return list(Commitment.objects.filter(service_user=service_user).select_related("clinician"))


def list_team_contacts_on(teams: QuerySet[Team], day: dt.date) -> list[Contact]:
    """The team's diary for one day (UK local), in time order."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=diary.UK)
    return list(
        Contact.objects.filter(
            team__in=teams, start__gte=start, start__lt=start + dt.timedelta(days=1)
        )
        .select_related("service_user", "clinician")
        .order_by("start", "clinician_id")
    )


def list_clinician_contacts_between(
    clinician: User, first: dt.date, last: dt.date
) -> list[Contact]:
    start = dt.datetime.combine(first, dt.time.min, tzinfo=diary.UK)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=diary.UK)
    return list(
        Contact.objects.filter(clinician=clinician, start__gte=start, start__lt=end)
        .select_related("service_user")
        .order_by("start")
    )


def list_team_contacts_between(
    teams: QuerySet[Team], clinicians: list[User], first: dt.date, last: dt.date
) -> list[Contact]:
    """The teams' contacts with these clinicians from `first` to `last` (UK local days)."""
    start = dt.datetime.combine(first, dt.time.min, tzinfo=diary.UK)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=diary.UK)
    return list(
        Contact.objects.filter(
            team__in=teams, clinician__in=clinicians, start__gte=start, start__lt=end
        )
        .select_related("service_user", "clinician")
        .order_by("start", "clinician_id")
    )


def _standing_busy(
    q: Q, start: dt.datetime, end: dt.datetime, *, until: str = "blocked_until"
) -> list[tuple[dt.datetime, dt.datetime]]:
    """(start, `until`) of the contacts matching `q` that still stand and touch [start, end)."""
    return list(
        Contact.objects.filter(q, start__lt=end, **{f"{until}__gt": start})
        .exclude(attend_status__in=sorted(codes.CANCELLED))
        .values_list("start", until)
    )


def list_free_slots(
    clinician: User, day: dt.date, *, duration_minutes: int, mode: str, buffer_minutes: int
) -> list[dt.datetime]:
    """When the clinician could see someone on `day` (see diary.free_slots)."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=diary.UK)
    return diary.free_slots(
        day,
        duration_minutes=duration_minutes,
        mode=mode,
        remote_buffer_minutes=buffer_minutes,
        hours=get_working_hours(clinician),
        busy=_standing_busy(Q(clinician=clinician), start, start + dt.timedelta(days=1)),
        not_before=timezone.now(),
    )


FREE_SLOT_WEEKS = 4
FREE_SLOTS_SHOWN = 12


def list_free_slots_ahead(
    clinician: User,
    service_user: ServiceUser,
    *,
    duration_minutes: int,
    mode: str,
    buffer_minutes: int,
    ignoring: Contact | None = None,
) -> list[dt.datetime]:
    """The next free times over the coming weeks when both the clinician and the person are free
    (the clinician's working hours, bank holidays, the pause after remote contacts, and neither
    already booked); `ignoring` is the contact being moved, whose own time does not count."""
    now = timezone.now()
    first = timezone.localdate(now)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=diary.UK)
    end = start + dt.timedelta(weeks=FREE_SLOT_WEEKS)
    other = ~Q(pk=ignoring.pk) if ignoring is not None else Q()
    # The clinician is busy until the pause after a remote contact ends; the person only
    # until their contact ends (as booking checks them).
    busy = _standing_busy(Q(clinician=clinician) & other, start, end) + _standing_busy(
        Q(service_user=service_user) & other, start, end, until="end_at"
    )
    return diary.next_free_slots(
        first,
        days=FREE_SLOT_WEEKS * 7,
        limit=FREE_SLOTS_SHOWN,
        duration_minutes=duration_minutes,
        mode=mode,
        remote_buffer_minutes=buffer_minutes,
        hours=get_working_hours(clinician),
        busy=busy,
        not_before=now,
    )


TRIAGE_TYPE = "initial_assessment"
FULL_ASSESSMENT_TYPES = frozenset({"initial_assessment", "risk_assessment"})


@dataclass(frozen=True)
class TriageWait:
    """From a telephone triage to the fuller assessment that followed it (E8), or still waiting."""

    service_user: ServiceUser
    triaged_at: dt.datetime
    assessed_at: dt.datetime | None
    days: int  # to the assessment, or so far

    @property
    def service_user_id(self) -> int:
        return self.service_user.pk


def list_triage_waits(teams: QuerySet[Team], *, now: dt.datetime | None = None) -> list[TriageWait]:
    """Each current person of these teams whose first attended initial assessment was by
    telephone (a telephone triage), with the first attended initial or risk assessment after it
    in another mode (the fuller assessment), longest wait first. A discharged person is left out.
    """
    now = now or timezone.now()
    contacts = (
        Contact.objects.filter(
            team__in=teams,
            service_user__status=ServiceUser.Status.ACTIVE,
            consultation_type__in=sorted(FULL_ASSESSMENT_TYPES),
            attend_status__in=sorted(codes.ATTENDED),
        )
        .select_related("service_user")
        .order_by("service_user_id", "start")
    )
    by_person: dict[int, list[Contact]] = {}
    for contact in contacts:
        by_person.setdefault(contact.service_user_id, []).append(contact)
    waits = []
    for own in by_person.values():
        first = next((c for c in own if c.consultation_type == TRIAGE_TYPE), None)
        if first is None or first.mode_used != "telephone":
            continue
        fuller = next(
            (c for c in own if c.start > first.start and c.mode_used != "telephone"), None
        )
        until = fuller.start if fuller else now
        waits.append(
            TriageWait(
                service_user=first.service_user,
                triaged_at=first.start,
                assessed_at=fuller.start if fuller else None,
                days=(until - first.start).days,
            )
        )
    return sorted(waits, key=lambda w: (w.assessed_at is not None, -w.days))


def summarise_triage_waits(waits: list[TriageWait]) -> dict[str, int | None]:
    """The team's figures: how many were assessed after a triage and the median days it took,
    and how many are still waiting."""
    done = sorted(w.days for w in waits if w.assessed_at is not None)
    return {
        "assessed": len(done),
        "median_days": done[len(done) // 2] if done else None,
        "waiting": sum(1 for w in waits if w.assessed_at is None),
    }


# Contacts in MHSDS terms: read by `caremode extract` (records) and the MHSDS tables (interop).

# MHSDS CONSULTATION TYPE (ConsType): 01 initial consultation, 02 follow-up consultation.
CONS_TYPE_INITIAL = "01"
CONS_TYPE_FOLLOW_UP = "02"


def cons_type(consultation_type: str) -> str:
    """The MHSDS ConsType of one of CareMode's consultation types."""
    return CONS_TYPE_INITIAL if consultation_type == "initial_assessment" else CONS_TYPE_FOLLOW_UP


def cons_mechanism(contact: Contact) -> str:
    """ConsMechanismMH as MHSDS reports it: the mode used for an attended contact, the planned
    mode otherwise (a contact that did not take place used no mode)."""
    if contact.attend_status in codes.ATTENDED and contact.cons_mechanism_used:
        return contact.cons_mechanism_used
    return contact.planned_cons_mechanism


def interpreter_present(contact: Contact) -> str:
    """InterpreterPresentInd: Y or N where recorded with the outcome of a contact that took
    place; empty otherwise (requested is not present)."""
    if contact.interpreter_present is None:
        return ""
    return "Y" if contact.interpreter_present else "N"


def list_settled_contacts_between(start: dt.datetime, end: dt.datetime) -> QuerySet[Contact]:
    """Every contact starting in [start, end) with its outcome recorded (missed and cancelled
    included), with its person and team; people whose processing is restricted left out.

    For whole-service returns (the MHSDS tables); the caller audits the export. Ordered by
    start, then id."""
    return (
        Contact.objects.filter(
            start__gte=start,
            start__lt=end,
            attend_status__isnull=False,
            service_user__processing_restricted=False,
        )
        .select_related("service_user", "team")
        .order_by("start", "pk")
    )


def list_open_appointment_requests(teams: Iterable[Team]) -> list[AppointmentRequest]:
    """Requests from people about their appointments that the teams have not closed, oldest
    first (the team page)."""
    return list(
        AppointmentRequest.objects.filter(team__in=list(teams), closed_at__isnull=True)
        .select_related("service_user", "contact__clinician")
        .order_by("requested_at")
    )


def list_appointment_requests_for(
    service_user: ServiceUser, *, limit: int = 10
) -> list[AppointmentRequest]:
    """The person's requests about their appointments, newest first (the portal)."""
    return list(
        service_user.appointment_requests.select_related("contact").order_by("-requested_at")[
            :limit
        ]
    )


def list_outcome_corrections(contact: Contact) -> list[OutcomeCorrection]:
    """The corrections of one contact's outcome, latest first, with who made them (the caller
    has reached the contact through `access_contact`)."""
    return list(OutcomeCorrection.objects.filter(contact=contact).select_related("corrected_by"))


def list_alerts_for_systems(
    *, people: QuerySet[ServiceUser], pk: int | None = None
) -> list[TeamAlert]:
    """Team alerts about `people` (already chosen through `people`'s selector for systems,
    caremode.interop), oldest first; the caller audits what it returns."""
    alerts = TeamAlert.objects.filter(service_user__in=people)
    if pk is not None:
        alerts = alerts.filter(pk=pk)
    return list(alerts.order_by("raised_at", "pk"))


def list_contacts_for_systems(
    *,
    people: QuerySet[ServiceUser],
    pk: int | None = None,
    starts_from: dt.datetime | None = None,
    starts_before: dt.datetime | None = None,
    attended_only: bool = False,
) -> list[Contact]:
    """Care contacts of `people` (already chosen through `people`'s selector for systems,
    caremode.interop), by start: from `starts_from` (inclusive) and before `starts_before`;
    with `attended_only`, those that took place; each with the carer invited (whom the caller
    names only as `people.consent` allows). The caller audits what it returns."""
    contacts = (
        Contact.objects.care().filter(service_user__in=people).select_related("carer_invited")
    )
    if pk is not None:
        contacts = contacts.filter(pk=pk)
    if starts_from is not None:
        contacts = contacts.filter(start__gte=starts_from)
    if starts_before is not None:
        contacts = contacts.filter(start__lt=starts_before)
    if attended_only:
        contacts = contacts.filter(attend_status__in=sorted(codes.ATTENDED))
    return list(contacts.order_by("start", "pk"))


# "Mine" on the team page: people the user has seen or booked within this many days, or whose
# agreed regular contact is theirs.
MINE_WITHIN_DAYS = 182


def list_my_people_ids(user: User, teams: QuerySet[Team]) -> set[int]:
    """The people on the teams' caseloads who are this clinician's: a care contact with them in
    the last `MINE_WITHIN_DAYS` days or booked ahead, or a commitment of theirs not ended."""
    since = timezone.now() - dt.timedelta(days=MINE_WITHIN_DAYS)
    contacts = (
        Contact.objects.care()
        .filter(service_user__team__in=teams, clinician=user, start__gte=since)
        .values_list("service_user_id", flat=True)
    )
    commitments = Commitment.objects.filter(
        service_user__team__in=teams, clinician=user, ends_on__isnull=True
    ).values_list("service_user_id", flat=True)
    return set(contacts) | set(commitments)


# The team manager's figure of commitments kept, by month, over this many months.
KEPT_MONTHS = 6


@dataclass(frozen=True)
class KeptFigure:
    """Of the commitment occurrences due in a month, how many were kept."""

    due: int
    kept: int

    @property
    def share(self) -> int | None:
        """The percentage kept, rounded; None when nothing was due."""
        return round(100 * self.kept / self.due) if self.due else None


@dataclass(frozen=True)
class CommitmentsKept:
    months: tuple[dt.date, ...]  # the first day of each month, oldest first
    teams: tuple[tuple[Team, tuple[KeptFigure, ...]], ...]
    clinicians: tuple[tuple[User, tuple[KeptFigure, ...]], ...]


def _month_starts(today: dt.date, months: int) -> list[dt.date]:
    index = today.year * 12 + today.month - 1
    return [
        dt.date((index - back) // 12, (index - back) % 12 + 1, 1)
        for back in range(months - 1, -1, -1)
    ]


def get_commitments_kept(
    teams: QuerySet[Team], *, today: dt.date, months: int = KEPT_MONTHS
) -> CommitmentsKept:
    """Commitments kept per team and per clinician, by month over the last `months` months
    (this month up to yesterday): of the occurrences due (the agreed days, bank holidays left
    out, before today and before the commitment ended), how many were kept, by the rule
    `check_commitments` alerts on: a care contact the service did not cancel within a day of
    the agreed day (E11). Keeping in touch while paused or waiting counts like any other
    commitment. Three queries, whatever the number of commitments."""
    starts = _month_starts(today, months)
    first = starts[0]
    commitments = list(
        Commitment.objects.filter(service_user__team__in=teams, starts_on__lt=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=first))
        .select_related("clinician", "service_user__team")
    )
    held: dict[int, set[dt.date]] = {}
    for person_id, start in (
        Contact.objects.care()
        .filter(
            service_user_id__in={c.service_user_id for c in commitments},
            start__gte=timezone.make_aware(
                dt.datetime.combine(first - dt.timedelta(days=1), dt.time())
            ),
        )
        .exclude(attend_status__in=sorted(codes.CANCELLED_BY_SERVICE))
        .values_list("service_user_id", "start")
    ):
        held.setdefault(person_id, set()).add(timezone.localtime(start).date())
    by_team: dict[Team, list[list[int]]] = {}
    by_clinician: dict[User, list[list[int]]] = {}
    for commitment in commitments:
        until = today - dt.timedelta(days=1)
        if commitment.ends_on is not None:
            until = min(until, commitment.ends_on)
        # From the commitment's own first day, so that every-2-weeks keeps its phase.
        for day in diary.occurrences(
            starts_on=commitment.starts_on,
            weekday=commitment.weekday,
            every_weeks=commitment.every_weeks,
            until=until,
        ):
            if day < first or diary.bank_holiday(day):
                continue
            month = (day.year - first.year) * 12 + day.month - first.month
            around = {day - dt.timedelta(days=1), day, day + dt.timedelta(days=1)}
            kept = bool(held.get(commitment.service_user_id, set()) & around)
            for cells in (
                by_team.setdefault(commitment.service_user.team, [[0, 0] for _ in starts]),
                by_clinician.setdefault(commitment.clinician, [[0, 0] for _ in starts]),
            ):
                cells[month][0] += 1
                cells[month][1] += kept

    def figures(cells: list[list[int]]) -> tuple[KeptFigure, ...]:
        return tuple(KeptFigure(due=due, kept=kept) for due, kept in cells)

    return CommitmentsKept(
        months=tuple(starts),
        teams=tuple(
            (team, figures(cells))
            for team, cells in sorted(by_team.items(), key=lambda i: i[0].name)
        ),
        clinicians=tuple(
            (user, figures(cells))
            for user, cells in sorted(by_clinician.items(), key=lambda i: (str(i[0]), i[0].pk))
        ),
    )
