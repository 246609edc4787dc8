from __future__ import annotations

import csv
import json
import os
import sys
from argparse import ArgumentTypeError
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ibis
from django.core.management.base import BaseCommand, CommandError, CommandParser

from caremode.evaluation.backends import BACKENDS, BackendError, connect_spark, counted_together
from caremode.evaluation.comparisons import MODE_DIMENSION, references, with_mode_dimension
from caremode.evaluation.inputs import ROW, InputError, read_extract
from caremode.evaluation.measures import (
    DIMENSIONS,
    FIELDS,
    INTERSECTION_NAMES,
    Options,
    compute_measures,
    count_all,
    standardise,
)
from caremode.evaluation.output import OutputError, check_out, staged

# The report (Altair, vl-convert, WeasyPrint) is imported only when it is drawn, the outcome
# models (statsmodels, scipy) only with --outcomes, and the readers of the other inputs (the
# MHSDS pair, scores, service changes, themes) only when they are given: `--only results` on
# an extract does not pay for loading them.
ONLY = {"results": ("measures.csv", "results.json")}

COLUMNS = list(FIELDS)


def _reference(value: str) -> tuple[str, str]:
    """`dimension=group`, as given to --reference."""
    dimension, sep, group = value.partition("=")
    if not sep or not dimension.strip() or not group.strip():
        raise ArgumentTypeError(f"expected DIMENSION=GROUP, for example ethnicity=White: {value!r}")
    return dimension.strip(), group.strip()


def _read_pair(pair: tuple[str, str], **kwargs: Any) -> Any:
    from caremode.evaluation.mhsds_pair import read_mhsds_pair

    return read_mhsds_pair(*pair, **kwargs)


def _read_others(options: dict[str, Any], con: Any) -> tuple[Any, list, list, list, int, list]:
    """The optional inputs, each read (and its reader imported) only when it is given:
    (scores or None, service changes, their skipped rows, theme rows, their count, skipped)."""
    skip = options["skip_invalid"]
    scores = None
    changes: tuple[list, list] = ([], [])
    themes: tuple[list, int, list] = ([], 0, [])
    if options["outcomes"]:
        from caremode.evaluation.scores import read_scores

        scores = read_scores(options["outcomes"], con=con, skip_invalid=skip)
    if options["changes"]:
        from caremode.evaluation.service_changes import read_changes

        changes = read_changes(options["changes"], skip_invalid=skip)
    if options["themes"]:
        from caremode.evaluation.themes import read_themes

        themes = read_themes(options["themes"], skip_invalid=skip)
    return (scores, *changes, *themes)


def _outcomes(*args: Any) -> dict[str, Any]:
    from caremode.evaluation.outcomes import evaluate_outcomes

    return evaluate_outcomes(*args)


def _changes(contacts: Any, changes: list, *, suppress: bool) -> list[dict[str, Any]]:
    if not changes:
        return []
    from caremode.evaluation.service_changes import evaluate_changes

    return evaluate_changes(contacts, changes, suppress=suppress)


@contextmanager
def _progress(first: str) -> Iterator[Callable[[str], None]]:
    """A spinner with the step under way, on a terminal; elsewhere (a pipe, a log file, a
    scheduled job) rich shows nothing, so its console and progress are not even imported (about
    40 ms)."""
    if not (sys.stderr.isatty() or os.environ.get("FORCE_COLOR")):
        yield lambda _description: None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task(first)
        yield lambda description: progress.update(task, description=description)


