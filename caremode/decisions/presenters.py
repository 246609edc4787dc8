"""The recommendation as a clinician reads it: a short ranked summary first, each mode with one
line why and one line to watch, the cautions that apply to several modes said once, and the
details on demand. Pure: from a `Recommendation` to what the page shows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from caremode.core import codes
from caremode.decisions.rules import RankedMode, Reason, Recommendation

SAID_BY_TAGS = frozenset({"S01", "P01", "P02"})


@dataclass(frozen=True)
class SharedCaution:
    reason: Reason
    modes: tuple[str, ...]

    @property
    def mode_labels(self) -> str:
        labels = [codes.MODES[m][1].lower() for m in self.modes]
        return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


@dataclass(frozen=True)
class ModeSummary:
    option: RankedMode
    why: Reason | None
    watch: str | None
    # The cautions said for this mode alone; those shared with other modes are said once above.
    own_cautions: tuple[Reason, ...]
    shared_cautions: tuple[Reason, ...]


@dataclass(frozen=True)
class RecommendationView:
    recommendation: Recommendation
    modes: tuple[ModeSummary, ...]
    shared_cautions: tuple[SharedCaution, ...]

    @property
    def evidence_cited(self) -> tuple[str, ...]:
        cited = {
            e
            for summary in self.modes
            for r in (*summary.option.reasons, *summary.option.cautions)
            for e in r.evidence
        }
        return tuple(sorted(cited, key=lambda e: int(e[1:])))


def summarise(recommendation: Recommendation) -> RecommendationView:
    cautioned: dict[str, list[str]] = defaultdict(list)
    first: dict[str, Reason] = {}
    for option in recommendation.ranked:
        for caution in option.cautions:
            if caution.rule.startswith("R") and option.offered:
                cautioned[caution.rule].append(option.mode)
                first.setdefault(caution.rule, caution)
    shared = {rule for rule, modes in cautioned.items() if len(modes) > 1}
    summaries = []
    for option in recommendation.ranked:
        own = tuple(c for c in option.cautions if c.rule not in shared)
        # The tags already say "not offered" and what the person said of this mode.
        worth_saying = [c for c in own if c.rule not in SAID_BY_TAGS]
        watch = worth_saying[0].short if worth_saying else None
        if watch is None and option.put_in_place:
            watch = option.put_in_place[0]
        summaries.append(
            ModeSummary(
                option=option,
                why=option.reasons[0] if option.reasons else None,
                watch=watch,
                own_cautions=own,
                shared_cautions=tuple(c for c in option.cautions if c.rule in shared),
            )
        )
    return RecommendationView(
        recommendation=recommendation,
        modes=tuple(summaries),
        shared_cautions=tuple(
            SharedCaution(first[rule], tuple(cautioned[rule]))
            for rule in sorted(shared, key=lambda r: -first[r].weight)
        ),
    )
