"""The waiting room and the call's signalling, over one WebSocket per browser.

Protocol (JSON, one object per message, at most 64 KiB):
  client → server: admit {participant} (clinician only), signal {to, data} (between people in
  the call), chat {text} (withheld from everyone else when it contains the safe word), privacy
  {answer: yes|no} (service user only), quality {level: good|fair|poor}, leave, ping.
  server → client: you, waiting, admitted {peers}, joined {peer}, left {peer}, lobby {waiting}
  (clinician), signal {from, data}, chat {from, text}, privacy {answer, via} (clinician),
  quality {from, level}, fallback {message}, closed, moved (the link was re-opened on another
  device: this one is disconnected), pong, error {error}.
Media never passes through the server: browsers connect to each other (WebRTC).

Who the connection is (`rooms.access.identify`) is asked when it connects and again before every
message that acts, so a pass revoked or a consent withdrawn meanwhile closes the socket (4403);
`revoke_carer_passes` also closes it at once through the pass's group. What the consumer reads
comes from `rooms.access` (audited) and `rooms.selectors`; what it changes, from `rooms.services`.
"""

from __future__ import annotations

import json
from typing import Any

from channels.db import database_sync_to_async

from caremode.core.errors import DomainError
from caremode.rooms import selectors, services
from caremode.rooms.access import (
    Identity,
    access_call_members,
    access_room_as_guest,
    access_waiting_list,
    identify,
)
from caremode.rooms.errors import PassNotValidError
from caremode.rooms.events import pass_group, room_group
from caremode.rooms.models import Participant, Role, Room
from caremode.signin.sockets import SessionBoundConsumer

MAX_MESSAGE = 64 * 1024
MAX_CHAT = 2000
QUALITY = ("good", "fair", "poor")
NOT_ACTING = ("leave", "ping")  # every other message acts, so who is sending is asked again


def _peer(p: Participant) -> dict[str, Any]:
    return {"id": p.pk, "label": p.label, "role": p.role}


