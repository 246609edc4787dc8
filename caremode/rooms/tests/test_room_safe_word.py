"""The safe word (E9, hazard V9): typed in the chat, it never reaches anyone else in the call;
only the clinician is told, privately, that the person cannot talk, and it is recorded and
audited as the answer to "Can you talk privately?" is."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser
from hypothesis import given
from hypothesis import strategies as st

from caremode.audit.models import AuditEvent
from caremode.rooms import services
from caremode.rooms.models import Room
from caremode.rooms.safe_word import contains_safe_word
from caremode.rooms.tests.sockets import drain, in_a_call, pass_session, socket, until
from tests.factories import CarerConsentFactory, ContactFactory, signed_in


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("bluebell", True),
        ("BlueBell", True),
        ("Sorry, I can't talk now - bluebell.", True),
        ("bluebell!", True),
        ("(bluebell)", True),
        ("bluebells are out", False),
        ("harebluebell", False),
        ("blue bell", False),
        ("", False),
    ],
)
def test_the_safe_word_matches_as_a_whole_word_in_any_case(text, found):
    assert contains_safe_word(text, "bluebell") is found


def test_a_safe_word_of_two_words_matches_with_any_spacing_and_an_empty_one_matches_nothing():
    assert contains_safe_word("the Red  Kite flew", "red kite")
    assert not contains_safe_word("the redkite flew", "red kite")
    assert not contains_safe_word("anything at all", "")
    assert not contains_safe_word("anything at all", "   ")
    assert contains_safe_word("a.b? yes", "a.b?")  # punctuation in the word is literal


@given(
    before=st.text(alphabet=" ,.!?-", max_size=5),
    after=st.text(alphabet=" ,.!?-", max_size=5),
    upper=st.booleans(),
)
def test_the_safe_word_is_found_whatever_surrounds_it_and_in_either_case(before, after, upper):
    word = "BLUEBELL" if upper else "bluebell"
    assert contains_safe_word(f"hello{before or ' '}{word}{after}", "Bluebell")


@pytest.fixture
def three_in_a_call(db, clinician, service_user):
    consent = CarerConsentFactory(service_user=service_user)
    contact = ContactFactory(
        service_user=service_user, clinician=clinician, carer_invited=consent.carer
    )
    room, links = services.open_room(actor=clinician, contact=contact, safe_word="Bluebell")
    return room, {link.role: link for link in links}


def _mentions(messages: list[dict], word: str) -> list[dict]:
    return [m for m in messages if word.casefold() in json.dumps(m).casefold()]


@pytest.mark.django_db(transaction=True)
def test_the_safe_word_reaches_only_the_clinician_as_a_private_alert(clinician, three_in_a_call):
    room, links = three_in_a_call

    async def scenario():
        guest_session = await database_sync_to_async(pass_session)(room, links["service_user"])
        carer_session = await database_sync_to_async(pass_session)(room, links["carer"])
        host, guest, _guest_id = await in_a_call(room, clinician, guest_session)
        carer = socket(room, AnonymousUser(), carer_session)
        assert (await carer.connect())[0]
        carer_id = (await until(carer, "you"))["id"]
        await host.send_json_to({"type": "admit", "participant": carer_id})
        await until(carer, "admitted")
        for each in (host, guest, carer):
            await drain(each)

        await guest.send_json_to({"type": "chat", "text": "sorry, can't talk. BLUEBELL"})
        to_host, to_guest, to_carer = [await drain(each) for each in (host, guest, carer)]
        assert _mentions(to_carer, "bluebell") == [] and to_carer == []
        assert _mentions(to_host, "bluebell") == []
        assert {"type": "privacy", "answer": "no", "via": "safe word"} in to_host
        assert [m for m in to_host if m["type"] == "chat"] == []
        # The sender's own screen shows their line as any message, and nothing else.
        said = {"type": "chat", "from": "Megan", "text": "sorry, can't talk. BLUEBELL"}
        assert to_guest == [said]

        # An ordinary message still goes to everyone; "bluebells" is not the word.
        await guest.send_json_to({"type": "chat", "text": "the bluebells are out"})
        for each in (host, carer, guest):
            assert (await until(each, "chat"))["text"] == "the bluebells are out"

        # Typed by someone else, it reaches no one else either (and says nothing to anyone).
        await carer.send_json_to({"type": "chat", "text": "Bluebell?"})
        to_host, to_guest = await drain(host), await drain(guest)
        assert _mentions(to_host, "bluebell") == [] and _mentions(to_guest, "bluebell") == []
        assert [m for m in to_host if m["type"] == "privacy"] == []
        for each in (host, guest, carer):
            await each.disconnect()

    async_to_sync(scenario)()
    assert Room.objects.get(pk=room.pk).private_answer == "no"
    answers = [
        e.detail
        for e in AuditEvent.objects.filter(object_type="rooms.Room", object_id=str(room.pk))
        if "private_answer" in e.detail or "chat_withheld" in e.detail
    ]
    assert answers == [
        {"private_answer": "no", "via": "safe word"},
        {"chat_withheld": "safe word", "role": "carer"},
    ]
    assert not any("BLUEBELL" in json.dumps(e.detail) for e in AuditEvent.objects.all())


@pytest.mark.django_db
def test_a_safe_word_changed_by_opening_the_room_again_is_the_one_screened(
    clinician, three_in_a_call
):
    room, _links = three_in_a_call
    services.open_room(actor=clinician, contact=room.contact, safe_word="kestrel")
    stale = Room.objects.get(pk=room.pk)
    stale.safe_word = "Bluebell"  # what a socket opened earlier still holds
    assert services.screen_chat(room=stale, sender_role="service_user", text="kestrel") == (
        services.ChatScreen.SAFE_WORD
    )
    assert services.screen_chat(room=stale, sender_role="service_user", text="bluebell") == (
        services.ChatScreen.RELAY
    )


@pytest.mark.django_db
def test_the_clinicians_page_shows_the_latest_privacy_answer_in_place(
    client, clinician, three_in_a_call
):
    room, _links = three_in_a_call
    signed_in(client, clinician)
    services.answer_privately(room=room, answer="yes")
    page = client.get(f"/rooms/{room.pk}/").content.decode()
    assert "data-privacy hidden" in page and 'data-privacy-yes role="status"' in page
    services.screen_chat(room=room, sender_role="service_user", text="bluebell")
    page = client.get(f"/rooms/{room.pk}/").content.decode()
    assert 'data-privacy role="alert"' in page and "data-privacy-yes hidden" in page
