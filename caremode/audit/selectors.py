from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction

from caremode.audit import chain, checkpoints, wording
from caremode.audit.models import AuditChainHead, AuditEvent


def _entries() -> Iterator[tuple[int, str, str, dict[str, Any]]]:
    for event in AuditEvent.objects.order_by("sequence").iterator(chunk_size=2000):
        yield event.sequence, event.previous_hash, event.hash, event.content()


def get_chain_head() -> chain.Head | None:
    """What the head row says now, or None if it is missing."""
    head = AuditChainHead.objects.filter(pk=1).first()
    return None if head is None else chain.Head(head.last_sequence, head.last_hash)


def verify_audit_chain() -> chain.Report:
    """Walk the whole chain against the head and every signed checkpoint.

    The head and the entries are read in one snapshot (REPEATABLE READ on PostgreSQL; SQLite's
    read transaction is one), so entries appended meanwhile are not mistaken for tampering.
    Raises `checkpoints.CheckpointError` when a checkpoint line is unreadable or not ours.
    """
    found = checkpoints.read_all()
    snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        if snapshot:  # must be the transaction's first statement
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        return chain.verify(_entries(), head=get_chain_head(), checkpoints=found)


def get_first_broken_audit_entry() -> int | None:
    """The sequence number of the first tampered, missing or reordered entry; None if linked."""
    return verify_audit_chain().first_broken


def list_audit_events_for_subject(subject_id: int, *, limit: int = 50) -> list[AuditEvent]:
    """The most recent entries about one service user, newest first."""
    return list(
        AuditEvent.objects.filter(subject_id=subject_id)
        .select_related("actor")
        .order_by("-sequence")[:limit]
    )


def list_record_activity(
    subject_id: int, *, excluding_actor_id: int | None = None, limit: int = 2000
) -> list[wording.Activity]:
    """Who did what to one service user's record, grouped by person and UK day, newest first,
    in plain words (`wording`): for the person's "Who has looked at your record". The person's
    own actions (`excluding_actor_id`) are left out; CareMode's own are explained. Reads the
    most recent `limit` entries."""
    found = AuditEvent.objects.filter(subject_id=subject_id)
    if excluding_actor_id is not None:
        found = found.exclude(actor_id=excluding_actor_id)
    events = found.select_related("actor").order_by("-sequence")[:limit]
    entries = [
        wording.Entry(
            actor_id=e.actor_id,
            who=f"{e.actor} ({e.actor.get_role_display().lower()})" if e.actor else "CareMode",
            action=e.action,
            object_type=e.object_type,
            at=e.at,
        )
        for e in events
    ]
    return wording.group_by_person_and_day(entries, local=ZoneInfo(settings.TIME_ZONE))
