"""A clinician reschedules a contact with a reason, records a did-not-attend and completes the
follow-up; the service user sees the change in the portal. axe-core on every page.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from caremode.accounts.models import Role
from caremode.scheduling.models import ContactChange, FollowUpTask
from tests.factories import ContactFactory, UserFactory, next_working_day_at
from tests.system.conftest import assert_accessible
from tests.system.test_clinician_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reschedule_did_not_attend_follow_up_and_the_portal(page, clinician, service_user):
    service_user.account = UserFactory(username="megan", role=Role.SERVICE_USER)
    service_user.save()
    upcoming = ContactFactory(
        service_user=service_user,
        clinician=clinician,
        planned_mode="telephone",
        start=next_working_day_at(10, after=3),
    )
    ContactFactory(
        service_user=service_user,
        clinician=clinician,
        planned_mode="video",
        consultation_type="medication_review",
        start=timezone.now() - dt.timedelta(days=2),
    )

    sign_in(page, "asha")
    page.get_by_role("link", name="Taylor, Megan").click()
    page.get_by_role("link", name="Reschedule").click()
    page.get_by_role("heading", name="Reschedule a contact").wait_for()
    assert_accessible(page)
    days_ahead = (timezone.localdate(upcoming.start) - timezone.localdate()).days + 1
    new_start = timezone.localtime(next_working_day_at(14, after=days_ahead))
    page.get_by_label("Day").fill(str(new_start.day))
    page.get_by_label("Month").fill(str(new_start.month))
    page.get_by_label("Year").fill(str(new_start.year))
    page.get_by_label("New start time").fill(new_start.strftime("%H:%M"))
    page.get_by_label("The service", exact=True).check()
    page.get_by_label("Reason").fill("Clinician needed at a tribunal")
    page.get_by_role("button", name="Reschedule").click()
    page.get_by_text("Contact moved to").wait_for()
    assert page.get_by_text("Reason: Clinician needed at a tribunal").is_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Record outcome").click()
    page.get_by_label("Did not attend, no advance warning").check()
    page.get_by_role("button", name="Record outcome").click()
    page.get_by_text("Outcome recorded").wait_for()
    assert page.get_by_role("heading", name="Follow-ups after missed contacts").is_visible()

    page.get_by_role("link", name="Team").click()
    page.get_by_role("heading", name="Follow-ups due").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Complete").first.click()
    page.get_by_label("What was done?").fill("Phoned Megan; she was unwell. Rebooked.")
    page.get_by_role("button", name="Complete follow-up").click()
    page.get_by_text("Follow-up completed").wait_for()
    assert page.get_by_text("No follow-ups are due.").is_visible()
    assert_accessible(page)
    assert FollowUpTask.objects.get().completed_at is not None

    sign_in(page, "megan")
    page.get_by_role("heading", name="Changes to your appointments").wait_for()
    assert page.get_by_text("Reason: Clinician needed at a tribunal").is_visible()
    assert page.get_by_text("by the service").is_visible()
    assert_accessible(page)
    assert ContactChange.objects.get().initiated_by == "service"
