from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from caremode.core import mhsds
from caremode.core.errors import DomainError
from caremode.evaluation.output import OutputError, check_out
from caremode.interop.mhsds import parse_period
from caremode.interop.mhsds_export import check_exporter, export_mhsds


class Command(BaseCommand):
    help = (
        f"Write one month's MHSDS v{mhsds.VERSION} tables that CareMode holds data for "
        "(MHS001MPI, MHS201CareContact, MHS202CareActivity, MHS606 and MHS607 coded scored "
        "assessments) to a folder, one CSV per table, with the specification's column names, "
        "codes and formats. The month runs from midnight UK time on its first day. People are "
        "pseudonymised (the same Person_ID as `caremode extract`) unless --identifiable is "
        "given by an administrator (--user). Written whole or not at all; audited as an export."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--period", required=True, metavar="YYYY-MM", help="The reporting month."
        )
        parser.add_argument(
            "--out",
            required=True,
            type=Path,
            help="A new or empty folder; the tables appear there only when all are complete.",
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help=(
                "Who runs the export (an active account), named in the audit log; required with "
                "--identifiable, and then it must be an administrator."
            ),
        )
        parser.add_argument(
            "--identifiable",
            action="store_true",
            help="Write NHS numbers, dates of birth and CareMode's record numbers (administrators "
            "only, for the trust's submission).",
        )
        parser.add_argument(
            "--provider",
            default="",
            metavar="ODS",
            help="The trust's ODS code, written as OrgIDLocalPatientID and before unique IDs.",
        )
        parser.add_argument(
            "--force", action="store_true", help="Replace an --out folder that holds files."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["out"].absolute()
        try:
            period = parse_period(options["period"])
            actor = check_exporter(username=options["user"], identifiable=options["identifiable"])
            check_out(out, force=options["force"])
            counts = export_mhsds(
                actor=actor,
                period=period,
                out=out,
                identifiable=options["identifiable"],
                provider=options["provider"].strip().upper(),
                force=options["force"],
            )
        except (DomainError, OutputError) as error:
            raise CommandError(str(error)) from error
        kind = "identifiable" if options["identifiable"] else "pseudonymised"
        summary = ", ".join(f"{table} {count:,}" for table, count in counts.items())
        self.stdout.write(f"Wrote the {kind} MHSDS tables for {period.label} to {out}: {summary}.")
