"""The FFT counted as NHS England collects it, and the answers about the mode by team, every
figure suppressed as CareMode publishes small numbers (H-F05)."""

from __future__ import annotations

import datetime as dt

import pytest

from caremode.feedback.models import FeedbackResponse
from caremode.feedback.results import FFT_COLUMNS, fft_csv_rows, fft_rows, mode_results
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db
JANUARY, FEBRUARY = dt.date(2027, 1, 1), dt.date(2027, 2, 1)


def _responses(team, month, answers: dict[str, int], *, respondent="service_user", **fields):
    for fft, n in answers.items():
        for _ in range(n):
            FeedbackResponse.objects.create(
                respondent=respondent,
                team=team,
                service=team.service,
                mode=fields.get("mode", "telephone"),
                month=month,
                fft=fft if respondent != "staff" else "",
                **{k: v for k, v in fields.items() if k != "mode"},
            )


def test_fft_counts_each_answer_per_month_and_service_and_suppresses_small_numbers(team):
    other_team_same_service = TeamFactory(service=team.service)
    _responses(team, FEBRUARY, {"1": 12, "2": 6, "3": 2, "4": 3, "5": 1, "6": 1})
    _responses(other_team_same_service, FEBRUARY, {"1": 1}, respondent="carer")
    _responses(team, JANUARY, {"2": 3})
    _responses(team, FEBRUARY, {"": 40}, respondent="staff")  # staff have no FFT
    rows = fft_rows()
    assert [(r.month, r.service, r.total) for r in rows] == [
        (FEBRUARY, team.service.name, 26),
        (JANUARY, team.service.name, 3),
    ]
    assert rows[0].counts == {"1": 13, "2": 6, "3": 2, "4": 3, "5": 1, "6": 1}
    february = rows[0].published()
    assert february == {
        "Period": "2027-02",
        "Service": team.service.name,
        "Total Responses": "25",  # 26 rounded to the nearest 5
        "Very Good": "15",  # 13
        "Good": "5",  # 6
        "Neither Good nor Poor": "*",
        "Poor": "*",
        "Very Poor": "*",
        "Don't Know": "*",
        "Percentage Positive": "73%",  # 19 of 26, from the unrounded counts
        "Percentage Negative": "*",  # 4 of 26: a numerator under 5
    }
    january = rows[1].published()
    assert january["Total Responses"] == "*" and january["Percentage Positive"] == "*"


def test_the_csv_has_nhs_englands_columns_and_only_suppressed_figures(team):
    _responses(team, FEBRUARY, {"1": 7, "5": 2})
    header, row = fft_csv_rows(fft_rows())
    assert header == list(FFT_COLUMNS)
    assert row == ["2027-02", team.service.name, "10", "5", "*", "*", "*", "*", "*", "78%", "*"]


def test_answers_about_the_mode_by_team_are_suppressed(team):
    _responses(
        team,
        FEBRUARY,
        {"1": 6},
        mode="video",
        mode_suited="yes",
        choose_again="no",
        barriers=["poor_connectivity"],
    )
    _responses(
        team, FEBRUARY, {"2": 2}, mode="video", mode_suited="no", barriers=["no_private_space"]
    )
    _responses(
        team,
        FEBRUARY,
        {"": 5},
        respondent="staff",
        mode="video",
        could_assess="yes",
        connection_good_enough="no",
    )
    (video,) = mode_results()
    shown = video.published()
    assert shown["responses"] == "10" and shown["suited"] == "75%"  # 6 of 8
    assert shown["choose_again"] == "*"  # nobody said yes: a numerator under 5
    assert shown["barriers"] == [("Poor connectivity", "5")]  # 2 for private space: not shown
    assert shown["staff_responses"] == "5" and shown["could_assess"] == "100%"
    assert shown["connection_good"] == "*"
