"""caremode fhir_client NAME --scope "system/Patient.rs" [--analytics]: a system client of the
FHIR API; prints its credentials as JSON, the secret shown this once."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from caremode.interop.scopes import ScopeError
from caremode.interop.services import register_client


class Command(BaseCommand):
    help = "Register a system client of the FHIR API with SMART v2 system scopes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--scope", required=True, help='e.g. "system/Patient.rs"')
        parser.add_argument(
            "--analytics",
            action="store_true",
            help="an analytics client: people whose processing is restricted are left out",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            credentials = register_client(
                name=options["name"], scope_text=options["scope"], analytics=options["analytics"]
            )
        except ScopeError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            json.dumps(
                {"client_id": credentials.client_id, "client_secret": credentials.client_secret}
            )
        )
