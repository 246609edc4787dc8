"""A clinician agrees to wait for face to face, keeping in touch weekly; the manager sees the
waiting list and the team diary.

Given a service that offers no face to face, and a person considering trauma-focused therapy,
when the clinician reads the recommendation (the compact page), agrees "wait for face to face,
keep in touch weekly by telephone", and books the first keep-in-touch call from the free times,
then the team manager finds the person on the waiting list with that rhythm and the call in the
team diary; every page passes axe-core, and the new pages fit a 390 px phone without scrolling
sideways.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from caremode.accounts.models import Role
from caremode.decisions.models import DecisionRecord
from caremode.scheduling.diary import week_starting
from caremode.scheduling.models import Contact
from tests.factories import clinician_in
from tests.system.conftest import assert_accessible
from tests.system.test_clinician_journey import sign_in
from tests.system.test_phone_width import WIDEST, overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
FITS = "document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth"


def fits_a_phone(page) -> None:
    """At 390 px the page does not scroll sideways, and still passes axe-core.

    The NHS header moves its links into "More" on the window's resize event, which fires after
    the viewport changes: wait for it (a few seconds at most) before measuring."""
    page.set_viewport_size(PHONE)
    try:
        page.wait_for_function(FITS, timeout=5_000)
    except PlaywrightTimeoutError:
        scroll_width, client_width = overflow(page)
        raise AssertionError(
            f"{page.url}: {scroll_width}px > {client_width}px, {page.evaluate(WIDEST)}"
        ) from None
    assert_accessible(page)
    page.set_viewport_size(DESKTOP)


def test_wait_for_face_to_face_keeping_in_touch_then_the_manager_sees_the_waiting_list(
    page, team, clinician, service_user
):
    team.service.modes_offered = ["video", "telephone", "text", "email"]
    team.service.save()
    clinician_in(team, username="mo", display_name="Mo Ahmed", role=Role.TEAM_MANAGER)
    page.set_viewport_size(DESKTOP)

    # The clinician reads the recommendation for trauma-focused therapy.
    sign_in(page, "asha")
    page.goto(f"/service-users/{service_user.pk}/decisions/new/")
    assert_accessible(page)
    page.get_by_label("Type of contact").select_option("trauma_focused_therapy")
    page.get_by_role("button", name="Show recommendation").click()
    page.get_by_role(
        "heading", name="What the evidence suggests for trauma-focused therapy"
    ).wait_for()
    assert page.get_by_text(
        "Offer to pause and keep in touch, or to wait for face to face"
    ).is_visible()
    assert page.get_by_text("Instead of a mode you can record").is_visible()
    assert_accessible(page)
    fits_a_phone(page)

    # They agree to wait for face to face, keeping in touch weekly by telephone.
    page.locator('input[name="outcome"][value="wait_face_to_face"]').check()
    page.locator('input[name="keep_in_touch_every_weeks"][value="1"]').check()
    page.locator('input[name="keep_in_touch_mode"][value="telephone"]').check()
    page.get_by_label("On which day?").select_option("2")
    page.get_by_label("At what time?").fill("14:00")
    reoffer = timezone.localdate() + dt.timedelta(days=42)
    page.locator('input[name="reoffer_on_0"]').fill(str(reoffer.day))
    page.locator('input[name="reoffer_on_1"]').fill(str(reoffer.month))
    page.locator('input[name="reoffer_on_2"]').fill(str(reoffer.year))
    page.get_by_label("Why pause or wait?").fill("Trauma work needs the room; video felt unsafe")
    page.get_by_role("button", name="Record decision").click()
    page.get_by_text("Decision recorded").wait_for()
    assert_accessible(page)
    decision = DecisionRecord.objects.get()
    assert decision.outcome == "wait_face_to_face" and decision.reoffer_on == reoffer
    assert decision.keep_in_touch.every_weeks == 1

    # They book the first keep-in-touch call from the free times.
    page.goto(f"/service-users/{service_user.pk}/book/?mode=telephone&length=30")
    page.get_by_role("heading", name="Next free times").wait_for()
    assert_accessible(page)
    page.locator("#free-times + p + ul a").first.click()
    page.get_by_label("Type of contact").select_option("wellbeing_check_in")
    page.get_by_role("button", name="Book contact").click()
    page.get_by_text("Contact booked for").wait_for()
    assert_accessible(page)
    call = Contact.objects.get()
    assert (call.planned_mode, call.consultation_type) == ("telephone", "wellbeing_check_in")

    # The team manager sees the waiting list, then the team diary with the call.
    sign_in(page, "mo")
    page.goto("/team/")
    assert_accessible(page)
    fits_a_phone(page)
    page.get_by_role("link", name="Waiting list: people paused or waiting for face to face").click()
    page.get_by_role("heading", name="Waiting list").wait_for()
    row = page.get_by_role("row").filter(has_text="Megan Taylor")
    assert row.get_by_text("Weekly by telephone").first.is_visible()
    assert row.get_by_text("Wait for face to face").first.is_visible()
    assert_accessible(page)
    fits_a_phone(page)

    page.goto("/team/")
    page.get_by_role("link", name="Team diary: every clinician's week").click()
    page.get_by_role("heading", name="Team diary").wait_for()
    monday = week_starting(timezone.localtime(call.start).date())
    page.goto(f"/diary/team/?week={monday.isoformat()}")
    assert page.get_by_text("Megan Taylor").first.is_visible()
    assert_accessible(page)
