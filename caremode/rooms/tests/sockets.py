"""What the room tests share: browsers with a staff session or a redeemed pass, a socket to a
room, and reading what a socket was sent."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.urls import path

from caremode.rooms import services
from caremode.rooms.access import PASSES_KEY
from caremode.rooms.consumers import RoomConsumer
from caremode.rooms.models import Room
from tests.factories import signed_in_session

ROUTER = URLRouter([path("ws/rooms/<int:room_id>/", RoomConsumer.as_asgi())])


def staff_session(user) -> SessionStore:
    return signed_in_session(user)


def token_of(link: services.IssuedLink) -> str:
    return link.url.rstrip("/").rsplit("/", 1)[-1]


def pass_session(room: Room, link: services.IssuedLink) -> SessionStore:
    """A browser that opened `link`: the pass is redeemed and bound to its session."""
    session = SessionStore()
    session.create()
    held = services.redeem_pass(token=token_of(link), session_key=session.session_key)
    session[PASSES_KEY] = {str(room.pk): held.pk}
    session.save()
    return session


def socket(room: Room, user, session) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(ROUTER, f"/ws/rooms/{room.pk}/")
    communicator.scope["user"] = user
    communicator.scope["session"] = session
    return communicator


async def until(communicator, kind: str, timeout: float = 3) -> dict:
    """The next message of `kind`, skipping others."""
    while True:
        message = await communicator.receive_json_from(timeout=timeout)
        if message["type"] == kind:
            return message


async def closed_with(communicator, timeout: float = 3) -> int:
    """Read what the socket is sent until the server closes it; the close code."""
    while True:
        output = await communicator.receive_output(timeout=timeout)
        if output["type"] == "websocket.close":
            return output.get("code", 1000)


async def drain(communicator, quiet: float = 0.3) -> list[dict]:
    """Everything the socket is sent until it has been quiet for `quiet` seconds."""
    received = []
    while not await communicator.receive_nothing(timeout=quiet):
        received.append(await communicator.receive_json_from())
    return received


async def in_a_call(room: Room, clinician, guest_session) -> tuple:
    """The clinician's socket and a guest's, the guest let in: (host, guest, guest's id)."""
    host = socket(room, clinician, await database_sync_to_async(staff_session)(clinician))
    assert (await host.connect())[0]
    guest = socket(room, AnonymousUser(), guest_session)
    assert (await guest.connect())[0]
    guest_id = (await until(guest, "you"))["id"]
    await host.send_json_to({"type": "admit", "participant": guest_id})
    await until(guest, "admitted")
    return host, guest, guest_id
