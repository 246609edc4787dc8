"""What the waiting room tells the person: the appointment's time and clinician, whom to phone
if nobody lets them in (hazard V7), and what happens after the call (V8)."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from caremode.core.presenters import nhs_datetime, nhs_time
from caremode.rooms.access import identify
from caremode.rooms.presenters import NOBODY_CAME_MINUTES, waiting_room_facts
from caremode.rooms.services import open_room
from tests.factories import ContactFactory, next_working_day_at, signed_in, signed_in_session


def _waiting_page(clinician, contact) -> str:
    room, links = open_room(actor=clinician, contact=contact)
    browser = Client()
    joined = browser.get(links[0].url.removeprefix("http://127.0.0.1:8000"))
    assert joined["Location"] == f"/rooms/{room.pk}/wait/"
    page = browser.get(joined["Location"])
    assert page.status_code == 200
    return page.content.decode()


def test_the_waiting_room_shows_the_time_the_clinician_and_whom_to_phone(
    clinician, service_user, team
):
    contact = ContactFactory(service_user=service_user, clinician=clinician)
    body = _waiting_page(clinician, contact)
    phone_by = nhs_time(contact.start + dt.timedelta(minutes=10))
    assert nhs_datetime(contact.start) in body
    assert "Dr Asha Rahman, North community mental health team" in body
    assert (
        f"If nobody has let you in by {phone_by}, phone North community mental health team on "
        "0113 496 0000. Tell them you are in the video waiting room." in body
    )
    assert 'href="tel:01134960000"' in body
    # What happens after the call is on the page, for when it ends.
    assert "Dr Asha Rahman will write up the appointment" in body
    assert "If you need to talk to them before then, phone North community" in body
    assert "NHS 111" in body and "999" in body


def test_without_a_team_number_the_waiting_room_points_to_the_letter_not_nowhere(
    clinician, service_user, team
):
    team.phone = "  "
    team.save()
    contact = ContactFactory(service_user=service_user, clinician=clinician)
    body = _waiting_page(clinician, contact)
    assert (
        "phone North community mental health team on the number in your appointment letter "
        "or message" in body
    )
    assert 'href="tel:0' not in body and " on  ." not in body


def test_the_advice_for_nobody_coming_is_ten_minutes_after_the_start(clinician, service_user):
    start = next_working_day_at(14, 50)
    contact = ContactFactory(service_user=service_user, clinician=clinician, start=start)
    assert NOBODY_CAME_MINUTES == 10
    before = waiting_room_facts(contact, now=start - dt.timedelta(minutes=5))
    assert before.phone_by == "3pm" and before.when == nhs_datetime(start)
    assert before.phone_in_seconds == 15 * 60
    assert waiting_room_facts(contact, now=start + dt.timedelta(minutes=9)).phone_in_seconds == 60
    # Past the time, the page reminds at once: never a negative wait.
    assert waiting_room_facts(contact, now=start + dt.timedelta(hours=1)).phone_in_seconds == 0


def test_the_clinician_is_known_in_the_room_by_their_display_name(client, clinician, service_user):
    contact = ContactFactory(service_user=service_user, clinician=clinician)
    room, _links = open_room(actor=clinician, contact=contact)
    signed_in(client, clinician)
    host = client.get(f"/rooms/{room.pk}/").content.decode()
    assert 'data-name="Dr Asha Rahman"' in host
    assert "Dr Asha Rahman (you)" in host  # the clinician's own tile
    assert "Share your screen" in host and "Leave the call" not in host
    # Everyone else's tile for the clinician is labelled with the same name.
    me = identify(room, clinician, signed_in_session(clinician))
    assert me is not None and (me.role, me.label) == ("clinician", "Dr Asha Rahman")
