"""Django's `flush`, which empties every table, the audit log included, and only outside
production: the audit tables' triggers refuse it otherwise (`caremode.audit.append_only`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands import flush
from django.db import connections

from caremode.audit.append_only import erasure_allowed


class Command(flush.Command):
    help = flush.Command.help + " It erases the audit log too, so it is refused in production."

    def handle(self, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("flush would erase the audit log; it is refused in production.")
        with erasure_allowed(connections[options["database"]]):
            super().handle(**options)
