"""Where the measures are counted. The expressions are the same; only the connection changes.

- duckdb (default): in-process, reads CSV/Parquet directly.
- postgres: the checked extract is loaded into a temporary table on the PostgreSQL server named
  by DATABASE_URL, and the same Ibis expressions run there.
- spark: Spark reads the extract itself (CSV, Parquet, or a Delta table where the session has
  Delta Lake, as Databricks does), checks and counts it with the same expressions, and only the
  counted results come back to the driver (a local session unless SPARK_MASTER names a cluster,
  or the session that `spark-submit` or a Databricks job already started; docs/spark.md).

DuckDB and PostgreSQL check the rows in DuckDB first; Spark checks them itself. Every engine
counts the same rows.
"""

from __future__ import annotations

import os
import shutil
import uuid
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import ibis
from ibis.expr.types import Table

from caremode.evaluation import arrow

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
    # PySpark's notice about pandas 3 is about pandas-on-Spark, which CareMode does not use.
    warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
    active = SparkSession.getActiveSession()
    if active is not None:  # spark-submit or a Databricks job: use its session and its cluster
        return ibis.pyspark.connect(session=active)
    builder = SparkSession.builder.appName("caremode-evaluate")
    # Under spark-submit the JVM is already started with its --master: keep it.
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ
    if master := os.environ.get("SPARK_MASTER", "" if submitted else "local[*]"):
        builder = builder.master(master)
    session = (
        builder.config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        # The grouped counts are small; a handful of partitions suits a local session.
        .config("spark.sql.shuffle.partitions", os.environ.get("SPARK_SHUFFLE_PARTITIONS", "4"))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return ibis.pyspark.connect(session=session)


def read_on_spark(con: ibis.BaseBackend, path: Path | str, kind: str, row: str) -> Table:
    """The file read by Spark as a table of strings, with its row number in `row`: the line for
    CSV (the header is line 1), the record from 1 for Parquet. A Delta table has no file order:
    its rows are numbered in Spark's reading order. Nothing is collected but one row per split
    of a CSV file (its first record's position), to number the lines."""
    from pyspark.sql import functions as F

    session = con._session  # type: ignore[attr-defined]
    location = str(path)
    if kind == "csv":
        # Every column as a string (no inference), as DuckDB reads it, so codes keep their zeros.
        frame = session.read.options(header=True, inferSchema=False, encoding="UTF-8").csv(location)
        frame = frame.select(
            "*",
            F.col("_metadata.file_path").alias("_file"),
            F.col("_metadata.file_block_start").alias("_start"),
            F.monotonically_increasing_id().alias("_id"),
        )
        # Splits are read in order within themselves; a split's first line is the number of
        # lines in the splits before it in the same file.
        splits = (
            frame.groupBy("_file", "_start")
            .agg(F.min("_id").alias("first"), F.count(F.lit(1)).alias("n"))
            .collect()
        )
        number = None
        before: dict[str, int] = {}
        for split in sorted(splits, key=lambda s: (s["_file"], s["_start"])):
            offset = before.get(split["_file"], 0)
            before[split["_file"]] = offset + split["n"]
            here = (F.col("_file") == split["_file"]) & (F.col("_start") == split["_start"])
            value = F.col("_id") - F.lit(split["first"]) + F.lit(offset + 2)
            number = F.when(here, value) if number is None else number.when(here, value)
        numbered = frame.withColumn(row, number if number is not None else F.lit(None))
        frame = numbered.drop("_file", "_start", "_id")
    else:
        if kind == "parquet":
            frame = session.read.parquet(location)
            position = F.col("_metadata.row_index") + F.lit(1)
        else:
            frame = _read_delta(session, location)
            position = F.monotonically_increasing_id() + F.lit(1)
        frame = frame.select(
            *[
                F.col(f"`{name}`").cast("string").alias(name)
                if dtype != "string"
                else F.col(f"`{name}`")
                for name, dtype in frame.dtypes
            ],
            position.cast("long").alias(row),
        )
    view = f"caremode_input_{uuid.uuid4().hex[:12]}"
    frame.createOrReplaceTempView(view)
    return con.table(view)


def _no_data_source(error: Exception) -> bool:
    """Whether Spark failed because the session lacks the Delta data source (Spark 4 names it
    DATA_SOURCE_NOT_FOUND; the JVM may instead throw ClassNotFoundException for it)."""
    text = f"{error} {getattr(error, 'java_exception', '')}"
    return "DATA_SOURCE_NOT_FOUND" in text or (
        "ClassNotFoundException" in text and "delta" in text.lower()
    )


def _read_delta(session: Any, location: str) -> Any:
    """The Delta table at `location`, or an InputError saying how to give the session Delta
    Lake (Databricks runtimes have it; elsewhere it is a package Spark fetches at start-up,
    which CareMode does not do for you: docs/spark.md)."""
    from caremode.evaluation.inputs import InputError

    try:
        return session.read.format("delta").load(location)
    except Exception as error:  # py4j's Java error, or PySpark's AnalysisException
        if not _no_data_source(error):
            raise
        raise InputError(
            f"{location} is a Delta table, and this Spark session has no Delta Lake. Run on a "
            "Databricks runtime, or start Spark with io.delta:delta-spark_2.13 in "
            "spark.jars.packages (docs/spark.md); or give the extract as CSV or Parquet."
        ) from None


@contextmanager
def counted_on(name: str, table: Table, source: ibis.BaseBackend) -> Iterator[Table]:
    """The checked `table` (on `source`) as a table on the engine called `name`."""
    with counted_together(name, [table], source) as (moved,):
        yield moved


@contextmanager
def counted_together(
    name: str, tables: Sequence[Table], source: ibis.BaseBackend
) -> Iterator[list[Table]]:
    """Several checked tables (the contacts, the outcome scores) on one connection of the engine
    called `name`, so that expressions may join them: themselves on DuckDB, and on Spark when
    Spark read and checked them; copied to temporary tables on PostgreSQL."""
    if name == "duckdb" or (name == "spark" and source.name == "pyspark"):
        yield list(tables)
    elif name == "postgres":
        target = connect_postgres()
        try:
            yield [
                target.create_table(
                    f"caremode_eval_{uuid.uuid4().hex[:12]}", obj=arrow.table(t), temp=True
                )
                for t in tables
            ]
        finally:
            target.disconnect()
    elif name == "spark":
        raise BackendError(
            "Spark reads and checks the extract itself: open it with "
            "read_extract(path, con=connect_spark())."
        )
    else:
        raise BackendError(f"Unknown backend {name!r}: choose one of {', '.join(BACKENDS)}.")
