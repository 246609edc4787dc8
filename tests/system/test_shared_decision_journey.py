"""A service user says how they would like to be contacted; with their clinician they agree a
mode for medication reviews with the recommendation on screen; weeks later it comes up for review.
Every page visited passes axe-core.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from caremode.accounts.models import Role
from caremode.decisions.models import DecisionRecord
from tests.factories import UserFactory
from tests.system.conftest import assert_accessible
from tests.system.test_clinician_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="Sign in to CareMode").wait_for()


def test_a_decision_is_agreed_with_the_recommendation_on_screen_and_comes_up_for_review(
    page, clinician, service_user
):
    service_user.account = UserFactory(username="megan", role=Role.SERVICE_USER)
    service_user.save()

    # The service user says how they would like to be contacted.
    sign_in(page, "megan")
    page.get_by_role("link", name="Tell us how you would like to be contacted").click()
    page.get_by_role("heading", name="How you would like to be contacted").wait_for()
    assert_accessible(page)
    page.get_by_role("group", name="Telephone call").get_by_label("I prefer this").check()
    page.get_by_role("group", name="Video call").get_by_label("I would rather not").check()
    page.get_by_role("button", name="Save preferences").click()
    page.get_by_text("Preferences saved").wait_for()
    sign_out(page)

    # With the clinician, they agree a mode for medication reviews.
    sign_in(page, "asha")
    page.get_by_role("link", name="Taylor, Megan").click()
    page.get_by_role("link", name="Decisions about mode and preferences").click()
    page.get_by_role("heading", name="Decisions about mode").wait_for()
    assert page.get_by_text("Prefers").first.is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Agree a mode of contact").click()
    page.get_by_label("Type of contact").select_option("medication_review")
    page.get_by_role("group", name="Current level of risk").get_by_label("Low").check()
    page.get_by_role("button", name="Show recommendation").click()
    page.get_by_role("heading", name="What the evidence suggests for medication review").wait_for()
    # A short ranked summary first; each mode's details open on demand.
    ranked = page.locator("#recommendation ol")
    assert ranked.get_by_text("1. Telephone").is_visible()
    assert (
        ranked.locator("li", has_text="Video").get_by_text("The person declines this").is_visible()
    )
    assert not page.get_by_text("The person declines video contact.").is_visible()
    page.get_by_text("Video: reasons, cautions and what to put in place").click()
    assert page.get_by_text("The person declines video contact.").is_visible()
    assert_accessible(page)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate(
        "document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth"
    )
    page.get_by_role("link", name="E19").first.click()
    page.get_by_role("heading", name="Finding E19").wait_for()
    assert_accessible(page)
    page.go_back()
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("group", name="Agreed mode", exact=True).get_by_label("Telephone").check()
    page.get_by_role(
        "group", name="Fallback if the agreed mode fails or is not possible"
    ).get_by_label("Face to face").check()
    page.get_by_label("In the person's own words").fill("Phone is easier while I'm working")
    review = timezone.localdate() + dt.timedelta(days=42)
    page.get_by_label("Day").fill(str(review.day))
    page.get_by_label("Month").fill(str(review.month))
    page.get_by_label("Year").fill(str(review.year))
    page.get_by_role("button", name="Record decision").click()
    page.get_by_text("Decision recorded").wait_for()
    assert page.get_by_role("cell", name="Phone is easier while I'm working").is_visible()
    assert_accessible(page)
    decision = DecisionRecord.objects.get()
    assert (decision.agreed_mode, decision.fallback_mode, decision.followed_recommendation) == (
        "telephone",
        "face_to_face",
        True,
    )

    # A month later the decision is due for review.
    with time_machine.travel(timezone.now() + dt.timedelta(days=32), tick=True):
        sign_out(page)
        sign_in(page, "asha")
        page.get_by_role("link", name="Decisions to review").click()
        page.get_by_role("heading", name="Decisions to review").wait_for()
        assert page.get_by_role("cell", name="Megan Taylor").is_visible()
        assert page.get_by_text("Review is due on").is_visible()
        assert_accessible(page)
