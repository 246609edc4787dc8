"""Results of Ibis expressions as Python values, without loading pandas (nor, on DuckDB,
pyarrow).

Ibis's own `to_pyarrow` on DuckDB goes through a converter module that imports pandas (about
0.9 s of a 100-row run's start-up, `benchmarks/evaluate_speed.py`), and its record-batch
reader calls a cursor method DuckDB 2 no longer has. So on DuckDB the expression's relation
(Ibis's, with its in-memory tables registered) is fetched directly: as Python rows, typed as
the expression's schema says, when every column is of a plain type (whole numbers, floats,
booleans, text, dates), which is what the measures fetch; otherwise as Arrow, cast to the
expression's schema as Ibis's converter would type it. Fetching rows without Arrow keeps
pyarrow and numpy (about 0.2 s of imports) out of `--only results`. Other engines use
`to_pyarrow`."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ibis
from ibis.expr.types import Expr

if TYPE_CHECKING:
    import pyarrow as pa
    from ibis.expr.datatypes import DataType


def table(expr: Expr) -> pa.Table:
    """The expression's result as an Arrow table (a scalar as one row of one column)."""
    import pyarrow as pa

    backend = ibis.get_backend(expr)
    if backend.name == "duckdb":
        schema = expr.as_table().schema().to_pyarrow()
        fetched = backend._to_duckdb_relation(expr).to_arrow_table()  # type: ignore[attr-defined]
        return fetched.cast(schema)
    result = expr.to_pyarrow()
    return result if isinstance(result, pa.Table) else pa.table({"value": [result.as_py()]})


def _date(value: Any) -> datetime.date:
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise TypeError(f"expected a date from DuckDB, got {value!r}")
    return value


def _plain(dtype: DataType) -> Callable[[Any], Any] | None:
    """How a DuckDB value of the Ibis type `dtype` becomes the Python value Arrow's `to_pylist`
    gives for it; None for a type fetched through Arrow instead."""
    if dtype.is_integer():
        return int
    if dtype.is_floating():
        return float
    if dtype.is_boolean():
        return bool
    if dtype.is_string():
        return str
    if dtype.is_date():
        return _date
    return None


def rows(expr: Expr) -> list[dict[str, Any]]:
    """The expression's rows as dicts of Python values."""
    backend = ibis.get_backend(expr)
    if backend.name == "duckdb":
        schema = expr.as_table().schema()
        converters = [_plain(dtype) for dtype in schema.types]
        if all(converters):
            relation = backend._to_duckdb_relation(expr)  # type: ignore[attr-defined]
            names = list(schema.names)
            if list(relation.columns) != names:
                raise RuntimeError(f"DuckDB returned {relation.columns}, expected {names}")
            return [
                {
                    name: None if value is None else convert(value)  # type: ignore[misc]
                    for name, convert, value in zip(names, converters, row, strict=True)
                }
                for row in relation.fetchall()
            ]
    return table(expr).to_pylist()


def scalar(expr: Expr) -> Any:
    """A scalar expression's value as a Python value."""
    (row,) = rows(expr.as_table())
    return next(iter(row.values()))
