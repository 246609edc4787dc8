"""Recommendations per second for a caseload of 10,000 people x 12 consultation types.

The contexts come from the synthetic population (no database). Printed beside a baseline measured
in the same run on the same contexts: a bare ranking of the five modes by stated preference
alone, with no rules and no explanations. The ratio is what transparency costs.

    .venv/bin/python benchmarks/recommendations.py [--people 10000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from caremode.core import codes  # noqa: E402
from caremode.decisions.rules import MODES, PREFERENCE_WEIGHT, Context, recommend  # noqa: E402
from caremode.seed import population  # noqa: E402

AS_OF = dt.date(2026, 11, 2)


def contexts(people: int) -> list[Context]:
    rng = random.Random(1)
    persons = population.generate_people(rng, people, AS_OF, [80, 80, 50, 70, 60])
    result = []
    for person in persons:
        offered = tuple(population.SERVICES[population.TEAMS[person.team][1]])
        preferences = {
            m: rng.choice(["prefers", "accepts", "declines"]) for m in offered if rng.random() < 0.5
        }
        for consultation_type in codes.CONSULTATION_TYPES:
            result.append(
                Context(
                    consultation_type=consultation_type,
                    access_needs=frozenset(person.access_needs),
                    age=AS_OF.year - person.date_of_birth.year,
                    main_language=person.main_language,
                    interpreter_needed=person.interpreter_needed,
                    existing_relationship=rng.random() < 0.7,
                    risk_level=rng.choice(["low", "low", "moderate", "high"]),
                    recent_deterioration=rng.random() < 0.1,
                    carer_involvement_wanted=person.carer is not None,
                    modes_offered=offered,
                    preferences=preferences,
                )
            )
    return result


def bare_ranking(context: Context) -> list[str]:
    return sorted(MODES, key=lambda m: -PREFERENCE_WEIGHT.get(context.preferences.get(m, ""), 0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    options = parser.parse_args()
    work = contexts(options.people)

    began = time.perf_counter()
    for context in work:
        bare_ranking(context)
    baseline = time.perf_counter() - began

    began = time.perf_counter()
    for context in work:
        recommend(context)
    measured = time.perf_counter() - began

    count = len(work)
    print(f"recommendations: {count:,} ({options.people:,} people x 12 consultation types)")
    print(f"baseline (preference sort only): {baseline:.2f}s, {count / baseline:,.0f} per second")
    print(f"rules engine with explanations: {measured:.2f}s, {count / measured:,.0f} per second")
    print(f"ratio: {measured / baseline:.1f}x the baseline")


if __name__ == "__main__":
    main()
