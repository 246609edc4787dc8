"""Anonymity of the wellbeing pulse by construction (ADR 0010). Pure.

Figures exist only for groups of at least `MINIMUM_GROUP` respondents (a trust may raise the
threshold, never lower it). Within one breakdown (say, by ethnic group) the groups add up to
everyone who answered, and the total is shown; so hiding one small group alone would not hide
it: total minus the groups shown gives it back. Complementary suppression hides further groups,
smallest first, until the hidden groups are at least two and together number at least the
threshold, so subtraction yields only a combination that is itself large enough. Across
breakdowns (`suppress`), groups are hidden further until no combination of every breakdown's
figures gives back fewer than the threshold (ADR 0010).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from fractions import Fraction
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


def suppressed_groups(
    counts: Mapping[str, int], threshold: int, also: Iterable[str] = ()
) -> frozenset[str]:
    """The groups of one breakdown whose figures are hidden: every group under the threshold
    (and any named in `also`), and then the smallest others until the hidden ones are none, or
    at least two numbering at least `threshold` together. Ties are broken by name, so the
    answer is deterministic."""
    groups = {g: n for g, n in counts.items() if n > 0}
    hidden = {g for g, n in groups.items() if n < threshold} | (set(also) & set(groups))
    if not hidden:
        return frozenset()
    shown = sorted((n, g) for g, n in groups.items() if g not in hidden)
    while len(hidden) < 2 or sum(groups[g] for g in hidden) < threshold:
        if not shown:
            break
        hidden.add(shown.pop(0)[1])
    return frozenset(hidden)


HIDDEN: Final = "\x00hidden"  # the block of a respondent whose group is hidden in a breakdown
# How many combinations `small_derivable_set` tries before it assumes the worst.
SEARCH_BUDGET: Final = 200_000


def _blocks(
    memberships: Sequence[Mapping[str, str]], hidden: Mapping[str, AbstractSet[str]]
) -> list[tuple[str, ...]]:
    """Each respondent's published block in every breakdown: their group, or HIDDEN."""
    dimensions = sorted(hidden)
    return [tuple(HIDDEN if m[d] in hidden[d] else m[d] for d in dimensions) for m in memberships]


def small_derivable_set(
    memberships: Sequence[Mapping[str, str]],
    hidden: Mapping[str, AbstractSet[str]],
    threshold: int,
) -> frozenset[int] | None:
    """Respondents (by index) whose figures together could be worked out from what is published,
    fewer than `threshold` of them; None when there are none.

    What is published, in every breakdown, is each shown group's figures and (by subtraction
    from the total) the hidden groups' together: sums over blocks of respondents. Any figure
    anyone can compute from them — adding and subtracting across breakdowns, say a team less
    the one profession all but one of its members share — is a linear combination of those
    sums, so it is the same for respondents in the same block of every breakdown (an "atom").
    A set of atoms is derivable exactly when its indicator lies in the row space of the blocks'
    incidence matrix; reduced to echelon form, such a set is fixed by which pivot atoms it
    holds, so the search runs over small combinations of pivot atoms only. If the search runs
    past SEARCH_BUDGET it answers with the smallest atom, as if it were derivable: in doubt,
    hide more."""
    if not memberships:
        return None
    blocks = _blocks(memberships, hidden)
    atoms: dict[tuple[str, ...], list[int]] = {}
    for index, key in enumerate(blocks):
        atoms.setdefault(key, []).append(index)
    keys = sorted(atoms)
    sizes = [len(atoms[k]) for k in keys]
    rows = sorted({(d, k[d]) for k in keys for d in range(len(k))})
    matrix = [[Fraction(int(k[d] == b)) for k in keys] for d, b in rows]
    echelon, pivots = _row_echelon(matrix)
    candidates = [
        (r, p) for r, p in enumerate(pivots) if sizes[p] < threshold
    ]  # a pivot atom of the threshold or more cannot be in a small set
    tried = 0

    def search(start: int, total: list[Fraction], budget: int) -> frozenset[int] | None:
        nonlocal tried
        for i in range(start, len(candidates)):
            tried += 1
            if tried > SEARCH_BUDGET:
                raise _Exhausted
            r, p = candidates[i]
            if sizes[p] >= budget:
                continue
            vector = [a + b for a, b in zip(total, echelon[r], strict=True)]
            if all(v in (0, 1) for v in vector):
                size = sum(n for n, v in zip(sizes, vector, strict=True) if v == 1)
                if 0 < size < threshold:
                    return frozenset(
                        j for key, v in zip(keys, vector, strict=True) if v == 1 for j in atoms[key]
                    )
            found = search(i + 1, vector, budget - sizes[p])
            if found is not None:
                return found
        return None

    try:
        return search(0, [Fraction(0)] * len(keys), threshold)
    except _Exhausted:
        smallest = min(range(len(keys)), key=lambda a: (sizes[a], keys[a]))
        return frozenset(atoms[keys[smallest]])


class _Exhausted(Exception):
    pass


def _row_echelon(matrix: list[list[Fraction]]) -> tuple[list[list[Fraction]], list[int]]:
    """Reduced row echelon form (exact, in fractions): the non-zero rows and their pivot
    columns."""
    rows = [row[:] for row in matrix]
    pivots: list[int] = []
    width = len(rows[0]) if rows else 0
    r = 0
    for c in range(width):
        pivot = next((i for i in range(r, len(rows)) if rows[i][c] != 0), None)
        if pivot is None:
            continue
        rows[r], rows[pivot] = rows[pivot], rows[r]
        lead = rows[r][c]
        rows[r] = [v / lead for v in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][c] != 0:
                factor = rows[i][c]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[r], strict=True)]
        pivots.append(c)
        r += 1
        if r == len(rows):
            break
    return rows[: len(pivots)], pivots


def suppress(memberships: Sequence[Mapping[str, str]], threshold: int) -> dict[str, frozenset[str]]:
    """The hidden groups of every breakdown together, so that no set of fewer than `threshold`
    respondents can be worked out from all the breakdowns at once.

    First each breakdown on its own (`suppressed_groups`); then, while `small_derivable_set`
    finds a small set (for instance a team of 12 of whom 11 share a profession of 11: the team
    less the profession is one person), the smallest group still shown that holds one of its
    respondents is hidden too, with the complementary suppression of its breakdown again.
    Hiding only ever merges blocks, so this ends, at worst with every breakdown hidden and only
    the total shown."""
    dimensions = sorted({d for m in memberships for d in m})
    counts = {d: Counter(m[d] for m in memberships) for d in dimensions}
    hidden = {d: suppressed_groups(counts[d], threshold) for d in dimensions}
    while (found := small_derivable_set(memberships, hidden, threshold)) is not None:
        shown = sorted(
            (counts[d][memberships[i][d]], d, memberships[i][d])
            for i in found
            for d in dimensions
            if memberships[i][d] not in hidden[d]
        )
        if not shown:  # everything is hidden already: only the total remains (not reached)
            break
        _n, dimension, group = shown[0]
        hidden[dimension] = suppressed_groups(
            counts[dimension], threshold, also=hidden[dimension] | {group}
        )
    return hidden


def total_shown(total: int, threshold: int) -> bool:
    """Whether the breakdown's total may be shown at all."""
    return total >= threshold
