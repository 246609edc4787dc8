"""Tell everyone connected to a room that something changed outside the WebSocket (a page)."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def room_group(room_id: int) -> str:
    return f"room.{room_id}"


def broadcast(room_id: int, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(
            room_group(room_id), {"type": "room.broadcast", "message": message}
        )
