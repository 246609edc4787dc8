"""Booking and diary pages under 50 concurrent clinicians, on PostgreSQL, beside a trivial page.

Starts a fresh database (a new PostgreSQL database when DATABASE_URL points at one, else SQLite),
seeds 2,000 service users with demo accounts, serves CareMode with Daphne on 127.0.0.1, runs
Locust headless against it for --seconds, and prints p50/p95 latency, requests and errors per
page, with each page's p50 as a ratio of the trivial page's p50 measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python benchmarks/load_booking.py
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _servers import BIN, ROOT, fresh_database, wait_for


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=40)
    parser.add_argument("--port", type=int, default=8123)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        env = {
            **os.environ,
            "DATABASE_URL": fresh_database(workdir, "bench_load"),
            "CAREMODE_VAR_DIR": workdir,
        }
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
        subprocess.run(
            [*manage, "collectstatic", "--noinput", "-v0"], env=env, check=True, cwd=ROOT
        )
        subprocess.run(
            [*manage, "seed", "--service-users", "2000", "--months", "3", "--demo-accounts"],
            env=env,
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        server_log = open(os.environ.get("SERVER_LOG", os.devnull), "w")  # noqa: SIM115
        server = subprocess.Popen(
            [
                str(BIN / "daphne"),
                "-b",
                "127.0.0.1",
                "-p",
                str(options.port),
                "config.asgi:application",
            ],
            env={**env, "LOG_LEVEL": "ERROR"},
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=server_log,
        )
        try:
            wait_for(options.port)
            prefix = f"{workdir}/locust"
            subprocess.run(
                [
                    str(BIN / "locust"),
                    "-f",
                    str(ROOT / "benchmarks" / "locustfile.py"),
                    "--headless",
                    "-u",
                    str(options.users),
                    "-r",
                    str(options.users),
                    "-t",
                    f"{options.seconds}s",
                    "--host",
                    f"http://127.0.0.1:{options.port}",
                    "--csv",
                    prefix,
                    "--only-summary",
                ],
                cwd=ROOT,
                check=False,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            failures = Path(f"{prefix}_failures.csv").read_text()
            with open(f"{prefix}_stats.csv", newline="") as handle:
                rows = {row["Name"]: row for row in csv.DictReader(handle)}
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    if os.environ.get("SHOW_FAILURES"):
        print(failures)
    engine = "PostgreSQL" if env["DATABASE_URL"].startswith("postgres") else "SQLite"
    baseline = float(rows["baseline: accessibility statement"]["50%"])
    print(
        f"{options.users} concurrent clinicians for {options.seconds}s, one Daphne process, "
        f"{engine}"
    )
    print(f"{'page':36} {'requests':>8} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7} {'p50 ratio':>9}")
    for name, row in rows.items():
        if name == "Aggregated":
            continue
        p50 = float(row["50%"])
        print(
            f"{name:36} {row['Request Count']:>8} {row['Failure Count']:>6} {p50:>7.0f} "
            f"{float(row['95%']):>7.0f} {p50 / baseline:>8.1f}x"
        )


if __name__ == "__main__":
    main()