class RoomConsumer(SessionBoundConsumer):
    room: Room | None = None
    me: Identity | None = None
    participant_id: int | None = None
    leaving = False

    async def connect(self) -> None:
        room_id = int(self.scope["url_route"]["kwargs"]["room_id"])
        found = await self._identify(room_id)
        if found is None:
            await self.close(code=4403)
            return
        self.room, self.me = found
        if not self.room.is_open:
            await self.close(code=4410)
            return
        await self.accept()
        # The pass group first: a withdrawal that commits while this browser arrives still
        # reaches it (arrive re-checks the pass under a lock, so one of the two wins cleanly).
        if self.me.pass_id is not None:
            await self.channel_layer.group_add(pass_group(self.me.pass_id), self.channel_name)
        try:
            participant = await database_sync_to_async(services.arrive)(
                actor=self._user(),
                room=self.room,
                identity=self.me.key,
                role=self.me.role,
                label=self.me.label,
                channel_name=self.channel_name,
            )
        except PassNotValidError:
            await self._leave_groups()
            await self.close(code=4403)
            return
        self.participant_id = participant.pk
        await self.channel_layer.group_add(room_group(self.room.pk), self.channel_name)
        await self.send_json(
            {
                "type": "you",
                "id": participant.pk,
                "role": self.me.role,
                "status": participant.status,
            }
        )
        if participant.status == Participant.Status.ADMITTED:
            await self._enter_call(participant)
        else:
            await self.send_json({"type": "waiting"})
        await self._tell_clinician_who_waits()

    def _user(self) -> Any:
        user = self.scope.get("user")
        return user if user is not None and user.is_authenticated else None

    @database_sync_to_async
    def _identify(self, room_id: int) -> tuple[Room, Identity] | None:
        return access_room_as_guest(room_id, self.scope.get("user"), self.scope.get("session"))

    @database_sync_to_async
    def _still_here(self) -> bool:
        """Whether this connection may still be in the room as who it joined as."""
        if self.room is None or self.me is None:
            return False
        now = identify(self.room, self.scope.get("user"), self.scope.get("session"))
        return now is not None and now.key == self.me.key

    async def _leave_groups(self) -> None:
        assert self.room is not None
        await self.channel_layer.group_discard(room_group(self.room.pk), self.channel_name)
        if self.me is not None and self.me.pass_id is not None:
            await self.channel_layer.group_discard(pass_group(self.me.pass_id), self.channel_name)

    async def _may_still_be_told(self) -> bool:
        """Before anything is pushed to this browser: its session still holds and it is still
        who it joined as (pass, consent, team); otherwise the socket is closed."""
        if not await self.session_allows_action(record_activity=False):
            return False
        if not await self._still_here():
            await self._shut_out()
            return False
        return True

    async def _shut_out(self) -> None:
        """No longer allowed in (pass revoked, consent withdrawn): leave and close."""
        self.leaving = True
        await self.send_json({"type": "closed"})
        await self.disconnect(4403)
        self.participant_id = None
        await self.close(code=4403)

    async def disconnect(self, code: int) -> None:
        if self.room is None or self.participant_id is None:
            return
        await self._leave_groups()
        gone = await database_sync_to_async(services.disconnect)(
            participant_id=self.participant_id, channel_name=self.channel_name, left=self.leaving
        )
        if gone is not None:
            await self._to_call({"type": "left", "peer": gone.pk}, skip=gone.pk)
            await self._tell_clinician_who_waits()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None or len(text_data) > MAX_MESSAGE:
            await self._error("Messages are JSON text of at most 64 KiB.")
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self._error("That message is not JSON.")
            return
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            await self._error("A message is an object with a type.")
            return
        if not await self.session_allows_action():
            return
        await self.receive_json(content)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        handler = {
            "admit": self._admit,
            "signal": self._signal,
            "chat": self._chat,
            "privacy": self._privacy,
            "quality": self._quality,
            "leave": self._leave,
            "ping": self._ping,
        }.get(content["type"])
        if handler is None:
            await self._error(f"Unknown message type {content['type']!r}.")
            return
        if content["type"] not in NOT_ACTING and not await self._still_here():
            await self._shut_out()
            return
        await handler(content)

    # Messages from this browser.

    async def _admit(self, content: dict[str, Any]) -> None:
        if not self.me or self.me.role != Role.CLINICIAN or self.room is None:
            await self._error("Only the clinician can let people in.")
            return
        if not isinstance(content.get("participant"), int):
            await self._error("admit needs the participant's id.")
            return
        try:
            admitted = await database_sync_to_async(services.admit)(
                actor=self.scope["user"], room=self.room, participant_id=content["participant"]
            )
        except DomainError as error:
            await self._error(str(error))
            return
        if admitted.channel_name:
            await self.channel_layer.send(
                admitted.channel_name, {"type": "room.admitted", "participant": admitted.pk}
            )
        await self._tell_clinician_who_waits()

    async def _signal(self, content: dict[str, Any]) -> None:
        target, data = content.get("to"), content.get("data")
        if not isinstance(target, int) or not isinstance(data, dict):
            await self._error("signal needs to (a participant id) and data (an object).")
            return
        channel = await self._channel_in_call(target)
        if channel is None:
            await self._error("You can only signal someone in the call, from the call.")
            return
        await self.channel_layer.send(
            channel,
            {
                "type": "room.forward",
                "message": {"type": "signal", "from": self.participant_id, "data": data},
            },
        )

    async def _chat(self, content: dict[str, Any]) -> None:
        text = content.get("text")
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_CHAT:
            await self._error(f"A chat message is text of 1 to {MAX_CHAT} characters.")
            return
        if not await self._in_call():
            await self._error("Chat opens when you are in the call.")
            return
        assert self.me is not None and self.room is not None
        message = {"type": "chat", "from": self.me.label, "text": text.strip()}
        screened = await database_sync_to_async(services.screen_chat)(
            room=self.room, sender_role=self.me.role, text=text
        )
        if screened == services.ChatScreen.RELAY:
            await self._to_call(message)
            return
        # Withheld: only the sender's own screen shows the line, as it would any message, so
        # nothing there tells someone looking over their shoulder what happened.
        await self.send_json(message)
        if screened == services.ChatScreen.SAFE_WORD:
            await self._to_clinician({"type": "privacy", "answer": "no", "via": "safe word"})

    async def _privacy(self, content: dict[str, Any]) -> None:
        if not self.me or self.me.role != Role.SERVICE_USER or self.room is None:
            await self._error("Only the service user answers this question.")
            return
        try:
            await database_sync_to_async(services.answer_privately)(
                room=self.room, answer=content.get("answer")
            )
        except DomainError as error:
            await self._error(str(error))
            return
        await self._to_clinician(
            {"type": "privacy", "answer": content["answer"], "via": "question"}
        )

    async def _quality(self, content: dict[str, Any]) -> None:
        if content.get("level") not in QUALITY:
            await self._error("quality is good, fair or poor.")
            return
        if await self._in_call():
            await self._to_call(
                {"type": "quality", "from": self.participant_id, "level": content["level"]},
                skip=self.participant_id,
            )

    async def _leave(self, content: dict[str, Any]) -> None:
        """Leaving on purpose: recorded now, not counted as a dropped connection."""
        self.leaving = True
        await self.disconnect(1000)
        self.participant_id = None  # disconnect() has done its work
        await self.close()

    async def _ping(self, content: dict[str, Any]) -> None:
        await self.send_json({"type": "pong", "sent": content.get("sent")})

    # Messages from the channel layer.

    async def room_admitted(self, event: dict[str, Any]) -> None:
        if not await self._may_still_be_told():
            return
        participant = await database_sync_to_async(selectors.get_participant)(event["participant"])
        await self._enter_call(participant)

    async def room_revoked(self, event: dict[str, Any]) -> None:
        """This browser's pass was revoked (consent withdrawn): the service has already marked
        the participant left, so only the socket is closed."""
        self.participant_id = None
        if self.room is not None:
            await self._leave_groups()
        await self.send_json({"type": "closed"})
        await self.close(code=4403)

    async def room_moved(self, event: dict[str, Any]) -> None:
        """This browser's link was re-opened on another one after the check: the service has
        marked its place left, so it is told and the socket closed. The new browser's sockets
        share the pass's group and still hold, so they stay."""
        if await self._still_here():
            return
        self.participant_id = None
        if self.room is not None:
            await self._leave_groups()
        await self.send_json({"type": "moved"})
        await self.close(code=4403)

    async def room_lobby(self, event: dict[str, Any]) -> None:
        """Someone arrived or went: the clinician's screen fetches who waits (audited)."""
        if self.me is None or self.me.role != Role.CLINICIAN or self.room is None:
            return
        if not await self._may_still_be_told():
            return
        waiting = await database_sync_to_async(access_waiting_list)(self.scope["user"], self.room)
        await self.send_json(
            {
                "type": "lobby",
                "waiting": [{**_peer(p), "since": p.arrived_at.isoformat()} for p in waiting],
            }
        )

    async def room_forward(self, event: dict[str, Any]) -> None:
        if not await self._may_still_be_told():
            return
        await self.send_json(event["message"])

    async def room_broadcast(self, event: dict[str, Any]) -> None:
        if event["message"]["type"] != "closed" and not await self._may_still_be_told():
            return
        await self.send_json(event["message"])
        if event["message"]["type"] == "closed":
            await self.close(code=4410)

    # Helpers.

    async def _enter_call(self, participant: Participant) -> None:
        assert self.me is not None and self.room is not None
        peers = await database_sync_to_async(access_call_members)(
            self.scope.get("user"), self.me, self.room, participant
        )
        await self.send_json({"type": "admitted", "peers": [_peer(p) for p in peers]})
        await self._to_call({"type": "joined", "peer": _peer(participant)}, skip=participant.pk)

    async def _call_members(self, exclude: int | None = None) -> list[Participant]:
        assert self.room is not None
        return await database_sync_to_async(selectors.list_call_members)(self.room, exclude=exclude)

    async def _in_call(self) -> bool:
        assert self.participant_id is not None
        return await database_sync_to_async(selectors.is_in_call)(self.participant_id)

    async def _channel_in_call(self, target: int) -> str | None:
        assert self.room is not None and self.participant_id is not None
        return await database_sync_to_async(selectors.channel_in_call)(
            self.room, sender_id=self.participant_id, target_id=target
        )

    async def _to_call(self, message: dict[str, Any], skip: int | None = None) -> None:
        for member in await self._call_members(exclude=skip):
            await self.channel_layer.send(
                member.channel_name, {"type": "room.forward", "message": message}
            )

    async def _to_clinician(self, message: dict[str, Any]) -> None:
        assert self.room is not None
        channels = await database_sync_to_async(selectors.list_clinician_channels)(self.room)
        for channel in channels:
            await self.channel_layer.send(channel, {"type": "room.forward", "message": message})

    async def _tell_clinician_who_waits(self) -> None:
        """Ask the clinician's sockets to show who waits now (each reads it itself, audited)."""
        assert self.room is not None
        await self.channel_layer.group_send(room_group(self.room.pk), {"type": "room.lobby"})

    async def _error(self, message: str) -> None:
        await self.send_json({"type": "error", "error": message})
