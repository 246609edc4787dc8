"""The evaluation over CareMode's own contacts, for the analysts' and managers' dashboard."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import ibis
import pyarrow as pa
from ibis.expr.types import Table

from caremode.evaluation.inputs import OPTIONAL, REQUIRED
from caremode.evaluation.measures import (
    Options,
    compute_measures,
    count_all,
    count_declined,
    merge_counts,
    standardise,
)
from caremode.evaluation.report import findings


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
        return {"contacts": 0, "findings": [], "flagged": [], "overall": []}
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
        "flagged": [m for m in measures if m["flag"] in ("higher", "lower")],
        "overall": [m for m in measures if m["dimension"] == "overall" and m["mode"] != "all"],
    }
