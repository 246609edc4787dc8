"""Bad input, as found on real extracts: each named by its row and column or by the file's
problem, and nothing written; the output folder written whole or not at all."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import ibis
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from caremode.evaluation.inputs import (
    CONTACTS,
    MAX_AGE,
    MAX_DURATION_MINUTES,
    CodeList,
    InputError,
    TableSpec,
    check_table,
    open_table,
    read_extract,
)

HEADER = (
    "Person_ID,UniqCareContID,CareContDate,ConsMechanismMH,AttendStatus,AgeCareContDate,"
    "ClinContDurOfCareCont"
)
ROOT = Path(__file__).resolve().parents[3]


def extract(path: Path, *rows: str, good: int = 8) -> Path:
    """`good` valid rows (lines 2…), then `rows` (age, duration) as given."""
    lines = [HEADER] + [f"p{i},{i},2026-01-05,01,5,40,30" for i in range(good)]
    lines += [f"q{i},x{i},2026-01-05,02,3,{row}" for i, row in enumerate(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def refused(tmp_path: Path, source: Path, *extra: str) -> str:
    out = tmp_path / "out"
    with pytest.raises(CommandError) as caught:
        call_command("evaluate", str(source), "--out", str(out), *extra)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []
    return str(caught.value)


@pytest.mark.parametrize(
    ("age", "duration", "expected"),
    [
        ("-1", "30", f"years from 0 to {MAX_AGE} in column AgeCareContDate: row 10: '-1'"),
        ("115", "30", "in column AgeCareContDate: row 10: '115'"),
        ("300", "30", "in column AgeCareContDate: row 10: '300'"),
        ("4.5", "30", "in column AgeCareContDate: row 10: '4.5'"),
        (
            "40",
            "-30",
            f"minutes from 0 to {MAX_DURATION_MINUTES} in column ClinContDurOfCareCont: "
            "row 10: '-30'",
        ),
        ("40", "thirty", "in column ClinContDurOfCareCont: row 10: 'thirty'"),
        ("40", "1441", "in column ClinContDurOfCareCont: row 10: '1441'"),
    ],
)
def test_an_implausible_number_is_named_by_row_and_column(tmp_path, age, duration, expected):
    message = refused(tmp_path, extract(tmp_path / "e.csv", f"{age},{duration}"))
    assert "nothing was written" in message
    assert expected in message


def test_the_limits_themselves_and_blanks_are_accepted(tmp_path):
    path = extract(tmp_path / "e.csv", "0,0", f"{MAX_AGE},{MAX_DURATION_MINUTES}", ",", " 7 ,15")
    assert read_extract(path).rows == 12


def test_a_negative_age_is_no_longer_counted_as_unknown(tmp_path):
    with pytest.raises(InputError, match="row 10: '-4'"):
        read_extract(extract(tmp_path / "e.csv", "-4,30"))


def test_a_header_only_file_is_refused_not_reported_as_no_contacts(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text(HEADER + "\n")
    assert "has a header but no rows" in refused(tmp_path, path)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert "is empty" in refused(tmp_path, empty)


def test_a_binary_file_is_named_as_such(tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_bytes(b"\x1f\x8b\x08\x00" + bytes(range(256)) * 8)  # a gzip file, say
    assert "is not a text CSV file: it holds binary data" in refused(tmp_path, path)
    wide = tmp_path / "wide.csv"
    wide.write_bytes((HEADER + "\n").encode("utf-16"))
    assert "is UTF-16 text" in refused(tmp_path, wide)


def test_a_latin1_file_names_the_row_and_column_of_the_first_bad_byte(tmp_path):
    path = tmp_path / "latin.csv"
    text = (
        HEADER
        + "\np1,1,2026-01-05,01,5,40,30\np2,2,2026-01-05,01,5,40,30"
        + "\nJos\xe9,3,2026-01-05,01,5,40,30\n"
    )
    path.write_bytes(text.encode("latin-1"))
    message = refused(tmp_path, path)
    assert "is not UTF-8 text" in message
    assert "row 4, column Person_ID: 'José' holds the byte 0xE9" in message


def test_a_truncated_or_misnamed_parquet_file_is_named(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    whole = tmp_path / "whole.parquet"
    pq.write_table(pa.table({"Person_ID": [f"p{i}" for i in range(500)]}), whole)
    data = whole.read_bytes()
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(data[: len(data) // 2])
    assert "incomplete Parquet file (truncated or damaged" in refused(tmp_path, cut)
    misnamed = tmp_path / "contacts.csv"
    misnamed.write_bytes(data)
    assert "is a Parquet file named .csv" in refused(tmp_path, misnamed)
    text = tmp_path / "text.parquet"
    text.write_text(HEADER + "\n")
    assert "is not a Parquet file" in refused(tmp_path, text)


def test_a_damaged_parquet_page_is_an_input_error_not_a_traceback(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "damaged.parquet"
    columns = ["Person_ID", "UniqCareContID", "CareContDate", "ConsMechanismMH", "AttendStatus"]
    pq.write_table(
        pa.table({c: [f"{c}{i}" for i in range(2000)] for c in columns}),
        path,
        compression="snappy",
    )
    data = bytearray(path.read_bytes())
    data[200:1200] = b"\xff" * 1000  # inside the first column's pages, footer intact
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match=r"damaged\.parquet could not be read"):
        read_extract(path)


def test_a_second_input_is_checked_through_the_same_machinery(tmp_path):
    """A table spec for a scores file: the same row-and-column messages, code lists, duplicates."""

    def checks(t):
        return [
            ("unknown code", "Measure", ~t.Measure.isin(["PHQ9", "GAD7"])),
            (
                "not a whole number from 0 to 27",
                "Score",
                ~(t.Score.re_search(r"^\d+$") & (t.Score.try_cast("int64") <= 27)),
            ),
        ]

    spec = TableSpec(
        name="scores file",
        required=("Person_ID", "Measure", "Score"),
        optional=("Source", "Tags"),
        checks=checks,
        code_lists=(CodeList("Tags", frozenset({"a", "b"}), separator="|"),),
        unique="Key",
        renames={"PersonID": "Person_ID"},
    )
    path = tmp_path / "scores.csv"
    path.write_text(
        "PersonID,Key,Measure,Score,Tags\np1,1,PHQ9,12,a|b\np2,2,BDI,40,c\np3,2,GAD7,3,\n"
    )
    con = ibis.duckdb.connect()
    with pytest.raises(InputError) as caught:
        check_table(con, open_table(con, path, spec), spec, source=path)
    message = str(caught.value)
    assert message.startswith("The scores file has problems; nothing was written.")
    assert "unknown code in column Measure: row 3: 'BDI'" in message
    assert "in column Score: row 3: '40'" in message
    assert "unknown code in column Tags: row 3: 'c'" in message
    assert "duplicate identifier in column Key: row 3: '2'; row 4: '2'" in message
    kept = check_table(con, open_table(con, path, spec), spec, source=path, skip_invalid=True)
    assert kept.rows == 1 and len(kept.skipped) == 4
    assert CONTACTS.unique == "UniqCareContID"


# The output folder ---------------------------------------------------------------------------


def test_an_existing_folder_with_files_is_refused_unless_forced(tmp_path):
    source = extract(tmp_path / "e.csv")
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(CommandError, match="already holds files"):
        call_command("evaluate", str(source), "--out", str(out), "--only", "results")
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    call_command("evaluate", str(source), "--out", str(out), "--only", "results", "--force")
    assert sorted(p.name for p in out.iterdir()) == ["measures.csv", "results.json"]
    assert json.loads((out / "results.json").read_text())["contacts"] == 8
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.csv", "out"]


def test_an_empty_existing_folder_is_used(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    call_command(
        "evaluate", str(extract(tmp_path / "e.csv")), "--out", str(out), "--only", "results"
    )
    assert (out / "results.json").exists()


def test_a_failure_while_writing_leaves_the_old_folder_and_no_partial_one(tmp_path, monkeypatch):
    from caremode.evaluation.management.commands import evaluate

    out = tmp_path / "out"
    out.mkdir()
    (out / "results.json").write_text("old")

    def broken(self, folder, results, counts, *, report):
        (folder / "measures.csv").write_text("half")
        raise OSError("disk full")

    monkeypatch.setattr(evaluate.Command, "_write", broken)
    with pytest.raises(OSError, match="disk full"):
        call_command("evaluate", str(extract(tmp_path / "e.csv")), "--out", str(out), "--force")
    assert [p.name for p in out.iterdir()] == ["results.json"]
    assert (out / "results.json").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.csv", "out"]


def test_only_results_loads_neither_the_report_nor_scipy_nor_pandas():
    """`--only results` writes JSON and CSV without importing the report's libraries, pandas,
    pyarrow and numpy (results are fetched from DuckDB as rows: `evaluation.arrow`), rich's
    progress (nothing is shown off a terminal) or the readers of inputs not given."""
    script = (
        "import os, sys, tempfile, pathlib, django;"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup();"
        "from django.core.management import call_command;"
        "d = pathlib.Path(tempfile.mkdtemp()); p = d / 'e.csv';"
        f"p.write_text({(HEADER + chr(10) + 'p1,1,2026-01-05,01,5,40,30' + chr(10))!r});"
        "call_command('evaluate', str(p), '--out', str(d / 'out'), '--only', 'results');"
        "heavy = [m for m in ('weasyprint', 'altair', 'vl_convert', 'scipy.stats',"
        " 'caremode.evaluation.report', 'pandas', 'pyarrow', 'numpy', 'rich.progress',"
        " 'caremode.evaluation.themes', 'caremode.evaluation.mhsds_pair',"
        " 'caremode.evaluation.service_changes') if m in sys.modules];"
        "print('LOADED', heavy)"
    )
    done = subprocess.run(  # noqa: S603 - the arguments are this module's own literals
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "LOADED []" in done.stdout, done.stdout + done.stderr


# Spark reads and checks the same files --------------------------------------------------------


@pytest.fixture(scope="module")
def spark():
    if not shutil.which("java"):
        pytest.skip("Spark needs Java 17 or later on PATH.")
    os.environ.setdefault("SPARK_MASTER", "local[2]")
    from caremode.evaluation.backends import connect_spark

    return connect_spark()


def test_spark_numbers_csv_rows_as_lines_across_many_splits(tmp_path, spark):
    """Small splits (1 KiB) so the file is read in many pieces: rows are still its lines."""
    path = extract(tmp_path / "e.csv", good=600)
    lines = path.read_text().splitlines()
    lines[150] = "p150,a1,2026-01-05,01,5,-2,30"  # line 151
    lines[480] = "p480,a2,2026-01-05,01,5,40,thirty"  # line 481
    lines.append("p600,7,2026-01-05,01,5,40,30")  # line 602, a duplicate of line 9
    path.write_text("\n".join(lines) + "\n")
    session = spark._session
    session.conf.set("spark.sql.files.maxPartitionBytes", "1024")
    try:
        with pytest.raises(InputError) as caught:
            read_extract(path, con=spark)
    finally:
        session.conf.unset("spark.sql.files.maxPartitionBytes")
    message = str(caught.value)
    assert "in column AgeCareContDate: row 151: '-2'" in message
    assert "in column ClinContDurOfCareCont: row 481: 'thirty'" in message
    assert "duplicate identifier in column UniqCareContID: row 9: '7'; row 602: '7'" in message
    with pytest.raises(InputError) as duck:
        read_extract(path)
    assert str(duck.value) == message


def test_spark_refuses_the_same_bad_files(tmp_path, spark):
    header = tmp_path / "header.csv"
    header.write_text(HEADER + "\n")
    with pytest.raises(InputError, match="has a header but no rows"):
        read_extract(header, con=spark)
    latin = tmp_path / "latin.csv"
    latin.write_bytes(
        (HEADER + "\np1,1,2026-01-05,01,5,40,30\nJos\xe9,2,2026-01-05,01,5,40,30\n").encode(
            "latin-1"
        )
    )
    with pytest.raises(InputError, match=r"not UTF-8 text .* in column Person_ID: row 3"):
        read_extract(latin, con=spark)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\x00" * 100)
    with pytest.raises(InputError, match="binary data"):
        read_extract(binary, con=spark)
    import pyarrow as pa
    import pyarrow.parquet as pq

    typed = tmp_path / "typed.parquet"
    pq.write_table(
        pa.table(
            {
                "Person_ID": ["p1", "p2"],
                "UniqCareContID": [1, 2],
                "CareContDate": ["2026-01-05", "2026-01-05"],
                "ConsMechanismMH": ["01", "02"],
                "AttendStatus": [5, 9],
                "AgeCareContDate": [40, 300],
            }
        ),
        typed,
    )
    with pytest.raises(InputError) as caught:
        read_extract(typed, con=spark)
    message = str(caught.value)
    assert "unknown code in column AttendStatus: row 2: '9'" in message
    assert "in column AgeCareContDate: row 2: '300'" in message


def test_a_delta_table_without_delta_lake_says_how_to_read_it(tmp_path, spark):
    """This session has no Delta Lake (CareMode does not fetch it: docs/spark.md), so a Delta
    table gets a clear error saying what to do, not Spark's DATA_SOURCE_NOT_FOUND trace."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = tmp_path / "contacts_delta"
    (table / "_delta_log").mkdir(parents=True)
    (table / "_delta_log" / "00000000000000000000.json").write_text("{}\n")
    pq.write_table(pa.table({"Person_ID": ["p1"]}), table / "part-0.parquet")
    with pytest.raises(InputError) as caught:
        read_extract(table, con=spark)
    message = str(caught.value)
    assert "is a Delta table, and this Spark session has no Delta Lake" in message
    assert "io.delta:delta-spark_2.13" in message and "docs/spark.md" in message
    with pytest.raises(InputError, match="is a Delta table: read it with --backend spark"):
        read_extract(table)
