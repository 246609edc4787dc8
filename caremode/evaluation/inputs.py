"""Read and check an MHSDS-shaped extract (CSV or Parquet), one row per offered contact.

Every check names the row and the column, reporting the first 20 problems of each kind and how
many there are in all; a file that cannot be read at all (binary, not UTF-8, a damaged Parquet
file, no rows) is named with its problem. Nothing is written when there is a problem.

The checks are Ibis expressions over a `TableSpec` (`check_table`), so any input file (the
contacts extract, a scores file) is checked the same way, on DuckDB or on Spark.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import ibis.util
import sqlglot as sg
import sqlglot.expressions as sge
from ibis import _
from ibis.expr.types import BooleanValue, Table

from caremode.core import codes
from caremode.evaluation import arrow

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
# Plausible limits (docs/data-standards.md): nobody on a caseload is older than 110 (the oldest
# people in England are about 115, and 115 in an extract has so far always been an error); a
# contact lasts from 0 minutes (not seen) to 24 hours.
MAX_AGE = 110
MAX_DURATION_MINUTES = 1440
SNIFF_BYTES = 64 * 1024


class InputError(Exception):
    """The input cannot be evaluated as it is; the message lists what is wrong and where."""


Condition = tuple[str, str, BooleanValue]  # (kind of problem, column, marks a bad row)


@dataclass(frozen=True)
class CodeList:
    """A column holding a `separator`-separated list of codes (empty items allowed)."""

    column: str
    codes: frozenset[str]
    separator: str = ";"
    kind: str = "unknown code"

    def pattern(self) -> str:
        """The whole list as one regular expression, so that the common case is checked without
        splitting every row."""
        one = "|".join(re.escape(code) for code in sorted(self.codes))
        sep = re.escape(self.separator)
        return f"^(?:{one})?(?:{sep}(?:{one})?)*$"


@dataclass(frozen=True)
class TableSpec:
    """What an input file must hold: its columns, the conditions marking a bad row, code lists,
    the column whose values must be unique, and older column names read as newer ones."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    checks: Callable[[Table], list[Condition]]
    code_lists: tuple[CodeList, ...] = ()
    unique: str | None = None
    renames: dict[str, str] = field(default_factory=dict)  # older name → name used here
    warnings: Callable[[Table], list[tuple[str, BooleanValue]]] = lambda _t: []
    may_be_empty: bool = False  # a header with no rows is an answer (no service changes)


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


def whole_number(value: ibis.expr.types.StringValue) -> BooleanValue:
    """Digits only, optionally signed, spaces around allowed: "thirty" and "4.5" are not."""
    return value.re_search(r"^\s*[+-]?\d{1,9}\s*$")


def number_between(
    value: ibis.expr.types.StringValue, low: int, high: int
) -> ibis.expr.types.BooleanValue:
    """A whole number from `low` to `high` inclusive (null counts as no problem)."""
    number = value.strip().try_cast("int64")
    return value.isnull() | (whole_number(value) & (number >= low) & (number <= high))


def blank_person(t: Table) -> Condition:
    """A blank Person_ID: nothing but spaces (a search stops at the first other character)."""
    return ("missing value", "Person_ID", t.Person_ID.isnull() | ~t.Person_ID.re_search(r"\S"))


def malformed_date(t: Table, column: str) -> Condition:
    """A date that is not a real YYYY-MM-DD date (2026-02-30 included)."""
    value = t[column]
    return (
        "malformed date (expected YYYY-MM-DD)",
        column,
        value.isnull() | ~value.re_search(r"^\d{4}-\d{2}-\d{2}$") | value.try_cast("date").isnull(),
    )


def _contact_checks(t: Table) -> list[Condition]:
    modes = sorted({*codes.CONS_MECHANISM_TO_MODE, *codes.LEGACY_CONS_MECHANISM})
    ethnic = sorted(codes.ETHNIC_CATEGORIES)
    return [
        blank_person(t),
        ("missing value", "UniqCareContID", t.UniqCareContID.isnull()),
        malformed_date(t, "CareContDate"),
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
            f"not a whole number of years from 0 to {MAX_AGE}",
            "AgeCareContDate",
            ~number_between(t.AgeCareContDate, 0, MAX_AGE),
        ),
        (
            f"not a whole number of minutes from 0 to {MAX_DURATION_MINUTES}",
            "ClinContDurOfCareCont",
            ~number_between(t.ClinContDurOfCareCont, 0, MAX_DURATION_MINUTES),
        ),
        ("not Y or N", "TechFailure", t.TechFailure.notnull() & ~t.TechFailure.isin(["Y", "N"])),
        (
            "not Y or N",
            "InterpreterPresentInd",
            t.InterpreterPresentInd.notnull() & ~t.InterpreterPresentInd.isin(["Y", "N"]),
        ),
    ]


