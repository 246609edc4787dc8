"""The outcome rules of NHS Talking Therapies (E18), named once. Pure.

Caseness and reliable change of PHQ-9 and GAD-7 are those NHS Talking Therapies publish (the
Manual, and the annual reports' methodology); the reliable change of DIALOG's life mean is
derived below. The monitoring app (`caremode.monitoring.scoring`) uses the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any, Final

# At caseness: PHQ-9 at least 10 or GAD-7 at least 8.
CASENESS: Final = {"PHQ9": 10, "GAD7": 8}
# A reliable change: at least 6 points on PHQ-9, at least 4 on GAD-7.
RELIABLE_CHANGE: Final = {"PHQ9": 6, "GAD7": 4}

# DIALOG's life mean (the mean of the eight life satisfaction items, 1-7). Reliable change index
# 1.96 * SD * sqrt(2) * sqrt(1 - alpha) (Jacobson & Truax 1991), with
# - alpha = 0.71, the internal consistency of the eight SQOL items (Priebe et al. 2012, "The DIALOG
#   scale", BMC Psychiatry 12:113), and
# - SD = 1.1, of the life mean in routine DIALOG data in East London (Dalton-Locke et al. 2020,
#   BMC Health Services Research, doi:10.1186/s12913-020-05840-z: mean 4.65, SD 1.1),
# which gives 1.64 points.
DIALOG_LIFE_ALPHA: Final = 0.71
DIALOG_LIFE_SD: Final = 1.1
DIALOG_LIFE_RELIABLE_CHANGE: Final = round(
    1.96 * DIALOG_LIFE_SD * math.sqrt(2) * math.sqrt(1 - DIALOG_LIFE_ALPHA), 2
)


def recovery_rate(recovered: int, at_caseness: int) -> float | None:
    """Recovered (at caseness at the first score and not at the last) / at caseness at the
    first. NHS Talking Therapies write the denominator as finished treatment less those not at
    caseness at the start."""
    return recovered / at_caseness if at_caseness > 0 else None


def reliable_improvement_rate(improved: int, courses: int) -> float | None:
    """A reliable decrease on at least one measure and a reliable increase on neither / all."""
    return improved / courses if courses > 0 else None


def reliable_deterioration_rate(deteriorated: int, courses: int) -> float | None:
    """A reliable increase on at least one measure and a reliable decrease on neither / all."""
    return deteriorated / courses if courses > 0 else None


def reliable_recovery_rate(reliably_recovered: int, at_caseness: int) -> float | None:
    """Recovered and reliably improved / at caseness at the first score."""
    return reliably_recovered / at_caseness if at_caseness > 0 else None


def outcome_numerators(row: Mapping[str, Any]) -> Iterator[tuple[str, int, int]]:
    """(measure, numerator, denominator) of the outcome measures in a row of counts (courses of
    PHQ-9 and GAD-7; DIALOG's reliable change), for rows that hold them."""
    if row.get("courses"):
        yield "recovery_rate", row["recovered"], row["at_caseness"]
        yield "reliable_improvement_rate", row["improved"], row["courses"]
        yield "reliable_deterioration_rate", row["deteriorated"], row["courses"]
        yield "reliable_recovery_rate", row["reliably_recovered"], row["at_caseness"]
    if row.get("dialog_people"):
        yield "dialog_reliable_improvement_rate", row["dialog_improved"], row["dialog_people"]
        yield "dialog_reliable_deterioration_rate", row["dialog_deteriorated"], row["dialog_people"]
