"""axe-core on the portal pages added for issue 18, as the people who use them reach them: the
person's requests about an appointment (and the team's page for one), "Who has looked at your
record", the readable subject access copy, and the forgotten-password pages, each in its first
state and after a mistake where it has a form."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from caremode.accounts.models import Role
from caremode.scheduling.models import AppointmentRequest
from caremode.signin.services import reset_tokens
from tests.factories import ContactFactory, UserFactory
from tests.system.conftest import assert_accessible
from tests.system.test_clinician_journey import sign_in

pytestmark = pytest.mark.browser


def test_the_portal_request_who_looked_and_subject_access_pages_are_accessible(
    page, clinician, service_user
):
    account = UserFactory(username="megan", role=Role.SERVICE_USER, email="megan@example.org")
    service_user.account = account
    service_user.save()
    contact = ContactFactory(service_user=service_user, clinician=clinician)

    sign_in(page, "megan")
    for path in ("/my-care/", "/my-care/who-viewed/", f"/my-care/appointments/{contact.pk}/ask/"):
        page.goto(path)
        assert_accessible(page)
    page.get_by_role("button", name="Send my request").click()  # nothing chosen: an error
    page.locator(".nhsuk-error-summary").wait_for()
    assert_accessible(page)

    page.get_by_label("Move it to another time").check()
    page.get_by_role("button", name="Send my request").click()
    page.wait_for_load_state()
    assert_accessible(page)
    request = AppointmentRequest.objects.get(contact=contact)
    sign_in(page, "asha")
    for path in (
        f"/appointment-requests/{request.pk}/",
        f"/service-users/{service_user.pk}/export/readable/",
    ):
        page.goto(path)
        assert_accessible(page)


def test_the_forgotten_password_pages_are_accessible(page, clinician):
    page.context.clear_cookies()
    page.goto(reverse("signin:forgotten_password"))
    assert_accessible(page)
    page.get_by_role("button", name="Send me a link").click()  # no username: an error
    page.locator(".nhsuk-error-summary").wait_for()
    assert_accessible(page)
    page.get_by_label("Username").fill("asha")
    page.get_by_role("button", name="Send me a link").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.goto(
        reverse(
            "signin:reset_password",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(clinician.pk)),
                "token": reset_tokens.make_token(clinician),
            },
        )
    )
    page.wait_for_load_state()
    assert_accessible(page)
