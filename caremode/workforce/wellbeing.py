"""The wellbeing pulse's results by staff group, with intervals and flags. Pure.

The intervals and flags are the equity evaluation's own (`caremode.evaluation.stats`: Wilson
intervals for each share, the Katz interval of the ratio to the largest group, flagged when the
99.8% interval excludes 1); only `_compare` calls them. Groups too small are hidden by
`anonymity` before any figure is computed, so a hidden group has no figure anywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from caremode.evaluation import stats
from caremode.workforce import anonymity, pulse

DIMENSIONS: Final[dict[str, str]] = {
    "ethnic_group": "Ethnic group",
    "profession": "Profession",
    "band": "Band",
    "team": "Team",
    "mostly_remote": "Working mostly remotely",
}


@dataclass(frozen=True)
class Answer:
    """One response, reduced to its groups and answers: no person, no date beyond the period."""

    groups: Mapping[str, str]  # dimension → group
    answers: Mapping[str, int]  # question key → answer


@dataclass(frozen=True)
class Share:
    measure: str
    label: str
    numerator: int
    denominator: int
    rate: float
    ci95: tuple[float, float]
    ratio: float | None
    ratio_ci95: tuple[float, float] | None
    flag: str  # higher | lower | similar, as the equity evaluation


@dataclass(frozen=True)
class GroupResult:
    group: str
    respondents: int
    shares: tuple[Share, ...]
    reference: bool


@dataclass(frozen=True)
class Breakdown:
    dimension: str
    label: str
    total: int
    shown: tuple[GroupResult, ...]
    hidden_groups: int  # how many groups are hidden (their names and sizes are not given)
    hidden_respondents: int  # the hidden groups together (at least the threshold, or 0)


@dataclass(frozen=True)
class Results:
    respondents: int
    threshold: int
    overall: tuple[Share, ...] = ()
    breakdowns: tuple[Breakdown, ...] = field(default_factory=tuple)

    @property
    def shown(self) -> bool:
        return self.respondents >= self.threshold


def _tally(rows: Sequence[Answer]) -> dict[str, int]:
    return {
        m.key: sum(1 for r in rows if pulse.counts_towards(m, r.answers[m.key]))
        for m in pulse.MEASURES
    }


def _compare(
    numerator: int, denominator: int, reference: tuple[int, int] | None
) -> tuple[tuple[float, float], float | None, tuple[float, float] | None, str]:
    """The one place that calls the evaluation's statistics (keep it so: stats.py's internals
    are maintained there)."""
    ci95 = stats.wilson(numerator, denominator, stats.Z95) or (0.0, 1.0)
    if reference is None:
        return ci95, None, None, "similar"
    found95 = stats.ratio_interval(numerator, denominator, *reference, stats.Z95)
    found998 = stats.ratio_interval(numerator, denominator, *reference, stats.Z998)
    return (
        ci95,
        found95[0] if found95 else None,
        found95[1] if found95 else None,
        stats.flag(found998[1] if found998 else None),
    )


def _shares(tally: Mapping[str, int], n: int, reference: Mapping[str, int] | None, ref_n: int):
    out = []
    for m in pulse.MEASURES:
        ref = (reference[m.key], ref_n) if reference is not None else None
        ci95, ratio, ratio_ci, flag = _compare(tally[m.key], n, ref)
        out.append(
            Share(m.key, m.label, tally[m.key], n, tally[m.key] / n, ci95, ratio, ratio_ci, flag)
        )
    return tuple(out)


def results_by_group(
    rows: Iterable[Answer], *, threshold: int, dimensions: Iterable[str] = tuple(DIMENSIONS)
) -> Results:
    """Every breakdown of one period's responses, with small groups hidden (see `anonymity`):
    within each breakdown, and across them all together (`anonymity.suppress`).

    Nothing is computed for fewer respondents than the threshold in all: `Results.shown` is
    False and there are no figures."""
    rows = list(rows)
    threshold = anonymity.group_threshold(threshold)
    if not anonymity.total_shown(len(rows), threshold):
        return Results(respondents=len(rows), threshold=threshold)
    overall = _shares(_tally(rows), len(rows), None, 0)
    dimensions = tuple(dimensions)
    memberships = [{d: r.groups.get(d) or "Not stated" for d in dimensions} for r in rows]
    # Hidden across all the breakdowns at once: no sum of one breakdown's groups less
    # another's can give back a small group (anonymity.suppress).
    hiding = anonymity.suppress(memberships, threshold)
    breakdowns = []
    for dimension in dimensions:
        by_group: dict[str, list[Answer]] = {}
        for r, m in zip(rows, memberships, strict=True):
            by_group.setdefault(m[dimension], []).append(r)
        counts = {g: len(members) for g, members in by_group.items()}
        hidden = hiding[dimension]
        visible = sorted((g for g in by_group if g not in hidden), key=lambda g: (-counts[g], g))
        tallies = {g: _tally(by_group[g]) for g in visible}
        reference = visible[0] if len(visible) > 1 else None
        shown = tuple(
            GroupResult(
                group=g,
                respondents=counts[g],
                shares=_shares(
                    tallies[g],
                    counts[g],
                    tallies[reference] if reference and g != reference else None,
                    counts[reference] if reference else 0,
                ),
                reference=g == reference,
            )
            for g in visible
        )
        breakdowns.append(
            Breakdown(
                dimension=dimension,
                label=DIMENSIONS[dimension],
                total=len(rows),
                shown=shown,
                hidden_groups=len(hidden),
                hidden_respondents=sum(counts[g] for g in hidden),
            )
        )
    return Results(
        respondents=len(rows), threshold=threshold, overall=overall, breakdowns=tuple(breakdowns)
    )
