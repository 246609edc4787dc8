"""A clinician agrees an early-warning sign with the person, scores a PHQ-9 with them during a
telephone contact (question 9 above 0, twice over weeks so the trend shows a deterioration), sees
the trend on the record and the urgent alert first on the team page, and acknowledges it. On a
phone-sized screen; axe-core on every page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from caremode.monitoring.models import Assessment, WarningSign
from caremode.monitoring.services import record_assessment
from caremode.scheduling.models import TeamAlert
from tests.factories import ContactFactory
from tests.system.conftest import assert_accessible
from tests.system.test_clinician_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_warning_sign_score_in_a_contact_trend_and_the_urgent_alert(page, clinician, service_user):
    page.set_viewport_size({"width": 390, "height": 844})
    record_assessment(
        actor=clinician,
        service_user=service_user,
        measure="PHQ9",
        answers={f"phq9_{n}": 0 for n in range(1, 10)},
        taken_at=timezone.now() - dt.timedelta(days=30),
    )
    contact = ContactFactory(
        service_user=service_user,
        clinician=clinician,
        planned_mode="video",
        start=timezone.now() - dt.timedelta(days=2),
    )
    contact.attend_status, contact.mode_used = "5", "telephone"
    contact.save()

    sign_in(page, "asha")
    page.get_by_role("link", name="Taylor, Megan").click()
    page.get_by_role("heading", name="Early-warning signs").wait_for()
    assert_accessible(page)

    page.get_by_role("link", name="Add an early-warning sign").click()
    page.get_by_role("heading", name="Add an early-warning sign").wait_for()
    assert_accessible(page)
    page.get_by_label("The warning sign, in their own words").fill("Sleeping under four hours")
    page.get_by_label("What they will do").fill("Ring my sister")
    page.get_by_label("What the team will do").fill("Call me the same day")
    page.get_by_label("Whom to contact, and how").fill("Duty worker, 0113 496 0000")
    page.get_by_role("button", name="Add to the plan").click()
    page.get_by_text("Early-warning sign added to the plan.").wait_for()
    assert WarningSign.objects.get().sign == "Sleeping under four hours"

    page.get_by_role("link", name="PHQ-9 for the contact on").first.click()
    page.get_by_role("heading", name="Score the PHQ-9").wait_for()
    assert_accessible(page)
    answers = ["Nearly every day"] * 6 + ["More than half the days"] * 2
    for n, answer in enumerate([*answers, "Several days"], start=1):
        question = page.get_by_role("group", name=re.compile(rf"^{n}\. "))
        question.get_by_label(answer, exact=True).check()
    page.get_by_role("button", name="Record the PHQ-9").click()
    page.get_by_text("PHQ-9 recorded: 23 (severe).").wait_for()
    assert page.get_by_text("an urgent alert is on the team page").is_visible()
    assert page.get_by_role("img", name="PHQ-9 over time").is_visible()
    assert page.get_by_role("cell", name="Reliably worse").is_visible()
    assert page.get_by_role("cell", name="During a telephone contact").is_visible()
    assert_accessible(page)
    latest = Assessment.objects.get(contact=contact)
    assert (latest.score, latest.mode, latest.risk_answer) == (23, "telephone", 1)

    page.goto("/team/")
    page.get_by_role("heading", name="Needs attention").wait_for()
    assert_accessible(page)
    first_alert = page.locator("ul.nhsuk-list--border > li").first
    assert "Urgent" in first_alert.inner_text() and "Several days" in first_alert.inner_text()
    first_alert.get_by_role("button", name="I am on it").click()
    page.get_by_text("Alert acknowledged").wait_for()
    assert page.get_by_text("Acknowledged by").first.is_visible()
    assert_accessible(page)
    assert TeamAlert.objects.get(kind="risk_answer").acknowledged_by == clinician

    page.goto("/service-users/")
    page.get_by_text("Urgent alert").wait_for()
    assert_accessible(page)
