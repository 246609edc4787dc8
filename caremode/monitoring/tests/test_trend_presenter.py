"""The trend presenter: pure, no database — what the chart draws and the table says."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from caremode.monitoring.presenters import (
    BAND_FILLS,
    HEIGHT,
    LEFT,
    PLOT_WIDTH,
    TOP,
    present_trends,
    trend_context,
)

DAY = dt.datetime(2027, 1, 4, 10, 0, tzinfo=dt.UTC)


@dataclass
class A:
    measure: str
    score: Decimal | None
    taken_at: dt.datetime
    complete: bool = True
    band: str = ""
    treatment_mean: Decimal | None = None
    source: str = "checkin"
    mode: str = ""


@dataclass
class C:
    start: dt.datetime
    planned_mode: str
    mode_used: str | None = None
    attend_status: str | None = "5"


def test_no_assessments_means_no_trend() -> None:
    assert present_trends([], [C(DAY, "video")]) == []


def test_points_run_left_to_right_in_time_and_lower_scores_sit_lower() -> None:
    rows = [
        A("PHQ9", Decimal(20), DAY + dt.timedelta(days=14), band="Severe"),
        A("PHQ9", Decimal(5), DAY, band="Mild"),
    ]
    (trend,) = present_trends(rows, [])
    first, last = trend.points
    assert first.x == LEFT and last.x == LEFT + PLOT_WIDTH
    assert first.y > last.y  # 5 is drawn below 20
    assert trend.line == f"{first.x},{first.y} {last.x},{last.y}"
    assert [r.change for r in trend.rows] == ["", "Reliably worse"]
    assert trend.summary.startswith("PHQ-9: 2 scores from 4 January 2027 to 18 January 2027")
    assert "from 5 to 20 (severe)" in trend.summary


def test_every_phq9_band_is_shaded_from_light_to_dark_and_named() -> None:
    (trend,) = present_trends([A("PHQ9", Decimal(9), DAY, band="Mild")], [])
    assert [b.label for b in trend.bands] == [
        "Minimal",
        "Mild",
        "Moderate",
        "Moderately severe",
        "Severe",
    ]
    assert trend.bands[0].fill == BAND_FILLS[0] and trend.bands[-1].fill == BAND_FILLS[-1]
    # The bands tile the plot with no gap: each ends where the next begins.
    for lower, upper in zip(trend.bands, trend.bands[1:], strict=False):
        assert round(upper.y + upper.height, 1) == lower.y
    assert trend.bands[-1].y == TOP
    assert [t.label for t in trend.ticks] == ["0", "5", "10", "15", "20", "27"]


def test_an_incomplete_questionnaire_is_in_the_table_but_never_drawn() -> None:
    rows = [
        A("GAD7", Decimal(6), DAY, band="Mild"),
        A("GAD7", None, DAY + dt.timedelta(days=7), complete=False),
        A("GAD7", Decimal(11), DAY + dt.timedelta(days=14), band="Moderate"),
    ]
    (trend,) = present_trends(rows, [])
    assert len(trend.points) == 2
    assert [r.score for r in trend.rows] == ["6", "Incomplete", "11"]
    # The change is against the previous complete score, skipping the incomplete one.
    assert trend.rows[2].change == "Reliably worse"


def test_contacts_are_marked_with_their_mode_and_cancelled_ones_are_left_out() -> None:
    rows = [
        A("PHQ9", Decimal(12), DAY),
        A("PHQ9", Decimal(7), DAY + dt.timedelta(days=28), source="contact", mode="telephone"),
    ]
    contacts = [
        C(DAY + dt.timedelta(days=7), "video", "telephone"),  # switched to telephone
        C(DAY + dt.timedelta(days=14), "video", attend_status="3"),  # did not attend
        C(DAY + dt.timedelta(days=21), "face_to_face", attend_status="4"),  # cancelled
        C(DAY + dt.timedelta(days=60), "video"),  # after the last score: off the chart
    ]
    (trend,) = present_trends(rows, contacts)
    assert [(c.mark, c.mode, c.attended) for c in trend.contacts] == [
        ("T", "Telephone", True),
        ("V", "Video", False),
    ]
    assert trend.modes_marked == [("T", "Telephone"), ("V", "Video")]
    assert trend.rows[1].how == "During a telephone contact"
    assert trend.rows[1].change == "No reliable change"  # 5 points: not 6


def test_dialog_shows_the_life_mean_on_a_1_to_7_scale_and_the_treatment_mean() -> None:
    rows = [
        A("DIALOG", Decimal("3.25"), DAY, treatment_mean=Decimal("4.00")),
        A("DIALOG", Decimal("5.00"), DAY + dt.timedelta(days=90), treatment_mean=Decimal("5.33")),
    ]
    (trend,) = present_trends(rows, [])
    assert trend.higher_is_better and trend.bands == ()
    assert [t.label for t in trend.ticks] == ["1", "2", "3", "4", "5", "6", "7"]
    assert [r.treatment_mean for r in trend.rows] == ["4", "5.33"]
    assert trend.rows[1].change == "Reliably better"
    assert trend.points[1].y < trend.points[0].y


def test_measures_come_in_a_fixed_order_and_one_point_sits_in_the_middle() -> None:
    context = trend_context(
        [A("GAD7", Decimal(3), DAY), A("PHQ9", Decimal(3), DAY)], [], trend_heading_level=2
    )
    assert [t.measure for t in context["trends"]] == ["PHQ9", "GAD7"]
    assert context["trends"][0].points[0].x == LEFT + PLOT_WIDTH / 2
    assert context["trend_size"]["height"] == HEIGHT and context["trend_heading_level"] == 2
