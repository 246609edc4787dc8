"""Training expiry, the wellbeing measures on planted data, and workload from a hand-made diary.
Pure: no database."""

from __future__ import annotations

import datetime as dt
import random

from caremode.scheduling.diary import UK
from caremode.workforce import pulse, training, wellbeing, workload


def test_a_refresher_falls_due_months_after_completion_clamped_to_the_month():
    assert training.expires_on(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert training.expires_on(dt.date(2026, 11, 15), 12) == dt.date(2027, 11, 15)
    assert training.expires_on(dt.date(2026, 11, 15), 0) is None


def test_status_missing_current_due_soon_and_expired():
    done = dt.date(2026, 1, 10)
    assert training.status(None, 12, dt.date(2026, 6, 1)) == "missing"
    assert training.status(done, 12, dt.date(2026, 6, 1)) == "current"
    assert training.status(done, 12, dt.date(2026, 12, 20)) == "due_soon"
    assert training.status(done, 12, dt.date(2027, 1, 10)) == "expired"
    assert training.status(done, 0, dt.date(2040, 1, 1)) == "current"


def test_ons_thresholds():
    happiness = next(m for m in pulse.MEASURES if m.key == "happiness")
    anxiety = next(m for m in pulse.MEASURES if m.key == "anxiety")
    supported = next(m for m in pulse.MEASURES if m.key == "feel_supported")
    assert pulse.counts_towards(happiness, 4) and not pulse.counts_towards(happiness, 5)
    assert pulse.counts_towards(anxiety, 6) and not pulse.counts_towards(anxiety, 5)
    assert pulse.counts_towards(supported, 3) and not pulse.counts_towards(supported, 4)
    assert pulse.check_answers({"happiness": 11}).get("happiness")


def test_a_planted_difference_by_ethnic_group_is_flagged_and_none_where_there_is_none():
    """Black staff report low happiness at three times the rate of White staff (as seed 2 found
    a difference); the figures flag it, and flag nothing for a dimension with no difference."""
    rng = random.Random(11)
    rows = []
    for group, n, p_low in (("White", 300, 0.15), ("Black or Black British", 120, 0.45)):
        for _ in range(n):
            low = rng.random() < p_low
            rows.append(
                wellbeing.Answer(
                    groups={"ethnic_group": group, "band": rng.choice(["5", "6"])},
                    answers={
                        **{k: rng.randint(5, 10) for k in pulse.ONS4},
                        "happiness": rng.randint(0, 4) if low else rng.randint(5, 10),
                        "anxiety": rng.randint(0, 5),
                        **{k: 5 for k in pulse.REMOTE_WORKING},
                    },
                )
            )
    result = wellbeing.results_by_group(rows, threshold=10, dimensions=["ethnic_group", "band"])
    by_ethnic, by_band = result.breakdowns
    black = next(g for g in by_ethnic.shown if g.group == "Black or Black British")
    white = next(g for g in by_ethnic.shown if g.group == "White")
    assert white.reference
    happiness = next(s for s in black.shares if s.measure == "happiness")
    assert happiness.flag == "higher"
    assert happiness.ci95[0] < happiness.rate < happiness.ci95[1]
    assert 2 < happiness.ratio < 4.5
    assert all(s.flag == "similar" for g in by_band.shown for s in g.shares)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=UK)


def test_workload_from_a_hand_made_diary():
    monday = dt.date(2026, 11, 23)
    e = workload.DiaryEntry
    entries = [
        e(1, _at(monday, 9), 50, "video"),  # ends 9:50
        e(1, _at(monday, 9, 50), 50, "telephone"),  # back to back, remote: pause skipped
        e(1, _at(monday, 10, 45), 30, "face_to_face"),  # 5 minutes after remote: skipped
        e(1, _at(monday, 12), 60, "video"),  # fine
        e(1, _at(monday, 13, 5), 30, "video", late_start_minutes=0),  # 5 min: skipped
        e(1, _at(monday, 17, 30), 30, "telephone"),  # outside 9 to 5
        e(2, _at(monday + dt.timedelta(days=5), 10), 30, "video"),  # a Saturday: outside
        e(2, _at(monday, 9), 30, "video", late_start_minutes=20),  # ends 9:50
        e(2, _at(monday, 9, 45), 30, "video"),  # started before the late one ended
    ]
    found = workload.workload(
        entries,
        pause_minutes=10,
        hours={1: {0: (dt.time(9), dt.time(17))}},  # clinician 2: the default Mon–Fri 9 to 5
    )
    assert found.contacts == 9
    assert found.remote_contacts == 8
    assert found.back_to_back_remote == 2
    assert found.pauses_skipped == 4
    assert found.outside_working_hours == 2
    assert found.clinicians == 2