def _contact_warnings(t: Table) -> list[tuple[str, BooleanValue]]:
    legacy = t.ConsMechanismMH.isin(list(codes.LEGACY_CONS_MECHANISM))
    return [
        (
            "{n} row(s) use ConsMechanismMH codes from before MHSDS v5 (03 webcam, 06 SMS); "
            "read as video and text.",
            legacy,
        )
    ]


CONTACTS = TableSpec(
    name="extract",
    required=REQUIRED,
    optional=OPTIONAL,
    checks=_contact_checks,
    code_lists=(
        CodeList("AccessNeeds", frozenset(codes.ACCESS_NEEDS), kind="unknown access need"),
    ),
    unique="UniqCareContID",
    renames={"AttendOrDNACode": "AttendStatus"},
    warnings=_contact_warnings,
)


# Reading files -------------------------------------------------------------------------------


def is_remote(location: Path | str) -> bool:
    """A location only a cluster reads (s3://…, abfss://…, dbfs:/…), not a local file."""
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]+:/", str(location)))


def _sniff(path: Path | str) -> str:
    """The input's kind, "csv", "parquet" or "delta" (a folder holding _delta_log), from its
    name and, for a local file, its first and last bytes. InputError for anything else."""
    if is_remote(path):
        suffix = Path(str(path).rstrip("/")).suffix.lower()
        return {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}.get(suffix, "delta")
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path} does not exist.")
    if path.is_dir():
        if (path / "_delta_log").is_dir():
            return "delta"
        raise InputError(f"{path} is a folder: name a .csv or .parquet file, or a Delta table.")
    suffix = path.suffix.lower()
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
        handle.seek(max(0, size - 4))
        tail = handle.read(4)
    if suffix in (".parquet", ".pq"):
        if head[:4] != b"PAR1":
            raise InputError(f"{path} is not a Parquet file (it does not start with PAR1).")
        if tail != b"PAR1" or size < 12:
            raise InputError(
                f"{path} is an incomplete Parquet file (truncated or damaged: its footer is "
                "missing); copy it again from the source."
            )
        return "parquet"
    if suffix != ".csv":
        raise InputError(f"{path}: expected a .csv or .parquet file.")
    if head[:4] == b"PAR1":
        raise InputError(f"{path} is a Parquet file named .csv: rename it to .parquet.")
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InputError(f"{path} is UTF-16 text: export the extract as UTF-8.")
    if (nul := head.find(b"\x00")) >= 0:
        raise InputError(
            f"{path} is not a text CSV file: it holds binary data (a NUL byte at byte "
            f"{nul + 1}). Export the extract as CSV (UTF-8) or Parquet."
        )
    if not head.strip():
        raise InputError(f"{path} is empty: expected a header line and one row per contact.")
    return "csv"


def _not_utf8(path: Path | str) -> InputError | None:
    """Where a CSV file stops being UTF-8, as an error naming the row and the column; None if
    it is UTF-8 throughout (or not a local file). Read only after the engine has refused it."""
    if is_remote(path) or not Path(path).is_file():
        return None
    with Path(path).open("rb") as handle:
        header = handle.readline().decode("utf-8", errors="replace").rstrip("\r\n").split(",")
        line = 1
        handle.seek(0)
        for raw in handle:
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as error:
                before = raw[: error.start].count(b",")
                column = header[before] if before < len(header) else f"field {before + 1}"
                value = raw.decode("latin-1").rstrip("\r\n").split(",")[before]
                return InputError(
                    f"{path} is not UTF-8 text (it may be Latin-1 or Windows-1252): row {line}, "
                    f"column {column}: {value!r} holds the byte 0x{raw[error.start]:02X}. "
                    "Export the extract as UTF-8."
                )
            line += 1
    return None


def _engine_error(path: Path | str, error: Exception) -> InputError:
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return InputError(f"{path} could not be read: {first}")


def _described(con: ibis.BaseBackend, query: str) -> Table:
    """The DuckDB `query` as a table, typed from DuckDB's own description of it, as Ibis types
    a table it looks up. The description is fetched as rows: Ibis's lookup fetches it as Arrow,
    which loads pyarrow and numpy (about 0.2 s of a small run, `evaluation.arrow`)."""
    described = con.con.sql(f"DESCRIBE {query}").fetchall()  # type: ignore[attr-defined]
    mapper = con.compiler.type_mapper  # type: ignore[attr-defined]
    schema = {
        name: mapper.from_string(typ, nullable=null == "YES") for name, typ, null, *_ in described
    }
    return con.sql(query, schema=ibis.schema(schema))  # type: ignore[attr-defined]


