"""Sessions rule WebSockets too: through the real ASGI application (cookie, origin, Channels'
auth stack and CareMode's session policy), the team socket and the room socket refuse ended and
half-verified sessions, close when the person signs out, and refuse an open socket's next
message once its session has ended."""

from __future__ import annotations

import json
import time

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from caremode.accounts import sessions
from caremode.audit.models import AuditEvent
from caremode.rooms import services as rooms
from caremode.rooms.access import PASSES_KEY
from caremode.rooms.tests.sockets import pass_session
from caremode.rooms.tests.sockets import socket as room_socket
from caremode.signin.sockets import SESSION_ENDED
from config.asgi import application
from tests.factories import ContactFactory, signed_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def room(clinician, service_user):
    contact = ContactFactory(service_user=service_user, clinician=clinician)
    opened, _links = rooms.open_room(actor=clinician, contact=contact)
    return opened


@pytest.fixture
def paths(team, room):
    return {"team": f"/ws/teams/{team.pk}/contacts/", "room": f"/ws/rooms/{room.pk}/"}


def _socket(client: Client, path: str) -> WebsocketCommunicator:
    """A browser's socket: the session cookie and a same-site origin, as Chromium sends them."""
    cookie = (
        f"sessionid={client.cookies['sessionid'].value}" if "sessionid" in client.cookies else ""
    )
    return WebsocketCommunicator(
        application,
        path,
        headers=[(b"cookie", cookie.encode()), (b"origin", b"http://localhost")],
    )


def _age(client: Client, **seconds_ago: float) -> None:
    """Move the session's sign-in clocks into the past (started, last_seen)."""
    session = client.session
    now = time.time()
    if "started" in seconds_ago:
        session[sessions.STARTED] = now - seconds_ago["started"]
    if "last_seen" in seconds_ago:
        session[sessions.LAST_SEEN] = now - seconds_ago["last_seen"]
    session.save()


def _password_only(client: Client, user) -> Client:
    client.force_login(user)
    session = client.session
    sessions.mark_password_confirmed(session)
    session.save()
    return client


@pytest.mark.parametrize("socket", ["team", "room"])
@pytest.mark.parametrize("state", ["idle 31 minutes", "signed in 12 hours", "password only"])
def test_ended_and_half_verified_staff_sessions_cannot_open_a_socket(
    socket, state, clinician, paths
):
    client = Client()
    if state == "password only":
        _password_only(client, clinician)
    else:
        signed_in(client, clinician)
        if state == "idle 31 minutes":
            _age(client, last_seen=31 * 60)
        else:
            _age(client, started=12 * 60 * 60 + 60, last_seen=60)

    async def scenario():
        connected, code = await _socket(client, paths[socket]).connect()
        assert (connected, code) == (False, SESSION_ENDED)

    async_to_sync(scenario)()


@pytest.mark.parametrize("socket", ["team", "room"])
def test_signing_out_closes_the_sockets_opened_on_that_session(socket, clinician, paths):
    client = signed_in(Client(), clinician)
    other_browser = signed_in(Client(), clinician)

    async def scenario():
        mine, elsewhere = _socket(client, paths[socket]), _socket(other_browser, paths[socket])
        assert (await mine.connect())[0] and (await elsewhere.connect())[0]
        response = await sync_to_async(client.post)("/account/sign-out/")
        assert response.status_code == 302
        closed = await mine.receive_output(timeout=2)
        while closed["type"] != "websocket.close":  # room sockets say hello first
            closed = await mine.receive_output(timeout=2)
        assert closed["code"] == SESSION_ENDED
        # The same person's other browser keeps its own session and socket.
        await elsewhere.send_json_to({"type": "ping", "sent": 1})
        answer = await elsewhere.receive_json_from(timeout=2)
        while answer.get("type") not in ("pong", None):
            answer = await elsewhere.receive_json_from(timeout=2)
        assert "session_ended" not in str(answer)
        await elsewhere.disconnect()

    async_to_sync(scenario)()


