"""The interpreter's room link goes to the interpreter through the outbox, with the language and
time (single use, expiring, hashed); a new link is made without reloading the room page, so the
call is never dropped (E14, hazard S22)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from caremode.core.links import hash_token
from caremode.messaging.models import OutboundMessage, RecipientKind
from caremode.people.services import record_access_need
from caremode.rooms import services
from caremode.rooms.models import RoomPass
from caremode.scheduling.services import book_contact
from tests.factories import next_working_day_at, signed_in


@pytest.fixture
def interpreted_video_contact(clinician, service_user, settings):
    settings.CAREMODE_INTERPRETING_EMAIL = "interpreting@trust.example.nhs.uk"
    service_user.phone = "07700900123"
    service_user.save()
    record_access_need(
        actor=clinician,
        service_user=service_user,
        need="needs_interpreter",
        language="ar",
        interpreting="video",
    )
    service_user.refresh_from_db()
    return book_contact(
        actor=clinician,
        service_user=service_user,
        consultation_type="care_coordination",
        mode="video",
        start=next_working_day_at(11),
        duration_minutes=60,
    )


def room_links_to_interpreter():
    return OutboundMessage.objects.filter(
        recipient_kind=RecipientKind.INTERPRETER, purpose="room_link"
    )


def token_in(body: str) -> str:
    found = re.search(r"/rooms/join/([^/\s]+)/", body)
    assert found, body
    return found.group(1)


def test_opening_the_room_sends_the_interpreter_their_link_with_the_language_and_time(
    clinician, interpreted_video_contact
):
    _room, links = services.open_room(actor=clinician, contact=interpreted_video_contact)
    assert {link.role for link in links} == {"service_user", "interpreter"}
    message = room_links_to_interpreter().get()
    assert message.recipient == "interpreting@trust.example.nhs.uk"
    assert "Arabic, by video" in message.body
    assert "60 minutes" in message.body and "/rooms/join/" in message.body
    assert interpreted_video_contact.service_user.family_name not in message.body
    # Only the hash is kept; the pass expires an hour after the contact ends.
    token = token_in(message.body)
    held = RoomPass.objects.get(role="interpreter")
    assert held.token_hash == hash_token(token) and token not in held.token_hash
    assert held.expires_at == interpreted_video_contact.end_at + services.PASS_VALID_AFTER_END
    assert held.label == "Interpreter (Arabic)"
    # The service user's own link went to the service user, not to the interpreter.
    assert not OutboundMessage.objects.filter(
        recipient_kind=RecipientKind.SERVICE_USER, body__contains=token
    ).exists()


def test_the_interpreters_link_lets_one_browser_in_and_another_only_after_the_check(
    clinician, interpreted_video_contact
):
    services.open_room(actor=clinician, contact=interpreted_video_contact)
    token = token_in(room_links_to_interpreter().get().body)
    first = Client()
    joined = first.get(f"/rooms/join/{token}/")
    assert joined.status_code == 302 and joined.url != "/rooms/join/again/"
    # A second browser is sent to the check (a code to the interpreting service), not let in.
    second = Client().get(f"/rooms/join/{token}/")
    assert second.status_code == 302 and second.url == "/rooms/join/again/"


def test_a_new_interpreter_link_answers_htmx_with_a_fragment_and_is_sent(
    client, clinician, interpreted_video_contact
):
    room, _links = services.open_room(actor=clinician, contact=interpreted_video_contact)
    first = token_in(room_links_to_interpreter().get().body)
    signed_in(client, clinician)
    response = client.post(
        f"/rooms/{room.pk}/links/", {"role": "interpreter"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200  # not a redirect: the room page stays as it is
    fragment = response.content.decode()
    assert "<html" not in fragment and "New link sent to" in fragment
    assert "Interpreter (Arabic)" in fragment and "interpreting service" in fragment
    sent = room_links_to_interpreter().order_by("-created_at", "-pk").first()
    newest = token_in(sent.body)
    assert newest != first and newest in fragment
    # The earlier unused link stops working.
    assert Client().get(f"/rooms/join/{first}/").status_code == 410


def test_without_javascript_a_new_link_opens_its_own_page_not_the_room_again(
    client, clinician, interpreted_video_contact
):
    room, _links = services.open_room(actor=clinician, contact=interpreted_video_contact)
    signed_in(client, clinician)
    host = client.get(f"/rooms/{room.pk}/").content.decode()
    form = re.search(r'<form[^>]*action="/rooms/\d+/links/"[^>]*>', host)
    assert form, "the new-link form is on the room page"
    assert 'target="_blank"' in form.group(0) and "hx-post=" in form.group(0)
    page = client.post(f"/rooms/{room.pk}/links/", {"role": "service_user"})
    assert page.status_code == 200 and "<html" in page.content.decode()
    body = page.content.decode()
    assert "New video room link" in body and "still open in the other tab" in body
    assert 'data-room data-role="clinician"' not in body  # not the room, so no second call


def test_a_link_that_cannot_be_made_says_why_in_place(client, clinician, interpreted_video_contact):
    room, _links = services.open_room(actor=clinician, contact=interpreted_video_contact)
    signed_in(client, clinician)
    response = client.post(f"/rooms/{room.pk}/links/", {"role": "carer"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "No carer is invited to this contact" in response.content.decode()


def test_another_teams_clinician_cannot_make_a_link(
    client, clinician, other_team_clinician, interpreted_video_contact
):
    room, _links = services.open_room(actor=clinician, contact=interpreted_video_contact)
    before = RoomPass.objects.count()
    signed_in(client, other_team_clinician)
    response = client.post(
        f"/rooms/{room.pk}/links/", {"role": "interpreter"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 404
    assert RoomPass.objects.count() == before
