from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.records.selectors import (
    EXTRACT_COLUMNS,
    SERVICE_CHANGE_COLUMNS,
    iter_pseudonymised_contacts,
    iter_service_changes,
)


class Command(BaseCommand):
    help = (
        "Write a pseudonymised, MHSDS-shaped CSV of every settled contact (missed and cancelled "
        "included) for analysis: no names, NHS numbers, dates of birth or postcodes; restricted "
        "records left out. Audited as an export."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, type=Path)
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
        changes: Path | None = options["changes"]
        for path in (out, changes) if changes else (out,):
            if path.exists():
                raise CommandError(f"{path} already exists; choose a new file name.")
            if not path.parent.is_dir():
                raise CommandError(f"{path.parent} is not a folder.")
        partial = out.with_suffix(out.suffix + ".partial")
        changes_partial = changes.with_suffix(changes.suffix + ".partial") if changes else None
        changed = 0
        rows = 0
        with transaction.atomic():
            with partial.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(EXTRACT_COLUMNS)
                for row in iter_pseudonymised_contacts(
                    key=settings.EXTRACT_PSEUDONYM_KEY, since=options["since"]
                ):
                    writer.writerow(row)
                    rows += 1
            if changes_partial:
                with changes_partial.open("w", newline="", encoding="utf-8") as handle:
                    writer = csv.writer(handle)
                    writer.writerow(SERVICE_CHANGE_COLUMNS)
                    for row in iter_service_changes():
                        writer.writerow(row)
                        changed += 1
            record_event(
                actor=None,
                action=AuditAction.EXPORT,
                object_type="pseudonymised extract",
                object_id=out.name,
                detail={
                    "rows": rows,
                    "since": str(options["since"] or ""),
                    "service_changes": changed if changes else None,
                },
            )
        partial.rename(out)
        if changes and changes_partial:
            changes_partial.rename(changes)
        self.stdout.write(f"Wrote {rows:,} contacts to {out}.")
        if changes:
            self.stdout.write(f"Wrote {changed:,} service changes to {changes}.")
