"""The seeded check-ins and scores: realistic, scored by CareMode, and a planted difference in
outcome by mode that the outcomes extract shows."""

import csv
import datetime as dt
import random
from collections import Counter, defaultdict
from statistics import mean

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from caremode.core import codes
from caremode.monitoring import scoring
from caremode.monitoring.models import Assessment, CheckIn, CheckInSchedule
from caremode.people.models import ServiceUser
from caremode.scheduling.models import TeamAlert
from caremode.seed import monitoring, population
from caremode.seed.monitoring import AttendedContact, OutcomeDifference
from caremode.seed.services import seed_trust

AS_OF = dt.datetime(2026, 11, 2, 12, tzinfo=dt.UTC)


def test_seeded_check_ins_and_scores_are_plausible_and_scored_from_their_items(db):
    summary = seed_trust(service_users=400, months=4, seed=5, as_of=AS_OF)
    assert summary.checkins == CheckIn.objects.count() > 0
    assert summary.assessments == Assessment.objects.count() > 0
    with_schedule = CheckInSchedule.objects.values("service_user").distinct().count()
    assert 0.3 < with_schedule / 400 < 0.75
    assert not (
        CheckInSchedule.objects.filter(ended_at__isnull=True)
        .values("service_user")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .exists()
    )
    statuses = Counter(CheckIn.objects.values_list("status", flat=True))
    assert statuses["completed"] > statuses["missed"] > 0 and statuses["due"] > 0
    assert not CheckIn.objects.filter(status="missed", assessments__isnull=False).exists()
    assert not CheckIn.objects.filter(status="completed", assessments__isnull=True).exists()
    assert CheckIn.objects.filter(status="due", expires_at__lte=AS_OF).count() == 0

    measures = Counter(Assessment.objects.values_list("measure", "source"))
    assert measures["PHQ9", "checkin"] == measures["GAD7", "checkin"] > 0
    assert measures["PHQ9", "contact"] == measures["GAD7", "contact"] > 0
    assert measures["DIALOG", "contact"] > 0 and measures["DIALOG", "checkin"] == 0
    for a in Assessment.objects.select_related("contact"):
        result = scoring.score(a.measure, a.answers)  # the stored score is CareMode's own
        assert (a.complete, a.score, a.band, a.risk_answer) == (
            result.complete,
            result.total,
            result.band,
            result.risk_answer,
        )
        if a.contact is not None:
            assert a.contact.attend_status in codes.ATTENDED
            assert a.mode == (a.contact.mode_used or a.contact.planned_mode)
            assert a.contact.service_user_id == a.service_user_id
    assert Assessment.objects.filter(complete=False).exists()  # a question left unanswered
    # Some courses deteriorate reliably; the last week's scores raised the alerts they call for.
    first_last: dict[int, list] = defaultdict(list)
    for person, score in (
        Assessment.objects.filter(measure="PHQ9", complete=True)
        .order_by("taken_at")
        .values_list("service_user", "score")
    ):
        first_last[person].append(score)
    changes = Counter(
        scoring.reliable_change("PHQ9", s[0], s[-1]) for s in first_last.values() if len(s) > 1
    )
    assert changes[scoring.Change.IMPROVED] > changes[scoring.Change.DETERIORATED] > 0
    kinds = Counter(TeamAlert.objects.values_list("kind", flat=True))
    assert kinds["deterioration"] + kinds["severe_score"] + kinds["risk_answer"] > 0
    assert not TeamAlert.objects.filter(raised_at__lt=AS_OF - dt.timedelta(days=7)).exists()


