"""`caremode themes_export --out themes.csv`: the agreed themes of every excerpt, for
`caremode evaluate --themes` (columns `core.codes.THEME_COLUMNS`, docs/themes.md).

One row per excerpt and agreed theme; the excerpt under a pseudonym, never the person (an
excerpt has no link to anyone), its text anonymised and left empty where fewer than 5 excerpts of
its mode carry the theme. CSV, or Parquet when the file ends in `.parquet`. Written beside the
target and renamed into place when complete; audited as an export.
"""

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
from caremode.core import codes
from caremode.core.pseudonyms import pseudonym
from caremode.feedback import themes
from caremode.feedback.selectors import known_names


def _month(value: str) -> dt.date:
    return dt.date.fromisoformat(f"{value}-01")


class Command(BaseCommand):
    help = (
        "Write the agreed themes of every excerpt (one row per excerpt and theme, the text "
        "anonymised and left out for themes of a mode with fewer than 5 excerpts) for "
        "`caremode evaluate --themes`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--out", required=True, type=Path, help="themes.csv, or a .parquet file"
        )
        parser.add_argument(
            "--since", type=_month, metavar="YYYY-MM", help="Only excerpts from this month on."
        )
        parser.add_argument("--force", action="store_true", help="Replace an existing file.")

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["out"]
        if out.suffix.lower() not in (".csv", ".parquet"):
            raise CommandError("--out must end in .csv or .parquet.")
        if out.exists() and not options["force"]:
            raise CommandError(f"--out: {out} already exists; give --force to replace it.")
        if not out.parent.is_dir():
            raise CommandError(f"--out: the folder {out.parent} does not exist.")
        key = settings.EXTRACT_PSEUDONYM_KEY
        partial = out.with_name(f".{out.name}.partial")
        try:
            with transaction.atomic():
                themed, waiting = themes.themed_excerpts(since=options["since"])
                rows = themes.export_rows(
                    themed,
                    codebook=themes.load_codebook(),
                    names=known_names(),
                    reference=lambda pk: pseudonym(f"excerpt:{pk}", key),
                )
                _write(partial, rows)
                record_event(
                    actor=None,
                    action=AuditAction.EXPORT,
                    object_type="feedback.themes export",
                    object_id=out.name,
                    detail={
                        "rows": len(rows),
                        "excerpts": len(themed),
                        "since": str(options["since"] or ""),
                    },
                )
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(out)
        self.stdout.write(
            f"{len(rows):,} rows ({len(themed):,} excerpts with agreed themes; {waiting:,} coded "
            f"but not agreed yet, left out) written to {out}."
        )


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    if path.name.endswith(".parquet.partial"):
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table(
            {c: pa.array([r[c] for r in rows], pa.string()) for c in codes.THEME_COLUMNS}
        )
        pq.write_table(table, path)
        return
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=codes.THEME_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
