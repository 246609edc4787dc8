"""The evaluation over CareMode's own contacts, for the analysts' and managers' dashboard."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import ibis
import pyarrow as pa
from ibis.expr.types import Table

from caremode.core.presenters import mode_label
from caremode.evaluation.inputs import OPTIONAL, REQUIRED
from caremode.evaluation.measures import (
    DIMENSIONS,
    FIELDS,
    INTERSECTION_NAMES,
    MODE_ORDER,
    Options,
    compute_measures,
    count_all,
    count_declined,
    merge_counts,
    standardise,
)
from caremode.evaluation.report import (
    DIMENSION_WORDS,
    MEASURE_LABELS,
    dimension_rows,
    findings,
    rate_chart,
    summary,
)


def _table(columns: list[str], data: list[list[str]]) -> Table:
    """MHSDS-shaped rows as a table of strings, with every column the measures read."""
    table_data: dict[str, list[str | None]] = {
        name: [row[i] for row in data] for i, name in enumerate(columns)
    }
    for name in (*REQUIRED, *OPTIONAL):
        table_data.setdefault(name, [None] * len(data))
    return ibis.memtable(
        pa.table({k: pa.array(v, type=pa.string()) for k, v in table_data.items()})
    )


def evaluate_rows(
    columns: list[str],
    rows: Iterable[list[str]],
    preference_columns: list[str] | None = None,
    preferences: Iterable[list[str]] = (),
) -> dict[str, Any]:
    """Measures (suppressed) and findings from MHSDS-shaped rows, counted by DuckDB; with the
    current mode preferences, declined remote modes by group too."""
    data = list(rows)
    if not data:
        return {
            "contacts": 0,
            "findings": [],
            "summary": [],
            "flagged": [],
            "overall": [],
            "measures": [],
        }
    counts = count_all(standardise(_table(columns, data)))
    stated = list(preferences)
    if stated and preference_columns:
        counts = merge_counts(
            counts, count_declined(standardise(_table(preference_columns, stated)))
        )
    measures = compute_measures(counts, Options(suppress=True))
    return {
        "contacts": len(data),
        "findings": findings(measures),
        "summary": [f for f in summary(measures) if "text" in f],
        "measures": measures,
        "flagged": [m for m in measures if m["flag"] in ("higher", "lower")],
        "overall": [m for m in measures if m["dimension"] == "overall" and m["mode"] != "all"],
    }


@dataclass(frozen=True)
class Selection:
    """The dashboard's filters, each checked against what can be shown (an unknown value falls
    back to the default, so a hand-edited address never fails)."""

    measure: str = "dna_rate"
    mode: str = "all"
    dimension: str = "ethnicity"

    @classmethod
    def from_query(cls, query: dict[str, str], measures: Sequence[dict[str, Any]]) -> Selection:
        choices = dashboard_choices(measures)
        picked = {}
        for name in ("measure", "mode", "dimension"):
            value = query.get(name, "")
            if value in dict(choices[name]):
                picked[name] = value
        return cls(**picked)


def dashboard_choices(measures: Sequence[dict[str, Any]]) -> dict[str, list[tuple[str, str]]]:
    """The measures, modes and dimensions there are rows for, as (value, label)."""
    present_measures = {m["measure"] for m in measures}
    present_modes = {m["mode"] for m in measures}
    present_dimensions = {m["dimension"] for m in measures}
    return {
        "measure": [(k, v) for k, v in MEASURE_LABELS.items() if k in present_measures]
        or [("dna_rate", MEASURE_LABELS["dna_rate"])],
        "mode": [("all", "All modes")]
        + [(m, mode_label(m)) for m in MODE_ORDER if m in present_modes],
        "dimension": [
            (d, DIMENSION_WORDS[d].capitalize())
            for d in (*DIMENSIONS, *INTERSECTION_NAMES)
            if d in present_dimensions
        ]
        or [("ethnicity", DIMENSION_WORDS["ethnicity"].capitalize())],
    }


def dashboard(result: dict[str, Any], selection: Selection) -> dict[str, Any]:
    """The rows, chart and reference group of one selection of the dashboard."""
    measures = result.get("measures", [])
    rows = dimension_rows(measures, selection.dimension, selection.measure, selection.mode)
    title = f"{MEASURE_LABELS[selection.measure]}, by {DIMENSION_WORDS[selection.dimension]}" + (
        "" if selection.mode == "all" else f", {mode_label(selection.mode).lower()} contacts"
    )
    return {
        "title": title,
        "rows": rows,
        "chart": rate_chart(rows, selection.measure, title) if rows else None,
        "reference": rows[0]["reference_group"] if rows else None,
        "choices": dashboard_choices(measures),
    }


def measures_csv(rows: Sequence[dict[str, Any]]) -> str:
    """Measure rows as measures.csv writes them (intervals as JSON lists)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(FIELDS), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: json.dumps(v) if isinstance(v, list) else v for k, v in row.items()})
    return buffer.getvalue()
