from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from caremode.core.command_input import read_input
from caremode.decisions.rules import UnknownCodeError, context_from_json, recommend


class Command(BaseCommand):
    help = (
        "Rank the modes of contact for a JSON context (a file, or standard input with '-' or no "
        "argument) and print the recommendation as JSON. Reads no database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("input", nargs="?", default="-", help="JSON file, or - for stdin")

    def handle(self, *args: Any, **options: Any) -> None:
        source = options["input"]
        text = read_input(source)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise CommandError(
                f"{source}: not valid JSON (line {error.lineno}, column {error.colno}): {error.msg}"
            ) from error
        try:
            result = recommend(context_from_json(data))
        except (UnknownCodeError, TypeError) as error:
            raise CommandError(f"{source}: {error}") from error
        self.stdout.write(json.dumps(result.as_json(), indent=2))
