"""Anonymity of the wellbeing pulse by construction (ADR 0010). Pure.

Figures exist only for groups of at least `MINIMUM_GROUP` respondents (a trust may raise the
threshold, never lower it). Within one breakdown (say, by ethnic group) the groups add up to
everyone who answered, and the total is shown; so hiding one small group alone would not hide
it: total minus the groups shown gives it back. Complementary suppression hides further groups,
smallest first, until the hidden groups are at least two and together number at least the
threshold, so subtraction yields only a combination that is itself large enough.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

MINIMUM_GROUP: Final = 10


def group_threshold(configured: int | None) -> int:
    """The threshold in force: the configured one, which may not be below `MINIMUM_GROUP`."""
    if configured is None:
        return MINIMUM_GROUP
    if configured < MINIMUM_GROUP:
        raise ValueError(
            f"WELLBEING_MIN_GROUP is {configured}; it cannot be below {MINIMUM_GROUP}."
        )
    return configured


def suppressed_groups(counts: Mapping[str, int], threshold: int) -> frozenset[str]:
    """The groups of one breakdown whose figures are hidden: every group under the threshold,
    and then the smallest others until the hidden ones are none, or at least two numbering at
    least `threshold` together. Ties are broken by name, so the answer is deterministic."""
    groups = {g: n for g, n in counts.items() if n > 0}
    hidden = {g for g, n in groups.items() if n < threshold}
    if not hidden:
        return frozenset()
    shown = sorted((n, g) for g, n in groups.items() if g not in hidden)
    while len(hidden) < 2 or sum(groups[g] for g in hidden) < threshold:
        if not shown:
            break
        hidden.add(shown.pop(0)[1])
    return frozenset(hidden)


def total_shown(total: int, threshold: int) -> bool:
    """Whether the breakdown's total may be shown at all."""
    return total >= threshold
