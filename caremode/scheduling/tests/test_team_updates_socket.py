"""WebSocket: the team channel admits only the team's care staff and carries no personal data."""

import pytest
from asgiref.sync import async_to_sync
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.urls import path

from caremode.scheduling.consumers import TeamContactsConsumer
from caremode.scheduling.services import book_contact
from tests.factories import next_working_day_at, signed_in_session

pytestmark = pytest.mark.django_db(transaction=True)


def _session(user, *, verified=True):
    """The session a signed-in person's browser brings: with the second factor passed or not."""
    if not getattr(user, "pk", None):
        return {}
    return signed_in_session(user, second_factor=verified)


def _communicator(user, team_id, session):
    communicator = WebsocketCommunicator(
        URLRouter([path("ws/teams/<int:team_id>/contacts/", TeamContactsConsumer.as_asgi())]),
        f"/ws/teams/{team_id}/contacts/",
    )
    communicator.scope["user"] = user
    communicator.scope["session"] = session
    return communicator


def test_a_team_member_hears_of_a_booking_without_personal_data(clinician, service_user, team):
    session = _session(clinician)

    async def scenario():
        communicator = _communicator(clinician, team.pk, session)
        connected, _ = await communicator.connect()
        assert connected
        from channels.db import database_sync_to_async

        contact = await database_sync_to_async(book_contact)(
            actor=clinician,
            service_user=service_user,
            consultation_type="care_coordination",
            mode="telephone",
            start=next_working_day_at(10),
        )
        message = await communicator.receive_json_from(timeout=2)
        assert message == {"contact": contact.pk, "change": "booked"}
        await communicator.send_json_to({"hello": "there"})
        assert "error" in await communicator.receive_json_from(timeout=2)
        await communicator.disconnect()

    async_to_sync(scenario)()


@pytest.mark.parametrize("who", ["anonymous", "other team", "no second factor"])
def test_others_are_refused(who, other_team_clinician, clinician, team):
    user = {"anonymous": AnonymousUser(), "other team": other_team_clinician}.get(who, clinician)

    session = _session(user, verified=who != "no second factor")

    async def scenario():
        connected, code = await _communicator(user, team.pk, session).connect()
        assert not connected
        assert code == 4403

    async_to_sync(scenario)()
