"""The evaluation over CareMode's own contacts, for the analysts' and managers' dashboard."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import ibis
import pyarrow as pa

from caremode.evaluation.inputs import OPTIONAL, REQUIRED
from caremode.evaluation.measures import Options, compute_measures, count_all, standardise
from caremode.evaluation.report import findings


def evaluate_rows(columns: list[str], rows: Iterable[list[str]]) -> dict[str, Any]:
    """Measures (suppressed) and findings from MHSDS-shaped rows, counted by DuckDB."""
    data = list(rows)
    if not data:
        return {"contacts": 0, "findings": [], "flagged": [], "overall": []}
    table_data: dict[str, list[str | None]] = {
        name: [row[i] for row in data] for i, name in enumerate(columns)
    }
    for name in (*REQUIRED, *OPTIONAL):
        table_data.setdefault(name, [None] * len(data))
    table = ibis.memtable(
        pa.table({k: pa.array(v, type=pa.string()) for k, v in table_data.items()})
    )
    measures = compute_measures(count_all(standardise(table)), Options(suppress=True))
    return {
        "contacts": len(data),
        "findings": findings(measures),
        "flagged": [m for m in measures if m["flag"] in ("higher", "lower")],
        "overall": [m for m in measures if m["dimension"] == "overall" and m["mode"] != "all"],
    }
