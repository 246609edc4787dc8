"""The call itself and the waiting room, in real browsers with a fake camera and microphone: the
waiting room says when, with whom and whom to phone (hazard V7); each tile names its person and
one's own camera really plays; focus follows "Let … in"; full screen; screen share for the
clinician only (V8a); the call first on a phone; leaving, and what happens after the call (V8).
axe-core checks every state."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from caremode.core.presenters import nhs_datetime
from caremode.rooms.models import Participant
from tests.factories import ContactFactory
from tests.system.conftest import assert_accessible
from tests.system.test_clinician_journey import sign_in
from tests.system.test_video_room_journey import (
    _in_call,
    asgi_server,  # noqa: F401 (the fixture)
)

pytestmark = pytest.mark.browser

OWN_CAMERA_PLAYS = """async () => {
    const video = document.querySelector("[data-local]");
    if (!video || video.paused || video.videoWidth === 0) return false;
    const before = video.currentTime;
    await new Promise((done) => setTimeout(done, 400));
    return video.currentTime > before;
}"""

REMOTE_VIDEO_ADVANCES = """async () => {
    const [peer] = window.caremodeRoom.peers.values();
    const frames = () => peer.video.getVideoPlaybackQuality().totalVideoFrames;
    const before = frames();
    await new Promise((done) => setTimeout(done, 400));
    return frames() > before;
}"""

FITS_THE_WIDTH = (
    "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
)


@pytest.fixture
def call_server(asgi_server: str) -> str:  # noqa: F811 (the fixture imported above)
    """The room journey's uvicorn server, under a name of this module's own."""
    return asgi_server


def _until(page, check: str, timeout: float = 20.0) -> None:
    """Evaluates the asynchronous `check` again until it holds, or fails after `timeout`."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(check):
        assert time.monotonic() < deadline, f"never held: {check}"


def _page(media_browser, base_url, **options):
    context = media_browser.new_context(base_url=base_url, bypass_csp=True, **options)
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


def _open_room(host, contact) -> str:
    sign_in(host, "asha")
    host.goto(f"/contacts/{contact.pk}/room/")
    host.get_by_role("button", name="Open the room and send links").click()
    host.get_by_role("heading", name="Video room").wait_for()
    return host.locator("[data-link=service_user]").inner_text().split("127.0.0.1:8000", 1)[1]


def _top(page, selector: str) -> float:
    return page.locator(selector).first.evaluate("(el) => el.getBoundingClientRect().top")


