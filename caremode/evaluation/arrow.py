"""Results of Ibis expressions fetched as Arrow, without loading pandas.

Ibis's own `to_pyarrow` on DuckDB goes through a converter module that imports pandas (about
0.9 s of a 100-row run's start-up, `benchmarks/evaluate_speed.py`), and its record-batch
reader calls a cursor method DuckDB 2 no longer has. So on DuckDB the expression's relation
(Ibis's, with its in-memory tables registered) is fetched as Arrow and cast to the
expression's schema, as Ibis's converter would type it. Other engines use `to_pyarrow`."""

from __future__ import annotations

from typing import Any

import ibis
import pyarrow as pa
from ibis.expr.types import Expr


def table(expr: Expr) -> pa.Table:
    """The expression's result as an Arrow table (a scalar as one row of one column)."""
    backend = ibis.get_backend(expr)
    if backend.name == "duckdb":
        schema = expr.as_table().schema().to_pyarrow()
        fetched = backend._to_duckdb_relation(expr).to_arrow_table()  # type: ignore[attr-defined]
        return fetched.cast(schema)
    result = expr.to_pyarrow()
    return result if isinstance(result, pa.Table) else pa.table({"value": [result.as_py()]})


def rows(expr: Expr) -> list[dict[str, Any]]:
    """The expression's rows as dicts of Python values."""
    return table(expr).to_pylist()


def scalar(expr: Expr) -> Any:
    """A scalar expression's value as a Python value."""
    return table(expr).column(0)[0].as_py()
