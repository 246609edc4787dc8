"""Issue 12's journey end to end. A clinician agrees a check-in schedule and an early-warning
sign with the person; the link arrives by text; on a phone-sized page, without JavaScript, the
person answers a PHQ-9 and GAD-7 with question 9 above 0, ticks their warning sign, and sees
what to do now at once; the clinician sees the urgent alert first on the team page and the
deterioration on the record's chart; then, signed in to the portal, the person sees their own
trend and changes how often check-ins come. axe-core on every page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from caremode.accounts.models import Role
from caremode.messaging.models import OutboundMessage
from caremode.monitoring.checkins import DUE_AT_HOUR, create_due_checkins
from caremode.monitoring.models import CheckInSchedule, WarningSign
from caremode.monitoring.services import record_assessment
from caremode.monitoring.tests.checkin_support import token_in
from caremode.scheduling.models import TeamAlert
from tests.factories import UserFactory
from tests.system.conftest import assert_accessible
from tests.system.test_clinician_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_checkin_by_link_on_a_phone_with_item_nine_shows_what_to_do_now(
    browser, live_server, page, clinician, service_user
):
    service_user.account = UserFactory(username="megan", role=Role.SERVICE_USER)
    service_user.phone = "07700 900123"
    service_user.save()
    today = timezone.localdate()
    # Her last PHQ-9, three weeks ago, scored 4: the baseline the new answers are compared with.
    record_assessment(
        actor=clinician,
        service_user=service_user,
        measure="PHQ9",
        answers={f"phq9_{n}": 1 if n <= 4 else 0 for n in range(1, 10)},
        taken_at=timezone.now() - dt.timedelta(days=21),
    )

    sign_in(page, "asha")
    page.get_by_role("link", name="Taylor, Megan").click()
    page.get_by_role("heading", name="Megan Taylor").wait_for()
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
    page.get_by_role("link", name="Agree a check-in schedule").click()
    page.get_by_role("heading", name="Agree a check-in schedule").wait_for()
    assert_accessible(page)
    page.get_by_label("PHQ-9 (depression, 9 questions)").check()
    page.get_by_label("GAD-7 (anxiety, 7 questions)").check()
    page.get_by_label("Every week").check()
    page.get_by_label("Text message").check()
    page.get_by_label("Day").fill(str(today.day))
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Year").fill(str(today.year))
    page.get_by_role("button", name="Agree schedule").click()
    page.get_by_text("Check-in schedule agreed.").wait_for()
    assert page.get_by_text("Every week, text message: PHQ-9, GAD-7").is_visible()
    assert CheckInSchedule.objects.get().agreed_by.username == "asha"

    # The worker's round at half past nine today creates the check-in and queues its link.
    nine_thirty = timezone.make_aware(dt.datetime.combine(today, dt.time(DUE_AT_HOUR, 30)))
    assert create_due_checkins(now=nine_thirty) == 1
    token = token_in(OutboundMessage.objects.get(purpose="checkin"))

    phone = browser.new_context(
        base_url=live_server.url,
        bypass_csp=True,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        java_script_enabled=False,
    )
    person = phone.new_page()
    person.goto(f"/check-in/{token}/")
    person.get_by_role("heading", name="Your check-in").wait_for()
    assert_accessible_without_js(person)
    assert person.evaluate("document.documentElement.scrollWidth") <= 390
    for n in range(1, 9):
        person.locator(f"input[name=phq9_{n}][value='2']").check()
    person.locator("input[name=phq9_9][value='1']").check()  # PHQ-9 17, question 9 "Several days"
    for n in range(1, 8):
        person.locator(f"input[name=gad7_{n}][value='1']").check()
    person.get_by_label("Sleeping under four hours").check()
    person.get_by_role("button", name="Send my answers").click()
    person.get_by_role("heading", name="What to do now").wait_for()
    assert person.get_by_text("choose the mental health option").first.is_visible()
    assert person.locator("a[href='tel:999']").is_visible()
    assert person.get_by_text("Samaritans on 116 123").is_visible()
    assert_accessible_without_js(person)
    alert = TeamAlert.objects.get(kind="risk_answer")
    assert alert.urgent and alert.service_user_id == service_user.pk

    person.goto(f"/check-in/{token}/")  # the link works once
    person.get_by_role("heading", name="This check-in cannot be answered").wait_for()
    assert_accessible_without_js(person)
    phone.close()
    kinds = set(TeamAlert.objects.values_list("kind", flat=True))
    assert kinds == {"risk_answer", "deterioration", "warning_sign"}

    # The clinician, still signed in (a second sign-in within one 30-second step would reuse
    # her security code, which the second factor rightly refuses): the urgent alert first on
    # the team page, the deterioration on the chart.
    page.goto("/team/")
    page.get_by_role("heading", name="Needs attention").wait_for()
    assert_accessible(page)
    first_alert = page.locator("ul.nhsuk-list--border > li").first
    assert "Urgent" in first_alert.inner_text() and "Several days" in first_alert.inner_text()
    assert page.get_by_text("Sleeping under four hours").first.is_visible()
    page.goto(f"/service-users/{service_user.pk}/")
    page.get_by_role("heading", name="Megan Taylor").wait_for()
    assert page.get_by_role("img", name="PHQ-9 over time").is_visible()
    assert page.get_by_role("cell", name="Reliably worse").is_visible()
    assert_accessible(page)

    sign_in(page, "megan")
    page.goto("/my-care/")
    page.get_by_role("heading", name="How you have been").wait_for()
    assert page.get_by_role("img", name="PHQ-9 over time").is_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Change or stop your check-ins").click()
    page.get_by_role("heading", name="Your check-ins", exact=True).wait_for()
    assert_accessible(page)
    page.get_by_label("Every 2 weeks").check()
    page.get_by_role("button", name="Save changes").click()
    page.get_by_text("Your check-ins have been changed.").wait_for()
    assert_accessible(page)
    assert CheckInSchedule.objects.get(ended_at__isnull=True).rhythm == "fortnightly"


def assert_accessible_without_js(page) -> None:
    """axe-core needs JavaScript: check the same page in a context that has it."""
    html = page.content()
    context = page.context.browser.new_context(
        bypass_csp=True, viewport={"width": 390, "height": 844}
    )
    checked = context.new_page()
    checked.set_content(html)
    assert_accessible(checked)
    context.close()
