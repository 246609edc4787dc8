"""The seeded pulse carries the planted difference by ethnic group, and the results find it."""

from __future__ import annotations

import random

from caremode.core import codes
from caremode.seed.workforce import PLANTED_LOW_WELLBEING, generate_pulses, generate_staff
from caremode.workforce import wellbeing


def test_the_planted_difference_by_ethnic_group_is_found():
    rng = random.Random(16)
    rows = [
        wellbeing.Answer(
            groups={"ethnic_group": codes.ETHNIC_CATEGORIES[m.ethnic_category][1]}, answers=a
        )
        for m in generate_staff(rng, 800)
        for a in generate_pulses(rng, m, 1)
    ]
    result = wellbeing.results_by_group(rows, threshold=10, dimensions=["ethnic_group"])
    (breakdown,) = result.breakdowns
    white = next(g for g in breakdown.shown if g.group == "White")
    assert white.reference
    others = [g for g in breakdown.shown if g.group != "White"]
    assert others
    for group in others:
        share = next(s for s in group.shares if s.measure == "happiness")
        assert share.flag == "higher", group.group
        ratio = PLANTED_LOW_WELLBEING["minority"] / PLANTED_LOW_WELLBEING["White"]
        assert share.ratio_ci95[0] < ratio < share.ratio_ci95[1], group.group  # the truth
