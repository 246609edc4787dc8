import itertools
import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from caremode.evaluation.stats import (
    FDR,
    Z95,
    Z998,
    benjamini_hochberg,
    clustered_ratio_interval,
    design_effect,
    flag,
    ratio_interval,
    ratio_p_value,
    wilson,
)


@pytest.mark.parametrize(("k", "n"), [(0, 10), (1, 10), (5, 10), (81, 263), (999, 1000), (7, 7)])
@pytest.mark.parametrize("alpha", [0.05, 0.002])
def test_wilson_matches_statsmodels(k, n, alpha):
    z = Z95 if alpha == 0.05 else Z998
    low, high = wilson(k, n, z)
    expected = proportion_confint(k, n, alpha=alpha, method="wilson")
    assert low == pytest.approx(expected[0], abs=1e-12)
    assert high == pytest.approx(expected[1], abs=1e-12)


def test_the_z_values_are_the_normal_quantiles():
    assert abs(Z95 - 1.959964) < 1e-6
    assert abs(Z998 - 3.090232) < 1e-6


@pytest.mark.parametrize(
    ("a", "n1", "b", "n2"), [(40, 200, 20, 200), (3, 7, 9, 11), (0, 10, 5, 10), (81, 263, 40, 90)]
)
@pytest.mark.parametrize("alpha", [0.05, 0.002])
def test_the_ratio_interval_is_miettinen_nurminen_as_statsmodels_computes_it(a, n1, b, n2, alpha):
    """Inside the edges statsmodels' score interval (Miettinen-Nurminen, correction=True) is
    the reference implementation."""
    z = Z95 if alpha == 0.05 else Z998
    ratio, (low, high) = ratio_interval(a, n1, b, n2, z)
    expected = confint_proportions_2indep(
        a, n1, b, n2, method="score", compare="ratio", correction=True, alpha=alpha
    )
    assert ratio == pytest.approx((a / n1) / (b / n2))
    assert low == pytest.approx(max(0.0, expected[0]), abs=1e-7)
    assert high == pytest.approx(expected[1], rel=1e-7)


def _score_by_numerical_likelihood(x1, n1, x2, n2, theta):
    """The Miettinen-Nurminen statistic with the restricted maximum likelihood found numerically,
    independent of the closed form in stats."""

    def minus_log_likelihood(p2):
        p1 = theta * p2
        terms = [(x1, p1), (n1 - x1, 1 - p1), (x2, p2), (n2 - x2, 1 - p2)]
        return -sum(k * math.log(p) for k, p in terms if k)

    found = minimize_scalar(
        minus_log_likelihood,
        bounds=(1e-12, min(1.0, 1 / theta) - 1e-12),
        method="bounded",
        options={"xatol": 1e-13},
    )
    p2 = found.x
    p1 = theta * p2
    variance = (p1 * (1 - p1) / n1 + theta**2 * p2 * (1 - p2) / n2) * (n1 + n2) / (n1 + n2 - 1)
    return (x1 / n1 - theta * x2 / n2) / math.sqrt(variance)


@pytest.mark.parametrize(("a", "n1"), [(1, 1), (5, 5), (20, 20), (10, 10)])
def test_at_100_percent_the_limits_solve_the_score_equation(a, n1):
    """statsmodels' root search fails at 100% (its lower limit collapses onto the estimate,
    the very fault in the issue): the limits are checked against the statistic itself."""
    _ratio, (low, high) = ratio_interval(a, n1, 700, 1000, Z95)
    assert _score_by_numerical_likelihood(a, n1, 700, 1000, low) == pytest.approx(Z95, abs=1e-4)
    assert _score_by_numerical_likelihood(a, n1, 700, 1000, high) == pytest.approx(-Z95, abs=1e-4)


