"""Scoring and alert checks for 100,000 check-ins (a PHQ-9 and a GAD-7 each).

The answers come from the seed's generator (no database): realistic totals, item 9 sometimes
above 0, each check-in with the person's previous score of each measure. Printed beside a
baseline measured in the same run over the same rows: a bare loop that adds up the items, with
no checks of the answers, no bands, no reliable change and no alerts. The ratio is what checking
every answer and explaining every alert costs.

    .venv/bin/python benchmarks/monitoring_alerts.py [--checkins 100000]
"""

from __future__ import annotations

import argparse
import os
import random
import time
from decimal import Decimal

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from caremode.monitoring.alerts import alerts_for  # noqa: E402
from caremode.monitoring.scoring import score  # noqa: E402
from caremode.seed.monitoring import gad7_answers, phq9_answers  # noqa: E402

Row = tuple[dict[str, int], Decimal, dict[str, int], Decimal]


def checkins(count: int) -> list[Row]:
    """(PHQ-9 answers, previous PHQ-9, GAD-7 answers, previous GAD-7) for each check-in."""
    rng = random.Random(1)
    rows = []
    for _ in range(count):
        before = rng.randint(0, 27)
        now = max(0, min(27, before + rng.randint(-8, 8)))
        anxiety = max(0, min(21, round(now * 0.75) + rng.randint(-3, 3)))
        rows.append(
            (
                phq9_answers(rng, now),
                Decimal(before),
                gad7_answers(rng, anxiety),
                Decimal(max(0, min(21, anxiety + rng.randint(-5, 5)))),
            )
        )
    return rows


def bare_totals(rows: list[Row]) -> int:
    total = 0
    for phq, _phq_before, gad, _gad_before in rows:
        total += sum(v for k, v in phq.items() if k != "phq9_difficulty") + sum(gad.values())
    return total


def scored_with_alerts(rows: list[Row]) -> int:
    alerts = 0
    for phq, phq_before, gad, gad_before in rows:
        alerts += len(alerts_for(score("PHQ9", phq), previous=phq_before))
        alerts += len(alerts_for(score("GAD7", gad), previous=gad_before))
    return alerts


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--checkins", type=int, default=100_000)
    options = parser.parse_args()
    rows = checkins(options.checkins)

    began = time.perf_counter()
    bare_totals(rows)
    baseline = time.perf_counter() - began

    began = time.perf_counter()
    alerts = scored_with_alerts(rows)
    measured = time.perf_counter() - began

    count = len(rows)
    print(f"check-ins: {count:,} (a PHQ-9 and a GAD-7 each), alerts raised: {alerts:,}")
    print(f"baseline (adding up the items): {baseline:.2f}s, {count / baseline:,.0f} per second")
    print(f"scoring and alert checks: {measured:.2f}s, {count / measured:,.0f} per second")
    print(f"ratio: {measured / baseline:.1f}x the baseline")


if __name__ == "__main__":
    main()