class Command(BaseCommand):
    help = (
        "Equity measures over all offered contacts in an MHSDS-shaped extract (CSV or Parquet), "
        "or in the MHSDS v6 pair MHS201CareContact + MHS001MPI (--mhs201, --mhs001): "
        "rates by mode and group with Wilson intervals, ratios to the reference group (the "
        "largest, or --reference) with score intervals allowing for contacts clustered within "
        "people, flags with the false discovery rate controlled, small-number suppression; "
        "with --outcomes, recovery and reliable change by mode and adjusted comparisons; with "
        "--changes, each measure by week around each service change. Writes DIR/measures.csv "
        "and DIR/results.json and the report, or nothing if the input "
        "has problems."
    )
    # It reads a file and writes a folder; the database and the project's checks play no part.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "input",
            nargs="?",
            help="The flat extract (`caremode extract`): a .csv or .parquet file; with --backend "
            "spark also a Delta table, or a location the cluster reads (s3://…, abfss://…, "
            "dbfs:/…). Leave it out to give the MHSDS pair instead (--mhs201 with --mhs001).",
        )
        parser.add_argument(
            "--mhs201",
            metavar="MHS201CareContact.csv",
            help="Instead of the flat extract: the MHSDS v6 care contact table (as `caremode "
            "mhsds_export` writes it), read with --mhs001 and joined on Person_ID.",
        )
        parser.add_argument(
            "--mhs001",
            metavar="MHS001MPI.csv",
            help="The MHSDS v6 master patient index that goes with --mhs201.",
        )
        parser.add_argument(
            "--out",
            required=True,
            type=Path,
            help="A new or empty folder; written in full or not at all.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace an --out folder that already holds files.",
        )
        parser.add_argument(
            "--only",
            choices=sorted(ONLY),
            help="Write only these files: results = measures.csv and results.json (no report).",
        )
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
            "--reference",
            type=_reference,
            action="append",
            default=[],
            metavar="DIMENSION=GROUP",
            help=(
                "The reference group of a dimension (repeatable), for example ethnicity=White or "
                "ethnicity_age_band='White / 25-34'; otherwise the largest group (for modes "
                "compared with each other, mode=face_to_face)."
            ),
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
            metavar="SCORES",
            help=(
                "Outcome scores (CSV or Parquet: Person_ID, AssessmentDate, Measure, Score, as "
                "`caremode extract --outcomes` writes; with --backend spark also a Delta table or "
                "a cluster location): recovery and reliable change by mode."
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

        parser.add_argument(
            "--themes",
            type=Path,
            help=(
                "What people said (CSV or Parquet: ExcerptRef, Month, Mode, Theme, and "
                "ThemeLabel, Evidence, Text, Source, as `caremode themes_export` writes): the "
                "themes of feedback per mode, counted and quoted beside the numbers."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["out"].absolute()
        pair = (options["mhs201"], options["mhs001"])
        if options["input"] and any(pair):
            raise CommandError(
                "Give either the flat extract (INPUT) or the MHSDS pair (--mhs201 and --mhs001), "
                "not both."
            )
        if not options["input"] and not all(pair):
            raise CommandError(
                "Name the contacts to evaluate: the flat extract (INPUT), or the MHSDS pair "
                "--mhs201 MHS201CareContact.csv together with --mhs001 MHS001MPI.csv."
                if not any(pair)
                else "--mhs201 and --mhs001 go together: give both tables of the MHSDS pair."
            )
        # Modes are compared with face to face unless --reference mode=… names another.
        reference = references(dict(options["reference"]))
        known = (*DIMENSIONS, *INTERSECTION_NAMES, MODE_DIMENSION)
        unknown = sorted(set(reference) - set(known))
        if unknown:
            raise CommandError(
                f"--reference: unknown dimension(s) {', '.join(unknown)}; expected one of "
                + ", ".join(known)
            )
        try:
            check_out(out, force=options["force"])
        except OutputError as error:
            raise CommandError(str(error)) from error
        try:
            # Spark reads and checks the extract itself; the others check it in DuckDB.
            con = connect_spark() if options["backend"] == "spark" else ibis.duckdb.connect()
        except BackendError as error:
            raise CommandError(str(error)) from error
        with _progress("Checking the extract") as step:
            try:
                checked = (
                    read_extract(options["input"], con=con, skip_invalid=options["skip_invalid"])
                    if options["input"]
                    else _read_pair(pair, con=con, skip_invalid=options["skip_invalid"])
                )
            except InputError as error:
                raise CommandError(str(error)) from error
            try:
                scores, changes, changes_skipped, theme_rows, theme_count, themes_skipped = (
                    _read_others(options, con)
                )
            except InputError as error:
                raise CommandError(str(error)) from error
            step(f"Counting {checked.rows:,} offered contacts")
            suppress = not options["no_suppress"]
            tables = [checked.table.drop(ROW)] + ([scores.table] if scores else [])
            try:
                with counted_together(options["backend"], tables, con) as moved:
                    contacts = standardise(moved[0])
                    counts = count_all(contacts, rows=checked.rows)
                    extra = _outcomes(moved[1], contacts, counts) if scores else {}
                    counts = extra.pop("counts", counts)
                    over_time = _changes(contacts, changes, suppress=suppress)
            except BackendError as error:
                raise CommandError(str(error)) from error
            step("Intervals, ratios and flags")
            counts = with_mode_dimension(counts)
            measures = compute_measures(counts, Options(suppress=suppress, reference=reference))
        results: dict[str, Any] = {
            "input": str(options["input"] or " + ".join(pair)),
            "contacts": checked.rows,
            "suppressed": suppress,
            "warnings": checked.warnings + (scores.warnings if scores else []),
            "skipped": checked.skipped
            + (scores.skipped if scores else [])
            + changes_skipped
            + themes_skipped,
            "measures": measures,
        }
        if scores:
            from caremode.evaluation.adjusted import adjusted_comparisons
            from caremode.evaluation.comparisons import dialog_changes

            results["scores"] = scores.rows
            results["dialog"] = dialog_changes(counts, suppress=suppress)
            results["adjusted"] = adjusted_comparisons(
                extra["courses"], reference_mode=reference[MODE_DIMENSION]
            )
        if options["changes"]:
            results["service_changes"] = over_time
        if options["themes"]:
            from caremode.evaluation.themes import what_people_said

            results["themes"] = {
                **what_people_said(theme_rows, suppress=suppress, source=str(options["themes"])),
                "rows": theme_count,
            }
        try:
            with staged(out, force=options["force"]) as staging:
                self._write(staging, results, counts, report=options["only"] is None)
        except OutputError as error:
            raise CommandError(str(error)) from error
        for warning in results["warnings"]:
            self.stderr.write(f"Warning: {warning}")
        for skipped in results["skipped"]:
            self.stderr.write(f"Skipped: {skipped}")
        flagged = sum(m["flag"] in ("higher", "lower") for m in measures)
        written = ", ".join(sorted(p.name for p in out.iterdir()))
        self.stdout.write(
            f"{checked.rows:,} contacts; {len(measures):,} measures, {flagged} "
            f"flagged; written to {out} ({written})."
        )

    def _write(
        self,
        folder: Path,
        results: dict[str, Any],
        counts: list[dict[str, Any]],
        *,
        report: bool,
    ) -> None:
        with (folder / "measures.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            for row in results["measures"]:
                writer.writerow(
                    {k: json.dumps(v) if isinstance(v, list) else v for k, v in row.items()}
                )
        (folder / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
        if report:
            from caremode.evaluation.report import render

            render(results, counts, folder)
