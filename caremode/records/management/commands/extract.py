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
from caremode.records.selectors import EXTRACT_COLUMNS, iter_pseudonymised_contacts


class Command(BaseCommand):
    help = (
        "Write a pseudonymised, MHSDS-shaped CSV of every settled contact (missed and cancelled "
        "included) for analysis: no names, NHS numbers, dates of birth or postcodes; restricted "
        "records left out. Audited as an export."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, type=Path)
        parser.add_argument("--since", type=dt.date.fromisoformat, help="YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["out"]
        if out.exists():
            raise CommandError(f"{out} already exists; choose a new file name.")
        if not out.parent.is_dir():
            raise CommandError(f"{out.parent} is not a folder.")
        partial = out.with_suffix(out.suffix + ".partial")
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
            record_event(
                actor=None,
                action=AuditAction.EXPORT,
                object_type="pseudonymised extract",
                object_id=out.name,
                detail={"rows": rows, "since": str(options["since"] or "")},
            )
        partial.rename(out)
        self.stdout.write(f"Wrote {rows:,} contacts to {out}.")
