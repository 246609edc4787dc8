from __future__ import annotations

from typing import Any

from django.db import transaction

from caremode.accounts.models import User
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.people.models import ServiceUser
from caremode.records.selectors import build_subject_access_export


@transaction.atomic
def export_subject_access(*, actor: User, service_user: ServiceUser) -> dict[str, Any]:
    """Everything held about a person, for a subject access request; audited as an export."""
    export = build_subject_access_export(service_user)
    record_event(
        actor=actor,
        action=AuditAction.EXPORT,
        obj=service_user,
        subject_id=service_user.pk,
        reason="Subject access request",
        detail={"sections": sorted(export)},
    )
    return export
