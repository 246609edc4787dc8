"""Where the measures are counted. The expressions are the same; only the connection changes.

- duckdb (default): in-process, reads CSV/Parquet directly.
- postgres: the checked extract is loaded into a temporary table on the PostgreSQL server named
  by DATABASE_URL, and the same Ibis expressions run there.
"""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlparse

import ibis
from ibis.expr.types import Table

BACKENDS = ("duckdb", "postgres")


class BackendError(Exception):
    pass


def connect_postgres(url: str | None = None) -> ibis.BaseBackend:
    url = url or os.environ.get("DATABASE_URL", "")
    parts = urlparse(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise BackendError(
            "--backend postgres needs DATABASE_URL to point at PostgreSQL, "
            "for example postgres://user@127.0.0.1:5432/caremode"
        )
    return ibis.postgres.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        database=(parts.path or "/").lstrip("/") or "postgres",
    )


def move_to(table: Table, source: ibis.BaseBackend, target: ibis.BaseBackend) -> Table:
    """Copy a (checked) table into a temporary table on `target` and return it there."""
    name = f"caremode_eval_{uuid.uuid4().hex[:12]}"
    return target.create_table(name, obj=source.to_pyarrow(table), temp=True)
