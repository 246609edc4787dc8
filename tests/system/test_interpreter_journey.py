"""A clinician records that a person needs an interpreter, with the language and how, and books a
contact: the interpreter is arranged and the interpreting service's message waits in the outbox
(E14). On a 390 px phone.

Given a clinician in a team with a service user on its caseload,
when they record "needs an interpreter" (Polish, by video) and book a video contact,
then the record shows the need first, before the contacts, the contact shows the interpreter
arranged, the outbox holds the message to the interpreting service with the language and time,
and no page they pass scrolls sideways or fails axe-core.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from caremode.messaging.models import OutboundMessage, RecipientKind
from caremode.rooms.models import Room
from caremode.scheduling.models import Contact
from tests.factories import ContactFactory, next_working_day_at
from tests.system.conftest import assert_accessible
from tests.system.test_clinician_journey import sign_in
from tests.system.test_video_room_journey import asgi_server  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def fits_the_phone(page) -> None:
    scroll_width, client_width = page.evaluate(
        "[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )
    assert scroll_width <= client_width, f"{page.url} scrolls sideways: {scroll_width}px"


def checked(page) -> None:
    assert_accessible(page)
    fits_the_phone(page)


def test_clinician_records_an_interpreter_need_and_booking_arranges_the_interpreter(
    page, clinician, service_user
):
    page.set_viewport_size(PHONE)
    sign_in(page, "asha")
    page.wait_for_url("**/service-users/")
    checked(page)
    page.get_by_role("link", name="Taylor, Megan").click()
    page.get_by_role("heading", name="Megan Taylor").wait_for()
    checked(page)

    # Record the need: the language is asked for, and refused without it.
    page.get_by_role("link", name="Record an access need").click()
    page.get_by_role("heading", name="Record an access need").wait_for()
    checked(page)
    page.get_by_label("Access need").select_option("needs_interpreter")
    page.get_by_label("By video").check()
    page.get_by_role("button", name="Record access need").click()
    page.get_by_text("There is a problem").wait_for()
    checked(page)
    page.get_by_label("Language the interpreter speaks").select_option("pl")
    page.get_by_label("By video").check()
    page.get_by_role("button", name="Record access need").click()
    page.get_by_text("Access need recorded.").wait_for()
    checked(page)

    # The record puts the need first: before the contacts.
    first = page.locator("#before-choosing").bounding_box()
    contacts = page.get_by_role("heading", name="Contacts", exact=True).bounding_box()
    need = page.get_by_text("Polish, by video").first.bounding_box()
    assert first and contacts and need
    assert first["y"] < need["y"] < contacts["y"]

    # Book a video contact: the booking page says an interpreter will be arranged.
    page.get_by_role("button", name="Book a contact").click()
    page.get_by_role("heading", name="Book a contact").wait_for()
    page.get_by_text("needs an interpreter: Polish, by video").wait_for()
    checked(page)
    start = timezone.localtime(next_working_day_at(10))
    page.get_by_label("Type of contact").select_option("care_coordination")
    page.get_by_label("Video").check()
    page.get_by_label("Day").fill(str(start.day))
    page.get_by_label("Month").fill(str(start.month))
    page.get_by_label("Year").fill(str(start.year))
    page.get_by_label("Start time").fill(start.strftime("%H:%M"))
    page.get_by_role("button", name="Book contact").click()
    page.get_by_text("Contact booked for").wait_for()
    checked(page)
    page.get_by_text("Interpreter arranged: Polish, by video").wait_for()

    contact = Contact.objects.get()
    assert (contact.interpreter_language, contact.interpreting) == ("pl", "video")
    assert contact.interpreter_arranged_at is not None
    message = OutboundMessage.objects.get(recipient_kind=RecipientKind.INTERPRETER)
    assert message.purpose == "interpreter_booking"
    assert "Polish, by video" in message.body and f"CM-{contact.pk}" in message.body
    assert "Megan" not in message.body


def test_making_an_interpreter_link_in_the_room_keeps_the_page_and_sends_it(
    media_browser,
    asgi_server,  # noqa: F811 (the fixture imported above)
    clinician,
    service_user,
):
    """The clinician in the room makes a new interpreter link: the answer appears in place (the
    page is not reloaded, so the call goes on) and the link goes to the interpreting service."""
    # Booked as `book_contact` books it (its broadcast cannot run beside the browser's loop).
    contact = ContactFactory(
        service_user=service_user,
        clinician=clinician,
        start=next_working_day_at(10),
        interpreter_needed=True,
        interpreter_language="pl",
        interpreting="video",
        interpreter_arranged_at=timezone.now(),
    )
    context = media_browser.new_context(base_url=asgi_server, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.set_viewport_size(PHONE)
    sign_in(page, "asha")
    page.goto(f"/contacts/{contact.pk}/room/")
    checked(page)
    page.get_by_role("button", name="Open the room and send links").click()
    page.get_by_role("heading", name="Video room", exact=True).wait_for()
    checked(page)
    page.evaluate("window.sameRoomPage = true")
    page.get_by_text("Send a new link", exact=True).click()
    page.get_by_label("Who the link is for").select_option("interpreter")
    page.get_by_role("button", name="Make and send a new link").click()
    page.locator('[data-new-link="interpreter"]').wait_for()
    assert page.evaluate("window.sameRoomPage === true"), "the room page was reloaded"
    room = Room.objects.get(contact=contact)
    assert len(context.pages) == 1 and page.url.endswith(f"/rooms/{room.pk}/")
    checked(page)
    shown = page.locator('[data-new-link="interpreter"] code').inner_text()
    sent = OutboundMessage.objects.filter(
        recipient_kind=RecipientKind.INTERPRETER, purpose="room_link"
    ).order_by("-pk")
    assert sent.count() == 2 and shown in sent[0].body and "Polish, by video" in sent[0].body
    context.close()