def test_the_call_names_everyone_plays_ones_own_camera_and_can_be_left(
    media_browser,
    call_server,
    clinician,
    service_user,
):
    contact = ContactFactory(
        service_user=service_user,
        clinician=clinician,
        start=timezone.now() + dt.timedelta(minutes=5),
    )
    host = _page(media_browser, call_server)
    link = _open_room(host, contact)
    guest = _page(media_browser, call_server, viewport={"width": 390, "height": 844})
    guest.goto(link)
    guest.get_by_text("Waiting for your clinician to let you in").wait_for()
    assert guest.locator("[data-appointment]").get_by_text(nhs_datetime(contact.start)).is_visible()
    assert guest.get_by_text("Dr Asha Rahman, North community mental health team").is_visible()
    assert (
        guest.locator("[data-nobody-came]")
        .get_by_text("phone North community mental health team on 0113 496 0000")
        .is_visible()
    )
    assert guest.evaluate(FITS_THE_WIDTH)
    assert_accessible(guest)

    # Letting Megan in: focus goes to her tile, and the change is announced.
    host.get_by_role("button", name="Let Megan in").click()
    host.wait_for_function(
        """() => document.activeElement
            && document.activeElement.matches('figure[data-peer], [data-admit-status]')"""
    )
    _in_call(host, 1)
    _in_call(guest, 1)
    host.wait_for_function(
        "() => document.activeElement && document.activeElement.matches('figure[data-peer]')"
    )
    assert host.evaluate("() => document.activeElement.getAttribute('aria-label')") == (
        "Megan (service user)"
    )
    assert (
        host.locator("[data-admit-status]").inner_text() == "Megan (service user) is in the call."
    )

    # Each tile names its person as the room knows them; one's own camera plays (not black).
    assert host.locator("[data-videos] figcaption").all_inner_texts() == [
        "Dr Asha Rahman (you)",
        "Megan (service user)",
    ]
    assert guest.locator("[data-videos] figcaption").all_inner_texts() == [
        "Megan (you)",
        "Dr Asha Rahman (clinician)",
    ]
    for page in (host, guest):
        _until(page, OWN_CAMERA_PLAYS)
        # The call comes before the camera check once in it.
        assert _top(page, "[data-call]") < _top(page, "[data-precall]")
        assert page.get_by_role("button", name="Full screen", exact=True).is_visible()
    # On a phone the call is first and every control is reachable without sideways scrolling.
    assert guest.evaluate(FITS_THE_WIDTH)
    assert _top(guest, "[data-call]") < _top(guest, "[data-precall]")
    for control in guest.locator(".caremode-controls button").all():
        box = control.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    for page in (host, guest):
        assert_accessible(page)

    # Full screen: the call's videos and controls together, and back.
    guest.get_by_role("button", name="Full screen", exact=True).click()
    guest.get_by_role("button", name="Exit full screen").wait_for()
    assert guest.evaluate(
        """() => {
            const stage = document.querySelector("[data-stage]");
            return document.fullscreenElement === stage
                || stage.classList.contains("caremode-stage--filled");
        }"""
    )
    assert guest.get_by_role("button", name="Leave the call").is_visible()
    guest.get_by_role("button", name="Exit full screen").click()
    guest.get_by_role("button", name="Full screen", exact=True).wait_for()
    assert guest.evaluate("() => document.fullscreenElement === null")

    # Leaving: connections and socket closed, camera off, the controls gone, what happens next.
    guest.get_by_role("button", name="Leave the call").click()
    guest.get_by_role("heading", name="You have left the call").wait_for()
    guest.wait_for_function(
        """() => window.caremodeRoom.peers.size === 0
            && window.caremodeRoom.socket.readyState === WebSocket.CLOSED
            && window.caremodeRoom.local.getTracks().every((t) => t.readyState === "ended")"""
    )
    assert guest.evaluate("() => document.activeElement.matches('[data-left]')")
    assert not guest.get_by_role("button", name="Mute microphone").is_visible()
    assert not guest.locator("[data-precall]").is_visible()
    assert guest.get_by_role("heading", name="What happens next").is_visible()
    assert (
        guest.locator("[data-left]")
        .get_by_text("Dr Asha Rahman will write up the appointment")
        .is_visible()
    )
    host.wait_for_function("() => window.caremodeRoom.peers.size === 0")
    assert host.locator("[data-videos] figcaption").all_inner_texts() == ["Dr Asha Rahman (you)"]
    megan = Participant.objects.get(room__contact=contact, role="service_user")
    assert (megan.status, megan.connected) == (Participant.Status.LEFT, False)
    assert guest.evaluate(FITS_THE_WIDTH)
    assert_accessible(guest)

    # Left by mistake: back to the waiting room, to be let in again.
    guest.get_by_role("link", name="Go back to the waiting room").click()
    guest.get_by_text("Waiting for your clinician to let you in").wait_for()
    host.get_by_role("button", name="Let Megan in").click()
    _in_call(guest, 1)
    for page in (host, guest):
        page.context.close()


