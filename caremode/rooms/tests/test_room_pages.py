"""The room pages over HTTP: opening a room, links that work once, the
waiting page, fallback and ending."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from caremode.rooms.models import Participant, Room
from caremode.rooms.services import open_room
from tests.factories import ContactFactory, signed_in


@pytest.fixture
def video_contact(clinician, service_user):
    service_user.phone = "07700900123"
    service_user.save()
    return ContactFactory(service_user=service_user, clinician=clinician)


def test_a_clinician_opens_the_room_and_sees_the_links_once(client, clinician, video_contact):
    signed_in(client, clinician)
    page = client.get(f"/contacts/{video_contact.pk}/room/").content.decode()
    assert "Open the video room" in page  # training advice is given at booking (workforce)
    response = client.post(f"/contacts/{video_contact.pk}/room/", {"safe_word": "bluebell"})
    room = Room.objects.get(contact=video_contact)
    assert response["Location"] == f"/rooms/{room.pk}/"
    host = client.get(response["Location"]).content.decode()
    assert "Links sent" in host and "/rooms/join/" in host and "bluebell" in host
    assert "/rooms/join/" not in client.get(response["Location"]).content.decode()


def test_a_link_leads_to_the_waiting_room_once_then_explains(clinician, video_contact):
    _room, links = open_room(actor=clinician, contact=video_contact)
    path = links[0].url.removeprefix("http://127.0.0.1:8000")
    browser = Client()
    response = browser.get(path)
    wait = browser.get(response["Location"])
    body = wait.content.decode()
    assert wait.status_code == 200 and "Hello Megan" in body and "Can you talk privately?" in body
    assert video_contact.service_user.family_name not in body  # only the given name is shown
    another = Client()
    moved = another.get(path)  # another browser is asked to show it is them (V11)
    assert moved.status_code == 302 and moved["Location"] == "/rooms/join/again/"
    assert "already been used on another phone or computer" in (
        another.get(moved["Location"]).content.decode()
    )


def test_the_test_call_page_needs_no_account():
    body = Client().get("/rooms/test/").content.decode()
    assert "Test your video call" in body and "Check camera and sound" in body


def _megan_in_the_call(room: Room, *, at: dt.datetime) -> None:
    Participant.objects.create(
        room=room,
        identity="pass:1",
        role="service_user",
        label="Megan",
        arrived_at=at,
        admitted_at=at,
        status="admitted",
    )


def test_fallback_then_end_records_telephone(client, clinician, video_contact):
    room, _links = open_room(actor=clinician, contact=video_contact)
    with time_machine.travel(video_contact.start + dt.timedelta(minutes=2), tick=False):
        signed_in(client, clinician)
        _megan_in_the_call(room, at=video_contact.start)
        response = client.post(f"/rooms/{room.pk}/telephone/", follow=True)
        assert "Phone Megan on 07700900123" in response.content.decode()
        ended = client.post(f"/rooms/{room.pk}/end/", follow=True)
        review = ended.content.decode()
        assert ended.redirect_chain[-1][0] == f"/rooms/{room.pk}/outcome/"
        assert "Confirm the outcome of the call" in review
        assert "Video failed; continued by telephone." in review
        video_contact.refresh_from_db()
        assert not video_contact.has_outcome  # nothing is saved until the clinician confirms
        saved = client.post(
            f"/rooms/{room.pk}/outcome/",
            {"attend_status": "5", "mode_used": "telephone", "technical_failure": "on"},
            follow=True,
        )
    assert "Outcome recorded: Attended on time" in saved.content.decode()
    video_contact.refresh_from_db()
    assert (video_contact.mode_used, video_contact.technical_failure) == ("telephone", True)


def test_ending_before_the_start_explains_and_keeps_the_room_open(client, clinician, video_contact):
    room, _links = open_room(actor=clinician, contact=video_contact)
    signed_in(client, clinician)
    response = client.post(f"/rooms/{room.pk}/end/", follow=True)
    assert response.redirect_chain[-1][0] == f"/rooms/{room.pk}/"
    assert "No one has been let in yet" in response.content.decode()
    assert Room.objects.get(pk=room.pk).closed_at is None


def test_ending_a_call_begun_too_early_closes_it_and_says_the_outcome_is_left_to_record(
    client, clinician, video_contact
):
    room, _links = open_room(actor=clinician, contact=video_contact)
    with time_machine.travel(video_contact.start - dt.timedelta(hours=1), tick=False):
        signed_in(client, clinician)
        _megan_in_the_call(room, at=dt.datetime.now(dt.UTC))
        ended = client.post(f"/rooms/{room.pk}/end/", follow=True)
    assert "record the outcome on the contact once it has started" in ended.content.decode()
    assert Room.objects.get(pk=room.pk).closed_at is not None
    video_contact.refresh_from_db()
    assert not video_contact.has_outcome


def test_the_portal_offers_the_room_and_the_test_call(client, clinician, video_contact):
    from caremode.accounts.models import Role
    from tests.factories import UserFactory

    account = UserFactory(role=Role.SERVICE_USER)
    person = video_contact.service_user
    person.account = account
    person.save()
    signed_in(client, account)
    before = client.get("/my-care/").content.decode()
    assert "Test your camera and sound" in before and "Join your video appointment" not in before
    room, _links = open_room(actor=clinician, contact=video_contact)
    after = client.get("/my-care/").content.decode()
    assert f"/rooms/{room.pk}/wait/" in after
    assert "Can you talk privately?" in client.get(f"/rooms/{room.pk}/wait/").content.decode()


def test_the_review_form_shows_the_proposal_and_saves_the_clinicians_change(
    client, clinician, video_contact
):
    room, _links = open_room(actor=clinician, contact=video_contact)
    with time_machine.travel(video_contact.start + dt.timedelta(minutes=20), tick=False):
        signed_in(client, clinician)
        Participant.objects.create(
            room=room,
            identity="pass:1",
            role="service_user",
            label="Megan",
            arrived_at=video_contact.start + dt.timedelta(minutes=8),
            admitted_at=video_contact.start + dt.timedelta(minutes=9),
            status="admitted",
            drops=2,
        )
        client.post(f"/rooms/{room.pk}/end/")
        page = client.get(f"/rooms/{room.pk}/outcome/").content.decode()
        assert "8 minutes after the start" in page and "dropped 2 time(s)" in page
        assert "Attended, arrived late" in page  # the proposal, in plain words
        refused = client.post(f"/rooms/{room.pk}/outcome/", {"attend_status": "5"})
        assert "Select the mode that was actually used" in refused.content.decode()
        video_contact.refresh_from_db()
        assert not video_contact.has_outcome
        client.post(
            f"/rooms/{room.pk}/outcome/",
            {"attend_status": "6", "mode_used": "video", "late_start_minutes": "9"},
        )
        again = client.get(f"/rooms/{room.pk}/outcome/").content.decode()
    video_contact.refresh_from_db()
    assert (video_contact.attend_status, video_contact.technical_failure) == ("6", False)
    assert f"/contacts/{video_contact.pk}/outcome/correct/" in again  # later: a correction
    assert "Save the outcome" not in again and "its outcome is recorded" in again


def test_the_review_page_sends_the_clinician_back_while_the_call_is_open(
    client, clinician, video_contact
):
    room, _links = open_room(actor=clinician, contact=video_contact)
    signed_in(client, clinician)
    response = client.get(f"/rooms/{room.pk}/outcome/")
    assert response.status_code == 302 and response["Location"] == f"/rooms/{room.pk}/"
