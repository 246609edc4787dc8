"""Reads about rooms: who is where, and the passes bound to a browser. Interfaces (the room
socket, the pages) reach these only through
`rooms.access`, which decides who may see them and audits what is shown."""

from __future__ import annotations

from caremode.rooms.models import Participant, Role, Room, RoomPass


def get_room(room_id: int) -> Room | None:
    """The room with its contact, service user, clinician and team, or None."""
    return (
        Room.objects.select_related(
            "contact__service_user",
            "contact__carer_invited",
            "contact__clinician",
            "contact__team",
        )
        .filter(pk=room_id)
        .first()
    )


def get_bound_pass(*, room: Room, pass_id: int, session_key: str) -> RoomPass | None:
    """The pass `pass_id` of `room` if it is bound to this browser session (validity aside)."""
    held = RoomPass.objects.filter(pk=pass_id, room=room, session_key=session_key).first()
    if held is not None:
        held.room = room
    return held


def get_participant(participant_id: int) -> Participant:
    return Participant.objects.get(pk=participant_id)


def list_participants(room: Room) -> list[Participant]:
    return list(room.participants.exclude(status=Participant.Status.LEFT).order_by("arrived_at"))


def list_waiting(room: Room) -> list[Participant]:
    """People connected and waiting to be let in, first come first."""
    return list(
        Participant.objects.filter(
            room=room, status=Participant.Status.WAITING, connected=True
        ).order_by("arrived_at")
    )


def list_call_members(room: Room, *, exclude: int | None = None) -> list[Participant]:
    """People connected and in the call, optionally leaving one out."""
    members = Participant.objects.filter(
        room=room, status=Participant.Status.ADMITTED, connected=True
    )
    return list(members.exclude(pk=exclude) if exclude else members)


def is_in_call(participant_id: int) -> bool:
    return Participant.objects.filter(
        pk=participant_id, status=Participant.Status.ADMITTED
    ).exists()


def channel_in_call(room: Room, *, sender_id: int, target_id: int) -> str | None:
    """The connection of `target_id` if both it and `sender_id` are in the call, else None."""
    admitted = Participant.objects.filter(
        room=room, status=Participant.Status.ADMITTED, connected=True
    )
    if not admitted.filter(pk=sender_id).exists():
        return None
    found = admitted.filter(pk=target_id).exclude(pk=sender_id).first()
    return found.channel_name if found else None


def list_clinician_channels(room: Room) -> list[str]:
    return list(
        Participant.objects.filter(room=room, role=Role.CLINICIAN, connected=True).values_list(
            "channel_name", flat=True
        )
    )


def room_for_contact(contact_id: int) -> Room | None:
    return Room.objects.filter(contact_id=contact_id).first()


def get_pass(pass_id: int) -> RoomPass | None:
    """The pass with its room, contact, service user and carer, or None."""
    return (
        RoomPass.objects.select_related("room__contact__service_user", "carer")
        .filter(pk=pass_id)
        .first()
    )


def list_open_rooms(contact_ids: list[int]) -> dict[int, Room]:
    """The open rooms of these contacts, by contact id."""
    return {
        room.contact_id: room
        for room in Room.objects.filter(contact_id__in=contact_ids, closed_at__isnull=True)
    }


def get_carer_pass(room: Room) -> RoomPass | None:
    """The newest pass of `room` for the carer invited to it, not revoked (validity aside)."""
    if room.contact.carer_invited_id is None:
        return None
    held = (
        RoomPass.objects.filter(
            room=room,
            role=Role.CARER,
            carer_id=room.contact.carer_invited_id,
            revoked_at__isnull=True,
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    if held is not None:
        held.room = room
    return held


def contacts_a_carer_joined(contact_ids: list[int]) -> set[int]:
    """Of these contacts, the ones whose video room let a carer into the call (admitted, by
    the carer's own pass): what CareMode records of a carer taking part. For systems
    (caremode.interop's Encounter), which have already chosen the contacts they may see."""
    return set(
        Participant.objects.filter(
            room__contact_id__in=contact_ids, role=Role.CARER, admitted_at__isnull=False
        ).values_list("room__contact_id", flat=True)
    )
