"""How long `caremode seed` takes for a trust of 10,000 service users over 6 months.

Printed beside a baseline measured in the same run: seeding 1,000 service users. The ratio shows
how seeding scales (10 means linear in the number of people). Each run uses a fresh database:
a new SQLite file by default, or a new PostgreSQL database when DATABASE_URL points at one.

    .venv/bin/python benchmarks/seed_trust.py [--service-users 10000] [--months 6]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _database_url(workdir: str, name: str) -> str:
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith("postgres"):
        admin = base.rsplit("/", 1)[0] + "/postgres"
        import psycopg

        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
        return base.rsplit("/", 1)[0] + f"/{name}"
    return f"sqlite:///{workdir}/{name}.sqlite3"


def _drop(name: str) -> None:
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith("postgres"):
        import psycopg

        with psycopg.connect(base.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')


def seed_seconds(service_users: int, months: int, workdir: str) -> float:
    name = f"bench_seed_{service_users}"
    env = {**os.environ, "DATABASE_URL": _database_url(workdir, name)}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    began = time.perf_counter()
    subprocess.run(
        [
            *manage,
            "seed",
            "--service-users",
            str(service_users),
            "--months",
            str(months),
            "--seed",
            "1",
            "--as-of",
            "2026-11-02",
        ],
        env=env,
        check=True,
        cwd=ROOT,
        stderr=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - began
    _drop(name)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--service-users", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--baseline-users", type=int, default=1_000)
    options = parser.parse_args()
    engine = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    with tempfile.TemporaryDirectory() as workdir:
        baseline = seed_seconds(options.baseline_users, options.months, workdir)
        measured = seed_seconds(options.service_users, options.months, workdir)
    users, base_users, months = options.service_users, options.baseline_users, options.months
    print(f"engine: {engine}")
    print(f"baseline: {base_users:,} service users, {months} months: {baseline:.1f}s")
    print(f"measured: {users:,} service users, {months} months: {measured:.1f}s")
    print(
        f"ratio: {measured / baseline:.2f}x the baseline for {users / base_users:.0f}x the people"
    )


if __name__ == "__main__":
    main()
