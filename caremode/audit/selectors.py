from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from caremode.audit import chain
from caremode.audit.models import AuditEvent


def _entries() -> Iterator[tuple[int, str, str, dict[str, Any]]]:
    for event in AuditEvent.objects.order_by("sequence").iterator(chunk_size=2000):
        yield event.sequence, event.previous_hash, event.hash, event.content()


def get_first_broken_audit_entry() -> int | None:
    """The sequence number of the first tampered, missing or reordered entry; None if intact."""
    return chain.first_broken(_entries())


def list_audit_events_for_subject(subject_id: int, *, limit: int = 50) -> list[AuditEvent]:
    """The most recent entries about one service user, newest first."""
    return list(
        AuditEvent.objects.filter(subject_id=subject_id)
        .select_related("actor")
        .order_by("-sequence")[:limit]
    )
