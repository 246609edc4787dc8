"""`caremode evaluate --themes`: what people said per mode beside the numbers, counts suppressed
and excerpts quoted only behind 5 or more (TH6); bad rows named, nothing written."""

from __future__ import annotations

import csv
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from caremode.core import codes
from caremode.evaluation.themes import what_people_said

ONE_CONTACT = (
    "Person_ID,UniqCareContID,CareContDate,ConsMechanismMH,AttendStatus\np,1,2026-01-01,01,5\n"
)


def _themes_file(path, rows):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=codes.THEME_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def _row(ref, mode, theme, text="", month="2026-01", **extra):
    return {
        "ExcerptRef": ref,
        "Month": month,
        "Mode": mode,
        "Source": "service_user",
        "Theme": theme,
        "ThemeLabel": {"C14": "Poor connection", "C02": "Saved travel"}.get(theme, theme),
        "Evidence": "E16" if theme == "C14" else "E3",
        "Text": text,
        **extra,
    }


def _evaluate(tmp_path, rows, *extra):
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(ONE_CONTACT)
    themes = tmp_path / "themes.csv"
    _themes_file(themes, rows)
    out = tmp_path / "out"
    call_command("evaluate", str(contacts), "--themes", str(themes), "--out", str(out), *extra)
    return out


PLANTED = (
    # seven telephone excerpts about the connection, one of them with two themes
    [
        _row(f"t{i}", "telephone", "C14", f"The line dropped {i}", month=f"2026-0{1 + i % 3}")
        for i in range(7)
    ]
    + [_row("t0", "telephone", "C02", "The line dropped 0")]
    # three video excerpts about saved travel: too few to quote
    + [_row(f"v{i}", "video", "C02", "") for i in range(3)]
)


def test_the_report_says_what_people_said_with_small_themes_suppressed(tmp_path):
    out = _evaluate(tmp_path, PLANTED, "--only", "results")
    results = json.loads((out / "results.json").read_text())
    said = results["themes"]
    assert said["rows"] == 11 and said["excerpts"] == "10"  # 10 excerpts, rounded to 5
    video, telephone = said["modes"]  # in the order of core.codes.MODES
    assert telephone["label"] == "Telephone" and telephone["excerpts"] == "5"  # 7
    connection, travel = telephone["themes"]
    assert connection["theme"] == "C14" and connection["excerpts"] == "5"
    assert connection["evidence"] == ["E16"]
    assert connection["said"] == ["The line dropped 2", "The line dropped 5", "The line dropped 1"]
    assert travel["excerpts"] == "*" and travel["said"] == []
    assert video["themes"] == [
        {"theme": "C02", "label": "Saved travel", "evidence": ["E3"], "excerpts": "*", "said": []}
    ]


def test_no_suppress_shows_counts_but_never_quotes_under_5():
    rows = [
        {
            "ref": f"r{i}",
            "month": "2026-01",
            "mode": "video",
            "theme": "C02",
            "label": "",
            "evidence": "",
            "text": f"said {i}",
        }
        for i in range(4)
    ]
    (video,) = what_people_said(rows, suppress=False)["modes"]
    assert video["themes"][0]["excerpts"] == "4" and video["themes"][0]["said"] == []
    repeated = what_people_said(rows + rows, suppress=False)["modes"][0]
    assert repeated["themes"][0]["excerpts"] == "4"  # an excerpt counts once per theme


def test_the_report_has_the_section(tmp_path):
    out = _evaluate(tmp_path, PLANTED)
    html = (out / "report.html").read_text()
    assert "What people said about telephone contacts" in html
    assert "<q>The line dropped 2</q>" in html
    assert "What people said about video contacts" in html
    assert (out / "report.pdf").exists()


def test_bad_theme_rows_are_named_and_nothing_is_written(tmp_path):
    rows = [
        _row("a", "telephone", "C14", month="2026-13"),
        _row("", "carrier_pigeon", "C14"),
        _row("c", "video", "", Evidence="E100", Source="neighbour"),
        _row("d", "video", "C02"),
    ]
    with pytest.raises(CommandError) as caught:
        _evaluate(tmp_path, rows)
    message = str(caught.value)
    assert "The themes file has problems; nothing was written." in message
    assert "malformed month (expected YYYY-MM) in column Month: row 2: '2026-13'" in message
    assert "missing value in column ExcerptRef: row 3" in message
    assert "unknown mode in column Mode: row 3: 'carrier_pigeon'" in message
    assert "missing value in column Theme: row 4" in message
    assert "unknown evidence code in column Evidence: row 4: 'E100'" in message
    assert "unknown source in column Source: row 4: 'neighbour'" in message
    assert not (tmp_path / "out").exists()


def test_skip_invalid_leaves_bad_theme_rows_out_and_says_so(tmp_path):
    rows = [_row("a", "telephone", "C14", month="2026-13"), _row("d", "video", "C02")]
    out = _evaluate(tmp_path, rows, "--skip-invalid", "--only", "results")
    results = json.loads((out / "results.json").read_text())
    assert [m["mode"] for m in results["themes"]["modes"]] == ["video"]
    assert any(s.startswith("themes: malformed month") and "row 2" in s for s in results["skipped"])


def test_a_header_only_themes_file_means_nothing_agreed_yet(tmp_path):
    out = _evaluate(tmp_path, [], "--only", "results")
    assert json.loads((out / "results.json").read_text())["themes"]["modes"] == []


def test_a_parquet_themes_file_is_read_as_the_csv_is(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist(PLANTED)
    pq.write_table(table, tmp_path / "themes.parquet")
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(ONE_CONTACT)
    out = tmp_path / "out"
    call_command(
        "evaluate",
        str(contacts),
        "--themes",
        str(tmp_path / "themes.parquet"),
        "--out",
        str(out),
        "--only",
        "results",
    )
    parquet = json.loads((out / "results.json").read_text())["themes"]
    beside = tmp_path / "csv"
    beside.mkdir()
    csv_out = _evaluate(beside, PLANTED, "--only", "results")
    assert {k: v for k, v in parquet.items() if k != "input"} == {
        k: v
        for k, v in json.loads((csv_out / "results.json").read_text())["themes"].items()
        if k != "input"
    }
