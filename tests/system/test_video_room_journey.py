"""A video contact in real browsers: the clinician opens the room; the service user and a carer
join from their links (fake camera and microphone), wait, and are let in; all three peer
connections reach `connected` and every remote video has frames; the service user says they
cannot talk privately; the call falls back to telephone and that is what the outcome records.

Needs an ASGI server for the WebSocket, so the app runs under uvicorn in a thread here."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from django.utils import timezone

from caremode.scheduling.models import Contact
from tests.factories import CarerConsentFactory, ContactFactory
from tests.system.conftest import assert_accessible
from tests.system.test_clinician_journey import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def asgi_server(transactional_db) -> Iterator[str]:
    import uvicorn

    from config.asgi import application

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            application, host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=5)


def _in_call(page, peers: int) -> None:
    """This page has `peers` peer connections, all connected, each remote video with frames."""
    page.wait_for_function(
        """(n) => {
            const room = window.caremodeRoom;
            if (!room || room.peers.size !== n) return false;
            return [...room.peers.values()].every((p) => p.pc.connectionState === "connected"
                && p.video.videoWidth > 0
                && p.video.getVideoPlaybackQuality().totalVideoFrames > 0);
        }""",
        arg=peers,
        timeout=30_000,
    )


def test_three_people_meet_by_video_then_fall_back_to_telephone(
    media_browser, asgi_server, clinician, service_user
):
    service_user.phone = "07700900123"
    service_user.save()
    consent = CarerConsentFactory(service_user=service_user)
    contact = ContactFactory(
        service_user=service_user,
        clinician=clinician,
        carer_invited=consent.carer,
        start=timezone.now() - dt.timedelta(minutes=2),
    )

    def new_page(*, enforce_csp: bool = False):
        # axe-core is injected as an inline script, so pages it checks skip the policy; the
        # carer's page enforces it, proving the room works under CareMode's CSP.
        context = media_browser.new_context(base_url=asgi_server, bypass_csp=not enforce_csp)
        page = context.new_page()
        page.set_default_timeout(20_000)
        return page

    host = new_page()
    sign_in(host, "asha")
    host.goto(f"/contacts/{contact.pk}/room/")
    assert_accessible(host)
    host.get_by_role("button", name="Open the room and send links").click()
    host.get_by_role("heading", name="Video room").wait_for()
    links = {
        role: host.locator(f"[data-link={role}]").inner_text().split("127.0.0.1:8000", 1)[1]
        for role in ("service_user", "carer")
    }
    assert_accessible(host)

    guest = new_page()
    guest.goto(links["service_user"])
    guest.get_by_text("Hello Megan").wait_for()
    guest.get_by_text("Waiting for your clinician to let you in").wait_for()
    assert_accessible(guest)
    guest.get_by_role("button", name="No, not at the moment").click()

    carer = new_page(enforce_csp=True)
    violations: list[str] = []
    carer.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    carer.goto(links["carer"])
    carer.get_by_text("Waiting for your clinician to let you in").wait_for()

    host.get_by_role("button", name="Let Megan in").click()
    _in_call(guest, 1)
    _in_call(host, 1)
    host.get_by_role("button", name=f"Let {consent.carer} in").click()
    for page in (host, guest, carer):
        _in_call(page, 2)  # everyone sees and hears the two others
    assert host.get_by_text("Megan cannot talk privately").is_visible()
    assert not guest.get_by_text("cannot talk privately").is_visible()

    carer.get_by_label("Message").fill("I'm here too")
    carer.get_by_role("button", name="Send").click()
    guest.locator("[data-chat-log]").get_by_text("I'm here too").wait_for()
    guest.get_by_role("button", name="Mute microphone").click()
    assert (
        guest.get_by_role("button", name="Unmute microphone").get_attribute("aria-pressed")
        == "true"
    )
    for page in (host, guest):
        assert_accessible(page)

    host.get_by_role("button", name="Switch to telephone").click()
    host.get_by_text("Phone Megan on 07700900123").wait_for()
    guest.get_by_text("Your clinician will phone you now").wait_for()
    host.get_by_role("button", name="End the call").click()
    host.get_by_role("heading", name="Confirm the outcome of the call").wait_for()
    carer.get_by_text("The call has ended").wait_for()
    host.get_by_role("button", name="Save the outcome").click()
    host.get_by_text("Outcome recorded").wait_for()

    assert violations == []
    contact = Contact.objects.get(pk=contact.pk)
    assert (contact.attend_status, contact.mode_used, contact.technical_failure) == (
        "5",
        "telephone",
        True,
    )


def test_anyone_can_try_the_test_call_before_the_day(media_browser, asgi_server):
    context = media_browser.new_context(base_url=asgi_server, bypass_csp=True)
    page = context.new_page()
    page.goto("/rooms/test/")
    assert_accessible(page)
    page.get_by_role("button", name="Check camera and sound").click()
    page.locator('[data-result="camera"]').get_by_text("Working").wait_for()
    page.locator('[data-result="microphone"]').get_by_text("Working").wait_for()
    page.locator('[data-result="connection"]').get_by_text("Good").wait_for()
    page.get_by_role("button", name="Yes, I heard it").click()
    page.locator('[data-result="speaker"]').get_by_text("Working").wait_for()
    assert_accessible(page)
    context.close()


def test_a_call_begun_before_its_booked_time_ends_and_disconnects_everyone(
    media_browser, asgi_server, clinician, service_user
):
    contact = ContactFactory(
        service_user=service_user,
        clinician=clinician,
        start=timezone.now() + dt.timedelta(minutes=10),  # inside the early-join window
    )
    pages = []
    for _ in range(2):
        context = media_browser.new_context(base_url=asgi_server, bypass_csp=True)
        pages.append(context.new_page())
        pages[-1].set_default_timeout(20_000)
    host, guest = pages
    sign_in(host, "asha")
    host.goto(f"/contacts/{contact.pk}/room/")
    host.get_by_role("button", name="Open the room and send links").click()
    link = host.locator("[data-link=service_user]").inner_text().split("127.0.0.1:8000", 1)[1]
    guest.goto(link)
    guest.get_by_text("Waiting for your clinician to let you in").wait_for()
    host.get_by_role("button", name="Let Megan in").click()
    _in_call(guest, 1)
    _in_call(host, 1)

    host.get_by_role("button", name="End the call").click()
    host.get_by_role("heading", name="Confirm the outcome of the call").wait_for()
    guest.get_by_text("The call has ended").wait_for()
    host.get_by_role("button", name="Save the outcome").click()
    host.get_by_text("Outcome recorded").wait_for()
    guest.wait_for_function(
        "() => window.caremodeRoom.peers.size === 0 && window.caremodeRoom.socket.readyState === 3"
    )
    assert "has not started yet" not in host.content()
    contact = Contact.objects.get(pk=contact.pk)
    assert (contact.attend_status, contact.mode_used) == ("5", "video")
    for page in pages:
        page.context.close()
