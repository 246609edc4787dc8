"""Room services are atomic and tell the open sockets only after they commit; the worker's room
closures reach the open sockets too; joining a room is audited as reads naming who was shown."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import transaction

from caremode.audit.models import AuditEvent
from caremode.rooms import services
from caremode.rooms.models import Room
from caremode.rooms.tests.sockets import (
    closed_with,
    drain,
    in_a_call,
    pass_session,
    socket,
    staff_session,
    until,
)
from caremode.scheduling.models import FollowUpTask
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def video_contact(clinician, service_user):
    service_user.phone = "07700900123"
    service_user.save()
    return ContactFactory(service_user=service_user, clinician=clinician)


@pytest.fixture
def opened(clinician, video_contact):
    room, links = services.open_room(actor=clinician, contact=video_contact)
    return room, {link.role: link for link in links}


def test_a_failure_after_recording_the_outcome_leaves_nothing_half_written(
    clinician, opened, video_contact, monkeypatch
):
    room, _links = opened
    real = services.record_event

    def fail_on_closing(**kwargs):
        if (kwargs.get("detail") or {}).get("closed"):
            raise RuntimeError("the database went away")
        return real(**kwargs)

    monkeypatch.setattr(services, "record_event", fail_on_closing)
    before = AuditEvent.objects.count()
    with (
        time_machine.travel(video_contact.end_at, tick=False),
        pytest.raises(RuntimeError),
    ):
        services.end_call(actor=clinician, room=room)
    video_contact.refresh_from_db()
    assert video_contact.attend_status is None  # the did-not-attend was rolled back
    assert Room.objects.get(pk=room.pk).closed_at is None
    assert not FollowUpTask.objects.filter(contact=video_contact).exists()
    assert AuditEvent.objects.count() == before


def test_room_events_are_not_broadcast_when_the_transaction_rolls_back(
    clinician, opened, video_contact
):
    room, links = opened
    guest_session = pass_session(room, links["service_user"])

    def then_roll_back(change) -> None:
        with transaction.atomic():
            change()
            transaction.set_rollback(True)

    async def scenario():
        guest = socket(room, AnonymousUser(), guest_session)
        assert (await guest.connect())[0]
        guest_id = (await until(guest, "you"))["id"]
        await until(guest, "waiting")
        await database_sync_to_async(services.admit)(
            actor=clinician, room=room, participant_id=guest_id
        )
        await drain(guest)
        await database_sync_to_async(then_roll_back)(
            lambda: services.fall_back_to_telephone(actor=clinician, room=room)
        )
        await database_sync_to_async(then_roll_back)(
            lambda: services.end_call(actor=clinician, room=room)
        )
        assert await guest.receive_nothing(timeout=0.5)  # neither fallback nor closed
        await database_sync_to_async(services.fall_back_to_telephone)(actor=clinician, room=room)
        assert (await until(guest, "fallback"))["type"] == "fallback"
        await guest.disconnect()

    # The socket connects at the time of the call: Channels' in-memory layer forgets group
    # members after a day, so a socket must not be moved days on by the clock.
    with time_machine.travel(video_contact.end_at, tick=False):
        async_to_sync(scenario)()
    assert Room.objects.get(pk=room.pk).closed_at is None


def test_ending_the_call_tells_every_open_socket_once_it_commits(clinician, opened, video_contact):
    room, links = opened
    guest_session = pass_session(room, links["service_user"])

    async def scenario():
        with time_machine.travel(video_contact.start + dt.timedelta(minutes=1), tick=False):
            guest = socket(room, AnonymousUser(), guest_session)
            assert (await guest.connect())[0]
            guest_id = (await until(guest, "you"))["id"]
            await database_sync_to_async(services.admit)(
                actor=clinician, room=room, participant_id=guest_id
            )
            await database_sync_to_async(services.end_call)(actor=clinician, room=room)
            assert (await until(guest, "closed"))["type"] == "closed"
            assert await closed_with(guest) == 4410

    async_to_sync(scenario)()


def test_the_worker_closes_an_abandoned_room_and_its_open_socket_is_told(
    clinician, opened, video_contact
):
    room, links = opened
    guest_session = pass_session(room, links["service_user"])

    async def scenario():
        with time_machine.travel(video_contact.start + dt.timedelta(minutes=1), tick=False):
            host, guest, _guest_id = await in_a_call(room, clinician, guest_session)
            await host.disconnect()  # the clinician's browser went away without ending
            await drain(guest)  # what the call says of it, while the pass still holds
        with time_machine.travel(video_contact.end_at + dt.timedelta(minutes=31), tick=False):
            await database_sync_to_async(call_command)("run_worker", "--once")
            assert (await until(guest, "closed"))["type"] == "closed"
            assert await closed_with(guest) == 4410

    async_to_sync(scenario)()
    video_contact.refresh_from_db()
    assert video_contact.attend_status == "5" and video_contact.outcome_recorded_by is None
    assert Room.objects.get(pk=room.pk).closed_at is not None


def test_joining_is_audited_as_reads_naming_the_people_shown(clinician, opened, service_user):
    room, links = opened
    guest_session = pass_session(room, links["service_user"])

    async def scenario():
        host = socket(room, clinician, await database_sync_to_async(staff_session)(clinician))
        assert (await host.connect())[0]
        host_id = (await until(host, "you"))["id"]
        guest = socket(room, AnonymousUser(), guest_session)
        assert (await guest.connect())[0]
        guest_id = (await until(guest, "you"))["id"]
        lobby = await until(host, "lobby")
        while not lobby["waiting"]:
            lobby = await until(host, "lobby")
        await host.send_json_to({"type": "admit", "participant": guest_id})
        await until(guest, "admitted")
        await guest.disconnect()
        await host.disconnect()
        return host_id, guest_id

    host_id, guest_id = async_to_sync(scenario)()
    reads = AuditEvent.objects.filter(
        action="read", object_type="rooms.Room", subject_id=service_user.pk
    )
    lobby_reads = [e for e in reads if e.detail["purpose"] == "video waiting room"]
    assert lobby_reads and all(e.actor_id == clinician.pk for e in lobby_reads)
    pass_id = room.passes.get(role="service_user", used_at__isnull=False).pk
    shown = {"id": guest_id, "who": f"pass:{pass_id}", "role": "service_user"}
    assert any(shown in e.detail["shown"] for e in lobby_reads)
    joined = [e for e in reads if e.detail["purpose"] == "joined video call"]
    by_guest = next(e for e in joined if e.detail["role"] == "service_user")
    assert [p["id"] for p in by_guest.detail["shown"]] == [host_id]
    arrivals = AuditEvent.objects.filter(object_type="rooms.Participant", object_id=str(guest_id))
    assert arrivals.filter(action="create", detail__role="service_user").exists()
