"""caremode fhir_import FILE --user USERNAME [--team TEAM] [--json]: a record system's FHIR
transaction or collection Bundle, or NDJSON, into CareMode; prints what became of each entry."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.table import Table

from caremode.core.errors import DomainError
from caremode.interop.importer import ImportReport, check_importer, check_team, import_source
from caremode.interop.imports import ImportInputError, read_source


class Command(BaseCommand):
    help = (
        "Import Patients (matched by NHS number: updated, never duplicated), Practitioners "
        "(matched by CareMode username), carers with the person's Consent, and booked "
        "Appointments (through the booking rules) from a FHIR R4 transaction or collection "
        "Bundle, or NDJSON (one resource a line). One database transaction: a file that cannot "
        "be imported writes nothing. Prints created, updated, unchanged and skipped entries "
        "with reasons, unknown extensions by URL, codes that could not be mapped, and what the "
        "team must record (a new person's area, urban or rural, is never in FHIR)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="A Bundle (.json) or NDJSON (.ndjson).")
        parser.add_argument(
            "--user",
            required=True,
            metavar="USERNAME",
            help="Who runs the import (an active administrator), named in the audit log.",
        )
        parser.add_argument(
            "--team",
            metavar="TEAM",
            help="The team new people join (its name or number); needed when the file adds people.",
        )
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from error
        try:
            actor = check_importer(options["user"])
            team = check_team(options["team"]) if options["team"] else None
            report = import_source(
                source=read_source(text),
                team=team,
                actor=actor,
                system=f"fhir_import {path.name}",
            )
        except (ImportInputError, DomainError) as error:
            raise CommandError(f"Nothing was imported. {error}") from error
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json(), indent=2, default=str))
            return
        self._print(report, path)

    def _print(self, report: ImportReport, path: Path) -> None:
        out = io.StringIO()
        console = Console(file=out, width=120, highlight=False)
        counts = report.counts()
        console.print(
            f"Imported {path.name} ({report.kind}): "
            + ", ".join(f"{n} {action}" for action, n in counts.items())
            + "."
        )
        table = Table("Entry", "Resource", "Outcome", "CareMode record", "Reason")
        for o in report.outcomes:
            table.add_row(o.where, o.resource, o.action, o.location, o.reason)
        console.print(table)
        if report.unknown_extensions:
            extensions = Table("Unknown extension (kept out)", "Count", title=None)
            for url, n in sorted(report.unknown_extensions.items()):
                extensions.add_row(url, str(n))
            console.print(extensions)
        if report.unmapped:
            unmapped = Table("Entry", "Resource", "Element", "Value", "Not mapped")
            for u in report.unmapped:
                unmapped.add_row(u.where, u.resource, u.expression, u.value, u.note)
            console.print(unmapped)
        if report.to_complete:
            todo = Table("Entry", "CareMode record", "For the team to record")
            for where, record, what in report.to_complete:
                todo.add_row(where, record, what)
            console.print(todo)
        self.stdout.write(out.getvalue(), ending="")
