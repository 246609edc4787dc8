"""Guarded fetch of a contact: the only way an interface reaches one."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from caremode.accounts.models import User
from caremode.people.access import access_service_user
from caremode.scheduling.models import Contact


def access_contact(user: User, pk: int, *, purpose: str = "view contact") -> Contact:
    """The contact `pk` if `user` may see its service user, else Http404; audited as a read."""
    contact = get_object_or_404(
        Contact.objects.visible_to(user).select_related("carer_invited", "clinician"), pk=pk
    )
    contact.service_user = access_service_user(user, contact.service_user_id, purpose=purpose)
    return contact
