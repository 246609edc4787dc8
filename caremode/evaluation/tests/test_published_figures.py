"""CareMode's outcome arithmetic against published national figures: NHS Talking Therapies,
Psychological Therapies: Annual report on the use of services, England 2023-24 (NHS England),
recovery by ethnic group. Counts go through the same functions the evaluation uses."""

from __future__ import annotations

import pytest

from caremode.evaluation.measures import Options, compute_measures
from caremode.evaluation.outcome_rules import outcome_numerators, recovery_rate

# group: (finished a course of treatment, not at caseness at the start, recovered, published %)
PUBLISHED = {"White": (529_106, 28_274, 256_333, 51.2)}


@pytest.mark.parametrize("group", list(PUBLISHED))
def test_recovery_gives_the_published_percentage(group):
    finished, not_at_caseness, recovered, published = PUBLISHED[group]
    assert round(100 * recovery_rate(recovered, finished - not_at_caseness), 1) == published
    row = {
        "dimension": "ethnicity",
        "group": group,
        "mode": "all",
        "courses": finished,
        "at_caseness": finished - not_at_caseness,
        "recovered": recovered,
        "improved": 0,
        "deteriorated": 0,
        "reliably_recovered": 0,
    }
    measures = compute_measures([row], Options(suppress=True))
    (found,) = [m for m in measures if m["measure"] == "recovery_rate"]
    assert round(100 * found["value"], 1) == published
    low, high = found["ci95"]
    assert low < published / 100 < high


def test_the_rates_are_the_published_ratios():
    """The identity behind every rate: recovery over those at caseness at the start (finished
    less not at caseness); improvement and deterioration over every finished course; reliable
    recovery over those at caseness."""
    row = {
        "courses": 1000,
        "at_caseness": 900,
        "recovered": 450,
        "improved": 660,
        "deteriorated": 60,
        "reliably_recovered": 420,
    }
    assert dict((m, (n, d)) for m, n, d in outcome_numerators(row)) == {
        "recovery_rate": (450, 900),
        "reliable_improvement_rate": (660, 1000),
        "reliable_deterioration_rate": (60, 1000),
        "reliable_recovery_rate": (420, 900),
    }
