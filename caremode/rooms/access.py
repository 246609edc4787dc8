"""Who may be in a room: the contact's care team (signed in, second factor done), the service
user (signed in to the portal, or holding a pass bound to this browser), and a carer or
interpreter holding a pass. Anything else is refused, and "not allowed" looks like "not found".

A carer's pass holds only while that carer is the one invited and the service user's current
consent lets them join (`people.consent.may_join_contacts`): the rule is asked again when the
link is redeemed, on the waiting page, when the socket connects and on every message that acts.
Reads that show who is in a room (the clinician's waiting list, the people in a call) are audited
naming the people shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from caremode.accounts.models import CARE_TEAM_ROLES, User
from caremode.accounts.models import Role as UserRole
from caremode.accounts.sessions import is_verified_session
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.people.consent import may_join_contacts
from caremode.rooms import selectors
from caremode.rooms.models import Participant, Role, Room, RoomPass
from caremode.scheduling.access import access_contact
from caremode.scheduling.models import Contact

PASSES_KEY = "room_passes"  # session: {room id: pass id}


@dataclass(frozen=True)
class Identity:
    key: str  # user:<id> or pass:<id>
    role: str
    label: str

    @property
    def pass_id(self) -> int | None:
        """The pass this connection holds, or None for someone signed in."""
        kind, _, pk = self.key.partition(":")
        return int(pk) if kind == "pass" else None


def access_room(user: User, room_id: int, *, purpose: str = "video room") -> Room:
    """The room, for a member of the contact's care team; else Http404 (audited read)."""
    room = get_object_or_404(Room.objects.select_related("contact"), pk=room_id)
    room.contact = access_contact(user, room.contact_id, purpose=purpose)
    return room


def access_room_contact(user: User, contact_id: int) -> Contact:
    """The contact whose room `user` would open; else Http404 (audited read)."""
    return access_contact(user, contact_id, purpose="open video room")


def pass_holds(held: RoomPass, *, now: dt.datetime | None = None) -> bool:
    """Whether a pass still lets its holder in: not expired, not revoked, and for a carer, still
    the carer invited to the contact with the service user's consent to join (E10). The one
    home of this rule: redeeming, the waiting page and the socket all ask it."""
    now = now or timezone.now()
    if held.revoked_at is not None or held.expires_at <= now:
        return False
    if held.role != Role.CARER:
        return True
    contact = held.room.contact
    return held.carer_id == contact.carer_invited_id and may_join_contacts(
        held.carer_id, contact.service_user_id
    )


def identify(room: Room, user: Any, session: Any) -> Identity | None:
    """Who this connection is in `room`, or None if they may not be there (now)."""
    contact = room.contact
    if user is not None and user.is_authenticated:
        if (
            user.role in CARE_TEAM_ROLES
            and is_verified_session(user, session)
            and Contact.objects.visible_to(user).filter(pk=contact.pk).exists()
        ):
            return Identity(f"user:{user.pk}", Role.CLINICIAN, str(user))
        if user.role == UserRole.SERVICE_USER and contact.service_user.account_id == user.pk:
            return Identity(f"user:{user.pk}", Role.SERVICE_USER, contact.service_user.given_name)
    if session is None or not session.session_key:
        return None
    pass_id = (session.get(PASSES_KEY) or {}).get(str(room.pk))
    if pass_id is None:
        return None
    held = selectors.get_bound_pass(room=room, pass_id=pass_id, session_key=session.session_key)
    if held is None or not pass_holds(held):
        return None
    return Identity(f"pass:{held.pk}", held.role, held.label)


def access_room_as_guest(room_id: int, user: Any, session: Any) -> tuple[Room, Identity] | None:
    """The room and who this browser is in it (the waiting page and the room socket), or None
    when the room does not exist or they may not be there."""
    room = selectors.get_room(room_id)
    if room is None:
        return None
    me = identify(room, user, session)
    return (room, me) if me else None


def _people(participants: list[Participant]) -> list[dict[str, Any]]:
    return [{"id": p.pk, "who": p.identity, "role": p.role} for p in participants]


def _actor(user: Any) -> User | None:
    return user if user is not None and user.is_authenticated else None


@transaction.atomic
def access_waiting_list(user: User, room: Room) -> list[Participant]:
    """Who waits in `room` (connected), for the clinician's screen: audited as a read naming the
    people shown (nothing is recorded while no one waits)."""
    waiting = selectors.list_waiting(room)
    if waiting:
        record_event(
            actor=user,
            action=AuditAction.READ,
            obj=room,
            subject_id=room.contact.service_user_id,
            detail={"purpose": "video waiting room", "shown": _people(waiting)},
        )
    return waiting


@transaction.atomic
def access_call_members(
    user: Any, me: Identity, room: Room, participant: Participant
) -> list[Participant]:
    """The others in the call that `participant` has just entered: they see each other, so the
    read is audited naming everyone now in the call, and who entered."""
    peers = selectors.list_call_members(room, exclude=participant.pk)
    record_event(
        actor=_actor(user),
        action=AuditAction.READ,
        obj=room,
        subject_id=room.contact.service_user_id,
        detail={
            "purpose": "joined video call",
            "by": me.key,
            "role": me.role,
            "shown": _people(peers),
        },
    )
    return peers


REOPEN_KEY = "room_pass_to_reopen"  # session: the pass this browser opened after another had


def access_pass_to_reopen(session: Any) -> RoomPass | None:
    """The link this browser opened after another browser had (its token was shown here, so
    the join page put it in this session), while it still works; else None. Who may then
    re-open it is decided by `rooms.reopening` (a check the holder must pass)."""
    pass_id = session.get(REOPEN_KEY) if session is not None else None
    if not isinstance(pass_id, int):
        return None
    held = selectors.get_pass(pass_id)
    if held is None or not held.room.is_open or not pass_holds(held):
        return None
    return held


def may_join_as_invited_carer(user: Any, contact: Contact) -> bool:
    """Whether a signed-in carer is the carer invited to `contact` and its service user's
    current consent lets them join (`people.consent.may_join_contacts`)."""
    carer = contact.carer_invited
    if user is None or not user.is_authenticated or user.role != UserRole.CARER:
        return False
    return (
        carer is not None
        and carer.account_id == user.pk
        and may_join_contacts(carer, contact.service_user_id)
    )


def list_carer_joins(user: User, contacts: list[Contact]) -> dict[int, Room | None]:
    """For a signed-in carer's page: the contacts among `contacts` by video that they may join
    (`may_join_as_invited_carer`), each with its room when it is open, else None."""
    joinable = [
        c for c in contacts if c.planned_mode == "video" and may_join_as_invited_carer(user, c)
    ]
    rooms = selectors.list_open_rooms([c.pk for c in joinable])
    return {c.pk: rooms.get(c.pk) for c in joinable}


def access_room_as_invited_carer(user: Any, room_id: int) -> Room:
    """The open room of a contact this signed-in carer may join (`may_join_as_invited_carer`);
    else Http404."""
    room = selectors.get_room(room_id)
    if room is None or not room.is_open or not may_join_as_invited_carer(user, room.contact):
        raise Http404("No such room.")
    return room
