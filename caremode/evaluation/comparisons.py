"""Modes compared with each other, and DIALOG's mean change. Pure: works on the counts.

- `with_mode_dimension`: for every measure, rows with dimension `mode`, group the mode's name and
  mode `all`, so that `measures.compute_measures` gives each mode its ratio to the reference mode
  (face to face unless configured), intervals and flag, by the same `stats` functions as groups.
- `dialog_changes`: the mean change in DIALOG's life mean by mode and group, with a t interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Final

from caremode.evaluation.measures import SMALL

MODE_DIMENSION: Final = "mode"
REFERENCE_MODE: Final = "face_to_face"


def with_mode_dimension(counts: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The counts, with each mode's overall counts again as a group of the dimension `mode`."""
    added = [
        {**row, "dimension": MODE_DIMENSION, "group": row["mode"], "mode": "all"}
        for row in counts
        if row["dimension"] == "overall" and row["mode"] != "all"
    ]
    return [*counts, *added]


def references(chosen: dict[str, str] | None) -> dict[str, str]:
    """Reference groups per dimension: face to face for `mode` unless `chosen` says otherwise."""
    return {MODE_DIMENSION: REFERENCE_MODE, **(chosen or {})}


def dialog_changes(counts: Sequence[dict[str, Any]], *, suppress: bool) -> list[dict[str, Any]]:
    """Mean change in DIALOG's life mean (last minus first; positive is better) per dimension,
    group and mode, with its 95% t interval, the standard deviation and the number of people.
    Groups under 5 people are suppressed when `suppress`."""
    from scipy.stats import t as student_t  # only with --outcomes: `--only results` skips it

    found = []
    for row in counts:
        n = row.get("dialog_people", 0)
        if not n:
            continue
        entry: dict[str, Any] = {
            "dimension": row["dimension"],
            "group": row["group"],
            "mode": row["mode"],
            "people": n,
            "mean_change": None,
            "sd": None,
            "ci95": None,
            "suppressed": suppress and n < SMALL,
        }
        if not entry["suppressed"]:
            total = row["dialog_sum"] / 100
            squares = row["dialog_sum_squares"] / 10_000
            mean = total / n
            entry["mean_change"] = mean
            if n >= 2:
                variance = max(0.0, (squares - n * mean * mean) / (n - 1))
                sd = math.sqrt(variance)
                half = float(student_t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
                entry["sd"] = sd
                entry["ci95"] = [mean - half, mean + half]
        if suppress and n >= SMALL:
            entry["people"] = int((n + 2.5) // 5 * 5)
        found.append(entry)
    found.sort(
        key=lambda e: (e["dimension"] != "overall", e["dimension"], str(e["group"]), e["mode"])
    )
    return found
