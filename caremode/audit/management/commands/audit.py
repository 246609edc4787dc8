from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from caremode.audit.models import AuditEvent
from caremode.audit.selectors import get_first_broken_audit_entry


class Command(BaseCommand):
    help = "Audit log tools. `audit verify` checks the hash chain and names the first broken entry."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        broken = get_first_broken_audit_entry()
        if broken is not None:
            raise CommandError(
                f"Audit chain broken at entry {broken}: it was edited, or an entry before it "
                "was deleted or reordered."
            )
        self.stdout.write(f"Audit chain intact: {AuditEvent.objects.count()} entries.")
