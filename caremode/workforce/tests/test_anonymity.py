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


# Across breakdowns ------------------------------------------------------------------------------
# The attacker knows everyone's groups (a manager knows their team) and adds and subtracts the
# figures of every breakdown at once: shown groups, the hidden groups together (the total less
# the shown ones) and the total.


def _shown(result: wellbeing.Results) -> dict[str, set[str]]:
    return {b.dimension: {g.group for g in b.shown} for b in result.breakdowns}


def _published_blocks(shown: dict[str, set[str]], memberships: list[dict[str, str]]):
    """The sets of respondents (by index) whose figures the page gives, directly or by
    subtracting within one breakdown, when `shown` are the groups shown in each breakdown."""
    everyone = frozenset(range(len(memberships)))
    blocks = {everyone}
    for dimension, groups in shown.items():
        for group in groups:
            blocks.add(frozenset(i for i, m in enumerate(memberships) if m[dimension] == group))
        rest = frozenset(i for i, m in enumerate(memberships) if m[dimension] not in groups)
        if rest:
            blocks.add(rest)
    return sorted(blocks, key=sorted)


def _attack(shown, memberships, *, most=3):
    """Every sum and difference of up to `most` published sets (coefficients -1, 0 or 1) that
    comes out as a set of people: the sizes of those sets."""
    blocks = _published_blocks(shown, memberships)
    found = set()
    for r in range(1, most + 1):
        for combo in itertools.combinations(blocks, r):
            for signs in itertools.product((1, -1), repeat=r):
                weight = [0] * len(memberships)
                for sign, block in zip(signs, combo, strict=True):
                    for i in block:
                        weight[i] += sign
                if all(w in (0, 1) for w in weight) and any(weight):
                    found.add(sum(weight))
    return found


def _rows(memberships, seed=5):
    rng = random.Random(seed)
    return [wellbeing.Answer(groups=m, answers=_answers(rng)) for m in memberships]


def _per_breakdown_only(memberships, threshold=10) -> dict[str, set[str]]:
    """The groups hiding within each breakdown alone would show (the rule before `suppress`)."""
    shown = {}
    for d in memberships[0]:
        counts: dict[str, int] = {}
        for m in memberships:
            counts[m[d]] = counts.get(m[d], 0) + 1
        shown[d] = set(counts) - anonymity.suppressed_groups(counts, threshold)
    return shown


def test_a_team_less_a_profession_it_nearly_holds_does_not_give_back_one_person():
    """North has 12 respondents: 11 psychologists and one nurse. Psychology has 11, all in North.
    Each breakdown alone would show both groups, and North less psychology is the one nurse."""
    memberships = (
        [{"team": "North", "profession": "Psychologist"}] * 11
        + [{"team": "North", "profession": "Nurse"}]
        + [{"team": "South", "profession": "Nurse"}] * 30
    )
    assert 1 in _attack(_per_breakdown_only(memberships), memberships)  # the gap there was
    result = wellbeing.results_by_group(
        _rows(memberships), threshold=10, dimensions=["team", "profession"]
    )
    learnt = _attack(_shown(result), memberships)
    assert learnt and min(learnt) >= 10
    nurse = next(
        i for i, m in enumerate(memberships) if m == {"team": "North", "profession": "Nurse"}
    )
    assert not any(block == {nurse} for block in _published_blocks(_shown(result), memberships))


def test_three_breakdowns_together_do_not_give_back_a_small_group():
    """Team X has 25: 12 psychologists, 12 others in band 8 and above, and one more. Any two
    breakdowns cut each other into groups of 10 or more (or none), yet X less the psychologists
    less band 8 gives back the one."""
    memberships = (
        [{"team": "X", "profession": "Psychologist", "band": "6"}] * 12
        + [{"team": "X", "profession": "Nurse", "band": "8+"}] * 12
        + [{"team": "X", "profession": "Nurse", "band": "6"}]
        + [{"team": "Y", "profession": "Nurse", "band": "6"}] * 30
    )
    result = wellbeing.results_by_group(
        _rows(memberships), threshold=10, dimensions=["team", "profession", "band"]
    )
    assert 1 in _attack(_per_breakdown_only(memberships), memberships)  # the gap there was
    learnt = _attack(_shown(result), memberships)
    assert learnt and min(learnt) >= 10


def test_random_staff_cut_three_ways_never_give_back_a_small_group():
    rng = random.Random(11)
    for trial in range(120):
        n = rng.randint(20, 70)
        teams = [f"T{i}" for i in range(rng.randint(2, 4))]
        memberships = [
            {
                "team": rng.choice(teams),
                "ethnic_group": rng.choices(["White", "Asian", "Black"], [6, 2, 1])[0],
                "mostly_remote": rng.choice(["yes", "no"]),
            }
            for _ in range(n)
        ]
        result = wellbeing.results_by_group(
            _rows(memberships, seed=trial),
            threshold=10,
            dimensions=["team", "ethnic_group", "mostly_remote"],
        )
        small = {size for size in _attack(_shown(result), memberships) if size < 10}
        assert not small, (trial, small)


def test_the_search_for_a_derivable_set_finds_the_worked_attack():
    memberships = (
        [{"team": "North", "profession": "Psychologist"}] * 11
        + [{"team": "North", "profession": "Nurse"}]
        + [{"team": "South", "profession": "Nurse"}] * 30
    )
    found = anonymity.small_derivable_set(
        memberships, {"team": frozenset(), "profession": frozenset()}, 10
    )
    assert found == {11}
    hidden = anonymity.suppress(memberships, 10)
    assert anonymity.small_derivable_set(memberships, hidden, 10) is None
