"""`caremode evaluate` against a hand-written DuckDB SQL script (`evaluate_script.sql`: the same
checks; the same counts for every dimension and two-way group, per person first for the number of
people and the design effect; disengagement; Wilson intervals) and, on a 100-row file, against a
whole-process pandas script, all in the same run: times and peak memory of each (each in its own
process, so peaks are its own), and the ratios the issue sets goals for.

    .venv/bin/python benchmarks/evaluate_speed.py [--rows 2000000 10000000] [--repeat 3]

Before timing, the script's counts and CareMode's are compared on the same file (they must be
identical). Goals: measures within 1.5x of the script at 2M and 1.2x at 10M; end to end within
1.5x at 10M; on 100 rows, `--only results` within 2x of pandas and the full report within 4x.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

GENERATE = """
COPY (
  SELECT
    'p' || (i % {people})::VARCHAR AS Person_ID,
    i::VARCHAR AS UniqCareContID,
    strftime(DATE '2025-01-01' + CAST(i % 365 AS INTEGER), '%Y-%m-%d') AS CareContDate,
    (['01', '02', '11', '09', '05'])[1 + CAST(hash(i) % 5 AS BIGINT)] AS ConsMechanismMH,
    CASE WHEN hash(i, 1) % 100 < 10 THEN '3' WHEN hash(i, 1) % 100 < 16 THEN '2'
         WHEN hash(i, 1) % 100 < 19 THEN '4' WHEN hash(i, 1) % 100 < 20 THEN '7'
         WHEN hash(i, 1) % 100 < 25 THEN '6' ELSE '5' END AS AttendStatus,
    (16 + hash(i % {people}, 2) % 75)::VARCHAR AS AgeCareContDate,
    (['A','A','A','A','A','A','A','C','H','J','N','M','D','R','Z'])[1 + CAST(hash(i % {people}, 3) % 15 AS BIGINT)]
      AS EthnicCategory,
    (['1', '2'])[1 + CAST(hash(i % {people}, 4) % 2 AS BIGINT)] AS Gender,
    (1 + hash(i % {people}, 5) % 10)::VARCHAR AS IMD_Decile,
    CASE WHEN hash(i % {people}, 6) % 100 < 17 THEN 'rural' ELSE 'urban' END AS Rurality,
    CASE WHEN hash(i % {people}, 7) % 100 < 8 THEN 'poor_connectivity'
         WHEN hash(i % {people}, 7) % 100 < 12 THEN 'hearing_impairment;technology_unfamiliar'
         ELSE NULL END AS AccessNeeds,
    CASE WHEN hash(i, 8) % 100 < 3 THEN 'Y' ELSE 'N' END AS TechFailure
  FROM range({rows}) t(i)
) TO '{path}' (FORMAT PARQUET)
"""


# A whole-process pandas script for a small file: read, check, count, disengagement, Wilson
# intervals, and write CSV and JSON (what `--only results` writes).
PANDAS = r"""
import json, math, sys
import pandas as pd
df = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False, na_values=[""])
day = pd.to_datetime(df.CareContDate, format="%Y-%m-%d", errors="coerce")
age = pd.to_numeric(df.AgeCareContDate, errors="coerce")
bad = (day.isna() | ~df.ConsMechanismMH.isin(["01","02","03","04","05","06","09","10","11","12","13","98"])
       | ~df.AttendStatus.isin(["2","3","4","5","6","7"]) | df.UniqCareContID.duplicated(keep=False)
       | (df.AgeCareContDate.notna() & ~age.between(0, 110)))
assert not bad.any()
groups = {"A":"White","B":"White","C":"White","D":"Mixed","E":"Mixed","F":"Mixed","G":"Mixed",
  "H":"Asian","J":"Asian","K":"Asian","L":"Asian","M":"Black","N":"Black","P":"Black",
  "R":"Other","S":"Other","Z":"Not Stated"}
