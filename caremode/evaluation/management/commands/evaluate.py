from __future__ import annotations

import csv
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import ibis
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from caremode.evaluation.adjusted import adjusted_comparisons
from caremode.evaluation.backends import BACKENDS, BackendError, counted_together
from caremode.evaluation.comparisons import dialog_changes, references, with_mode_dimension
from caremode.evaluation.inputs import ROW, InputError, read_extract
from caremode.evaluation.measures import (
    Options,
    compute_measures,
    count_all,
    standardise,
)
from caremode.evaluation.outcomes import evaluate_outcomes
from caremode.evaluation.report import render
from caremode.evaluation.scores import read_scores
from caremode.evaluation.service_changes import evaluate_changes, read_changes

COLUMNS = [
    "dimension",
    "group",
    "mode",
    "measure",
    "numerator",
    "denominator",
    "value",
    "ci95",
    "ci998",
    "reference_group",
    "ratio",
    "ratio_ci95",
    "ratio_ci998",
    "flag",
]


class Command(BaseCommand):
    help = (
        "Equity measures over all offered contacts in an MHSDS-shaped extract (CSV or Parquet): "
        "rates by mode and group with Wilson intervals, ratios to the largest group with Katz "
        "intervals, flags, small-number suppression. Writes DIR/measures.csv and "
        "DIR/results.json, or nothing if the input has problems."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("input", type=Path)
        parser.add_argument("--out", required=True, type=Path)
        parser.add_argument(
            "--no-suppress",
            action="store_true",
            help="Show small numbers (internal use only; never publish).",
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Leave out rows with problems, and report them.",
        )
        parser.add_argument(
            "--backend",
            choices=BACKENDS,
            default="duckdb",
            help=(
                "Where to count: in-process DuckDB (default), PostgreSQL (DATABASE_URL) or "
                "Spark (a local session, or SPARK_MASTER)."
            ),
        )
        parser.add_argument(
            "--outcomes",
            type=Path,
            help=(
                "Outcome scores (CSV or Parquet: Person_ID, AssessmentDate, Measure, Score, as "
                "`caremode extract --outcomes` writes): recovery and reliable change by mode."
            ),
        )
        parser.add_argument(
            "--changes",
            type=Path,
            help=(
                "Service changes (service_changes.csv, which `caremode extract` writes beside "
                "the contacts): each measure by week before and after, with segmented regression."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["out"]
        console = Console(stderr=True)
        con = ibis.duckdb.connect()
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("Checking the extract")
            try:
                checked = read_extract(
                    options["input"], con=con, skip_invalid=options["skip_invalid"]
                )
            except InputError as error:
                raise CommandError(str(error)) from error
            try:
                scores = (
                    read_scores(options["outcomes"], con=con, skip_invalid=options["skip_invalid"])
                    if options["outcomes"]
                    else None
                )
                changes = read_changes(options["changes"]) if options["changes"] else []
            except InputError as error:
                raise CommandError(str(error)) from error
            progress.update(task, description=f"Counting {checked.rows:,} offered contacts")
            suppress = not options["no_suppress"]
            tables = [checked.table.drop(ROW)] + ([scores.table] if scores else [])
            try:
                with counted_together(options["backend"], tables, con) as moved:
                    contacts = standardise(moved[0])
                    counts = count_all(contacts)
                    extra = evaluate_outcomes(moved[1], contacts, counts) if scores else {}
                    counts = extra.pop("counts", counts)
                    over_time = evaluate_changes(contacts, changes, suppress=suppress)
            except BackendError as error:
                raise CommandError(str(error)) from error
            progress.update(task, description="Intervals, ratios and flags")
            counts = with_mode_dimension(counts)
            measures = compute_measures(
                counts, Options(suppress=suppress, reference=references(None))
            )
        staging = Path(tempfile.mkdtemp(prefix="evaluate-"))
        with (staging / "measures.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            for row in measures:
                writer.writerow(
                    {k: json.dumps(v) if isinstance(v, list) else v for k, v in row.items()}
                )
        results = {
            "input": str(options["input"]),
            "contacts": checked.rows,
            "suppressed": not options["no_suppress"],
            "warnings": checked.warnings,
            "skipped": checked.skipped + (scores.skipped if scores else []),
            "measures": measures,
        }
        if scores:
            results["scores"] = scores.rows
            results["dialog"] = dialog_changes(counts, suppress=suppress)
            results["adjusted"] = adjusted_comparisons(extra["courses"])
        if options["changes"]:
            results["service_changes"] = over_time
        (staging / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
        render(results, counts, staging)
        out.mkdir(parents=True, exist_ok=True)
        for name in ("measures.csv", "results.json", "report.html", "report.pdf"):
            shutil.move(staging / name, out / name)
        shutil.rmtree(staging, ignore_errors=True)
        for warning in checked.warnings:
            self.stderr.write(f"Warning: {warning}")
        for skipped in checked.skipped:
            self.stderr.write(f"Skipped: {skipped}")
        flagged = sum(m["flag"] in ("higher", "lower") for m in measures)
        self.stdout.write(
            f"{checked.rows:,} contacts; {len(measures):,} measures, {flagged} "
            f"flagged; written to {out}."
        )
