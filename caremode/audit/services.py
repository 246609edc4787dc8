from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils import timezone

from caremode.accounts.models import User
from caremode.audit import chain
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
