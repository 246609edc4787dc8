"""Broadcasts to the room's open sockets about what changed outside the WebSocket (a page, the
worker, a consent withdrawal). Each is sent after the transaction that made the change commits,
so a rolled-back change tells no one (like `scheduling.events`)."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def room_group(room_id: int) -> str:
    """Every socket connected to the room."""
    return f"room.{room_id}"


def pass_group(pass_id: int) -> str:
    """The sockets of the browser holding one pass (so revoking it can close them)."""
    return f"room-pass.{pass_id}"


def _send_on_commit(group: str, event: dict[str, Any]) -> None:
    def send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(group, event)

    transaction.on_commit(send)


def broadcast(room_id: int, message: dict[str, Any]) -> None:
    """Send `message` to everyone connected to the room, once the transaction commits."""
    _send_on_commit(room_group(room_id), {"type": "room.broadcast", "message": message})


def notify_room_closed(room_id: int) -> None:
    broadcast(room_id, {"type": "closed"})


def notify_fell_back_to_telephone(room_id: int, message: str) -> None:
    broadcast(room_id, {"type": "fallback", "message": message})


def notify_pass_revoked(*, room_id: int, pass_id: int, participant_id: int | None) -> None:
    """Close the sockets of a revoked pass; tell the call that person left and the clinician
    who still waits."""
    _send_on_commit(pass_group(pass_id), {"type": "room.revoked"})
    if participant_id is not None:
        broadcast(room_id, {"type": "left", "peer": participant_id})
    _send_on_commit(room_group(room_id), {"type": "room.lobby"})


def notify_pass_moved(*, room_id: int, pass_id: int, participant_id: int | None) -> None:
    """The pass was re-opened on another browser: tell the first browser's sockets and close
    them (the new browser connects after this commits); tell the call that person left and the
    clinician who waits."""
    _send_on_commit(pass_group(pass_id), {"type": "room.moved"})
    if participant_id is not None:
        broadcast(room_id, {"type": "left", "peer": participant_id})
    _send_on_commit(room_group(room_id), {"type": "room.lobby"})
