"""What someone with the database owner's rights could do: switch the triggers off and rewrite.

Tests use it to prove that `audit verify` still catches what the triggers would have refused.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.utils import timezone

from caremode.audit import chain
from caremode.audit.models import AuditChainHead, AuditEvent

_migration = importlib.import_module("caremode.audit.migrations.0002_append_only")
TABLES = ("audit_auditevent", "audit_auditchainhead")


@contextmanager
def triggers_off() -> Iterator[None]:
    """The append-only triggers disabled for the block, as a database owner could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending trigger events
            for table in TABLES:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        else:
            for sql in _migration.SQLITE_REVERSE:
                cursor.execute(sql)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for table in TABLES:
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            else:
                for sql in _migration.SQLITE:
                    cursor.execute(sql)


def build_chain(entries: int) -> list[AuditEvent]:
    """A valid chain of `entries` entries and its head, written in bulk (appending is allowed)."""
    events = []
    previous = chain.GENESIS
    at = timezone.now()
    for sequence in range(1, entries + 1):
        event = AuditEvent(
            sequence=sequence,
            at=at,
            actor_label="system",
            action="read",
            object_type="people.ServiceUser",
            object_id=str(sequence),
            subject_id=sequence,
            previous_hash=previous,
        )
        event.hash = chain.entry_hash(previous, event.content())
        previous = event.hash
        events.append(event)
    AuditEvent.objects.bulk_create(events, batch_size=500)
    AuditChainHead.objects.create(pk=1, last_sequence=entries, last_hash=previous)
    return events


def rewrite_from(sequence: int, *, reason: str, move_head: bool) -> None:
    """Edit entry `sequence` and recompute every later hash (and the head, if `move_head`)."""
    with triggers_off():
        previous = (
            AuditEvent.objects.get(sequence=sequence - 1).hash if sequence > 1 else chain.GENESIS
        )
        for event in AuditEvent.objects.filter(sequence__gte=sequence).order_by("sequence"):
            if event.sequence == sequence:
                event.reason = reason
            new_hash = chain.entry_hash(previous, event.content())
            AuditEvent.objects.filter(pk=event.pk).update(
                reason=event.reason, previous_hash=previous, hash=new_hash
            )
            previous = new_hash
        if move_head:
            AuditChainHead.objects.filter(pk=1).update(last_hash=previous)
