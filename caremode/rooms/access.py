"""Who may be in a room: the contact's care team (signed in, second factor done), the service
user (signed in to the portal, or holding a pass bound to this browser), and a carer or
interpreter holding a pass. Anything else is refused."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone

from caremode.accounts.models import CARE_TEAM_ROLES, User
from caremode.accounts.models import Role as UserRole
from caremode.accounts.sessions import is_verified_session
from caremode.rooms.models import Role, Room, RoomPass
from caremode.scheduling.access import access_contact
from caremode.scheduling.models import Contact

PASSES_KEY = "room_passes"  # session: {room id: pass id}


@dataclass(frozen=True)
class Identity:
    key: str  # user:<id> or pass:<id>
    role: str
    label: str


def access_room(user: User, room_id: int, *, purpose: str = "video room") -> Room:
    """The room, for a member of the contact's care team; else Http404 (audited read)."""
    room = get_object_or_404(Room.objects.select_related("contact"), pk=room_id)
    room.contact = access_contact(user, room.contact_id, purpose=purpose)
    return room


def access_room_contact(user: User, contact_id: int) -> Contact:
    return access_contact(user, contact_id, purpose="open video room")


def identify(room: Room, user: Any, session: Any) -> Identity | None:
    """Who this connection is in `room`, or None if they may not be there."""
    contact = room.contact
    if user is not None and user.is_authenticated:
        if (
            user.role in CARE_TEAM_ROLES
            and is_verified_session(user, session)
            and Contact.objects.visible_to(user).filter(pk=contact.pk).exists()
        ):
            return Identity(f"user:{user.pk}", Role.CLINICIAN, user.get_full_name())
        if user.role == UserRole.SERVICE_USER and contact.service_user.account_id == user.pk:
            return Identity(f"user:{user.pk}", Role.SERVICE_USER, contact.service_user.given_name)
    if session is None:
        return None
    pass_id = (session.get(PASSES_KEY) or {}).get(str(room.pk))
    if pass_id is None:
        return None
    held = RoomPass.objects.filter(
        pk=pass_id, room=room, session_key=session.session_key, expires_at__gt=timezone.now()
    ).first()
    if held is None:
        return None
    return Identity(f"pass:{held.pk}", held.role, held.label)
