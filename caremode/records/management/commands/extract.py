from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.core.codes import SERVICE_CHANGE_COLUMNS
from caremode.records.selectors import (
    EXTRACT_COLUMNS,
    OUTCOME_COLUMNS,
    iter_pseudonymised_contacts,
    iter_pseudonymised_scores,
    iter_service_changes,
)


def _check_target(out: Path) -> None:
    if out.exists():
        raise CommandError(f"{out} already exists; choose a new file name.")
    if not out.parent.is_dir():
        raise CommandError(f"{out.parent} is not a folder.")


def _partial(out: Path) -> Path:
    return out.with_suffix(out.suffix + ".partial")


def _write_csv(path: Path, columns: Sequence[str], rows: Iterable[list[str]]) -> int:
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def _write_outcomes(outcomes: Path, *, since: dt.date | None) -> int:
    """The outcomes file (`--outcomes`): one row per complete, scored assessment, written to a
    `.partial` file that is renamed into place only with the contacts file."""
    return _write_csv(
        _partial(outcomes),
        OUTCOME_COLUMNS,
        iter_pseudonymised_scores(key=settings.EXTRACT_PSEUDONYM_KEY, since=since),
    )


class Command(BaseCommand):
    help = (
        "Write a pseudonymised, MHSDS-shaped CSV of every settled contact (missed and cancelled "
        "included) for analysis: no names, NHS numbers, dates of birth or postcodes; restricted "
        "records left out. With --outcomes, also one row per scored assessment (PHQ-9, GAD-7, "
        "DIALOG) under the same pseudonyms; with --changes, the recorded service changes. Every "
        "file is written in full or not at all. Audited as an export."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, type=Path)
        parser.add_argument(
            "--outcomes",
            type=Path,
            help="Also write the scores: Person_ID, AssessmentDate, Measure, Score, "
            "UniqCareContID, Source (complete assessments only).",
        )
        parser.add_argument("--since", type=dt.date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument(
            "--changes",
            type=Path,
            help=(
                "Also write the recorded service changes to this CSV (ServiceChangeID, Service, "
                "ChangeDate, Summary, ModesBefore, ModesAfter), for `caremode evaluate --changes`."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["out"]
        outcomes: Path | None = options["outcomes"]
        changes: Path | None = options["changes"]
        since: dt.date | None = options["since"]
        _check_target(out)
        targets = {"--out": out.resolve()}
        for flag, path in (("--outcomes", outcomes), ("--changes", changes)):
            if path is None:
                continue
            _check_target(path)
            if path.resolve() in targets.values():
                raise CommandError(f"{flag} must be a different file from the others.")
            targets[flag] = path.resolve()
        written: list[Path] = []
        try:
            with transaction.atomic():
                written.append(_partial(out))
                rows = _write_csv(
                    _partial(out),
                    EXTRACT_COLUMNS,
                    iter_pseudonymised_contacts(key=settings.EXTRACT_PSEUDONYM_KEY, since=since),
                )
                scores = None
                if outcomes is not None:
                    written.append(_partial(outcomes))
                    scores = _write_outcomes(outcomes, since=since)
                changed = None
                if changes is not None:
                    written.append(_partial(changes))
                    changed = _write_csv(
                        _partial(changes), SERVICE_CHANGE_COLUMNS, iter_service_changes()
                    )
                record_event(
                    actor=None,
                    action=AuditAction.EXPORT,
                    object_type="pseudonymised extract",
                    object_id=out.name,
                    detail={
                        "rows": rows,
                        "since": str(since or ""),
                        "outcomes": outcomes.name if outcomes is not None else "",
                        "outcome_rows": scores,
                        "service_changes": changed,
                    },
                )
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            raise
        # Every file is complete: only now do they take their names.
        _partial(out).rename(out)
        if outcomes is not None:
            _partial(outcomes).rename(outcomes)
        if changes is not None:
            _partial(changes).rename(changes)
        self.stdout.write(f"Wrote {rows:,} contacts to {out}.")
        if outcomes is not None:
            self.stdout.write(f"Wrote {scores:,} scored assessments to {outcomes}.")
        if changes is not None:
            self.stdout.write(f"Wrote {changed:,} service changes to {changes}.")
