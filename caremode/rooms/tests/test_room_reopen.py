"""Re-opening a join link on another phone or computer (E10, hazard V11): after a check (the
service user's date of birth; a code sent to a carer's own address), the pass moves to the new
browser and the first is told and disconnected; wrong answers are counted and lock the pass; the
link still expires; every attempt is audited."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from caremode.audit.models import AuditEvent
from caremode.messaging.models import OutboundMessage
from caremode.rooms import reopening, services
from caremode.rooms.access import PASSES_KEY, identify
from caremode.rooms.errors import PassInUseElsewhereError, PassNotValidError, RoomError
from caremode.rooms.models import Participant, RoomPass
from caremode.rooms.tests.sockets import (
    closed_with,
    in_a_call,
    pass_session,
    socket,
    token_of,
    until,
)
from tests.factories import CarerConsentFactory, ContactFactory

BORN = dt.date(1980, 5, 17)  # the factory's date of birth


@pytest.fixture
def contact(clinician, service_user):
    consent = CarerConsentFactory(service_user=service_user)
    consent.carer.phone = "07700900456"
    consent.carer.save()
    return ContactFactory(
        service_user=service_user,
        clinician=clinician,
        carer_invited=consent.carer,
        interpreter_needed=True,
    )


@pytest.fixture
def opened(clinician, contact):
    room, links = services.open_room(actor=clinician, contact=contact)
    return room, {link.role: link for link in links}


def _browser() -> SessionStore:
    session = SessionStore()
    session.create()
    return session


def _used_elsewhere(room, link) -> int:
    """The link is opened on a first browser, then on a second: the pass's id."""
    pass_session(room, link)
    with pytest.raises(PassInUseElsewhereError) as raised:
        services.redeem_pass(token=token_of(link), session_key=_browser().session_key)
    return raised.value.pass_id


def _reopen_audits(pass_id: int) -> list[dict]:
    return [
        e.detail
        for e in AuditEvent.objects.filter(object_type="rooms.RoomPass", object_id=str(pass_id))
        if e.detail.get("reopen")
    ]


@pytest.mark.django_db
def test_the_service_user_reopens_their_link_with_their_date_of_birth(opened):
    room, links = opened
    first = pass_session(room, links["service_user"])
    pass_id = RoomPass.objects.get(room=room, role="service_user", used_at__isnull=False).pk
    with pytest.raises(PassInUseElsewhereError):
        services.redeem_pass(token=token_of(links["service_user"]), session_key="other")
    second = _browser()
    wrong = reopening.reopen_pass(
        pass_id=pass_id, session_key=second.session_key, date_of_birth=dt.date(1980, 5, 18)
    )
    assert wrong.reopened is None and wrong.tries_left == 4
    right = reopening.reopen_pass(
        pass_id=pass_id, session_key=second.session_key, date_of_birth=BORN
    )
    assert right.reopened is not None and right.reopened.session_key == second.session_key
    second[PASSES_KEY] = {str(room.pk): pass_id}
    second.save()
    assert identify(room, AnonymousUser(), first) is None  # the first browser is out
    assert identify(room, AnonymousUser(), second).key == f"pass:{pass_id}"
    assert _reopen_audits(pass_id) == [
        {
            "reopen": True,
            "role": "service_user",
            "reopened": False,
            "check": "date_of_birth",
            "tries_left": 4,
        },
        {"reopen": True, "role": "service_user", "reopened": True, "check": "date_of_birth"},
    ]
    assert "1980" not in str(_reopen_audits(pass_id))  # the answer itself is never kept


@pytest.mark.django_db
def test_wrong_answers_lock_the_link_and_an_expired_link_cannot_be_reopened(opened, contact):
    room, links = opened
    pass_id = _used_elsewhere(room, links["service_user"])
    for left in (4, 3, 2, 1, 0):
        answer = reopening.reopen_pass(
            pass_id=pass_id, session_key="x" * 32, date_of_birth=dt.date(2001, 1, 1)
        )
        assert answer.tries_left == left
    with pytest.raises(PassNotValidError, match="locked"):
        reopening.reopen_pass(pass_id=pass_id, session_key="x" * 32, date_of_birth=BORN)

    carer_pass = _used_elsewhere(room, links["carer"])
    with (
        time_machine.travel(contact.end_at + dt.timedelta(hours=2)),
        pytest.raises(PassNotValidError, match="no longer works"),
    ):
        reopening.send_reopen_code(pass_id=carer_pass)


def _last_code_message(pass_id: int) -> OutboundMessage:
    """The newest code sent for the pass (a new code replaces the one before)."""
    return OutboundMessage.objects.filter(reference=f"room-pass-code:{pass_id}").latest("pk")


