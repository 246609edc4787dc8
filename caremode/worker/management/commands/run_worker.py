from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from caremode.messaging.senders import configured_sender
from caremode.messaging.services import send_due_messages
from caremode.worker.schedule import FAILED, run_periodic_checks


class Command(BaseCommand):
    help = (
        "The background worker: sends due messages from the outbox and runs the periodic "
        "checks listed in caremode.worker.schedule. Needs no server beyond the "
        "database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run one round, then stop.")
        parser.add_argument("--interval", type=float, default=10.0, help="Seconds between rounds.")
        parser.add_argument(
            "--checks-every", type=int, default=30, help="Run the periodic checks every N rounds."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sender = configured_sender()
        self.stdout.write(f"Worker started; sending through the {sender.name}.")
        round_number = 0
        while True:
            sent, failed = send_due_messages(sender=sender)
            if sent or failed:
                self.stdout.write(f"Sent {sent} message(s); {failed} failed attempt(s).")
            if round_number % options["checks_every"] == 0:
                summary = run_periodic_checks()
                if any(summary.values()):
                    self.stdout.write(
                        ", ".join(
                            f"{name}: {'FAILED (see the log)' if count == FAILED else count}"
                            for name, count in summary.items()
                        )
                    )
            round_number += 1
            if options["once"]:
                return
            time.sleep(options["interval"])
