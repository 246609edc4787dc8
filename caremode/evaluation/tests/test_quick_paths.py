"""The quicker ways `caremode evaluate` does its work give what the slower ones gave: rows
fetched without Arrow, charts handed to the PDF as images, the report drawn without loading the
engine that counted (`benchmarks/evaluate_speed.py` times them; these tests check only the
results)."""

from __future__ import annotations

import base64
import datetime
import re
import subprocess
import sys
from pathlib import Path

import ibis

from caremode.evaluation import arrow
from caremode.evaluation.report import _svg, chart_image

ROOT = Path(__file__).resolve().parents[3]


def test_rows_fetched_without_arrow_are_the_rows_arrow_gives():
    con = ibis.duckdb.connect()
    con.raw_sql(
        "CREATE TABLE t AS SELECT * FROM (VALUES "
        "(1, 'a', DATE '2026-01-05', 1.5, true), (2, NULL, NULL, NULL, NULL), "
        "(NULL, 'c', DATE '2026-02-28', -0.25, false)) v(n, s, d, f, b)"
    )
    t = con.table("t")
    expr = t.group_by("s").aggregate(
        total=t.n.sum(),  # a HUGEINT in DuckDB, int64 to Ibis
        people=t.count(),
        mean=t.f.mean(),
        any_b=t.b.any(),
        first=t.d.min(),
        text=t.s.max(),
    )
    fetched = sorted(arrow.rows(expr), key=lambda r: str(r["s"]))
    expected = sorted(arrow.table(expr).to_pylist(), key=lambda r: str(r["s"]))
    assert fetched == expected
    assert [[type(v) for v in r.values()] for r in fetched] == [
        [type(v) for v in r.values()] for r in expected
    ]
    assert {r["first"] for r in fetched} == {
        datetime.date(2026, 1, 5),
        None,
        datetime.date(2026, 2, 28),
    }
    assert arrow.scalar(t.n.sum()) == 3
    # A type the plain rows do not cover is fetched through Arrow, as before.
    stamped = t.mutate(at=t.d.cast("timestamp")).select("at").order_by("at")
    assert [r["at"] for r in arrow.rows(stamped)][:2] == [
        datetime.datetime(2026, 1, 5),
        datetime.datetime(2026, 2, 28),
    ]


def test_a_chart_goes_to_the_pdf_as_an_image_of_the_same_svg_named_by_its_title():
    spec = {
        "data": {"values": [{"x": 1}]},
        "mark": "point",
        "encoding": {"x": {"field": "x", "type": "quantitative"}},
    }
    svg = _svg(spec, 'Did not attend, by "group" & mode')
    image = str(chart_image(svg))
    data = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', image)
    assert data and base64.b64decode(data.group(1)).decode("utf-8") == svg
    assert 'alt="Did not attend, by &#34;group&#34; &amp; mode"' in image


def test_the_report_is_drawn_without_loading_the_engine_that_counted():
    """The report process imports the report alone: no Ibis, DuckDB or pyarrow."""
    script = (
        "import os, sys; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings');"
        "import caremode.evaluation.report;"
        "print('LOADED', [m for m in ('ibis', 'duckdb', 'pyarrow') if m in sys.modules])"
    )
    done = subprocess.run(  # noqa: S603 - the arguments are this module's own literals
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "LOADED []" in done.stdout, done.stdout + done.stderr
