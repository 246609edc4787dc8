"""What a console command reads: a file named on the command line, or standard input for '-'."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import CommandError


def read_input(source: str) -> str:
    try:
        return sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as error:
        raise CommandError(f"cannot read {source}: {error.strerror}") from error
