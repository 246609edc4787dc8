import math

import pytest

from caremode.feedback.agreement import agreement, disagreements


def two_coders(a: list[int], b: list[int], code: str = "C14") -> dict:
    return {
        coder: {unit: ({code} if given else set()) for unit, given in enumerate(marks)}
        for coder, marks in (("a", a), ("b", b))
    }


def test_cohens_kappa_for_two_coders_matches_the_hand_computed_value() -> None:
    # agreement 8/10 = 0.8; each coder says yes half the time, so chance agreement is 0.5;
    # kappa = (0.8 - 0.5) / (1 - 0.5) = 0.6
    overall, per_code = agreement(
        two_coders([1, 1, 1, 1, 1, 0, 0, 0, 0, 0], [1, 1, 1, 1, 0, 1, 0, 0, 0, 0])
    )
    assert per_code["C14"].statistic == "Cohen's kappa"
    assert per_code["C14"].value == pytest.approx(0.6)
    assert per_code["C14"].units == 10
    assert overall is not None and overall.value == pytest.approx(0.6)


def test_krippendorffs_alpha_for_three_coders_matches_the_hand_computed_value() -> None:
    # units (1,1,1) (0,0,0) (1,1,0) (0,0,1): coincidences o00 = o11 = 4, o01 = o10 = 2, n = 12;
    # D_o = 4/12, D_e = 2*6*6/(12*11) = 72/132; alpha = 1 - D_o/D_e = 7/18
    marks = {"a": [1, 0, 1, 0], "b": [1, 0, 1, 0], "c": [1, 0, 0, 1]}
    decisions = {
        c: {u: ({"C9"} if m else set()) for u, m in enumerate(ms)} for c, ms in marks.items()
    }
    overall, per_code = agreement(decisions)
    assert per_code["C9"].statistic == "Krippendorff's alpha"
    assert per_code["C9"].value == pytest.approx(7 / 18)
    assert overall is not None and overall.value == pytest.approx(7 / 18)


def test_overall_agreement_pools_every_excerpt_and_code_decision() -> None:
    # cells (e1,C1) (e1,C2) (e2,C1) (e2,C2): a = 1 0 0 1, b = 1 0 1 0 -> observed 0.5, chance 0.5
    decisions = {"a": {1: {"C1"}, 2: {"C2"}}, "b": {1: {"C1"}, 2: {"C1"}}}
    overall, per_code = agreement(decisions)
    assert overall is not None and overall.units == 4
    assert overall.value == pytest.approx(0.0)
    assert set(per_code) == {"C1", "C2"}


def test_only_excerpts_both_coders_coded_are_compared_and_undefined_agreement_is_none() -> None:
    decisions = {"a": {1: {"C1"}, 2: {"C1"}, 3: set()}, "b": {1: {"C1"}, 2: {"C1"}}}
    _, per_code = agreement(decisions)
    assert per_code["C1"].units == 2
    assert per_code["C1"].value is None  # both always said yes: nothing beyond chance to measure
    assert agreement({"a": {1: {"C1"}}}) == (None, {})


def test_alpha_takes_an_excerpt_a_coder_missed_as_missing() -> None:
    # a and b agree on all four; c coded only two, agreeing: alpha stays 1
    decisions = {
        "a": {1: {"C1"}, 2: set(), 3: {"C1"}, 4: set()},
        "b": {1: {"C1"}, 2: set(), 3: {"C1"}, 4: set()},
        "c": {1: {"C1"}, 2: set()},
    }
    overall, _ = agreement(decisions)
    assert overall is not None and math.isclose(overall.value or 0, 1.0)


def test_disagreements_list_what_each_coder_gave_where_they_differ() -> None:
    decisions = {"a": {1: {"C1"}, 2: {"C2"}}, "b": {1: {"C1"}, 2: {"C1", "C2"}}, "c": {3: {"C3"}}}
    assert disagreements(decisions) == {2: {"a": frozenset({"C2"}), "b": frozenset({"C1", "C2"})}}
