"""The built-in mesh holds four people, clinician included (ADR 0011): the clinician's Let in for
a fifth is refused over the socket with a message they are shown, and the person keeps waiting."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from caremode.rooms import services
from caremode.rooms.models import Participant
from caremode.rooms.tests.sockets import pass_session, socket, staff_session, until
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_clinician_is_told_plainly_that_a_fifth_person_cannot_be_let_in(
    clinician, service_user
):
    contact = ContactFactory(
        service_user=service_user, clinician=clinician, consultation_type="group_therapy"
    )
    room, links = services.open_room(actor=clinician, contact=contact)
    for i in range(3):  # three others already in the call (capacity only: no pass behind them)
        Participant.objects.create(
            room=room,
            identity=f"test:{i}",
            role="carer",
            label=f"Member {i}",
            arrived_at=timezone.now(),
            admitted_at=timezone.now(),
            status="admitted",
        )

    async def scenario():
        host = socket(room, clinician, await database_sync_to_async(staff_session)(clinician))
        assert (await host.connect())[0]
        guest_session = await database_sync_to_async(pass_session)(room, links[0])
        guest = socket(room, AnonymousUser(), guest_session)
        assert (await guest.connect())[0]
        guest_id = (await until(guest, "you"))["id"]
        await until(guest, "waiting")
        await host.send_json_to({"type": "admit", "participant": guest_id})
        refused = await until(host, "error")
        assert refused["error"] == "A call holds 4 people; someone must leave first."
        assert await guest.receive_nothing(timeout=0.3)  # not admitted
        await guest.disconnect()
        await host.disconnect()

    async_to_sync(scenario)()
    assert Participant.objects.get(room=room, role="service_user").status == "waiting"
