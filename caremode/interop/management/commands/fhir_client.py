"""caremode fhir_client NAME --scope "system/Patient.rs" [--analytics] [--team TEAM]: a system
client of the FHIR API; prints its credentials as JSON, the secret shown this once."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from caremode.core.errors import DomainError
from caremode.interop.importer import check_team
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
        parser.add_argument(
            "--team",
            metavar="TEAM",
            help="the team (name or number) that people new to CareMode join when this client "
            "imports them (POST /fhir/, POST /fhir/Patient); without it the client may update "
            "people but not add them",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            team = check_team(options["team"]) if options["team"] else None
            credentials = register_client(
                name=options["name"],
                scope_text=options["scope"],
                analytics=options["analytics"],
                team=team,
            )
        except (ScopeError, DomainError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            json.dumps(
                {"client_id": credentials.client_id, "client_secret": credentials.client_secret}
            )
        )
