# ruff: noqa: F811
"""The room's checks in real browsers (Chromium, fake camera and microphone): the safe word
reaches only the clinician; End shows the outcome the room proposes to confirm or change; and a
link re-opened on a second browser after the date-of-birth check moves the person there, the
first browser told and disconnected."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from caremode.scheduling.models import Contact
from tests.factories import CarerConsentFactory, ContactFactory
from tests.system.conftest import assert_accessible
from tests.system.test_clinician_journey import sign_in
from tests.system.test_video_room_journey import _in_call, asgi_server  # noqa: F401

pytestmark = pytest.mark.browser


def _pages(media_browser, base_url: str, count: int) -> list:
    """`count` pages, each in its own browser context (its own cookies: its own device)."""
    pages = []
    for _ in range(count):
        context = media_browser.new_context(base_url=base_url, bypass_csp=True)
        pages.append(context.new_page())
        pages[-1].set_default_timeout(20_000)
    return pages


def _open_room(host, contact, safe_word: str = "") -> dict[str, str]:
    sign_in(host, "asha")
    host.goto(f"/contacts/{contact.pk}/room/")
    if safe_word:
        host.get_by_label("Safe word (optional)").fill(safe_word)
    host.get_by_role("button", name="Open the room and send links").click()
    host.get_by_role("heading", name="Video room").wait_for()
    return {
        role: host.locator(f"[data-link={role}]").inner_text().split("127.0.0.1:8000", 1)[1]
        for role in ("service_user", "carer")
        if host.locator(f"[data-link={role}]").count()
    }


def test_the_safe_word_reaches_only_the_clinician(
    media_browser, asgi_server, clinician, service_user
):
    consent = CarerConsentFactory(service_user=service_user)
    contact = ContactFactory(
        service_user=service_user,
        clinician=clinician,
        carer_invited=consent.carer,
        start=timezone.now() - dt.timedelta(minutes=2),
    )
    host, guest, carer = _pages(media_browser, asgi_server, 3)
    links = _open_room(host, contact, safe_word="Bluebell")
    guest.goto(links["service_user"])
    guest.get_by_role("button", name="Yes, I can talk privately").click()
    carer.goto(links["carer"])
    carer.get_by_text("Waiting for your clinician to let you in").wait_for()
    host.get_by_text("Megan said they can talk privately").wait_for()
    host.get_by_role("button", name="Let Megan in").click()
    _in_call(guest, 1)
    host.get_by_role("button", name=f"Let {consent.carer} in").click()
    for page in (host, guest, carer):
        _in_call(page, 2)

    guest.get_by_label("Message").fill("sorry, can't talk now. BLUEBELL")
    guest.get_by_role("button", name="Send").click()
    guest.get_by_label("Message").fill("See you soon")
    guest.get_by_role("button", name="Send").click()
    # The next message arrives after the withheld one would have: by then, nothing of it.
    for page in (host, carer):
        page.locator("[data-chat-log]").get_by_text("See you soon").wait_for()
        assert "bluebell" not in page.locator("[data-chat-log]").inner_text().lower()
    assert "bluebell" not in carer.content().lower()
    host.get_by_text("Megan cannot talk privately").wait_for()
    assert host.get_by_text("They typed the safe word in the chat").is_visible()
    assert not host.get_by_text("Megan said they can talk privately").is_visible()  # replaced
    assert not guest.get_by_text("cannot talk privately").is_visible()
    assert not carer.get_by_text("cannot talk privately").is_visible()
    assert_accessible(host)
    for page in (host, guest, carer):
        page.context.close()


def test_the_clinician_confirms_the_outcome_the_room_proposes(
    media_browser, asgi_server, clinician, service_user
):
    service_user.phone = "07700900123"
    service_user.save()
    contact = ContactFactory(
        service_user=service_user,
        clinician=clinician,
        start=timezone.now() - dt.timedelta(minutes=2),
    )
    host, guest = _pages(media_browser, asgi_server, 2)
    links = _open_room(host, contact)
    guest.goto(links["service_user"])
    guest.get_by_text("Waiting for your clinician to let you in").wait_for()
    host.get_by_role("button", name="Let Megan in").click()
    _in_call(host, 1)
    host.get_by_role("button", name="Switch to telephone").click()
    host.get_by_text("Phone Megan on 07700900123").wait_for()

    host.get_by_role("button", name="End the call").click()
    host.get_by_role("heading", name="Confirm the outcome of the call").wait_for()
    guest.get_by_text("The call has ended").wait_for()
    assert Contact.objects.get(pk=contact.pk).attend_status is None  # nothing saved yet
    assert host.get_by_text("Video failed; continued by telephone.").first.is_visible()
    assert host.get_by_label("Mode actually used").input_value() == "telephone"
    assert_accessible(host)
    technical = host.get_by_label("There was a technical failure", exact=False)
    assert technical.is_checked()
    technical.uncheck()  # the clinician knows better: the telephone was the plan all along
    host.get_by_role("button", name="Save the outcome").click()
    host.get_by_text("Outcome recorded").wait_for()
    saved = Contact.objects.get(pk=contact.pk)
    assert (saved.attend_status, saved.mode_used, saved.technical_failure) == (
        "5",
        "telephone",
        False,
    )
    for page in (host, guest):
        page.context.close()


def test_a_link_reopened_on_a_second_browser_after_the_check(
    media_browser, asgi_server, clinician, service_user
):
    contact = ContactFactory(
        service_user=service_user,
        clinician=clinician,
        start=timezone.now() - dt.timedelta(minutes=2),
    )
    host, phone, laptop = _pages(media_browser, asgi_server, 3)
    links = _open_room(host, contact)
    phone.goto(links["service_user"])
    phone.get_by_text("Waiting for your clinician to let you in").wait_for()
    host.get_by_role("button", name="Let Megan in").click()
    _in_call(phone, 1)

    laptop.goto(links["service_user"])
    laptop.get_by_role("heading", name="Open your link on this phone or computer").wait_for()
    assert_accessible(laptop)
    laptop.get_by_label("Day").fill("1")
    laptop.get_by_label("Month").fill("1")
    laptop.get_by_label("Year").fill("1990")
    laptop.get_by_role("button", name="Continue").click()
    laptop.get_by_text("You can try 4 more time(s)").first.wait_for()
    assert_accessible(laptop)
    born = service_user.date_of_birth
    laptop.get_by_label("Day").fill(str(born.day))
    laptop.get_by_label("Month").fill(str(born.month))
    laptop.get_by_label("Year").fill(str(born.year))
    laptop.get_by_role("button", name="Continue").click()
    laptop.get_by_text("Hello Megan").wait_for()
    laptop.get_by_text("Waiting for your clinician to let you in").wait_for()

    phone.get_by_text("Your link has been opened on another phone or computer").wait_for()
    phone.wait_for_function(
        "() => window.caremodeRoom.peers.size === 0 && window.caremodeRoom.socket.readyState === 3"
    )
    host.get_by_role("button", name="Let Megan in").click()
    _in_call(laptop, 1)
    _in_call(host, 1)
    for page in (host, phone, laptop):
        page.context.close()