def _courses(contacts_csv, scores_csv) -> dict[str, list[float]]:
    """PHQ-9 change over each person's course, by course mode, computed from the extract as the
    evaluation defines a course (dates with both PHQ-9 and GAD-7; the mode of more than half of
    the attended contacts from the first to the last such date)."""
    scores: dict[str, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    with scores_csv.open() as handle:
        for row in csv.DictReader(handle):
            scores[row["Person_ID"]][row["AssessmentDate"]].setdefault(
                row["Measure"], float(row["Score"])
            )
    contacts: dict[str, list[tuple[str, str]]] = defaultdict(list)
    with contacts_csv.open() as handle:
        for row in csv.DictReader(handle):
            if row["AttendStatus"] in codes.ATTENDED:
                mode = codes.CONS_MECHANISM_TO_MODE[row["ConsMechanismMH"]]
                contacts[row["Person_ID"]].append((row["CareContDate"], mode))
    by_mode: dict[str, list[float]] = defaultdict(list)
    for person, days in scores.items():
        paired = sorted(d for d, m in days.items() if {"PHQ9", "GAD7"} <= set(m))
        if len(paired) < 2:
            continue
        modes = [mode for day, mode in contacts[person] if paired[0] <= day <= paired[-1]]
        if len(modes) < 2:
            continue
        top, count = Counter(modes).most_common(1)[0]
        course = top if count * 2 > len(modes) else "mixed"
        by_mode[course].append(days[paired[-1]]["PHQ9"] - days[paired[0]]["PHQ9"])
    return by_mode


def test_a_planted_difference_in_outcome_by_mode_is_in_the_extract(transactional_db, tmp_path):
    def run(name: str, difference: OutcomeDifference | None) -> dict[str, list[float]]:
        call_command("flush", "--noinput", verbosity=0)
        seed_trust(service_users=500, months=5, seed=9, as_of=AS_OF, outcome_difference=difference)
        contacts, scores = tmp_path / f"{name}-contacts.csv", tmp_path / f"{name}-scores.csv"
        call_command("extract", "--out", str(contacts), "--outcomes", str(scores))
        return _courses(contacts, scores)

    plain = run("plain", None)
    planted = run("planted", OutcomeDifference.parse("telephone:0.2"))
    assert len(planted["telephone"]) >= 10
    # The same courses: face-to-face ones exactly as they were, telephone ones improving less.
    assert planted["face_to_face"] == plain["face_to_face"]
    assert mean(plain["telephone"]) < -2  # telephone courses improve without the plant
    ratio = mean(planted["telephone"]) / mean(plain["telephone"])
    assert ratio < 0.6
    assert mean(planted["telephone"]) > mean(planted["face_to_face"]) + 2


def test_the_plant_only_touches_courses_in_its_mode():
    rng = random.Random(3)
    people = population.generate_people(rng, 3000, AS_OF.date(), [30, 30, 15, 20, 20])
    rows = list(population.generate_contacts(rng, people, as_of=AS_OF, months=6))
    attended: dict[int, list[AttendedContact]] = defaultdict(list)
    for n, r in enumerate(rows):
        if r.attend_status in codes.ATTENDED:
            end = r.start + dt.timedelta(minutes=r.duration_minutes)
            attended[r.person].append(AttendedContact(n, r.start, end, r.mode_used))

    def generate(difference):
        stream = random.Random(4)
        return [
            monitoring.generate_monitoring(
                stream, p, attended[p.index], as_of=AS_OF, months=6, difference=difference
            )
            for p in people
        ]

    plain, planted = generate(None), generate(OutcomeDifference("video", 0.5))
    touched = 0
    for before, after in zip(plain, planted, strict=True):
        if before is None:
            assert after is None
            continue
        assert after is not None and after.course_mode == before.course_mode
        assert [c.status for c in after.checkins] == [c.status for c in before.checkins]
        same = [a.answers for a in after.assessments] == [a.answers for a in before.assessments]
        assert after.planted == (before.course_mode == "video")
        if not after.planted:
            assert same
        touched += not same
    assert touched > 0


@pytest.mark.parametrize("total", range(28))
def test_phq9_answers_add_up_to_the_total(total):
    rng = random.Random(total)
    for _ in range(20):
        answers = monitoring.phq9_answers(rng, total)
        result = scoring.score("PHQ9", answers)
        assert result.total == total and result.complete
        if total <= 21:
            gad = scoring.score("GAD7", monitoring.gad7_answers(rng, total))
            assert gad.total == total


def test_a_course_mode_needs_more_than_half_of_its_contacts():
    day = dt.datetime(2026, 10, 1, 10, tzinfo=dt.UTC)

    def contacts(*modes):
        return [
            AttendedContact(n, day + dt.timedelta(days=n), day + dt.timedelta(days=n), m)
            for n, m in enumerate(modes)
        ]

    first, last = day.date(), (day + dt.timedelta(days=9)).date()
    assert monitoring.course_mode(contacts("video", "video", "telephone"), first, last) == "video"
    assert monitoring.course_mode(contacts("video", "telephone"), first, last) == "mixed"
    assert monitoring.course_mode(contacts("video"), first, last) is None
    assert monitoring.course_mode(contacts("video", "video"), first, first) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("telephone", "expected MODE:FACTOR"),
        ("hologram:0.5", "unknown mode"),
        ("telephone:4", "from 0 to 3"),
        ("telephone:half", "expected MODE:FACTOR"),
    ],
)
def test_a_bad_outcome_difference_is_explained(text, message):
    with pytest.raises(ValueError, match=message):
        OutcomeDifference.parse(text)


def test_the_command_plants_an_outcome_difference_or_explains_why_not(db, capsys):
    with pytest.raises(CommandError, match="--plant-outcome-difference"):
        call_command("seed", "--service-users", "5", "--plant-outcome-difference", "x")
    assert not ServiceUser.objects.exists()
    call_command(
        "seed",
        "--service-users",
        "40",
        "--months",
        "2",
        "--as-of",
        "2026-11-02",
        "--plant-outcome-difference",
        "video:0.5",
    )
    assert "check-ins" in capsys.readouterr().out
    from caremode.audit.models import AuditEvent

    seeded = AuditEvent.objects.get(action="seed")
    assert seeded.detail["outcome_difference"] == {"mode": "video", "factor": 0.5}


def test_the_demo_service_user_checks_in(db):
    seed_trust(service_users=150, months=3, seed=2, as_of=AS_OF, demo_accounts=True)
    person = ServiceUser.objects.get(account__username="service.user")
    assert CheckInSchedule.objects.filter(service_user=person).exists()
    assert Assessment.objects.filter(service_user=person, complete=True).exists()
