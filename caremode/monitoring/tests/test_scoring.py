"""Scoring from item answers, bands, reliable change: pure, no database."""

from decimal import Decimal

import pytest

from caremode.monitoring import scoring
from caremode.monitoring.instruments import DIALOG, GAD7, PHQ9, Measure
from caremode.monitoring.scoring import Change, reliable_change, score


def phq9(total: int, *, item9: int | None = 0) -> dict[str, int | None]:
    """PHQ-9 answers adding to `total`, item 9 as given, the rest filled from item 1."""
    answers: dict[str, int | None] = {f"phq9_{n}": 0 for n in range(1, 10)}
    answers["phq9_9"] = item9
    left = total - (item9 or 0)
    for n in range(1, 9):
        answers[f"phq9_{n}"] = min(3, left)
        left -= answers[f"phq9_{n}"] or 0
    assert left == 0
    return answers


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "Minimal"), (4, "Minimal"), (5, "Mild"), (9, "Mild"), (10, "Moderate"), (14, "Moderate"),
     (15, "Moderately severe"), (19, "Moderately severe"), (20, "Severe"), (27, "Severe")],
)  # fmt: skip
def test_phq9_band_boundaries(total: int, band: str) -> None:
    result = score("PHQ9", phq9(total, item9=3 if total >= 3 else 0))
    assert result.complete and result.total == total and result.band == band


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "Minimal"), (4, "Minimal"), (5, "Mild"), (9, "Mild"), (10, "Moderate"),
     (14, "Moderate"), (15, "Severe"), (21, "Severe")],
)  # fmt: skip
def test_gad7_band_boundaries(total: int, band: str) -> None:
    answers = {}
    left = total
    for n in range(1, 8):
        answers[f"gad7_{n}"] = min(3, left)
        left -= answers[f"gad7_{n}"]
    result = score("GAD7", answers)
    assert result.total == total and result.band == band


def test_phq9_with_item_9_missing_is_incomplete_and_unscored() -> None:
    result = score("PHQ9", phq9(12, item9=None))
    assert not result.complete and result.total is None and result.band == ""
    assert result.missing == ("phq9_9",)


def test_item_9_above_0_is_reported_even_when_other_items_are_missing() -> None:
    result = score("PHQ9", {"phq9_9": 2})
    assert not result.complete and result.risk_answer == 2


def test_a_supplied_total_is_not_a_question_and_is_never_used() -> None:
    with pytest.raises(scoring.AnswerError) as error:
        score("PHQ9", {**phq9(3), "total": 27})
    assert error.value.key == "total"


@pytest.mark.parametrize("value", [-1, 4, True, "2", 1.5])
def test_an_answer_out_of_range_names_the_item(value: object) -> None:
    with pytest.raises(scoring.AnswerError) as error:
        score("GAD7", {"gad7_3": value})  # type: ignore[dict-item]
    assert error.value.key == "gad7_3"


def test_dialog_reports_the_life_and_treatment_means_to_two_decimals() -> None:
    answers = dict.fromkeys([i.key for i in DIALOG.items[:8]], 4)
    answers["dialog_mental_health"] = 1  # life sum 29 / 8 = 3.625 → 3.63
    answers.update({"dialog_medication": 5, "dialog_practical_help": 6, "dialog_meetings": 6})
    result = score("DIALOG", answers)
    assert result.complete
    assert result.total == Decimal("3.63") and result.treatment_mean == Decimal("5.67")


def test_dialog_answers_run_from_1_to_7() -> None:
    with pytest.raises(scoring.AnswerError):
        score("DIALOG", {"dialog_job": 0})


def test_the_wording_is_the_published_wording() -> None:
    assert len(PHQ9.items) == 9 and len(GAD7.items) == 7 and len(DIALOG.items) == 11
    assert PHQ9.items[8].text == (
        "Thoughts that you would be better off dead or of hurting yourself in some way"
    )
    assert [o.label for o in GAD7.items[0].options] == [
        "Not at all", "Several days", "More than half the days", "Nearly every day",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("measure", "before", "after", "change"),
    [
        ("PHQ9", 20, 14, Change.IMPROVED),
        ("PHQ9", 20, 15, Change.NO_RELIABLE_CHANGE),
        ("PHQ9", 8, 14, Change.DETERIORATED),
        ("GAD7", 12, 8, Change.IMPROVED),
        ("GAD7", 12, 15, Change.NO_RELIABLE_CHANGE),
        ("GAD7", 5, 9, Change.DETERIORATED),
        ("DIALOG", Decimal("3.00"), Decimal("4.64"), Change.IMPROVED),
        ("DIALOG", Decimal("3.00"), Decimal("4.63"), Change.NO_RELIABLE_CHANGE),
        ("DIALOG", Decimal("5.00"), Decimal("3.36"), Change.DETERIORATED),
    ],
)
def test_reliable_change_thresholds(measure: str, before, after, change: Change) -> None:
    assert reliable_change(measure, before, after) is change


def test_the_dialog_reliable_change_index_comes_from_the_published_reliability() -> None:
    # 1.96 * 1.1 * sqrt(2) * sqrt(1 - 0.71) = 1.642
    assert scoring.DIALOG_LIFE_RELIABLE_CHANGE == 1.64
    assert scoring.RELIABLE_CHANGE[Measure.DIALOG] == Decimal("1.64")
