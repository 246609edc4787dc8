"""Reads about rooms: who is where, and whether a clinician has recorded video training."""

from __future__ import annotations

from caremode.accounts.models import User
from caremode.rooms.models import Participant, Room, VideoTraining


def list_participants(room: Room) -> list[Participant]:
    return list(room.participants.exclude(status=Participant.Status.LEFT).order_by("arrived_at"))


def has_video_training(user: User) -> bool:
    return VideoTraining.objects.filter(user=user).exists()


def list_video_training(user: User) -> list[VideoTraining]:
    return list(VideoTraining.objects.filter(user=user))


def room_for_contact(contact_id: int) -> Room | None:
    return Room.objects.filter(contact_id=contact_id).first()
