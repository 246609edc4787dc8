"""`caremode evaluate` on 10 million synthetic contacts (Parquet), beside a plain pandas
implementation of the same counts and a single hand-written DuckDB query, in the same run:
times, ratios and peak memory of each (each runs in its own process so peaks are its own).

    .venv/bin/python benchmarks/evaluate_10m.py [--rows 10000000]
"""

from __future__ import annotations

import argparse
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

PANDAS = r"""
import sys, pandas as pd
df = pd.read_parquet(sys.argv[1]).astype("string")
# The same checks: codes, dates, duplicate identifiers.
day = pd.to_datetime(df.CareContDate, format="%Y-%m-%d", errors="coerce")
bad = (day.isna() | ~df.ConsMechanismMH.isin(["01","02","03","04","05","06","09","10","11","12","13","98"])
       | ~df.AttendStatus.isin(["2","3","4","5","6","7"]) | df.UniqCareContID.duplicated(keep=False))
assert not bad.any()
groups = {"A":"White","B":"White","C":"White","D":"Mixed","E":"Mixed","F":"Mixed","G":"Mixed",
  "H":"Asian","J":"Asian","K":"Asian","L":"Asian","M":"Black","N":"Black","P":"Black",
  "R":"Other","S":"Other","Z":"Not Stated"}
mode = {"01":"face_to_face","02":"telephone","11":"video","09":"text","05":"email"}
df["mode"] = df.ConsMechanismMH.map(mode).fillna("other")
df["day"] = day
df["ethnicity"] = df.EthnicCategory.str[0].map(groups).fillna("Unknown")
age = pd.to_numeric(df.AgeCareContDate)
df["age_band"] = pd.cut(age, [0,17,24,34,44,54,64,200]).astype(str)
df["gender"] = df.Gender
df["imd_quintile"] = ((pd.to_numeric(df.IMD_Decile) + 1) // 2).astype(str)
df["rurality"] = df.Rurality
df["interpreter"] = "Unknown"
df["access_need"] = df.AccessNeeds.fillna("none_recorded").str.split(";")
s = df.AttendStatus
for name, cond in {"attended": s.isin(["5","6"]), "s3": s == "3", "s2": s == "2",
                   "s4": s == "4", "s7": s == "7", "tech_yes": df.TechFailure == "Y"}.items():
    df[name] = cond.astype("int64")
cols = ["attended","s3","s2","s4","s7","tech_yes"]
dims = ["ethnicity","age_band","gender","imd_quintile","rurality","interpreter"]
out = [df[cols].sum()]
for dim in dims:
    out.append(df.groupby([dim, "mode"])[cols].sum())
needs = df[["access_need", "mode"] + cols].explode("access_need")
out.append(needs.groupby(["access_need", "mode"])[cols].sum())
# Disengagement: the first missed remote contact, and no attended contact in the 90 days after.
missed = df[df["mode"].isin(["telephone","video","text","email"]) & s.isin(["2","3","4","7"])]
first = missed.sort_values(["Person_ID", "day", "mode"]).drop_duplicates("Person_ID")
window = pd.Timedelta(days=90)
first = first[first.day + window <= df.day.max()]
seen = first[["Person_ID", "day"]].merge(
    df.loc[s.isin(["5","6"]), ["Person_ID", "day"]], on="Person_ID", suffixes=("", "_seen"))
back = seen[(seen.day_seen > seen.day) & (seen.day_seen <= seen.day + window)].Person_ID.unique()
first = first.assign(disengaged=~first.Person_ID.isin(back))
for dim in dims:
    out.append(first.groupby([dim, "mode"]).disengaged.agg(["size", "sum"]))
out.append(first.explode("access_need").groupby(["access_need", "mode"]).disengaged.agg(["size", "sum"]))
print(sum(len(o) for o in out))
"""

# CareMode's contact counts alone (no checks, no disengagement): the like of the DuckDB query.
CAREMODE_COUNTS = r"""
import sys
import ibis
from caremode.evaluation.inputs import OPTIONAL
from caremode.evaluation.measures import count_groups, standardise
t = ibis.duckdb.connect().read_parquet(sys.argv[1])
t = t.mutate(**{c: ibis.null("string") for c in OPTIONAL if c not in t.columns})
print(len(count_groups(standardise(t))))
"""

# CareMode's measures stage on its own: checks, counts, disengagement, intervals and flags.
CAREMODE = r"""
import os, sys
from pathlib import Path
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
import ibis
from caremode.evaluation.inputs import read_extract
from caremode.evaluation.measures import Options, compute_measures, count_all, standardise
con = ibis.duckdb.connect()
checked = read_extract(Path(sys.argv[1]), con=con)
print(len(compute_measures(count_all(standardise(checked.table)), Options())))
"""

DUCKDB = r"""
import sys, duckdb
con = duckdb.connect()
con.execute(f"CREATE VIEW c AS SELECT *, CASE ConsMechanismMH WHEN '01' THEN 'face_to_face' "
  f"WHEN '02' THEN 'telephone' WHEN '11' THEN 'video' WHEN '09' THEN 'text' WHEN '05' THEN "
  f"'email' ELSE 'other' END AS mode, substr(EthnicCategory,1,1) AS eth, "
  f"(CAST(IMD_Decile AS INT)+1)//2 AS q FROM read_parquet('{sys.argv[1]}')")
rows = con.execute('''
  SELECT eth, Gender, q, Rurality, mode, count(*), sum((AttendStatus IN ('5','6'))::INT),
         sum((AttendStatus='3')::INT), sum((AttendStatus='2')::INT), sum((AttendStatus='4')::INT),
         sum((AttendStatus='7')::INT), sum((TechFailure='Y')::INT)
  FROM c GROUP BY GROUPING SETS ((), (eth, mode), (eth), (Gender, mode), (Gender), (q, mode), (q),
                                 (Rurality, mode), (Rurality))
''').fetchall()
print(len(rows))
"""


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    options = parser.parse_args()
    import duckdb

    with tempfile.TemporaryDirectory() as workdir:
        path = Path(workdir) / "contacts.parquet"
        duckdb.connect().execute(
            GENERATE.format(rows=options.rows, people=max(1, options.rows // 12), path=path)
        )
        runs = {
            "hand-written DuckDB query (contact counts only)": [
                sys.executable,
                "-c",
                DUCKDB,
                str(path),
            ],
            "CareMode contact counts only (the same Ibis code, no checks)": [
                sys.executable,
                "-c",
                CAREMODE_COUNTS,
                str(path),
            ],
            "plain pandas (checks, counts, disengagement)": [
                sys.executable,
                "-c",
                PANDAS,
                str(path),
            ],
            "CareMode measures (checks, counts, disengagement, statistics)": [
                sys.executable,
                "-c",
                CAREMODE,
                str(path),
            ],
            "caremode evaluate (all that, CSV/JSON, HTML and PDF report)": [
                sys.executable,
                "manage.py",
                "evaluate",
                str(path),
                "--out",
                str(Path(workdir) / "out"),
            ],
        }
        results = {name: timed(argv) for name, argv in runs.items()}
    baseline = results["hand-written DuckDB query (contact counts only)"][0]
    pandas_time = results["plain pandas (checks, counts, disengagement)"][0]
    print(f"{options.rows:,} contacts (Parquet); each run in its own process, with its peak memory")
    for name, (seconds, peak) in results.items():
        print(
            f"  {name:66} {seconds:7.1f}s  {peak:7.0f} MiB  "
            f"{seconds / baseline:5.1f}x DuckDB  {seconds / pandas_time:5.2f}x pandas"
        )


if __name__ == "__main__":
    main()