@pytest.mark.django_db
def test_a_carer_reopens_with_a_code_sent_to_their_own_phone(opened, contact):
    room, links = opened
    pass_id = _used_elsewhere(room, links["carer"])
    assert reopening.send_reopen_code(pass_id=pass_id) == "your mobile phone ending 456"
    sent = _last_code_message(pass_id)
    assert sent.recipient == "+447700900456" and sent.carer_id == contact.carer_invited_id
    assert "Megan's video appointment" in sent.body
    code = re.search(r"\b(\d{6})\b", sent.body).group(1)
    assert code not in RoomPass.objects.get(pk=pass_id).code_hash  # only its hash is kept
    wrong = "000000" if code != "000000" else "111111"
    assert reopening.reopen_pass(pass_id=pass_id, session_key="n" * 32, code=wrong).reopened is None
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=11)):
        late = reopening.reopen_pass(pass_id=pass_id, session_key="n" * 32, code=code)
        assert late.reopened is None  # a code lasts ten minutes
    reopening.send_reopen_code(pass_id=pass_id)
    code = re.search(r"\b(\d{6})\b", _last_code_message(pass_id).body).group(1)
    assert reopening.reopen_pass(pass_id=pass_id, session_key="n" * 32, code=code).reopened
    reopening.send_reopen_code(pass_id=pass_id)
    with pytest.raises(RoomError, match="as many codes"):
        reopening.send_reopen_code(pass_id=pass_id)


@pytest.mark.django_db
def test_an_interpreter_is_asked_to_get_a_new_link(opened):
    room, links = opened
    pass_id = _used_elsewhere(room, links["interpreter"])
    held = RoomPass.objects.get(pk=pass_id)
    assert reopening.check_for(held) == "ask_for_a_new_link"
    with pytest.raises(PassNotValidError, match="Ask for a new one"):
        reopening.reopen_pass(pass_id=pass_id, session_key="n" * 32, code="123456")


@pytest.mark.django_db(transaction=True)
def test_the_first_browser_is_told_and_disconnected_and_the_second_waits(clinician, opened):
    room, links = opened

    async def scenario():
        first = await database_sync_to_async(pass_session)(room, links["service_user"])
        host, guest, guest_id = await in_a_call(room, clinician, first)
        second = await database_sync_to_async(_browser)()
        pass_id = (
            await database_sync_to_async(RoomPass.objects.get)(
                room=room, role="service_user", used_at__isnull=False
            )
        ).pk
        answer = await database_sync_to_async(reopening.reopen_pass)(
            pass_id=pass_id, session_key=second.session_key, date_of_birth=BORN
        )
        assert answer.reopened is not None
        assert (await until(guest, "moved")) == {"type": "moved"}
        assert await closed_with(guest) == 4403
        assert (await until(host, "left"))["peer"] == guest_id

        second[PASSES_KEY] = {str(room.pk): pass_id}
        await database_sync_to_async(second.save)()
        again = socket(room, AnonymousUser(), second)
        assert (await again.connect())[0]
        me = await until(again, "you")
        assert me["id"] == guest_id and me["status"] == "waiting"  # let in again by the clinician
        waiting: list = []
        while not waiting:  # the lobby as the move left it (empty), then with the newcomer
            waiting = (await until(host, "lobby"))["waiting"]
        assert [w["id"] for w in waiting] == [guest_id]
        await again.disconnect()
        await host.disconnect()

    async_to_sync(scenario)()
    assert Participant.objects.get(room=room, role="service_user").drops == 0


@pytest.mark.django_db
def test_the_page_asks_for_the_date_of_birth_then_moves_the_link(opened):
    room, links = opened
    path = links["service_user"].url.removeprefix("http://127.0.0.1:8000")
    Client().get(path)  # the first browser
    second = Client()
    response = second.get(path)
    assert response.status_code == 302 and response["Location"] == "/rooms/join/again/"
    page = second.get("/rooms/join/again/").content.decode()
    assert "already been used on another phone or computer" in page
    assert "Your date of birth" in page
    wrong = second.post(
        "/rooms/join/again/",
        {"date_of_birth_0": "1", "date_of_birth_1": "1", "date_of_birth_2": "1990"},
    )
    assert "You can try 4 more time(s)" in wrong.content.decode()
    right = second.post(
        "/rooms/join/again/",
        {"date_of_birth_0": "17", "date_of_birth_1": "5", "date_of_birth_2": "1980"},
    )
    assert right["Location"] == f"/rooms/{room.pk}/wait/"
    assert "Hello Megan" in second.get(right["Location"]).content.decode()
    assert Client().get("/rooms/join/again/").status_code == 404  # nothing to re-open here