def _read_sql(con: ibis.BaseBackend, function: str, path: Path, **options: object) -> str:
    """`SELECT * FROM function([path], options)` as Ibis's own read_csv and read_parquet write
    it (the path quoted by sqlglot)."""
    compiler = con.compiler  # type: ignore[attr-defined]
    arguments = [sg.to_identifier(key).eq(sge.convert(value)) for key, value in options.items()]
    call = getattr(compiler.f, function)(ibis.util.normalize_filenames(path), *arguments)
    return sg.select(sge.Star()).from_(call).sql(compiler.dialect)


def _on_duckdb(con: ibis.BaseBackend, path: Path, kind: str) -> Table:
    if kind == "parquet":
        table = _described(con, _read_sql(con, "read_parquet", path, file_row_number=True))
        table = table.mutate(
            **{
                name: table[name].cast("string")
                for name, dtype in table.schema().items()
                if name != "file_row_number" and not dtype.is_string()
            }
        )
        # Parquet is columnar and cheap to read again: each pass reads only the columns it needs.
        return table.rename({ROW: "file_row_number"}).mutate(**{ROW: _[ROW] + 1})
    # A CSV file is parsed once: every check and count reads this table, not the file. DuckDB
    # keeps the file's order, so a row's place in the table (rowid) gives its line.
    name = f"input_{uuid.uuid4().hex[:12]}"
    read = _read_sql(con, "read_csv", path, all_varchar=True, header=True, auto_detect=True)
    try:
        # The name is ours (a random hex suffix), never the file's.
        con.raw_sql(f'CREATE TEMP TABLE "{name}" AS {read}')
    except Exception as error:  # DuckDB raises its own error classes for unreadable files
        raise _not_utf8(path) or _engine_error(path, error) from error
    return _described(con, f'SELECT rowid + 2 AS "{ROW}", * FROM "{name}"')  # noqa: S608


def open_table(con: ibis.BaseBackend, path: Path | str, spec: TableSpec) -> Table:
    """The file as a table of strings with its row number in `_row` (the line for CSV, the
    record from 1 for Parquet), its older column names renamed and absent optional columns
    added as nulls. Raises InputError for a file that cannot be read or lacks a column."""
    kind = _sniff(path)
    if con.name == "pyspark":
        from caremode.evaluation.backends import read_on_spark

        try:
            table = read_on_spark(con, path, kind, ROW)
        except InputError:
            raise
        except Exception as error:  # Spark's analysis errors come from py4j
            raise (kind == "csv" and _not_utf8(path)) or _engine_error(path, error) from error
    elif kind == "delta":
        raise InputError(f"{path} is a Delta table: read it with --backend spark.")
    else:
        table = _on_duckdb(con, Path(path), kind)
    for old, new in spec.renames.items():
        if new not in table.columns and old in table.columns:
            table = table.rename({new: old})
    missing = [c for c in spec.required if c not in table.columns]
    if missing:
        raise InputError(f"{path}: missing required column(s): {', '.join(missing)}.")
    absent = {c: ibis.null("string") for c in spec.optional if c not in table.columns}
    return table.mutate(**absent) if absent else table


# Checking ------------------------------------------------------------------------------------


def _problem(con: ibis.BaseBackend, bad: Table, kind: str, column: str) -> Problem | None:
    count = _scalar(con, bad.count())
    if not count:
        return None
    first = arrow.rows(bad.order_by(ROW).select(ROW, column).limit(SHOWN))
    rows = [(int(r[ROW]), "" if r[column] is None else str(r[column])) for r in first]
    return Problem(kind, column, rows, count)


def _scalar(con: ibis.BaseBackend, value: ibis.expr.types.IntegerScalar) -> int:
    """An integer result, fetched as Arrow (the checks never load pandas: `--only results`
    stays quick to start)."""
    return int(arrow.scalar(value) or 0)


def _tally(con: ibis.BaseBackend, t: Table, spec: TableSpec, conditions: list[Condition]) -> dict:
    def total(condition: BooleanValue) -> ibis.expr.types.IntegerValue:
        return condition.fill_null(False).cast("int64").sum()

    lists = [t[c.column].notnull() & ~t[c.column].re_search(c.pattern()) for c in spec.code_lists]
    (found,) = arrow.rows(
        t.aggregate(
            rows=_.count(),
            **({"identifiers": t[spec.unique].nunique()} if spec.unique else {}),
            **{f"c{i}": total(cond) for i, (_k, _c, cond) in enumerate(conditions)},
            **{f"l{i}": total(cond) for i, cond in enumerate(lists)},
            **{f"w{i}": total(cond) for i, (_m, cond) in enumerate(spec.warnings(t))},
        )
    )
    return {key: int(value or 0) for key, value in found.items()}


