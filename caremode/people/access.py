"""Guarded fetches: the only way an interface reaches a person's record.

"Not allowed" and "not found" look the same (404). Each fetch is audited as a read.
"""

from __future__ import annotations

from django.db import transaction
from django.shortcuts import get_object_or_404

from caremode.accounts.models import User
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.people.models import CarerConsent, ServiceUser


@transaction.atomic
def access_service_user(user: User, pk: int, *, purpose: str = "view record") -> ServiceUser:
    """The service user `pk` if `user` may see them, else Http404; records the read in the audit."""
    service_user = get_object_or_404(
        ServiceUser.objects.visible_to(user).select_related("team__service", "account"), pk=pk
    )
    record_event(
        actor=user,
        action=AuditAction.READ,
        obj=service_user,
        subject_id=service_user.pk,
        detail={"purpose": purpose},
    )
    return service_user


def access_own_record(user: User) -> ServiceUser:
    """The record of the signed-in service user, else Http404; records the read."""
    own = get_object_or_404(ServiceUser.objects.visible_to(user), account=user)
    return access_service_user(user, own.pk, purpose="portal")


def access_consent(user: User, service_user_pk: int, consent_pk: int) -> CarerConsent:
    """A consent of a service user the care-team member may see, else Http404."""
    service_user = access_service_user(user, service_user_pk, purpose="manage consent")
    return get_object_or_404(
        CarerConsent.objects.select_related("carer"), pk=consent_pk, service_user=service_user
    )
