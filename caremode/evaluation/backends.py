"""Where the measures are counted. The expressions are the same; only the connection changes.

- duckdb (default): in-process, reads CSV/Parquet directly.
- postgres: the checked extract is loaded into a temporary table on the PostgreSQL server named
  by DATABASE_URL, and the same Ibis expressions run there.
- spark: the checked extract is written as Parquet and read by Spark (a local session unless
  SPARK_MASTER names a cluster), for extracts that outgrow one machine.

The checks always run in DuckDB first, so every engine counts the same rows.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import ibis
from ibis.expr.types import Table

BACKENDS = ("duckdb", "postgres", "spark")


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


def connect_spark() -> ibis.BaseBackend:
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:  # pragma: no cover - pyspark is a declared dependency
        raise BackendError("--backend spark needs pyspark installed.") from error
    if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
        raise BackendError("--backend spark needs Java 17 or later (java on PATH or JAVA_HOME).")
    master = os.environ.get("SPARK_MASTER", "local[*]")
    session = (
        SparkSession.builder.appName("caremode-evaluate")
        .master(master)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        # The grouped counts are small; a handful of partitions suits a local session.
        .config("spark.sql.shuffle.partitions", os.environ.get("SPARK_SHUFFLE_PARTITIONS", "4"))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return ibis.pyspark.connect(session=session)


@contextmanager
def counted_on(name: str, table: Table, source: ibis.BaseBackend) -> Iterator[Table]:
    """The checked `table` (on DuckDB, `source`) as a table on the engine called `name`."""
    with counted_together(name, [table], source) as (moved,):
        yield moved


@contextmanager
def counted_together(
    name: str, tables: Sequence[Table], source: ibis.BaseBackend
) -> Iterator[list[Table]]:
    """Several checked tables (the contacts, the outcome scores) on one connection of the engine
    called `name`, so that expressions may join them."""
    if name == "duckdb":
        yield list(tables)
    elif name == "postgres":
        target = connect_postgres()
        try:
            yield [
                target.create_table(
                    f"caremode_eval_{uuid.uuid4().hex[:12]}", obj=source.to_pyarrow(t), temp=True
                )
                for t in tables
            ]
        finally:
            target.disconnect()
    elif name == "spark":
        target = connect_spark()
        workdir = Path(tempfile.mkdtemp(prefix="caremode-spark-"))
        try:
            moved = []
            for i, t in enumerate(tables):
                path = workdir / f"extract-{i}.parquet"
                source.to_parquet(t, path)
                moved.append(target.read_parquet(str(path)))
            yield moved
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    else:
        raise BackendError(f"Unknown backend {name!r}: choose one of {', '.join(BACKENDS)}.")
