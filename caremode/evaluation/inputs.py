"""Read and check an MHSDS-shaped extract (CSV or Parquet), one row per offered contact.

Every check names the row and the column, reporting the first 20 problems of each kind and how
many there are in all. Written as Ibis expressions; DuckDB runs them.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import ibis
from ibis import _
from ibis.expr.types import Table

from caremode.core import codes

REQUIRED = ("Person_ID", "UniqCareContID", "CareContDate", "ConsMechanismMH", "AttendStatus")
OPTIONAL = (
    "CareContTime",
    "ConsType",
    "ClinContDurOfCareCont",
    "AgeCareContDate",
    "EthnicCategory",
    "Gender",
    "GenderIDCode",
    "IMD_Decile",
    "Rurality",
    "LanguageCodePreferred",
    "InterpreterPresentInd",
    "ReasonableAdjustmentMade",
    "AccessNeeds",
    "TechFailure",
    "Service",  # the service, to match its recorded changes (service_changes.csv)
)
SHOWN = 20
ROW = "_row"


class InputError(Exception):
    """The extract cannot be evaluated as it is; the message lists what is wrong and where."""


@dataclass
class Problem:
    kind: str
    column: str
    rows: list[tuple[int, str]]  # (row number in the file, value)
    count: int

    def describe(self) -> str:
        shown = "; ".join(f"row {row}: {value!r}" for row, value in self.rows)
        more = f" (and {self.count - len(self.rows)} more)" if self.count > len(self.rows) else ""
        return f"{self.kind} in column {self.column}: {shown}{more}"


@dataclass
class CheckedInput:
    table: Table
    rows: int
    warnings: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _read(
    con: ibis.BaseBackend,
    path: Path,
    required: Sequence[str] = REQUIRED,
    optional: Sequence[str] = OPTIONAL,
) -> Table:
    """The file as a table of strings with a row number; `required` and `optional` columns are
    those of a contacts extract unless given (the outcome scores file has its own)."""
    if not path.exists():
        raise InputError(f"{path} does not exist.")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        table = con.read_csv(path, all_varchar=True)  # keep codes such as 01 as written
    elif suffix in (".parquet", ".pq"):
        table = con.read_parquet(path, file_row_number=True)
        table = table.mutate(
            **{
                name: table[name].cast("string")
                for name, kind in table.schema().items()
                if name != "file_row_number" and not kind.is_string()
            }
        )
    else:
        raise InputError(f"{path}: expected a .csv or .parquet file.")
    if "AttendStatus" not in table.columns and "AttendOrDNACode" in table.columns:
        table = table.rename(AttendStatus="AttendOrDNACode")
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise InputError(f"{path}: missing required column(s): {', '.join(missing)}.")
    for column in optional:
        if column not in table.columns:
            table = table.mutate(**{column: ibis.null("string")})
    if suffix != ".csv":
        # Parquet is columnar and cheap to read again: each pass reads only the columns it needs.
        return table.rename({ROW: "file_row_number"}).mutate(**{ROW: _[ROW] + 1})
    # A CSV file is parsed once: every check and count below reads this table, not the file.
    # DuckDB keeps the file's order, so a row's place in the table (rowid) gives its line.
    name = f"extract_{uuid.uuid4().hex[:12]}"
    con.create_table(name, table, temp=True)
    # The names are ours (a random hex suffix), never the file's.
    view = f'CREATE TEMP VIEW "{name}_rows" AS SELECT rowid + 2 AS "{ROW}", * FROM "{name}"'  # noqa: S608
    con.raw_sql(view)
    return con.table(f"{name}_rows")


def _problem(con: ibis.BaseBackend, bad: Table, kind: str, column: str) -> Problem | None:
    count = int(con.execute(bad.count()))
    if not count:
        return None
    first = con.execute(bad.order_by(ROW).select(ROW, column).limit(SHOWN))
    rows = [
        (int(r), "" if v is None else str(v))
        for r, v in zip(first[ROW], first[column], strict=True)
    ]
    return Problem(kind, column, rows, count)


def _checks(t: Table) -> list[tuple[str, str, ibis.expr.types.BooleanValue]]:
    """(kind, column, condition that marks a bad row)."""
    modes = sorted({*codes.CONS_MECHANISM_TO_MODE, *codes.LEGACY_CONS_MECHANISM})
    ethnic = sorted(codes.ETHNIC_CATEGORIES)
    return [
        # Blank: nothing but spaces (a search stops at the first other character).
        ("missing value", "Person_ID", t.Person_ID.isnull() | ~t.Person_ID.re_search(r"\S")),
        ("missing value", "UniqCareContID", t.UniqCareContID.isnull()),
        (
            "malformed date (expected YYYY-MM-DD)",
            "CareContDate",
            t.CareContDate.isnull()
            | ~t.CareContDate.re_search(r"^\d{4}-\d{2}-\d{2}$")
            | t.CareContDate.try_cast("date").isnull(),
        ),
        (
            "unknown code",
            "ConsMechanismMH",
            ~t.ConsMechanismMH.isin(modes) | t.ConsMechanismMH.isnull(),
        ),
        (
            "unknown code",
            "AttendStatus",
            ~t.AttendStatus.isin(["2", "3", "4", "5", "6", "7"]) | t.AttendStatus.isnull(),
        ),
        (
            "unknown code",
            "EthnicCategory",
            t.EthnicCategory.notnull()
            & ~t.EthnicCategory.isin(ethnic)
            & ~t.EthnicCategory.substr(0, 1).isin(ethnic),
        ),
        ("unknown code", "Gender", t.Gender.notnull() & ~t.Gender.isin(list(codes.GENDER))),
        (
            "unknown code",
            "GenderIDCode",
            t.GenderIDCode.notnull() & ~t.GenderIDCode.isin(list(codes.GENDER_IDENTITY)),
        ),
        (
            "not a decile from 1 to 10",
            "IMD_Decile",
            t.IMD_Decile.notnull() & ~t.IMD_Decile.isin([str(n) for n in range(1, 11)]),
        ),
        (
            "unknown code (urban or rural)",
            "Rurality",
            t.Rurality.notnull() & ~t.Rurality.isin(["urban", "rural"]),
        ),
        (
            "not a whole number of years",
            "AgeCareContDate",
            t.AgeCareContDate.notnull() & t.AgeCareContDate.try_cast("int32").isnull(),
        ),
        ("not Y or N", "TechFailure", t.TechFailure.notnull() & ~t.TechFailure.isin(["Y", "N"])),
        (
            "not Y or N",
            "InterpreterPresentInd",
            t.InterpreterPresentInd.notnull() & ~t.InterpreterPresentInd.isin(["Y", "N"]),
        ),
    ]


def _needs_pattern() -> str:
    """A `;`-separated list of access-need codes (empty items allowed), as one regular
    expression, so that the common case is checked without splitting every row."""
    one = "|".join(re.escape(code) for code in sorted(codes.ACCESS_NEEDS))
    return f"^(?:{one})?(?:;(?:{one})?)*$"


def read_extract(
    path: Path, *, con: ibis.BaseBackend | None = None, skip_invalid: bool = False
) -> CheckedInput:
    """Read and check an extract. Raises InputError listing every kind of problem (first 20
    rows each) unless `skip_invalid`, which drops those rows and reports what was skipped.

    One pass over the rows counts every kind of problem; the rows themselves are fetched only
    for the kinds that occur."""
    con = con or ibis.duckdb.connect()
    t = _read(con, path)
    checks = _checks(t)
    unknown_needs = t.AccessNeeds.notnull() & ~t.AccessNeeds.re_search(_needs_pattern())
    legacy = t.ConsMechanismMH.isin(list(codes.LEGACY_CONS_MECHANISM))
    tally = (
        con.execute(
            t.aggregate(
                rows=_.count(),
                identifiers=t.UniqCareContID.nunique(),
                unknown_needs=unknown_needs.fill_null(False).cast("int64").sum(),
                legacy=legacy.fill_null(False).cast("int64").sum(),
                **{
                    f"c{i}": condition.fill_null(False).cast("int64").sum()
                    for i, (_kind, _column, condition) in enumerate(checks)
                },
            )
        )
        .fillna(0)
        .iloc[0]
    )
    problems: list[Problem] = []
    bad_rows = ibis.literal(False)
    for i, (kind, column, condition) in enumerate(checks):
        if tally[f"c{i}"] and (found := _problem(con, t.filter(condition), kind, column)):
            problems.append(found)
            bad_rows = bad_rows | condition
    if tally["unknown_needs"]:
        needs = t.filter(t.AccessNeeds.notnull()).mutate(need=_.AccessNeeds.split(";").unnest())
        unknown = needs.filter(~needs.need.isin(list(codes.ACCESS_NEEDS)) & (needs.need != ""))
        found = _problem(
            con, unknown.mutate(AccessNeeds=_.need), "unknown access need", "AccessNeeds"
        )
        if found:
            problems.append(found)
            bad_rows = bad_rows | unknown_needs
    if tally["identifiers"] < tally["rows"]:
        repeated = t.group_by("UniqCareContID").aggregate(n=_.count()).filter(_.n > 1)
        duplicate = t.UniqCareContID.isin(repeated.UniqCareContID)
        found = _problem(con, t.filter(duplicate), "duplicate identifier", "UniqCareContID")
        if found:
            problems.append(found)
            bad_rows = bad_rows | duplicate
    if problems and not skip_invalid:
        raise InputError(
            "The extract has problems; nothing was written.\n"
            + "\n".join(p.describe() for p in problems)
        )
    warnings = []
    if tally["legacy"]:
        warnings.append(
            f"{int(tally['legacy'])} row(s) use ConsMechanismMH codes from before MHSDS v5 "
            "(03 webcam, 06 SMS); read as video and text."
        )
    kept = t.filter(~bad_rows) if problems else t
    return CheckedInput(
        table=kept,
        rows=int(con.execute(kept.count())) if problems else int(tally["rows"]),
        warnings=warnings,
        skipped=[p.describe() for p in problems],
    )


def columns_present(table: Table, names: Sequence[str]) -> list[str]:
    return [n for n in names if n in table.columns]