@pytest.mark.parametrize("n", [1, 5, 20])
def test_all_attended_in_a_small_group_is_not_flagged_and_the_interval_is_wide(n):
    """1 of 1, 5 of 5, 20 of 20 attended against 70% in the reference group: the Katz interval
    called these 'higher' with an interval of zero width; the score interval contains 1."""
    ratio, (low, high) = ratio_interval(n, n, 700, 1000, Z998)
    assert ratio == pytest.approx(1 / 0.7)
    assert low < 1 < high
    assert high / low > 1.2
    assert flag((low, high)) == "similar"
    assert flag((low, high), 0.0, wilson(n, n, Z998), 0.7) == "similar"


def test_intervals_narrow_as_a_full_group_grows():
    widths = [ratio_interval(n, n, 700, 1000, Z95)[1] for n in (1, 5, 20, 100)]
    lows = [low for low, _high in widths]
    assert lows == sorted(lows)


def test_a_zero_numerator_has_a_ratio_of_zero_and_a_finite_upper_limit():
    ratio, (low, high) = ratio_interval(0, 10, 5, 10, Z95)
    assert ratio == 0 and low == 0 and 0 < high < 1


def test_undefined_ratios_are_none():
    assert ratio_interval(5, 10, 0, 10, Z95) is None
    assert ratio_interval(5, 0, 5, 10, Z95) is None
    assert ratio_p_value(5, 10, 0, 10) is None
    assert wilson(0, 0, Z95) is None


def test_the_p_value_agrees_with_the_interval():
    # 40/200 against 20/200: the 95% interval excludes 1, so p < 0.05; at 99.8% ...
    p = ratio_p_value(40, 200, 20, 200)
    assert p < 0.05
    _ratio, (low998, _high) = ratio_interval(40, 200, 20, 200, Z998)
    assert (low998 > 1) == (p < 0.002)
    assert ratio_p_value(20, 200, 20, 200) == pytest.approx(1.0)


def test_flags():
    assert flag((1.1, 2.0)) == "higher"
    assert flag((0.2, 0.9)) == "lower"
    assert flag((0.8, 1.3)) == "similar"
    assert flag(None) == "similar"
    # Beyond the false discovery rate: not flagged however narrow the interval.
    assert flag((1.1, 2.0), q_value=FDR + 0.001) == "similar"
    assert flag((1.1, 2.0), q_value=FDR) == "higher"
    # The group's own 99.8% interval contains the reference rate: never flagged.
    assert flag((1.1, 2.0), 0.001, (0.5, 0.95), 0.7) == "similar"
    assert flag((1.1, 2.0), 0.001, (0.75, 0.95), 0.7) == "higher"


def test_one_contact_each_has_no_design_effect_to_speak_of():
    # 30 of 100 people attended their one contact: Σy² = Σyn = 30, Σn² = 100.
    assert design_effect(30, 100, 100, 30, 30, 100) == pytest.approx(100 / 99)


def _per_person(people: list[tuple[int, int]]) -> tuple[int, int, float]:
    """(events, contacts, design effect) of people given as (events, contacts) each."""
    y = sum(a for a, _ in people)
    n = sum(o for _, o in people)
    deff = design_effect(
        y,
        n,
        len(people),
        sum(a * a for a, _ in people),
        sum(a * o for a, o in people),
        sum(o * o for _, o in people),
    )
    return y, n, deff


def test_one_person_missing_ten_contacts_widens_the_interval():
    """Ten people with one contact each, all attended, and one person who missed ten: 20
    contacts, 10 attended. As independent contacts the ratio to a 70% reference group would be
    tighter than the information allows; clustering by person widens it."""
    people = [(1, 1)] * 10 + [(0, 10)]  # (attended, offered) per person
    y, n, deff = _per_person(people)
    assert deff > 5
    _r, (naive_low, naive_high) = ratio_interval(y, n, 700, 1000, Z95)
    _r, (low, high) = clustered_ratio_interval(y, n, deff, 700, 1000, 1.0, Z95)
    assert low < naive_low and high > naive_high
    # Spread evenly (each of ten people attended one of two) the same rate carries none.
    assert design_effect(10, 20, 10, 10, 20, 40) == 1.0


