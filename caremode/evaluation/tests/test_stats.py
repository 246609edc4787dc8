import pytest
from hypothesis import given
from hypothesis import strategies as st
from statsmodels.stats.proportion import proportion_confint

from caremode.evaluation.stats import Z95, Z998, flag, ratio_interval, wilson


@pytest.mark.parametrize(("k", "n"), [(0, 10), (1, 10), (5, 10), (81, 263), (999, 1000), (7, 7)])
@pytest.mark.parametrize("alpha", [0.05, 0.002])
def test_wilson_matches_statsmodels(k, n, alpha):
    z = Z95 if alpha == 0.05 else Z998
    low, high = wilson(k, n, z)
    expected = proportion_confint(k, n, alpha=alpha, method="wilson")
    assert low == pytest.approx(expected[0], abs=1e-12)
    assert high == pytest.approx(expected[1], abs=1e-12)


def test_a_known_ratio_interval():
    # 40/200 against 20/200: ratio 2, Katz SE sqrt(1/40 - 1/200 + 1/20 - 1/200) = 0.25495,
    # so 2 * exp(±1.95996 * 0.25495) = 1.2134 to 3.2965.
    ratio, (low, high) = ratio_interval(40, 200, 20, 200, Z95)
    assert ratio == pytest.approx(2.0)
    assert low == pytest.approx(1.2134, abs=1e-4) and high == pytest.approx(3.2965, abs=1e-4)


def test_undefined_ratios_are_none():
    assert ratio_interval(0, 10, 5, 10, Z95) is None
    assert ratio_interval(5, 0, 5, 10, Z95) is None
    assert wilson(0, 0, Z95) is None


def test_flags():
    assert flag((1.1, 2.0)) == "higher"
    assert flag((0.2, 0.9)) == "lower"
    assert flag((0.8, 1.3)) == "similar"
    assert flag(None) == "similar"


@given(st.integers(0, 500), st.integers(1, 500))
def test_wilson_contains_the_proportion_and_narrows_with_confidence(k, n):
    k = min(k, n)
    low95, high95 = wilson(k, n, Z95)
    low998, high998 = wilson(k, n, Z998)
    assert 0 <= low998 <= low95 <= k / n <= high95 <= high998 <= 1
