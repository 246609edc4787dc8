"""The waiting-room and signalling protocol, with Channels' communicator: who may join, what the
clinician sees, admitting, signalling only inside the call, bad messages, expired or reused
links, reconnection, privacy, fallback and the outcome recorded from the room."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from caremode.messaging.models import OutboundMessage
from caremode.rooms import services
from caremode.rooms.errors import PassNotValidError
from caremode.rooms.models import Participant, Room
from caremode.rooms.tests.sockets import in_a_call, pass_session, socket, staff_session, until
from caremode.scheduling.models import Contact, FollowUpTask
from tests.factories import CarerConsentFactory, ContactFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def video_contact(clinician, service_user):
    service_user.phone = "07700900123"
    service_user.accepts_sms = True
    service_user.save()
    return ContactFactory(service_user=service_user, clinician=clinician, interpreter_needed=True)


@pytest.fixture
def opened(clinician, video_contact):
    room, links = services.open_room(actor=clinician, contact=video_contact, safe_word="bluebell")
    return room, {link.role: link for link in links}


def test_opening_sends_the_service_user_a_link_and_the_interpreter_theirs(
    clinician, video_contact, opened
):
    room, links = opened
    assert set(links) == {"service_user", "interpreter"}
    sent = OutboundMessage.objects.get(purpose="room_link", recipient_kind="service_user")
    assert sent.recipient == "+447700900123" and links["service_user"].url in sent.body
    interpreter = OutboundMessage.objects.get(purpose="room_link", recipient_kind="interpreter")
    assert links["interpreter"].url in interpreter.body
    assert links["interpreter"].url not in sent.body
    assert "/rooms/test/" in sent.body
    token = links["service_user"].url.rstrip("/").rsplit("/", 1)[-1]
    stored = list(room.passes.values_list("token_hash", flat=True))
    assert len(stored) == 2 and all(token not in h for h in stored)  # only hashes are kept


def test_a_link_works_once_on_one_browser_and_expires(clinician, opened, video_contact):
    _room, links = opened
    token = links["service_user"].url.rstrip("/").rsplit("/", 1)[-1]
    first = SessionStore()
    first.create()
    held = services.redeem_pass(token=token, session_key=first.session_key)
    assert services.redeem_pass(token=token, session_key=first.session_key) == held  # same browser
    other = SessionStore()
    other.create()
    with pytest.raises(PassNotValidError, match="already been used"):
        services.redeem_pass(token=token, session_key=other.session_key)
    interpreter = links["interpreter"].url.rstrip("/").rsplit("/", 1)[-1]
    with (
        time_machine.travel(video_contact.end_at + dt.timedelta(hours=2)),
        pytest.raises(PassNotValidError, match="expired"),
    ):
        services.redeem_pass(token=interpreter, session_key=other.session_key)
    with pytest.raises(PassNotValidError, match="not recognised"):
        services.redeem_pass(token="made-up", session_key=other.session_key)


def test_strangers_and_other_teams_cannot_join(opened, other_team_clinician, service_user):
    room, _links = opened

    async def scenario():
        for user, session in [
            (AnonymousUser(), await database_sync_to_async(_empty_session)()),
            (
                other_team_clinician,
                await database_sync_to_async(staff_session)(other_team_clinician),
            ),
        ]:
            communicator = socket(room, user, session)
            connected, code = await communicator.connect()
            assert not connected and code == 4403

    async_to_sync(scenario)()


def _empty_session() -> SessionStore:
    session = SessionStore()
    session.create()
    return session


def test_waiting_admitting_signalling_chat_and_privacy(clinician, opened, video_contact):
    room, links = opened

    async def scenario():
        host = socket(room, clinician, await database_sync_to_async(staff_session)(clinician))
        assert (await host.connect())[0]
        me = await until(host, "you")
        assert me["role"] == "clinician" and me["status"] == "admitted"
        assert (await until(host, "lobby"))["waiting"] == []

        guest_session = await database_sync_to_async(pass_session)(room, links["service_user"])
        guest = socket(room, AnonymousUser(), guest_session)
        assert (await guest.connect())[0]
        guest_id = (await until(guest, "you"))["id"]
        await until(guest, "waiting")
        lobby = await until(host, "lobby")
        assert [(w["id"], w["label"], w["role"]) for w in lobby["waiting"]] == [
            (guest_id, "Megan", "service_user")
        ]

        # Before admission: no signalling, no chat, and the guest cannot admit anyone.
        await guest.send_json_to({"type": "signal", "to": me["id"], "data": {"sdp": "x"}})
        assert "only signal" in (await until(guest, "error"))["error"]
        await guest.send_json_to({"type": "admit", "participant": guest_id})
        assert "Only the clinician" in (await until(guest, "error"))["error"]

        # The private answer goes to the clinician only.
        await guest.send_json_to({"type": "privacy", "answer": "no"})
        await host.send_json_to({"type": "admit", "participant": guest_id})
        admitted = await until(guest, "admitted")
        assert [p["id"] for p in admitted["peers"]] == [me["id"]]
        joined = await until(host, "joined")
        assert joined["peer"]["id"] == guest_id
        # privacy arrived at the host before or after "joined": look at what it has
        await guest.send_json_to({"type": "signal", "to": me["id"], "data": {"description": "o"}})
        signal = await until(host, "signal")
        assert signal == {"type": "signal", "from": guest_id, "data": {"description": "o"}}
        await guest.send_json_to({"type": "chat", "text": "See you next week"})
        chat = await until(host, "chat")
        assert chat == {"type": "chat", "from": "Megan", "text": "See you next week"}
        # The safe word is not relayed: the clinician alone is told (tests: test_room_safe_word).
        await guest.send_json_to({"type": "chat", "text": "Can't talk - bluebell"})
        privacy = await until(host, "privacy")
        assert privacy == {"type": "privacy", "answer": "no", "via": "safe word"}
        await guest.disconnect()
        await host.disconnect()

    async_to_sync(scenario)()
    room.refresh_from_db()
    assert room.private_answer == "no"


def test_bad_messages_are_answered_with_an_error_and_the_socket_stays(clinician, opened):
    room, _links = opened

    async def scenario():
        host = socket(room, clinician, await database_sync_to_async(staff_session)(clinician))
        assert (await host.connect())[0]
        for bad, expected in [
            ("not json", "not JSON"),
            ("[1, 2]", "object with a type"),
            ('{"type": "dance"}', "Unknown message type"),
            ('{"type": "chat", "text": ""}', "1 to 2000"),
            ('{"type": "signal", "to": "x"}', "signal needs"),
            ('{"type": "admit"}', "participant's id"),
            ('{"type": "admit", "participant": 999999}', "no longer waiting"),
            ('{"type": "quality", "level": "superb"}', "good, fair or poor"),
            ('{"type": "privacy", "answer": "no"}', "Only the service user"),
            ("x" * (65 * 1024), "64 KiB"),
        ]:
            await host.send_to(text_data=bad)
            assert expected in (await until(host, "error"))["error"], bad
        await host.send_json_to({"type": "ping", "sent": 1})
        assert (await until(host, "pong"))["sent"] == 1
        await host.disconnect()

    async_to_sync(scenario)()


def test_a_dropped_guest_comes_back_into_the_call_and_drops_are_counted(
    clinician, opened, video_contact
):
    room, links = opened

    async def scenario():
        host = socket(room, clinician, await database_sync_to_async(staff_session)(clinician))
        assert (await host.connect())[0]
        guest_session = await database_sync_to_async(pass_session)(room, links["service_user"])
        guest = socket(room, AnonymousUser(), guest_session)
        assert (await guest.connect())[0]
        guest_id = (await until(guest, "you"))["id"]
        await host.send_json_to({"type": "admit", "participant": guest_id})
        await until(guest, "admitted")
        for _ in range(2):
            await guest.disconnect()  # a dropped connection, not "leave"
            assert (await until(host, "left"))["peer"] == guest_id
            guest = socket(room, AnonymousUser(), guest_session)
            assert (await guest.connect())[0]
            back = await until(guest, "you")
            assert back == {
                "type": "you",
                "id": guest_id,
                "role": "service_user",
                "status": "admitted",
            }
            await until(guest, "admitted")  # straight back in, no second wait
        await guest.send_json_to({"type": "leave"})
        while (await guest.receive_output(timeout=3))["type"] != "websocket.close":
            pass  # the server closes the socket once the leaving is recorded
        await host.disconnect()

    async_to_sync(scenario)()
    guest = Participant.objects.get(room=room, role="service_user")
    assert guest.drops == 2 and guest.status == "left"


def test_an_expired_pass_cannot_reconnect(clinician, opened, video_contact):
    room, links = opened
    guest_session = pass_session(room, links["service_user"])

    async def scenario():
        with time_machine.travel(video_contact.end_at + dt.timedelta(hours=2)):
            guest = socket(room, AnonymousUser(), guest_session)
            connected, code = await guest.connect()
            assert not connected and code == 4403

    async_to_sync(scenario)()


def test_ending_records_attendance_lateness_and_a_repeatedly_dropping_call(
    clinician, opened, video_contact
):
    room, links = opened
    guest_session = pass_session(room, links["service_user"])
    with time_machine.travel(video_contact.start + dt.timedelta(minutes=8), tick=False):

        async def scenario():
            guest = socket(room, AnonymousUser(), guest_session)
            assert (await guest.connect())[0]
            guest_id = (await until(guest, "you"))["id"]
            await database_sync_to_async(services.admit)(
                actor=clinician, room=room, participant_id=guest_id
            )
            await guest.disconnect()

        async_to_sync(scenario)()
        Participant.objects.filter(room=room, role="service_user").update(drops=2)
        contact = services.end_call(actor=clinician, room=room)
    assert contact.attend_status == "6"  # arrived late (8 minutes) but was seen
    assert contact.mode_used == "video" and contact.technical_failure
    assert contact.late_start_minutes == 8
    assert "dropped 2 time(s)" in contact.outcome_notes
    assert Room.objects.get(pk=room.pk).closed_at is not None


def test_falling_back_records_telephone_and_the_video_failure(clinician, opened, video_contact):
    room, links = opened
    guest_session = pass_session(room, links["service_user"])
    with time_machine.travel(video_contact.start + dt.timedelta(minutes=1), tick=False):

        async def scenario():
            host, guest, _guest_id = await in_a_call(room, clinician, guest_session)
            phone = await database_sync_to_async(services.fall_back_to_telephone)(
                actor=clinician, room=room
            )
            assert phone == "07700900123"
            told = await until(guest, "fallback")  # sent by the service once it committed
            assert "Your clinician will phone you now" in told["message"]
            await guest.disconnect()
            await host.disconnect()

        async_to_sync(scenario)()
        contact = services.end_call(actor=clinician, room=room)
    assert (contact.attend_status, contact.mode_used, contact.technical_failure) == (
        "5",
        "telephone",
        True,
    )
    assert contact.cons_mechanism_used == "02"


def test_no_one_arriving_is_recorded_as_did_not_attend(clinician, opened, video_contact):
    room, _links = opened
    with time_machine.travel(video_contact.end_at, tick=False):
        contact = services.end_call(actor=clinician, room=room)
    assert contact.attend_status == "3"
    assert FollowUpTask.objects.filter(contact=contact).exists()  # the team follows it up


def test_a_carer_joins_only_with_consent_to_join(clinician, service_user, team):
    consent = CarerConsentFactory(service_user=service_user)
    contact = ContactFactory(
        service_user=service_user, clinician=clinician, carer_invited=consent.carer
    )
    other = CarerConsentFactory(service_user=service_user)  # gets reminders, is not invited
    for carer in (consent.carer, other.carer):
        carer.phone, carer.email = "", f"{carer.pk}@example.org"
        carer.save()
    _room, links = services.open_room(actor=clinician, contact=contact)
    assert [link.role for link in links] == ["service_user", "carer"]
    sent = {m.recipient: m.body for m in OutboundMessage.objects.filter(purpose="room_link")}
    assert links[1].url in sent[f"{consent.carer.pk}@example.org"]
    assert f"{other.carer.pk}@example.org" not in sent  # no one else's link
    consent.revoked_at = timezone.now()
    consent.save()
    with pytest.raises(services.RoomError, match="no longer has consent"):
        services.open_room(actor=clinician, contact=contact)


def test_a_full_call_refuses_a_fifth_person(clinician, opened, team):
    room, _links = opened
    for i in range(4):
        Participant.objects.create(
            room=room,
            identity=f"test:{i}",  # capacity only: no pass behind these
            role="carer",
            label=f"P{i}",
            arrived_at=timezone.now(),
            status="admitted" if i < 3 else "waiting",
        )
    Participant.objects.create(
        room=room,
        identity="user:c",
        role="clinician",
        label="C",
        arrived_at=timezone.now(),
        status="admitted",
    )
    waiting = Participant.objects.get(room=room, status="waiting")
    with pytest.raises(services.RoomError, match="holds 4 people"):
        services.admit(actor=clinician, room=room, participant_id=waiting.pk)


def test_the_worker_closes_a_room_nobody_ended_and_records_the_no_show(
    clinician, opened, video_contact
):
    room, _links = opened
    with time_machine.travel(video_contact.end_at + dt.timedelta(minutes=10), tick=False):
        assert services.close_abandoned_rooms() == 0  # not yet
    with time_machine.travel(video_contact.end_at + dt.timedelta(minutes=31), tick=False):
        assert services.close_abandoned_rooms() == 1
    video_contact.refresh_from_db()
    assert video_contact.attend_status == "3" and video_contact.outcome_recorded_by is None
    assert Room.objects.get(pk=room.pk).closed_at is not None
    assert FollowUpTask.objects.filter(contact=video_contact).exists()


def test_a_call_begun_a_little_early_ends_before_its_booked_time_with_its_outcome(
    clinician, opened, video_contact
):
    room, links = opened
    guest_session = pass_session(room, links["service_user"])
    early = video_contact.start - dt.timedelta(minutes=10)  # within the 15-minute window
    with time_machine.travel(early, tick=False):

        async def scenario():
            host, guest, _guest_id = await in_a_call(room, clinician, guest_session)
            await database_sync_to_async(services.end_call)(actor=clinician, room=room)
            assert (await until(guest, "closed"))["type"] == "closed"  # everyone is told
            assert (await until(host, "closed"))["type"] == "closed"
            await guest.disconnect()
            await host.disconnect()

        async_to_sync(scenario)()
    contact = Contact.objects.get(pk=video_contact.pk)
    assert (contact.attend_status, contact.mode_used, contact.late_start_minutes) == (
        "5",
        "video",
        None,
    )
    assert Room.objects.get(pk=room.pk).closed_at is not None


def test_a_call_begun_before_the_early_window_closes_without_guessing_an_outcome(
    clinician, opened, video_contact
):
    room, links = opened
    guest_session = pass_session(room, links["service_user"])
    with time_machine.travel(video_contact.start - dt.timedelta(minutes=16), tick=False):

        async def scenario():
            host, guest, _guest_id = await in_a_call(room, clinician, guest_session)
            await guest.disconnect()
            await host.disconnect()

        async_to_sync(scenario)()
        contact = services.end_call(actor=clinician, room=room)
    assert not contact.has_outcome
    assert Room.objects.get(pk=room.pk).closed_at is not None


def test_ending_before_the_booked_time_with_no_one_let_in_says_so(clinician, opened, video_contact):
    room, _links = opened
    with (
        time_machine.travel(video_contact.start - dt.timedelta(minutes=5), tick=False),
        pytest.raises(services.RoomError, match="No one has been let in yet"),
    ):
        services.end_call(actor=clinician, room=room)
    assert Room.objects.get(pk=room.pk).closed_at is None