def test_the_design_effect_is_one_where_it_cannot_be_estimated():
    assert design_effect(0, 20, 5, 0, 0, 80) == 1.0
    assert design_effect(20, 20, 5, 80, 80, 80) == 1.0
    assert design_effect(3, 10, 1, 9, 30, 100) == 1.0


def test_benjamini_hochberg_matches_statsmodels():
    p = [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216]
    expected = multipletests(p, method="fdr_bh")[1]
    assert benjamini_hochberg(p) == pytest.approx(list(expected))
    assert benjamini_hochberg([]) == []


counts = st.integers(0, 400)
sizes = st.integers(1, 400)


@given(st.integers(0, 500), st.integers(1, 500))
def test_wilson_contains_the_proportion_and_narrows_with_confidence(k, n):
    k = min(k, n)
    low95, high95 = wilson(k, n, Z95)
    low998, high998 = wilson(k, n, Z998)
    assert 0 <= low998 <= low95 <= k / n <= high95 <= high998 <= 1


@given(counts, sizes, st.integers(1, 400), sizes)
def test_the_ratio_interval_contains_the_estimate_and_nests(a, n1, b, n2):
    a, b = min(a, n1), min(b, n2)
    assume(n1 + n2 > 1)
    ratio, (low95, high95) = ratio_interval(a, n1, b, n2, Z95)
    _same, (low998, high998) = ratio_interval(a, n1, b, n2, Z998)
    assert 0 <= low998 <= low95 <= ratio * (1 + 1e-9)
    assert ratio <= high95 * (1 + 1e-9) and high95 <= high998 * (1 + 1e-9)
    assert math.isfinite(high998)


@given(st.integers(1, 300), sizes, st.integers(1, 300), sizes)
def test_swapping_the_groups_inverts_the_interval(a, n1, b, n2):
    a, b = min(a, n1), min(b, n2)
    assume(n1 + n2 > 1)
    ratio, (low, high) = ratio_interval(a, n1, b, n2, Z95)
    inverse, (inv_low, inv_high) = ratio_interval(b, n2, a, n1, Z95)
    assert inverse == pytest.approx(1 / ratio)
    assert inv_low == pytest.approx(1 / high, rel=1e-6)
    assert inv_high == pytest.approx(1 / low, rel=1e-6)


@given(st.integers(1, 300), sizes, st.integers(1, 300), sizes, st.floats(1.0, 10.0))
def test_a_design_effect_only_widens_and_keeps_the_estimate(a, n1, b, n2, deff):
    a, b = min(a, n1), min(b, n2)
    assume(n1 + n2 > 1 and n1 / deff + n2 > 1)
    ratio, (low, high) = ratio_interval(a, n1, b, n2, Z95)
    same, (c_low, c_high) = clustered_ratio_interval(a, n1, deff, b, n2, 1.0, Z95)
    assert same == pytest.approx(ratio)
    assert c_low <= low * (1 + 1e-9) and c_high >= high * (1 - 1e-9)


@given(st.lists(st.tuples(st.integers(0, 20), st.integers(1, 20)), min_size=1, max_size=40))
def test_the_design_effect_is_at_least_one_and_finite(people):
    people = [(min(a, o), o) for a, o in people]
    _y, _n, deff = _per_person(people)
    assert 1 <= deff < math.inf
    # Never more than every contact of a person counting as one observation, with the
    # small-sample factor: n / m · m/(m-1) · (max contacts) bounds it loosely.
    assert deff <= max(o for _, o in people) * len(people) / max(1, len(people) - 1) + 1e-9


@given(st.lists(st.floats(0, 1), max_size=60))
def test_q_values_are_at_least_the_p_values_and_keep_their_order(p):
    q = benjamini_hochberg(p)
    assert len(q) == len(p)
    assert all(pi <= qi + 1e-12 and qi <= 1 for pi, qi in zip(p, q, strict=True))
    ranked = sorted(range(len(p)), key=lambda i: p[i])
    assert all(q[i] <= q[j] + 1e-12 for i, j in itertools.pairwise(ranked))
