from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from caremode.core.command_input import read_input
from caremode.feedback.suggestions import from_database


def read_texts(lines: list[str], source: str) -> list[str]:
    """Each line's "text"; a line that is not a JSON object with a text string is an error
    naming its line number (and nothing is printed for any line)."""
    texts = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            raise CommandError(f"{source} line {number}: not valid JSON: {error.msg}") from error
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            raise CommandError(f'{source} line {number}: expected {{"text": "…"}}')
        texts.append(data["text"])
    return texts


class Command(BaseCommand):
    help = (
        'Suggest codes for free text: reads JSON lines {"text": "…"} from a file or standard '
        "input and prints one JSON line of up to five suggested codes per input line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("input", nargs="?", default="-", help="JSON lines file, or - for stdin")

    def handle(self, *args: Any, **options: Any) -> None:
        source = options["input"]
        text = read_input(source)
        texts = read_texts(text.splitlines(), "stdin" if source == "-" else source)
        if not texts:
            return
        suggester = from_database()
        for found in suggester.suggest(texts):
            self.stdout.write(json.dumps({"suggestions": [s.as_json() for s in found]}))
