"""Scoring the measures from their item answers, severity bands and reliable change.

Pure functions: no database. A score is always computed here from the items, never taken from a
supplied total; a questionnaire with any scored item unanswered is incomplete and has no score
(it is never scored as if the missing items were 0).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from caremode.monitoring.instruments import (
    DIALOG_LIFE_KEYS,
    DIALOG_TREATMENT_KEYS,
    PHQ9_RISK_ITEM,
    Instrument,
    Measure,
    get_instrument,
)


class AnswerError(ValueError):
    """An answer that is not one of the item's options, or a key no item has."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class Score:
    measure: Measure
    complete: bool
    missing: tuple[str, ...]
    # PHQ-9 and GAD-7: the sum of the items. DIALOG: the mean of the 8 life items, to two decimals.
    total: Decimal | None
    band: str
    # DIALOG only: the mean of the 3 treatment items, to two decimals.
    treatment_mean: Decimal | None = None
    # PHQ-9 item 9 answered above 0 (scored even when other items are missing).
    risk_answer: int | None = None

    @property
    def is_severe(self) -> bool:
        return self.band == "Severe"


def check_answers(instrument: Instrument, answers: Mapping[str, int | None]) -> dict[str, int]:
    """The answered items, each checked against its options. Unknown keys and out-of-range
    values raise `AnswerError` naming the item; unanswered items (None or absent) are dropped."""
    known = {item.key: item for item in instrument.items + instrument.supplementary}
    checked: dict[str, int] = {}
    for key, value in answers.items():
        if key.endswith("_more_help") and key.removesuffix("_more_help") in known:
            continue
        item = known.get(key)
        if item is None:
            raise AnswerError(key, f"{key} is not a question of the {instrument.name}.")
        if value is None:
            continue
        allowed = {option.value for option in item.options}
        if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
            low, high = min(allowed), max(allowed)
            raise AnswerError(key, f"The answer to “{item.text}” must be from {low} to {high}.")
        checked[key] = value
    return checked


def _mean(values: list[int]) -> Decimal:
    return (Decimal(sum(values)) / Decimal(len(values))).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def band_for(measure: str, total: Decimal | int | None) -> str:
    """The severity band's label for a total ("" for DIALOG, which has no bands, or no total)."""
    if total is None:
        return ""
    for band in get_instrument(measure).bands:
        if band.low <= total <= band.high:
            return band.label
    return ""


def score(measure: str, answers: Mapping[str, int | None]) -> Score:
    """Score a questionnaire from its item answers.

    Raises `AnswerError` for an unknown item or an answer out of range. Missing scored items make
    the score incomplete (`complete=False`, `total=None`)."""
    instrument = get_instrument(measure)
    checked = check_answers(instrument, answers)
    missing = tuple(item.key for item in instrument.scored_items if item.key not in checked)
    risk = checked.get(PHQ9_RISK_ITEM) if instrument.measure is Measure.PHQ9 else None
    if instrument.measure is Measure.DIALOG:
        life = [checked[k] for k in DIALOG_LIFE_KEYS if k in checked]
        treatment = [checked[k] for k in DIALOG_TREATMENT_KEYS if k in checked]
        return Score(
            measure=instrument.measure,
            complete=not missing,
            missing=missing,
            total=_mean(life) if len(life) == len(DIALOG_LIFE_KEYS) else None,
            band="",
            treatment_mean=(
                _mean(treatment) if len(treatment) == len(DIALOG_TREATMENT_KEYS) else None
            ),
        )
    total = None if missing else Decimal(sum(checked[i.key] for i in instrument.scored_items))
    return Score(
        measure=instrument.measure,
        complete=not missing,
        missing=missing,
        total=total,
        band=band_for(measure, total),
        risk_answer=risk,
    )


# Reliable change: the smallest change larger than the measure's error of measurement.
# PHQ-9 >= 6 and GAD-7 >= 4, as NHS Talking Therapies use them (NHS Talking Therapies Manual).
# DIALOG: the Jacobson-Truax reliable change index, 1.96 * SD * sqrt(2) * sqrt(1 - alpha), for
# the mean of the 8 life items, with alpha = 0.71 (Priebe et al. 2012, BMC Psychiatry 12:113:
# internal consistency of the eight subjective quality of life items) and SD = 1.1 (the life
# mean in routine NHS use: East London NHS Foundation Trust, BMC Health Services Research 2020,
# doi 10.1186/s12913-020-05840-z). For the 3 treatment items alpha = 0.57 and SD = 1.17.
DIALOG_LIFE_ALPHA = 0.71
DIALOG_LIFE_SD = 1.1
DIALOG_TREATMENT_ALPHA = 0.57
DIALOG_TREATMENT_SD = 1.17


def jacobson_truax_threshold(*, sd: float, reliability: float) -> float:
    """The change a score must exceed to be reliable at the 95% level (Jacobson and Truax 1991)."""
    return 1.96 * sd * math.sqrt(2) * math.sqrt(1 - reliability)


DIALOG_LIFE_RELIABLE_CHANGE = round(
    jacobson_truax_threshold(sd=DIALOG_LIFE_SD, reliability=DIALOG_LIFE_ALPHA), 2
)  # 1.64
DIALOG_TREATMENT_RELIABLE_CHANGE = round(
    jacobson_truax_threshold(sd=DIALOG_TREATMENT_SD, reliability=DIALOG_TREATMENT_ALPHA), 2
)  # 2.13

RELIABLE_CHANGE: dict[Measure, Decimal] = {
    Measure.PHQ9: Decimal(6),
    Measure.GAD7: Decimal(4),
    Measure.DIALOG: Decimal(str(DIALOG_LIFE_RELIABLE_CHANGE)),
}

# Caseness (NHS Talking Therapies): the score at or above which a person is a clinical case.
CASENESS: dict[Measure, Decimal] = {Measure.PHQ9: Decimal(10), Measure.GAD7: Decimal(8)}


class Change(StrEnum):
    IMPROVED = "improved"
    DETERIORATED = "deteriorated"
    NO_RELIABLE_CHANGE = "no_reliable_change"


# On PHQ-9 and GAD-7 a higher score is worse; on DIALOG a higher score is better.
HIGHER_IS_BETTER = {Measure.PHQ9: False, Measure.GAD7: False, Measure.DIALOG: True}


def reliable_change(measure: str, before: Decimal | int, after: Decimal | int) -> Change:
    """Whether the change from `before` to `after` is a reliable improvement or deterioration.
    A change of exactly the threshold counts ("by at least 6 points")."""
    m = Measure(measure)
    difference = Decimal(after) - Decimal(before)
    threshold = RELIABLE_CHANGE[m]
    if abs(difference) < threshold:
        return Change.NO_RELIABLE_CHANGE
    better = difference > 0 if HIGHER_IS_BETTER[m] else difference < 0
    return Change.IMPROVED if better else Change.DETERIORATED
