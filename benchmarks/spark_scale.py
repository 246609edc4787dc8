"""`caremode evaluate --backend spark` at national scale on `local[2]`, with the driver's memory
capped: the extract is read, checked and counted by Spark, and only the counted results come back
to the driver, so the driver's peak memory must not grow with the number of contacts.

    .venv/bin/python benchmarks/spark_scale.py [--rows 10000000 100000000] [--driver-memory 1g]

Each size is generated as Parquet (the same synthetic contacts as `evaluate_speed.py`), then
evaluated once with `--only results` in its own process, with `SPARK_MASTER=local[2]` and the
driver JVM's heap capped (`--driver-memory`). Printed per size: seconds, the peak resident memory
of the whole process tree (Python and the driver JVM), and both as ratios against the
smallest size measured in the same run (the baseline): time should grow about with the rows,
memory should not. Needs Java 17 and about 3 GB of disk per 100M contacts.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from evaluate_speed import ROOT, evaluate, generate

PAGE = os.sysconf("SC_PAGE_SIZE")


def _tree(pid: int) -> list[int]:
    """`pid` and every process below it (the driver JVM is a child of the Python process)."""
    found, todo = [], [pid]
    while todo:
        here = todo.pop()
        found.append(here)
        try:
            for task in Path(f"/proc/{here}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            pass
    return found


def _resident(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except OSError:
        return 0


def timed_tree(argv: list[str]) -> tuple[float, float]:
    """(seconds, peak resident memory in MiB of the whole process tree, sampled every 0.2 s) of
    one run: `getrusage` would miss the JVM, which the Python process does not wait for."""
    began = time.perf_counter()
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.2):
            peak = max(peak, sum(_resident(pid) for pid in _tree(process.pid)))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = process.wait()
    done.set()
    sampler.join()
    if code:
        raise subprocess.CalledProcessError(code, argv)
    return time.perf_counter() - began, peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000_000, 100_000_000])
    parser.add_argument("--driver-memory", default="1g", help="The driver JVM's heap cap.")
    parser.add_argument("--workdir", type=Path, help="Where to write the extracts (default: /tmp).")
    options = parser.parse_args()
    os.environ["SPARK_MASTER"] = "local[2]"
    os.environ["PYSPARK_SUBMIT_ARGS"] = f"--driver-memory {options.driver_memory} pyspark-shell"
    with tempfile.TemporaryDirectory(dir=options.workdir) as workdir:
        measured: list[tuple[int, float, float, int]] = []
        for rows in sorted(options.rows):
            path = Path(workdir) / f"contacts-{rows}.parquet"
            generate(path, rows)
            out = Path(workdir) / f"out-{rows}"
            seconds, peak = timed_tree(
                evaluate(path, out, "--only", "results", "--backend", "spark")
            )
            counted = json.loads((out / "results.json").read_text())["contacts"]
            measured.append((rows, seconds, peak, counted))
            path.unlink()
            print(f"{rows:>13,} contacts: {seconds:7.1f}s, {peak:6.0f} MiB", flush=True)
    base_rows, base_seconds, base_peak, _ = measured[0]
    print(
        f"\ncaremode evaluate --backend spark --only results on local[2], "
        f"driver memory {options.driver_memory} (from {ROOT.name})"
    )
    for rows, seconds, peak, counted in measured:
        print(
            f"  {rows:>13,} contacts (counted {counted:,}): {seconds:7.1f}s {peak:6.0f} MiB  "
            f"{rows / base_rows:5.1f}x rows, {seconds / base_seconds:5.2f}x time, "
            f"{peak / base_peak:4.2f}x memory"
        )


if __name__ == "__main__":
    main()