def check_table(
    con: ibis.BaseBackend,
    t: Table,
    spec: TableSpec,
    *,
    source: Path | str,
    skip_invalid: bool = False,
) -> CheckedInput:
    """Check `t` (from `open_table`) against `spec`. Raises InputError listing every kind of
    problem (first 20 rows each) unless `skip_invalid`, which drops those rows and reports what
    was skipped; raises InputError for a table with no rows (or none left).

    One pass over the rows counts every kind of problem; the rows themselves are fetched only
    for the kinds that occur."""
    conditions = spec.checks(t)
    if con.name == "pyspark":
        # Spark reads bytes that are not UTF-8 as U+FFFD where DuckDB refuses the file.
        conditions += [
            ("not UTF-8 text (the file may be Latin-1 or Windows-1252)", c, t[c].contains("\ufffd"))
            for c in (*spec.required, *spec.optional)
        ]
    try:
        tally = _tally(con, t, spec, conditions)
    except InputError:
        raise
    except Exception as error:  # the engine meets the file's bytes here for Parquet and Spark
        raise _engine_error(source, error) from error
    if not tally["rows"] and spec.may_be_empty:
        return CheckedInput(table=t, rows=0)
    if not tally["rows"]:
        raise InputError(
            f"{source} has a header but no rows: there is nothing to evaluate; nothing was written."
        )
    problems: list[Problem] = []
    bad_rows = ibis.literal(False)
    for i, (kind, column, condition) in enumerate(conditions):
        if tally[f"c{i}"] and (found := _problem(con, t.filter(condition), kind, column)):
            problems.append(found)
            bad_rows = bad_rows | condition.fill_null(False)
    for i, code_list in enumerate(spec.code_lists):
        if not tally[f"l{i}"]:
            continue
        column = code_list.column
        items = t.filter(t[column].notnull()).mutate(
            item=t[column].split(code_list.separator).unnest()
        )
        unknown = items.filter(~items.item.isin(sorted(code_list.codes)) & (items.item != ""))
        found = _problem(con, unknown.mutate(**{column: _.item}), code_list.kind, column)
        if found:
            problems.append(found)
            bad_rows = bad_rows | (t[column].notnull() & ~t[column].re_search(code_list.pattern()))
    if spec.unique and tally["identifiers"] < tally["rows"]:
        key = spec.unique
        repeated = t.group_by(key).aggregate(n=_.count()).filter(_.n > 1)
        duplicate = t[key].isin(repeated[key])
        found = _problem(con, t.filter(duplicate), "duplicate identifier", key)
        if found:
            problems.append(found)
            bad_rows = bad_rows | duplicate
    if problems and not skip_invalid:
        raise InputError(
            f"The {spec.name} has problems; nothing was written.\n"
            + "\n".join(p.describe() for p in problems)
        )
    warnings = [
        message.format(n=tally[f"w{i}"])
        for i, (message, _cond) in enumerate(spec.warnings(t))
        if tally[f"w{i}"]
    ]
    kept = t.filter(~bad_rows) if problems else t
    rows = _scalar(con, kept.count()) if problems else tally["rows"]
    if not rows:
        raise InputError(f"Every row of {source} has problems; nothing was written.")
    return CheckedInput(
        table=kept, rows=rows, warnings=warnings, skipped=[p.describe() for p in problems]
    )


def read_table(
    path: Path | str,
    spec: TableSpec,
    *,
    con: ibis.BaseBackend | None = None,
    skip_invalid: bool = False,
) -> CheckedInput:
    """Open and check one input file against `spec` (see `open_table`, `check_table`)."""
    con = con or ibis.duckdb.connect()
    return check_table(
        con, open_table(con, path, spec), spec, source=path, skip_invalid=skip_invalid
    )


def read_extract(
    path: Path | str, *, con: ibis.BaseBackend | None = None, skip_invalid: bool = False
) -> CheckedInput:
    """Read and check a contacts extract (`CONTACTS`), on DuckDB unless `con` is another engine."""
    return read_table(path, CONTACTS, con=con, skip_invalid=skip_invalid)


def columns_present(table: Table, names: Sequence[str]) -> list[str]:
    return [n for n in names if n in table.columns]
