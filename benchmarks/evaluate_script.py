"""Run the hand-written DuckDB script (`evaluate_script.sql`) and compare its counts with
CareMode's. Used by `evaluate_speed.py` and by a test on a small file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).with_name("evaluate_script.sql")
# The columns the script and CareMode both count: contacts, people (and the per-person sums of
# squares and products behind the design effect), disengagement.
TALLIES = ("offered", "attended", "s2", "s3", "s4", "s7", "tech_known", "tech_yes")
MOMENTS = (
    "contact_people",
    "sq_attended",
    "x_attended",
    "sq_offered",
    "sq_s3",
    "x_s3",
    "sq_s2",
    "x_s2",
    "sq_s4",
    "x_s4",
    "sq_s7",
    "x_s7",
    "sq_tech_yes",
    "x_tech_yes",
    "sq_tech_known",
)
PEOPLE = ("people", "disengaged")
DIMENSIONS = (
    "overall",
    "ethnicity",
    "age_band",
    "gender",
    "imd_quintile",
    "rurality",
    "interpreter",
    "language",
    "access_need",
    "ethnicity_age_band",
    "ethnicity_imd_quintile",
    "access_need_mode",
)


def contacts_view(con: Any, path: Path, optional: Sequence[str]) -> None:
    """The view `contacts` the script reads: every column VARCHAR, absent `optional` ones null
    (the caller names them, `caremode.evaluation.inputs.OPTIONAL`, so that this process imports
    nothing of CareMode's)."""
    if path.suffix == ".csv":
        source = f"read_csv('{path}', all_varchar = true)"
    else:
        source = f"read_parquet('{path}')"
    columns = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
    cast = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' for c in columns)
    absent = "".join(f', NULL::VARCHAR AS "{c}"' for c in optional if c not in columns)
    con.execute(f"CREATE OR REPLACE VIEW contacts AS SELECT {cast}{absent} FROM {source}")


def run(
    path: Path, optional: Sequence[str], languages: Mapping[str, str]
) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """(the number of bad rows of each kind, the script's results) for one extract, with the
    Data Dictionary's language codes (`languages`: code → name) as a table."""
    import duckdb

    con = duckdb.connect()
    contacts_view(con, path, optional)
    con.execute("CREATE TABLE languages (code VARCHAR, name VARCHAR)")
    if languages:
        con.executemany("INSERT INTO languages VALUES (?, ?)", list(languages.items()))
    con.execute(SCRIPT.read_text())
    problems = con.execute("SELECT * FROM problems").fetchdf().iloc[0].to_dict()
    names = [d[0] for d in con.execute("SELECT * FROM results").description]
    rows = [
        dict(zip(names, r, strict=True)) for r in con.execute("SELECT * FROM results").fetchall()
    ]
    return {k: int(v) for k, v in problems.items()}, rows


def differences(script: list[dict[str, Any]], caremode: list[dict[str, Any]]) -> list[str]:
    """Every (dimension, group, mode) whose counts differ, or that only one side has."""

    def keyed(rows: list[dict[str, Any]]) -> dict[tuple[str, str, str], tuple[int, ...]]:
        found = {}
        for r in rows:
            if r["dimension"] not in DIMENSIONS:
                continue
            # The sums of squares are sums of whole numbers: exact in a double to 2**53.
            values = tuple(int(r.get(k) or 0) for k in (*TALLIES, *MOMENTS, *PEOPLE))
            if any(values):
                found[(r["dimension"], str(r["group"]), r["mode"])] = values
        return found

    ours, theirs = keyed(script), keyed(caremode)
    return [
        f"{key}: script {ours.get(key)}, CareMode {theirs.get(key)}"
        for key in sorted(set(ours) | set(theirs))
        if ours.get(key) != theirs.get(key)
    ]
