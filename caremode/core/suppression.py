"""Small-number suppression as MHSDS publications do it (docs/data-standards.md).

Below national level a count under 5 is shown as `*` and every other count is rounded to the
nearest 5; a percentage is `*` when its numerator or denominator is under 5.
"""

from __future__ import annotations

SUPPRESSED = "*"
THRESHOLD = 5


def suppress_count(count: int) -> str:
    """`*` under 5, else the count rounded to the nearest 5 (halves round up)."""
    if count < THRESHOLD:
        return SUPPRESSED
    return f"{int((count + 2.5) // 5 * 5):,}"


def suppress_percentage(numerator: int, denominator: int, *, places: int = 1) -> str:
    """The percentage from unrounded counts, or `*` when either count is under 5."""
    if numerator < THRESHOLD or denominator < THRESHOLD:
        return SUPPRESSED
    return f"{100 * numerator / denominator:.{places}f}%"