def test_only_the_clinician_can_share_their_screen_and_stopping_returns_to_the_camera(
    media_browser,
    call_server,
    clinician,
    service_user,
):
    contact = ContactFactory(
        service_user=service_user,
        clinician=clinician,
        start=timezone.now() - dt.timedelta(minutes=1),
    )
    host = _page(media_browser, call_server)
    link = _open_room(host, contact)
    guest = _page(media_browser, call_server)
    guest.goto(link)
    guest.get_by_text("Waiting for your clinician to let you in").wait_for()
    host.get_by_role("button", name="Let Megan in").click()
    _in_call(host, 1)
    _in_call(guest, 1)
    assert guest.locator("[data-share]").count() == 0  # not on anyone else's page

    share = host.get_by_role("button", name="Share your screen")
    assert share.is_visible() and share.get_attribute("aria-pressed") == "false"
    outgoing = """() => {
        const [peer] = window.caremodeRoom.peers.values();
        return peer.pc.getSenders().find((s) => s.track && s.track.kind === "video").track.id;
    }"""
    camera = host.evaluate("() => window.caremodeRoom.local.getVideoTracks()[0].id")
    assert host.evaluate(outgoing) == camera
    share.click()
    host.get_by_role("button", name="Stop sharing your screen").wait_for()
    sharing = host.evaluate("() => window.caremodeRoom.sharing.track.id")
    assert host.evaluate(outgoing) == sharing != camera
    assert (
        host.locator("[data-self-label]").inner_text()
        == "Dr Asha Rahman (you): sharing your screen"
    )
    host.get_by_text("You are sharing your screen").wait_for()
    _until(guest, REMOTE_VIDEO_ADVANCES)  # the screen, on the same connection
    assert_accessible(host)

    host.get_by_role("button", name="Stop sharing your screen").click()
    host.get_by_role("button", name="Share your screen").wait_for()
    assert host.evaluate(outgoing) == camera
    assert host.evaluate("() => window.caremodeRoom.sharing") is None
    assert host.locator("[data-self-label]").inner_text() == "Dr Asha Rahman (you)"
    _until(host, OWN_CAMERA_PLAYS)
    for page in (host, guest):
        page.context.close()


def test_the_waiting_room_and_after_the_call_say_what_to_do(
    media_browser,
    call_server,
    clinician,
    service_user,
):
    # Booked eleven minutes ago: the time to phone the team has passed while Megan waits.
    contact = ContactFactory(
        service_user=service_user,
        clinician=clinician,
        start=timezone.now() - dt.timedelta(minutes=11),
    )
    host = _page(media_browser, call_server)
    link = _open_room(host, contact)
    guest = _page(media_browser, call_server, viewport={"width": 390, "height": 844})
    guest.goto(link)
    status = guest.locator("[data-status]")
    guest.get_by_text("Nobody has let you in yet.").wait_for()
    assert "phone North community mental health team on 0113 496 0000" in status.inner_text()
    assert guest.locator("[data-nobody-came]").evaluate(
        "(el) => el.classList.contains('caremode-nobody-came--due')"
    )
    assert_accessible(guest)

    host.get_by_role("button", name="Let Megan in").click()
    _in_call(guest, 1)
    host.get_by_role("button", name="End the call").click()
    host.get_by_role("heading", name="Confirm the outcome of the call").wait_for()

    guest.get_by_role("heading", name="Your video appointment has ended").wait_for()
    guest.get_by_text("The call has ended").wait_for()
    guest.wait_for_function(
        """() => window.caremodeRoom.peers.size === 0
            && window.caremodeRoom.local.getTracks().every((t) => t.readyState === "ended")"""
    )
    assert guest.evaluate("() => document.activeElement.matches('[data-closed]')")
    for hidden in ("[data-call]", "[data-precall]", "[data-waiting]"):
        assert not guest.locator(hidden).is_visible()
    assert guest.get_by_role("heading", name="What happens next").is_visible()
    assert (
        guest.locator("[data-closed]")
        .get_by_text("the care team will be in touch about what happens next")
        .is_visible()
    )
    assert guest.get_by_role("link", name="NHS 111").is_visible()
    assert guest.evaluate(FITS_THE_WIDTH)
    assert_accessible(guest)
    for page in (host, guest):
        page.context.close()
