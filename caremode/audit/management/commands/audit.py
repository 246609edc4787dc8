from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from caremode.audit import checkpoints
from caremode.audit.selectors import verify_audit_chain
from caremode.audit.services import write_checkpoint


class Command(BaseCommand):
    help = (
        "Audit log tools. `audit verify` checks the hash chain against its head and the signed "
        "checkpoints, naming every gap or rewrite (non-zero exit); `audit checkpoint` exports "
        "the head as a signed checkpoint to AUDIT_CHECKPOINT_DIR."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "checkpoint"])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "checkpoint":
            written = write_checkpoint()
            if written is None:
                self.stdout.write("No checkpoint written: the chain has not moved since the last.")
            else:
                self.stdout.write(
                    f"Checkpoint written to {checkpoints.checkpoint_file()}: {written.entries} "
                    f"entries ending in hash {written.last_hash}, at {written.at}."
                )
            return
        try:
            report = verify_audit_chain()
        except checkpoints.CheckpointError as error:
            raise CommandError(f"Audit checkpoints cannot be trusted: {error}") from error
        last = checkpoints.read_last()
        if last is None:
            missing = (
                f"No checkpoint in {checkpoints.checkpoint_file()}: a rewrite or wipe of the "
                "whole log could not be detected."
            )
            if settings.PRODUCTION:
                # In production the worker writes them; none at all means they were lost.
                raise CommandError(missing + " The worker writes one every round of checks.")
            self.stdout.write(missing)
        else:
            self.stdout.write(
                f"Last checkpoint, {last.at}: {last.entries} entries ending in hash "
                f"{last.last_hash}."
            )
        if not report.intact:
            raise CommandError("Audit chain not intact.\n" + "\n".join(report.problems))
        self.stdout.write(
            f"Audit chain intact: {report.entries} entries ending in hash {report.last_hash}, "
            "matching the head and every checkpoint."
        )
