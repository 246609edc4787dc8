"""Agreement between coders, per code and overall.

Each code is a yes/no decision for each excerpt a coder coded (did they give it that code?).
Two coders: Cohen's kappa over the excerpts both coded. Three or more: Krippendorff's alpha
(nominal), which takes excerpts some coders did not code as missing. Overall, every
(excerpt, code) decision is pooled into one reliability table over the codes anyone used.
A statistic is `None` when it is not defined: fewer than two coders on any excerpt, or every
decision the same (no variation to agree beyond chance on).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Mapping, Set
from dataclasses import dataclass

import krippendorff
import numpy as np
from sklearn.metrics import cohen_kappa_score

Coder = Hashable
Unit = Hashable
# coder -> excerpt -> the codes that coder gave it (only the excerpts they coded)
Decisions = Mapping[Coder, Mapping[Unit, Set[str]]]


@dataclass(frozen=True)
class Agreement:
    statistic: str  # "Cohen's kappa" or "Krippendorff's alpha"
    value: float | None
    units: int  # decisions compared


def _statistic(rows: list[list[float]]) -> tuple[str, float | None, int]:
    """`rows`: one per coder, one column per unit, nan where the coder did not decide."""
    data = np.array(rows, dtype=float)
    seen = (~np.isnan(data)).sum(axis=0) >= 2
    data = data[:, seen]
    units = int(data.shape[1])
    if len(rows) == 2:
        name = "Cohen's kappa"
        if units == 0 or len(np.unique(data)) < 2:
            return name, None, units
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            value = float(cohen_kappa_score(data[0], data[1]))
        return name, (None if math.isnan(value) else value), units
    name = "Krippendorff's alpha"
    values = data[~np.isnan(data)]
    if units == 0 or len(np.unique(values)) < 2:
        return name, None, units
    return name, float(krippendorff.alpha(data, level_of_measurement="nominal")), units


def _rows(decisions: Decisions, cells: list[tuple[Unit, str]]) -> list[list[float]]:
    return [
        [(float(code in given[unit]) if unit in given else math.nan) for unit, code in cells]
        for given in decisions.values()
    ]


def agreement(decisions: Decisions) -> tuple[Agreement | None, dict[str, Agreement]]:
    """(overall, per code). Overall is None when fewer than two coders took part."""
    if len(decisions) < 2:
        return None, {}
    units = sorted({u for given in decisions.values() for u in given}, key=str)
    used = sorted({c for given in decisions.values() for codes in given.values() for c in codes})
    per_code = {}
    for code in used:
        name, value, n = _statistic(_rows(decisions, [(u, code) for u in units]))
        per_code[code] = Agreement(name, value, n)
    name, value, n = _statistic(_rows(decisions, [(u, c) for u in units for c in used]))
    return Agreement(name, value, n), per_code


def disagreements(decisions: Decisions) -> dict[Unit, dict[Coder, frozenset[str]]]:
    """The excerpts two or more coders coded and coded differently: what each coder gave."""
    units = {u for given in decisions.values() for u in given}
    found = {}
    for unit in units:
        given = {
            coder: frozenset(codes[unit]) for coder, codes in decisions.items() if unit in codes
        }
        if len(given) >= 2 and len(set(given.values())) > 1:
            found[unit] = given
    return found