mode = {"01":"face_to_face","02":"telephone","11":"video","09":"text","05":"email"}
df["mode"] = df.ConsMechanismMH.map(mode).fillna("other")
df["day"] = day
df["ethnicity"] = df.EthnicCategory.str[0].map(groups).fillna("Unknown")
df["age_band"] = pd.cut(age, [-1,17,24,34,44,54,64,200]).astype(str)
df["gender"] = df.Gender.fillna("Unknown")
df["imd_quintile"] = ((pd.to_numeric(df.IMD_Decile) + 1) // 2).astype(str)
df["rurality"] = df.Rurality.fillna("Unknown")
df["access_need"] = df.AccessNeeds.fillna("none_recorded").str.split(";")
s = df.AttendStatus
for name, cond in {"attended": s.isin(["5","6"]), "s3": s == "3", "s2": s == "2",
                   "s4": s == "4", "s7": s == "7", "tech_yes": df.TechFailure == "Y"}.items():
    df[name] = cond.astype("int64")
df["offered"] = 1
cols = ["offered","attended","s3","s2","s4","s7","tech_yes"]
dims = ["ethnicity","age_band","gender","imd_quintile","rurality"]
out = []
def add(frame, dim):
    for keys, row in frame.iterrows():
        out.append({"dimension": dim, "group": str(keys), **{c: int(row[c]) for c in frame.columns}})
add(df.groupby("mode")[cols].sum(), "overall")
for dim in dims:
    add(df.groupby([dim, "mode"])[cols].sum(), dim)
    add(df.groupby(dim)[cols].sum(), dim)
add(df[["access_need", "mode"] + cols].explode("access_need").groupby(["access_need", "mode"])[cols].sum(), "access_need")
missed = df[df["mode"].isin(["telephone","video","text","email"]) & s.isin(["2","3","4","7"])]
first = missed.sort_values(["Person_ID", "day", "mode"]).drop_duplicates("Person_ID")
window = pd.Timedelta(days=90)
first = first[first.day + window <= df.day.max()]
seen = first[["Person_ID", "day"]].merge(
    df.loc[s.isin(["5","6"]), ["Person_ID", "day"]], on="Person_ID", suffixes=("", "_seen"))
back = seen[(seen.day_seen > seen.day) & (seen.day_seen <= seen.day + window)].Person_ID.unique()
first = first.assign(disengaged=~first.Person_ID.isin(back))
for dim in dims:
    for keys, row in first.groupby([dim, "mode"]).disengaged.agg(["size", "sum"]).iterrows():
        out.append({"dimension": dim, "group": str(keys), "people": int(row["size"]), "disengaged": int(row["sum"])})
def wilson(x, n, z):
    if not n: return None
    p = x / n; c = (p + z*z/(2*n)) / (1 + z*z/n)
    h = z / (1 + z*z/n) * math.sqrt(p*(1-p)/n + z*z/(4*n*n))
    return [max(0.0, c - h), min(1.0, c + h)]
for row in out:
    n = row.get("offered") or row.get("people") or 0
    for name in ("attended", "s3", "s2", "s4", "s7", "disengaged"):
        if name in row:
            row[name + "_ci95"] = wilson(row[name], n, 1.959964)
            row[name + "_ci998"] = wilson(row[name], n, 3.090232)
pd.DataFrame(out).to_csv(sys.argv[2] + ".csv", index=False)
with open(sys.argv[2] + ".json", "w") as f:
    json.dump(out, f)
"""

# The hand-written script, its results written for the comparison.
SCRIPT = r"""
import json, sys
sys.path.insert(0, "benchmarks")
from evaluate_script import run
problems, rows = run(__import__("pathlib").Path(sys.argv[1]), sys.argv[3].split(","), json.loads(sys.argv[4]))
assert all(v == 0 for k, v in problems.items() if k != "rows"), problems
json.dump(rows, open(sys.argv[2], "w"), default=str)
"""

# CareMode's measures stage on its own: checks, counts, disengagement, intervals and flags.
CAREMODE = r"""
import json, sys
from pathlib import Path
import ibis
from caremode.evaluation.inputs import read_extract
from caremode.evaluation.measures import Options, compute_measures, count_all, standardise
con = ibis.duckdb.connect()
checked = read_extract(Path(sys.argv[1]), con=con)
counts = count_all(standardise(checked.table))
compute_measures(counts, Options())
json.dump(counts, open(sys.argv[2], "w"), default=str)
"""

SMALL_ROWS = 100

MEASURE = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
    "stdout=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def timed(argv: list[str]) -> tuple[float, float]:
    """(seconds, peak resident memory in MiB) of one run, measured in its own parent process."""
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *argv], check=True, cwd=ROOT, capture_output=True, text=True
    )
    return time.perf_counter() - began, int(done.stdout.split()[-1]) / 1024


def median_of(argv: list[str], repeat: int) -> tuple[float, float]:
    runs = [timed(argv) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def generate(path: Path, rows: int) -> None:
    import duckdb

    duckdb.connect().execute(GENERATE.format(rows=rows, people=max(1, rows // 12), path=path))


def evaluate(source: Path, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "manage.py",
        "evaluate",
        str(source),
        "--out",
        str(out),
        "--force",
        *extra,
    ]


def large(workdir: Path, rows: int, spark: bool) -> None:
    from evaluate_script import differences

    from caremode.core.codes import LANGUAGES
    from caremode.evaluation.inputs import OPTIONAL

    path = workdir / f"contacts-{rows}.parquet"
    generate(path, rows)
    script_out, caremode_out = workdir / "script.json", workdir / "caremode.json"
    times = {
        "hand-written DuckDB SQL script": timed(
            [
                sys.executable,
                "-c",
                SCRIPT,
                str(path),
                str(script_out),
                ",".join(OPTIONAL),
                json.dumps(LANGUAGES),
            ]
        ),
        "CareMode measures (checks, counts, disengagement, statistics)": timed(
            [sys.executable, "-c", CAREMODE, str(path), str(caremode_out)]
        ),
        "caremode evaluate --only results (end to end)": timed(
            evaluate(path, workdir / "out-results", "--only", "results")
        ),
        "caremode evaluate (end to end, with the HTML and PDF report)": timed(
            evaluate(path, workdir / "out-report")
        ),
    }
    if spark:
        times["caremode evaluate --backend spark --only results (SPARK_MASTER)"] = timed(
            evaluate(path, workdir / "out-spark", "--only", "results", "--backend", "spark")
        )
    found = differences(json.loads(script_out.read_text()), json.loads(caremode_out.read_text()))
    baseline = times["hand-written DuckDB SQL script"][0]
    print(f"\n{rows:,} contacts (Parquet); each run once, in its own process")
    print(f"  counts identical to the script's: {'yes' if not found else 'NO: ' + found[0]}")
    if spark:
        same = json.loads((workdir / "out-spark" / "results.json").read_text()) == json.loads(
            (workdir / "out-results" / "results.json").read_text()
        )
        print(f"  Spark's results.json identical to DuckDB's: {'yes' if same else 'NO'}")
    for name, (seconds, peak) in times.items():
        print(f"  {name:62} {seconds:7.1f}s {peak:7.0f} MiB  {seconds / baseline:5.2f}x script")


def small(workdir: Path, repeat: int) -> None:
    path = workdir / "small.csv"
    generate(workdir / "small.parquet", SMALL_ROWS)
    import duckdb

    duckdb.connect().execute(
        f"COPY (SELECT * FROM read_parquet('{workdir / 'small.parquet'}')) TO '{path}' (HEADER)"
    )
    times = {
        "whole-process pandas script (checks, counts, CSV and JSON)": median_of(
            [sys.executable, "-c", PANDAS, str(path), str(workdir / "pandas")], repeat
        ),
        "caremode evaluate --only results": median_of(
            evaluate(path, workdir / "small-results", "--only", "results"), repeat
        ),
        "caremode evaluate (with the HTML and PDF report)": median_of(
            evaluate(path, workdir / "small-report"), repeat
        ),
    }
    baseline = times["whole-process pandas script (checks, counts, CSV and JSON)"][0]
    print(f"\n{SMALL_ROWS} contacts (CSV); median of {repeat} runs, each in its own process")
    for name, (seconds, peak) in times.items():
        print(f"  {name:62} {seconds:7.2f}s {peak:7.0f} MiB  {seconds / baseline:5.2f}x pandas")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[2_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--spark", action="store_true", help="Also time --backend spark (Java 17; SPARK_MASTER)."
    )
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        small(Path(workdir), options.repeat)
        for rows in options.rows:
            large(Path(workdir), rows, options.spark)


if __name__ == "__main__":
    main()
