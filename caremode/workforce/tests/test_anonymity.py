"""Anonymity by construction, without the database: the threshold, and complementary
suppression tried against an attacker who subtracts."""

from __future__ import annotations

import itertools
import random

import pytest

from caremode.workforce import anonymity, pulse, wellbeing


def test_the_threshold_cannot_go_below_ten():
    assert anonymity.group_threshold(None) == 10
    assert anonymity.group_threshold(15) == 15
    with pytest.raises(ValueError, match="cannot be below 10"):
        anonymity.group_threshold(9)


def test_the_site_refuses_to_start_with_a_threshold_below_ten(settings):
    from caremode.workforce.apps import check_threshold

    settings.WELLBEING_MIN_GROUP = 5
    assert [e.id for e in check_threshold()] == ["workforce.E001"]
    settings.WELLBEING_MIN_GROUP = 10
    assert check_threshold() == []


def test_one_small_group_takes_the_next_smallest_with_it():
    counts = {"White": 40, "Asian": 12, "Black": 4, "Mixed": 30}
    assert anonymity.suppressed_groups(counts, 10) == {"Black", "Asian"}


def test_hidden_groups_together_reach_the_threshold():
    counts = {"A": 3, "B": 4, "C": 11, "D": 50}
    hidden = anonymity.suppressed_groups(counts, 10)
    assert hidden == {"A", "B", "C"}  # 3 + 4 = 7 would still be a small group by subtraction


def test_nothing_is_hidden_when_every_group_is_large_enough():
    assert anonymity.suppressed_groups({"A": 10, "B": 25}, 10) == frozenset()


def _answers(rng: random.Random) -> dict[str, int]:
    return {
        **{k: rng.randint(0, 10) for k in pulse.ONS4},
        **{k: rng.randint(1, 5) for k in pulse.REMOTE_WORKING},
    }


def _derivable_groups(result: wellbeing.Results, truth: dict[str, dict[str, int]]) -> list[int]:
    """What an attacker learns by subtracting the shown groups from the total, per breakdown:
    the size of the combination of groups whose figures they recover (0 when nothing)."""
    learnt = []
    for breakdown in result.breakdowns:
        shown = sum(g.respondents for g in breakdown.shown)
        remainder = result.respondents - shown
        if remainder:
            learnt.append(remainder)
        # The attacker can also take the shown groups away from each other: only shown groups.
        assert {g.group for g in breakdown.shown} <= set(truth[breakdown.dimension])
    return learnt


def test_an_attacker_subtracting_cannot_recover_a_small_group():
    """Hundreds of random staff populations: every group whose figures can be recovered, by
    reading or by total minus the groups shown, has at least 10 people; and every hidden group
    under 10 really is hidden."""
    rng = random.Random(7)
    for trial in range(300):
        sizes = {
            f"G{i}": rng.choice([1, 2, 3, 5, 8, 9, 10, 11, 14, 30])
            for i in range(rng.randint(2, 6))
        }
        rows = [
            wellbeing.Answer(groups={"ethnic_group": g}, answers=_answers(rng))
            for g, n in sizes.items()
            for _ in range(n)
        ]
        result = wellbeing.results_by_group(rows, threshold=10, dimensions=["ethnic_group"])
        if not result.shown:
            assert result.breakdowns == () and result.overall == ()
            continue
        for group in result.breakdowns[0].shown:
            assert group.respondents >= 10, (trial, sizes)
        for learnt in _derivable_groups(result, {"ethnic_group": sizes}):
            assert learnt >= 10, (trial, sizes)
        # Every combination of hidden groups that subtraction could isolate is large enough.
        hidden = [g for g in sizes if g not in {s.group for s in result.breakdowns[0].shown}]
        shown_total = sum(s.respondents for s in result.breakdowns[0].shown)
        for r in range(1, len(hidden) + 1):
            for combo in itertools.combinations(hidden, r):
                if sum(sizes[g] for g in combo) == result.respondents - shown_total:
                    assert sum(sizes[g] for g in combo) >= 10


def test_subtraction_on_the_figures_themselves_gives_back_only_a_large_combination():
    """The worked attack: total count of 'low happiness' minus each shown group's count."""
    rng = random.Random(3)
    sizes = {"White": 40, "Asian": 12, "Black": 4}
    rows = [
        wellbeing.Answer(groups={"ethnic_group": g}, answers=_answers(rng))
        for g, n in sizes.items()
        for _ in range(n)
    ]
    result = wellbeing.results_by_group(rows, threshold=10, dimensions=["ethnic_group"])
    (breakdown,) = result.breakdowns
    assert [g.group for g in breakdown.shown] == ["White"]
    total_low = next(s.numerator for s in result.overall if s.measure == "happiness")
    white_low = next(s.numerator for s in breakdown.shown[0].shares if s.measure == "happiness")
    remainder = total_low - white_low
    # The remainder is Asian and Black staff together: 16 people, never the 4 alone.
    assert breakdown.hidden_respondents == 16
    true_black = sum(
        1 for r in rows if r.groups["ethnic_group"] == "Black" and r.answers["happiness"] <= 4
    )
    true_asian = sum(
        1 for r in rows if r.groups["ethnic_group"] == "Asian" and r.answers["happiness"] <= 4
    )
    assert remainder == true_black + true_asian


def test_fewer_than_ten_in_all_gives_no_figures():
    rng = random.Random(1)
    rows = [wellbeing.Answer(groups={"team": "A"}, answers=_answers(rng)) for _ in range(9)]
    result = wellbeing.results_by_group(rows, threshold=10)
    assert not result.shown and result.overall == () and result.breakdowns == ()
