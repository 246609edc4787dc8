"""Guarded fetches of check-ins: not allowed and not found are the same 404, and reads are
audited."""

from __future__ import annotations

from django.http import Http404

from caremode.accounts.models import User
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.monitoring.models import CheckIn
from caremode.people.access import access_own_record


def access_own_checkin(user: User, pk: int) -> CheckIn:
    """A check-in of the signed-in service user (any status), else Http404; records the read
    (the person's own record through `access_own_record`, and the check-in)."""
    person = access_own_record(user)
    checkin = (
        CheckIn.objects.select_related("service_user__team", "schedule")
        .filter(pk=pk, service_user=person)
        .first()
    )
    if checkin is None:
        raise Http404("No such check-in")
    record_event(
        actor=user,
        action=AuditAction.READ,
        obj=checkin,
        subject_id=person.pk,
        detail={"purpose": "check-in in the portal"},
    )
    return checkin