@pytest.mark.parametrize("socket", ["team", "room"])
def test_an_open_socket_is_refused_at_its_next_message_once_the_session_has_ended(
    socket, clinician, paths
):
    client = signed_in(Client(), clinician)

    async def scenario():
        communicator = _socket(client, paths[socket])
        assert (await communicator.connect())[0]
        await database_sync_to_async(_age)(client, last_seen=31 * 60)
        await communicator.send_json_to({"type": "ping", "sent": 1})
        message = await communicator.receive_json_from(timeout=2)
        while message.get("type") != "session_ended":
            message = await communicator.receive_json_from(timeout=2)
        assert "30 minutes without activity" in message["error"]
        closed = await communicator.receive_output(timeout=2)
        assert closed == {"type": "websocket.close", "code": SESSION_ENDED}

    async_to_sync(scenario)()


def test_acting_on_the_room_socket_counts_as_activity(clinician, paths):
    """A clinician in a long call does not reach the idle limit while the call is in use."""
    client = signed_in(Client(), clinician)
    _age(client, last_seen=20 * 60)

    async def scenario():
        communicator = _socket(client, paths["room"])
        assert (await communicator.connect())[0]
        await communicator.send_json_to({"type": "ping", "sent": 1})
        message = await communicator.receive_json_from(timeout=2)
        while message["type"] != "pong":
            message = await communicator.receive_json_from(timeout=2)
        await communicator.disconnect()

    async_to_sync(scenario)()
    assert time.time() - client.session[sessions.LAST_SEEN] < 60


def test_a_pass_holder_without_a_sign_in_still_joins_through_the_policy(room):
    """Carers and interpreters are anonymous; their pass, bound to the session, lets them in."""
    link = rooms.issue_pass(
        actor=room.opened_by, room=room, role="interpreter", label="Interpreter"
    )
    browser = Client()
    session = SessionStore()
    session.create()
    token = link.url.rstrip("/").rsplit("/", 1)[-1]
    held = rooms.redeem_pass(token=token, session_key=session.session_key)
    session[PASSES_KEY] = {str(room.pk): held.pk}
    session.save()
    browser.cookies["sessionid"] = session.session_key

    async def scenario():
        communicator = _socket(browser, f"/ws/rooms/{room.pk}/")
        assert (await communicator.connect())[0]
        await communicator.send_json_to({"type": "ping", "sent": 7})
        message = await communicator.receive_json_from(timeout=2)
        while message["type"] != "pong":
            message = await communicator.receive_json_from(timeout=2)
        assert message["sent"] == 7
        await communicator.disconnect()

    async_to_sync(scenario)()


def test_an_idle_clinicians_room_socket_is_not_pushed_who_waits(clinician, service_user):
    """The waiting list (names) is pushed only to a socket whose session still holds: a tab left
    idle past the limit is closed when someone arrives, and no read is audited in its name."""
    contact = ContactFactory(service_user=service_user, clinician=clinician)
    room, links = rooms.open_room(actor=clinician, contact=contact)
    guest_session = pass_session(room, {link.role: link for link in links}["service_user"])
    client = signed_in(Client(), clinician)

    async def scenario():
        host = _socket(client, f"/ws/rooms/{room.pk}/")
        assert (await host.connect())[0]
        await database_sync_to_async(_age)(client, last_seen=31 * 60)
        guest = room_socket(room, AnonymousUser(), guest_session)
        assert (await guest.connect())[0]
        pushed = []
        while (output := await host.receive_output(timeout=3))["type"] != "websocket.close":
            pushed.append(json.loads(output["text"]))
        assert output["code"] == SESSION_ENDED
        assert not [m for m in pushed if m["type"] == "lobby" and m["waiting"]]
        await guest.disconnect()

    async_to_sync(scenario)()
    assert not AuditEvent.objects.filter(
        actor=clinician, detail__purpose="video waiting room"
    ).exists()
