"""Intervals and comparisons for the equity measures (docs/data-standards.md). Pure.

- `wilson`: the Wilson score interval of a contact-level proportion, as Fingertips publishes
  proportions (`ci95`, `ci998`).
- `design_effect`: how much clustering of contacts within people inflates the variance of a
  proportion: the cluster-robust (ratio-estimator) variance over the binomial variance, the
  design effect of Rao & Scott (1992, Biometrics 48:577-585), floored at 1.
- `ratio_interval`: the ratio of two proportions with the Miettinen-Nurminen score interval
  (Miettinen & Nurminen 1985, Stat Med 4:213-226; Koopman 1984, Biometrics 40:513-517, without the
  N/(N-1) factor), which is valid at 0% and 100%. Clustering enters through Rao and Scott's
  effective counts: each side's numerator and denominator divided by its design effect.
- `benjamini_hochberg`: q-values controlling the false discovery rate over a family of tests
  (Benjamini & Hochberg 1995, JRSS B 57:289-300).
- `holm`: family-wise adjusted p-values (Holm 1979), for the report's short summary.
- `flag`: `higher`/`lower` only when the 99.8% ratio interval excludes 1, the false discovery rate
  of the family is controlled at 5%, and the group's own 99.8% interval excludes the reference rate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist
from typing import Final

_NORMAL: Final = NormalDist()
Z95: Final = _NORMAL.inv_cdf(0.975)
Z998: Final = _NORMAL.inv_cdf(0.999)
FDR: Final = 0.05
_LOG_RANGE: Final = 40.0  # bisection on log(ratio) within ±40 (ratios 4e-18 to 2e17)


def wilson(numerator: float, denominator: float, z: float) -> tuple[float, float] | None:
    """Wilson score interval for numerator/denominator; None when the denominator is 0."""
    if denominator <= 0:
        return None
    p = numerator / denominator
    z2 = z * z
    centre = (p + z2 / (2 * denominator)) / (1 + z2 / denominator)
    half = (z / (1 + z2 / denominator)) * math.sqrt(
        max(0.0, p * (1 - p)) / denominator + z2 / (4 * denominator * denominator)
    )
    low = 0.0 if numerator <= 0 else max(0.0, centre - half)
    high = 1.0 if numerator >= denominator else min(1.0, centre + half)
    return low, high


def design_effect(
    numerator: int,
    denominator: int,
    people: int,
    sum_numerator_sq: float,
    sum_cross: float,
    sum_denominator_sq: float,
) -> float:
    """Rao-Scott design effect of the proportion y/n over people i = 1..m, each contributing y_i
    of n_i contacts: the cluster-robust variance m/(m-1) Σ(y_i - p n_i)² / n² over the binomial
    variance p(1-p)/n, where Σ(y_i - p n_i)² = Σy_i² - 2p Σy_i n_i + p² Σn_i².

    1 when it cannot be estimated (fewer than 2 people, or p at 0 or 1, where the binomial
    variance is 0) and never below 1: clustering is not allowed to narrow an interval.
    """
    if denominator <= 0 or people < 2 or numerator <= 0 or numerator >= denominator:
        return 1.0
    p = numerator / denominator
    residual = sum_numerator_sq - 2 * p * sum_cross + p * p * sum_denominator_sq
    robust = people / (people - 1) * max(0.0, residual) / (denominator * denominator)
    binomial = p * (1 - p) / denominator
    return max(1.0, robust / binomial)


def _score(x1: float, n1: float, x2: float, n2: float, theta: float) -> float:
    """Miettinen-Nurminen score statistic for H0: p1/p2 = theta (restricted maximum likelihood
    estimates from Farrington & Manning 1990, Stat Med 9:1447-1454). Decreasing in theta."""
    total = n1 + n2
    a = total * theta
    b = -(n1 * theta + x1 + n2 + x2 * theta)
    c = x1 + x2
    root = math.sqrt(max(0.0, b * b - 4 * a * c))
    p2 = min(1.0, max(0.0, (-b - root) / (2 * a)))
    p1 = min(1.0, max(0.0, theta * p2))
    difference = x1 / n1 - theta * x2 / n2
    variance = (p1 * (1 - p1) / n1 + theta * theta * p2 * (1 - p2) / n2) * total / (total - 1)
    if variance <= 1e-300:
        return math.copysign(math.inf, difference) if difference else 0.0
    return difference / math.sqrt(variance)


def _solve(x1: float, n1: float, x2: float, n2: float, target: float) -> float:
    """The theta at which the score statistic equals `target`, by bisection on log(theta)."""
    low, high = -_LOG_RANGE, _LOG_RANGE
    for _ in range(200):
        middle = (low + high) / 2
        if _score(x1, n1, x2, n2, math.exp(middle)) > target:
            low = middle
        else:
            high = middle
        if high - low < 1e-12:
            break
    return math.exp((low + high) / 2)


def ratio_interval(
    a: float, n1: float, b: float, n2: float, z: float
) -> tuple[float, tuple[float, float]] | None:
    """Ratio of proportions (a/n1)/(b/n2) with the Miettinen-Nurminen score interval.

    Valid at the edges: a = 0 gives a ratio of 0 with lower limit 0; a = n1 (100%) gives an
    interval that widens as n1 shrinks. None when a denominator is 0 or the reference proportion
    b/n2 is 0 (the ratio is undefined). Counts may be fractional (effective counts).
    """
    if n1 <= 0 or n2 <= 0 or b <= 0 or n1 + n2 <= 1:
        return None
    ratio = (a / n1) / (b / n2)
    low = 0.0 if a <= 0 else _solve(a, n1, b, n2, z)
    high = _solve(a, n1, b, n2, -z)
    return ratio, (min(low, ratio), max(high, ratio))


def clustered_ratio_interval(
    a: int, n1: int, deff1: float, b: int, n2: int, deff2: float, z: float
) -> tuple[float, tuple[float, float]] | None:
    """`ratio_interval` on Rao-Scott effective counts: each side divided by its design effect."""
    return ratio_interval(a / deff1, n1 / deff1, b / deff2, n2 / deff2, z)


def ratio_p_value(a: float, n1: float, b: float, n2: float) -> float | None:
    """Two-sided p-value of the Miettinen-Nurminen score test of a ratio of 1 (the same
    statistic as the interval, so the two agree); None where the ratio is undefined."""
    if n1 <= 0 or n2 <= 0 or b <= 0 or n1 + n2 <= 1:
        return None
    statistic = _score(a, n1, b, n2, 1.0)
    if math.isinf(statistic):
        return 0.0
    return min(1.0, 2 * (1 - _NORMAL.cdf(abs(statistic))))


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (q-values), in the order given: q_(i) is the least
    of m·p_(j)/j over j >= i, capped at 1. A discovery at level alpha is a test with q <= alpha."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [1.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        index = order[rank - 1]
        running = min(running, p_values[index] * m / rank)
        adjusted[index] = min(1.0, running)
    return adjusted


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values, in the order given (Holm 1979, Scand J Stat 6:65-70):
    the family-wise error rate, not only the false discovery rate, is held at alpha for the
    tests with adjusted p <= alpha."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [1.0] * m
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def flag(
    interval_998: tuple[float, float] | None,
    q_value: float | None = None,
    own_998: tuple[float, float] | None = None,
    reference_rate: float | None = None,
) -> str:
    """`higher`/`lower` when the 99.8% ratio interval excludes 1, the q-value (when given) is
    within the false discovery rate, and the group's own 99.8% interval (when given) does not
    contain the reference rate; otherwise `similar`."""
    if interval_998 is None:
        return "similar"
    if q_value is not None and q_value > FDR:
        return "similar"
    if (
        own_998 is not None
        and reference_rate is not None
        and own_998[0] <= reference_rate <= own_998[1]
    ):
        return "similar"
    low, high = interval_998
    if low > 1:
        return "higher"
    if high < 1:
        return "lower"
    return "similar"
