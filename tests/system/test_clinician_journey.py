"""A clinician signs in, opens a service user, books a video contact and records its outcome.

Given a clinician in a team with a service user on its caseload,
when they book a video contact and, after it has happened, record that it took place,
then the contact shows with its outcome, and every page on the way passes axe-core.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone

from caremode.accounts.models import User
from caremode.accounts.sessions import needs_second_factor
from caremode.scheduling.models import Contact
from tests.factories import PASSWORD, current_code, next_working_day_at
from tests.system.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username: str) -> None:
    """Sign in as a person would: password, then (for staff) the security code."""
    page.context.clear_cookies()  # whoever was signed in, and whatever the clock says
    page.goto("/")
    assert_accessible(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    user = User.objects.get(username=username)
    if needs_second_factor(user):
        page.get_by_label("Security code").wait_for()
        assert_accessible(page)
        page.get_by_label("Security code").fill(current_code(user))
        page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()


def test_clinician_books_a_video_contact_and_records_its_outcome(page, clinician, service_user):
    sign_in(page, "asha")
    page.wait_for_url("**/service-users/")
    assert page.get_by_role("heading", name="My caseload").is_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Taylor, Megan").click()
    page.get_by_role("heading", name="Megan Taylor").wait_for()
    assert_accessible(page)

    page.get_by_role("button", name="Book a contact").click()
    page.get_by_role("heading", name="Book a contact").wait_for()
    assert_accessible(page)
    # An empty form is explained, field by field, in an accessible error summary.
    page.get_by_role("button", name="Book contact").click()
    page.get_by_text("There is a problem").wait_for()
    assert_accessible(page)

    start = timezone.localtime(next_working_day_at(10))
    page.get_by_label("Type of contact").select_option("psychiatric_review")
    page.get_by_label("Video").check()
    page.get_by_label("Day").fill(str(start.day))
    page.get_by_label("Month").fill(str(start.month))
    page.get_by_label("Year").fill(str(start.year))
    page.get_by_label("Start time").fill(start.strftime("%H:%M"))
    page.get_by_role("button", name="Book contact").click()
    page.get_by_text("Contact booked for").wait_for()
    assert_accessible(page)
    contact = Contact.objects.get()
    assert (contact.planned_mode, contact.start) == ("video", start)

    # After the contact, the clinician signs in again and records that it took place.
    with time_machine.travel(start + dt.timedelta(hours=2), tick=True):
        sign_in(page, "asha")
        page.get_by_role("link", name="Megan Taylor: Psychiatric review").click()
        page.get_by_role("heading", name="Record the outcome of a contact").wait_for()
        assert_accessible(page)
        page.get_by_label("Attended on time, or late but before the clinician was ready").check()
        page.get_by_label("Mode actually used").select_option("video")
        page.get_by_role("button", name="Record outcome").click()
        page.get_by_text("Outcome recorded").wait_for()
        assert_accessible(page)

    contact.refresh_from_db()
    assert (contact.attend_status, contact.mode_used, contact.cons_mechanism_used) == (
        "5",
        "video",
        "11",
    )
    # The outcome in plain words, with the way to correct it (not "attended, arrived late").
    assert page.get_by_role("cell", name=re.compile(r"^Attended Correct outcome")).is_visible()


def test_a_service_user_sees_their_appointment_in_the_portal(page, clinician, service_user):
    from caremode.accounts.models import Role
    from tests.factories import ContactFactory, UserFactory

    service_user.account = UserFactory(username="megan", role=Role.SERVICE_USER)
    service_user.save()
    ContactFactory(service_user=service_user, clinician=clinician, planned_mode="telephone")
    sign_in(page, "megan")
    page.get_by_role("heading", name="Your care, Megan").wait_for()
    assert page.get_by_text("Care coordination with Dr Asha Rahman").is_visible()
    # Before a first remote contact the person is told what to expect (E20).
    assert page.get_by_role("heading", name="Before your telephone appointment").is_visible()
    assert page.get_by_text("It will feel different from meeting in person").is_visible()
    assert_accessible(page)
