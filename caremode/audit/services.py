from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from caremode.accounts.models import User
from caremode.audit import chain, checkpoints
from caremode.audit.chain import Checkpoint
from caremode.audit.models import AuditAction, AuditChainHead, AuditEvent


@transaction.atomic
def record_event(
    *,
    actor: User | None,
    action: AuditAction | str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    subject_id: int | None = None,
    detail: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Append one entry to the audit chain.

    Call it inside the transaction that makes the change, so that the change and its entry land or
    fail together. Locks the chain head: appends are serialised across processes.
    """
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(
        pk=1, defaults={"last_sequence": 0, "last_hash": chain.GENESIS}
    )
    event = AuditEvent(
        sequence=head.last_sequence + 1,
        at=timezone.now(),
        actor=actor,
        actor_label=(f"{actor} ({actor.role})" if actor is not None else "system"),
        action=str(action),
        object_type=object_type or (obj._meta.label if obj is not None else ""),
        object_id=object_id or (str(obj.pk) if obj is not None else ""),
        subject_id=subject_id,
        detail=detail or {},
        reason=reason,
        previous_hash=head.last_hash,
    )
    event.hash = chain.entry_hash(event.previous_hash, event.content())
    event.save()
    head.last_sequence = event.sequence
    head.last_hash = event.hash
    head.save(update_fields=["last_sequence", "last_hash"])
    return event


def record_read(*, actor: User, obj: models.Model, subject_id: int, purpose: str) -> AuditEvent:
    """Record that `actor` was shown `obj`, which is about the service user `subject_id`."""
    return record_event(
        actor=actor,
        action=AuditAction.READ,
        obj=obj,
        subject_id=subject_id,
        detail={"purpose": purpose},
    )


def record_list_read(
    *,
    actor: User,
    purpose: str,
    subject_ids: Iterable[int | None],
    detail: dict[str, Any] | None = None,
) -> AuditEvent | None:
    """Record one read for a page that lists people: one entry naming everyone it shows.

    `subject_ids` are the service users whose identity the page shows (names, NHS numbers, dates
    of birth); `purpose` names the page ("caseload list"), `detail` what narrowed it (the search,
    the page number). Call it once per page, from the view, with exactly the people rendered. A
    page that shows nobody records nothing. Atomic with the caller's transaction.
    """
    shown = sorted({pk for pk in subject_ids if pk is not None})
    if not shown:
        return None
    return record_event(
        actor=actor,
        action=AuditAction.READ,
        object_type="people shown",
        object_id=purpose[:40],
        detail={"purpose": purpose, "subject_ids": shown, **(detail or {})},
    )


def write_checkpoint(*, now: dt.datetime | None = None) -> Checkpoint | None:
    """Export the chain head as a signed checkpoint outside the database (ADR 0008).

    Appends one line to `AUDIT_CHECKPOINT_DIR/checkpoints.jsonl` when the head has moved since
    the last checkpoint; returns what was written, or None when nothing changed. Writes nothing
    to the database (it is not itself audited, or the head would never rest). The worker runs it
    every round of periodic checks; `caremode audit checkpoint` runs it by hand.
    """
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None:
        return None
    last = checkpoints.read_last()
    if last is not None and (last.entries, last.last_hash) == (head.last_sequence, head.last_hash):
        return None
    checkpoint = Checkpoint(
        entries=head.last_sequence,
        last_hash=head.last_hash,
        at=(now or timezone.now()).isoformat(timespec="seconds"),
    )
    checkpoints.append(checkpoint)
    return checkpoint
