"""Intervals and comparisons as Fingertips computes them (docs/data-standards.md). Pure.

Wilson score intervals for proportions; the ratio of two proportions with a log-scale (Katz)
interval; a flag when the 99.8% interval of the ratio excludes 1.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Final

_NORMAL: Final = NormalDist()
Z95: Final = _NORMAL.inv_cdf(0.975)
Z998: Final = _NORMAL.inv_cdf(0.999)


def wilson(numerator: int, denominator: int, z: float) -> tuple[float, float] | None:
    """Wilson score interval for numerator/denominator; None when the denominator is 0."""
    if denominator <= 0:
        return None
    p = numerator / denominator
    z2 = z * z
    centre = (p + z2 / (2 * denominator)) / (1 + z2 / denominator)
    half = (z / (1 + z2 / denominator)) * math.sqrt(
        p * (1 - p) / denominator + z2 / (4 * denominator * denominator)
    )
    low = 0.0 if numerator == 0 else max(0.0, centre - half)
    high = 1.0 if numerator == denominator else min(1.0, centre + half)
    return low, high


def ratio_interval(
    a: int, n1: int, b: int, n2: int, z: float
) -> tuple[float, tuple[float, float]] | None:
    """Ratio of proportions (a/n1)/(b/n2) with the Katz log-scale interval.

    None when either proportion is 0 or a denominator is 0 (the ratio or its log is undefined).
    """
    if n1 <= 0 or n2 <= 0 or a <= 0 or b <= 0:
        return None
    ratio = (a / n1) / (b / n2)
    se = math.sqrt(1 / a - 1 / n1 + 1 / b - 1 / n2)
    return ratio, (ratio * math.exp(-z * se), ratio * math.exp(z * se))


def flag(interval_998: tuple[float, float] | None) -> str:
    """`higher`/`lower` when the 99.8% ratio interval excludes 1, else `similar`."""
    if interval_998 is None:
        return "similar"
    low, high = interval_998
    if low > 1:
        return "higher"
    if high < 1:
        return "lower"
    return "similar"
