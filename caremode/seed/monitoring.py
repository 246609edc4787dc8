"""Synthetic check-ins and outcome measures for the synthetic trust (issue 12).

Pure and deterministic, like `population`: the same random stream, person and contacts give the
same schedule, check-ins and answers. Answers are generated item by item; the seed scores them
with `monitoring.scoring` (never a made-up total).

The shape:
- about half the caseload agrees a check-in schedule (most of the psychological therapies team,
  fewer of the older adults' team), PHQ-9 and GAD-7 weekly, fortnightly or every four weeks, by
  text, email or the portal; some people stop it, a course of therapy ends it;
- each check-in is completed or missed (missed more often by people in the most deprived areas,
  without a suitable device or data, and by people who are getting worse);
- a PHQ-9/GAD-7 pair is also scored in some attended contacts, recording the contact's mode, and
  DIALOG at the start and at a review about twelve weeks later (community teams);
- courses mostly improve, some stay flat and some deteriorate; improvement is smaller in the most
  deprived areas and, in remote courses, for people whose access needs make remote contact hard;
- an optional planted difference (`OutcomeDifference`) makes courses delivered mostly in one
  mode improve a chosen fraction as much as the rest, so the evaluation can be checked against a
  known truth. A course's mode is found as the evaluation finds it: the mode of more than half of
  the attended contacts from the first to the last date with both PHQ-9 and GAD-7, else `mixed`.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from caremode.core import codes
from caremode.monitoring.instruments import (
    DIALOG_LIFE_KEYS,
    DIALOG_TREATMENT_KEYS,
    PHQ9_RISK_ITEM,
    Measure,
)
from caremode.seed.population import TEAMS, Person

# How long a check-in link stays open in the synthetic trust.
CHECKIN_OPEN_FOR = dt.timedelta(days=3)
RHYTHM_DAYS = {"weekly": 7, "fortnightly": 14, "monthly": 28}
# Share of each team's caseload with a check-in schedule (TEAMS order).
SCHEDULE_SHARE = {
    "Community mental health service": 0.45,
    "Early intervention in psychosis": 0.4,
    "Psychological therapies": 0.85,
    "Older adults' mental health": 0.25,
}
REVIEW_AFTER = dt.timedelta(weeks=12)
HARD_REMOTELY = frozenset(
    {
        "technology_unfamiliar",
        "no_suitable_device",
        "cannot_afford_data",
        "poor_connectivity",
        "no_private_space",
        "hearing_impairment",
    }
)
MIXED = "mixed"


@dataclass(frozen=True)
class OutcomeDifference:
    """A planted truth: courses delivered mostly by `mode` improve `factor` times as much as
    the same courses would otherwise (PHQ-9, GAD-7 and DIALOG's life mean alike)."""

    mode: str
    factor: float

    @classmethod
    def parse(cls, text: str) -> OutcomeDifference:
        """From `telephone:0.5`."""
        try:
            mode, factor = text.split(":")
            parsed = cls(mode, float(factor))
        except ValueError:
            raise ValueError(
                f"cannot read outcome difference {text!r}; expected MODE:FACTOR, for example "
                "telephone:0.5"
            ) from None
        if parsed.mode not in codes.MODES:
            raise ValueError(f"unknown mode {parsed.mode!r} in outcome difference")
        if not 0 <= parsed.factor <= 3:
            raise ValueError("outcome difference factor must be from 0 to 3")
        return parsed


@dataclass(frozen=True)
class AttendedContact:
    """An attended contact of the person's, by its position in the caller's list."""

    index: int
    start: dt.datetime
    end: dt.datetime
    mode: str


@dataclass
class ScheduleRow:
    rhythm: str
    channel: str
    measures: list[str]
    starts_on: dt.date
    agreed_at: dt.datetime
    ended_at: dt.datetime | None = None
    end_reason: str = ""
    ended_by_clinician: bool = False  # a course of therapy ended; else the person stopped it


@dataclass
class CheckInRow:
    due_at: dt.datetime
    expires_at: dt.datetime
    sent_at: dt.datetime | None
    status: str  # due, completed, missed
    completed_at: dt.datetime | None = None


@dataclass
class AssessmentRow:
    measure: str
    answers: dict[str, int]
    taken_at: dt.datetime
    checkin: int | None = None  # position in `PersonMonitoring.checkins`
    contact: int | None = None  # `AttendedContact.index`
    mode: str = ""
    more_help: list[str] = field(default_factory=list)


@dataclass
class PersonMonitoring:
    schedule: ScheduleRow
    checkins: list[CheckInRow]
    assessments: list[AssessmentRow]
    course_mode: str | None  # None: not a course (fewer than two paired dates or contacts)
    trajectory: str  # improving, flat, deteriorating
    planted: bool  # the planted difference applied to this course


def course_mode(contacts: Sequence[AttendedContact], first: dt.date, last: dt.date) -> str | None:
    """The mode of more than half of the attended contacts dated `first` to `last` inclusive,
    else `mixed`; None when there are fewer than two such contacts."""
    modes = [c.mode for c in contacts if first <= c.start.date() <= last]
    if len(modes) < 2:
        return None
    mode, count = Counter(modes).most_common(1)[0]
    return mode if count * 2 > len(modes) else MIXED


def _clip(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _spread(rng: random.Random, total: int, keys: Sequence[str], top: int) -> dict[str, int]:
    """Item answers 0..`top` adding up to `total`: evenly, then a few units moved at random."""
    values = [total // len(keys)] * len(keys)
    for i in rng.sample(range(len(keys)), total % len(keys)):
        values[i] += 1
    for _ in range(3):
        i, j = rng.randrange(len(keys)), rng.randrange(len(keys))
        if values[i] > 0 and values[j] < top:
            values[i] -= 1
            values[j] += 1
    return dict(zip(keys, values, strict=True))


PHQ9_KEYS = tuple(f"phq9_{n}" for n in range(1, 9))
GAD7_KEYS = tuple(f"gad7_{n}" for n in range(1, 8))


def phq9_answers(rng: random.Random, total: int) -> dict[str, int]:
    """PHQ-9 answers adding up to `total`, item 9 rarely above 0 and more often when severe."""
    risk_chance = _clip(0.02 + 0.025 * max(0, total - 10), 0, 0.45)
    risk = (2 if total >= 20 and rng.random() < 0.3 else 1) if rng.random() < risk_chance else 0
    risk = max(risk, total - 24, 0)
    risk = min(risk, total)
    answers = _spread(rng, total - risk, PHQ9_KEYS, 3)
    answers[PHQ9_RISK_ITEM] = risk
    answers["phq9_difficulty"] = min(3, total // 7) if total else 0
    return answers


def gad7_answers(rng: random.Random, total: int) -> dict[str, int]:
    return _spread(rng, total, GAD7_KEYS, 3)


def dialog_answers(rng: random.Random, life_mean: float) -> tuple[dict[str, int], list[str]]:
    """DIALOG ratings 1-7 around `life_mean`, and the items the person wants more help with."""
    answers = {k: round(_clip(life_mean + rng.gauss(0, 0.9), 1, 7)) for k in DIALOG_LIFE_KEYS}
    answers |= {k: round(_clip(rng.gauss(5, 1), 1, 7)) for k in DIALOG_TREATMENT_KEYS}
    help_wanted = [k for k, v in answers.items() if v <= 3 and rng.random() < 0.7]
    return answers, help_wanted


def _channel(rng: random.Random, person: Person) -> str:
    roll = rng.random()
    if person.phone and roll < 0.6:
        return "sms"
    if person.email and roll < 0.85:
        return "email"
    return "portal"


def generate_monitoring(
    rng: random.Random,
    person: Person,
    contacts: Sequence[AttendedContact],
    *,
    as_of: dt.datetime,
    months: int,
    difference: OutcomeDifference | None = None,
) -> PersonMonitoring | None:
    """One person's schedule, check-ins and assessments over the seeded months, or None when
    they have no schedule. `contacts` are their attended contacts, oldest first. The random
    stream is used the same way with or without `difference`, so a planted run differs from an
    unplanted one only in the planted courses' scores: the shared stream gives each person one
    draw, their own stream's seed, and their own stream draws everything that shapes the course
    (dates, statuses, which contacts are scored) before any score."""
    rng = random.Random(rng.getrandbits(64))
    service = TEAMS[person.team][1]
    if rng.random() >= SCHEDULE_SHARE[service]:
        return None
    tz = as_of.tzinfo
    first_day = (as_of - dt.timedelta(days=round(months * 30.44))).date()
    starts_on = max(first_day, person.registered_on) + dt.timedelta(days=rng.randrange(0, 28))
    if starts_on > as_of.date() - dt.timedelta(days=21):
        return None
    rhythm = rng.choices(list(RHYTHM_DAYS), weights=[5, 4, 1])[0]
    interval = dt.timedelta(days=RHYTHM_DAYS[rhythm])
    channel = _channel(rng, person)
    therapy = service == "Psychological therapies"
    schedule = ScheduleRow(
        rhythm=rhythm,
        channel=channel,
        measures=[Measure.PHQ9.value, Measure.GAD7.value],
        starts_on=starts_on,
        agreed_at=dt.datetime.combine(starts_on - dt.timedelta(days=2), dt.time(11), tzinfo=tz),
    )
    course_end = as_of
    if therapy:
        finished = schedule.agreed_at + dt.timedelta(weeks=rng.randint(12, 20))
        if finished < as_of:
            course_end = finished
            schedule.ended_at, schedule.end_reason = finished, "The course of therapy ended."
            schedule.ended_by_clinician = True
    if schedule.ended_at is None and rng.random() < 0.06:
        stopped = schedule.agreed_at + dt.timedelta(days=rng.randint(21, 120))
        if stopped < as_of:
            course_end = stopped
            schedule.ended_at, schedule.end_reason = stopped, "Stopped by the person."

    trajectory = rng.choices(["improving", "flat", "deteriorating"], weights=[65, 22, 13])[0]
    needs = set(person.access_needs)
    completion = 0.82
    if person.imd_decile <= 2:
        completion *= 0.9
    if needs & {"no_suitable_device", "cannot_afford_data"}:
        completion *= 0.85
    if trajectory == "deteriorating":
        completion *= 0.8

    checkins: list[CheckInRow] = []
    due_day = starts_on
    while True:
        due_at = dt.datetime.combine(due_day, dt.time(10), tzinfo=tz)
        if due_at >= course_end:
            break
        expires_at = due_at + CHECKIN_OPEN_FOR
        sent_at = due_at if channel != "portal" else None
        answered = rng.random() < completion
        after = dt.timedelta(minutes=rng.randint(20, 60 * 60))
        row = CheckInRow(due_at=due_at, expires_at=expires_at, sent_at=sent_at, status="missed")
        if answered and due_at + after < min(as_of, expires_at):
            row.status, row.completed_at = "completed", due_at + after
        elif expires_at > as_of:
            row.status = "due"  # still open
        checkins.append(row)
        due_day += interval

    window = [c for c in contacts if starts_on <= c.start.date() and c.start < course_end]
    scored_share = 0.35 if therapy else 0.2
    scored_in = [c for c in window if rng.random() < scored_share]
    # The dates with both PHQ-9 and GAD-7, which the evaluation takes as the course.
    paired = sorted(
        [c.completed_at.date() for c in checkins if c.completed_at is not None]
        + [c.end.date() for c in scored_in]
    )
    mode = course_mode(contacts, paired[0], paired[-1]) if len(paired) >= 2 else None
    with_dialog = not therapy or rng.random() < 0.3
    planted = difference is not None and mode == difference.mode

    baseline = _clip(rng.gauss(14 + (2 if person.imd_decile <= 3 else 0), 5), 3, 27)
    anxiety = _clip(0.75 * baseline + rng.gauss(0, 2.5), 0, 21)
    life = _clip(4.6 - 0.08 * (baseline - 14) + rng.gauss(0, 0.6), 1.5, 6.5)
    change = {
        "improving": -rng.uniform(5, 12),
        "flat": rng.gauss(0, 1.5),
        "deteriorating": rng.uniform(5, 10),
    }[trajectory]
    if change < 0:
        if person.imd_decile <= 2:
            change *= 0.8
        if mode in codes.REMOTE_MODES and needs & HARD_REMOTELY:
            change *= 0.75
        if planted:
            assert difference is not None
            change *= difference.factor
    pace = rng.uniform(4, 8)  # weeks to go most of the way

    def at(moment: dt.datetime) -> tuple[float, float, float]:
        weeks = max(0.0, (moment - schedule.agreed_at).days / 7)
        moved = change * (1 - math.exp(-weeks / pace))
        return baseline + moved, anxiety + 0.75 * moved, life - 0.12 * moved

    assessments: list[AssessmentRow] = []

    def pair(
        moment: dt.datetime, *, checkin: int | None = None, contact: AttendedContact | None = None
    ) -> None:
        depression, worry, _life = at(moment)
        phq = round(_clip(depression + rng.gauss(0, 1.5), 0, 27))
        gad = round(_clip(worry + rng.gauss(0, 1.5), 0, 21))
        phq_answers = phq9_answers(rng, phq)
        if rng.random() < 0.015:  # a question left unanswered: stored, never scored
            del phq_answers[rng.choice(PHQ9_KEYS)]
        index, mode = (contact.index, contact.mode) if contact else (None, "")
        later = moment + dt.timedelta(minutes=3)
        for measure, answers, taken_at in (
            ("PHQ9", phq_answers, moment),
            ("GAD7", gad7_answers(rng, gad), later),
        ):
            assessments.append(
                AssessmentRow(measure, answers, taken_at, checkin=checkin, contact=index, mode=mode)
            )

    for n, checkin in enumerate(checkins):
        if checkin.completed_at is not None:
            pair(checkin.completed_at, checkin=n)
    for contact in scored_in:
        pair(contact.end, contact=contact)
    if with_dialog:
        start = next(iter(window), None)
        review = next((c for c in window if c.start >= schedule.agreed_at + REVIEW_AFTER), None)
        for occasion in (start, review):
            if occasion is None:
                continue
            contact = occasion
            answers, help_wanted = dialog_answers(rng, at(contact.end)[2])
            assessments.append(
                AssessmentRow(
                    "DIALOG",
                    answers,
                    contact.end + dt.timedelta(minutes=6),
                    contact=contact.index,
                    mode=contact.mode,
                    more_help=help_wanted,
                )
            )
    assessments.sort(key=lambda a: a.taken_at)
    return PersonMonitoring(schedule, checkins, assessments, mode, trajectory, planted)
