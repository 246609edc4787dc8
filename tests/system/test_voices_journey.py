"""Issue 15's journey: voices. After a telephone contact the person gives feedback on a phone
(390 px, no JavaScript) by the link in a text message, anonymously; a carer with consent to give
input to assessments tells the team what they have noticed before an assessment, on the carer
page; the clinician sees it on the record and on the contact, marked as the carer's view; a team
manager sees the Friends and Family Test counted, suppressed. axe-core on every page.

Each step is a function, so the journey can go on from the feedback given (coding it, the
agreement, the themes by mode) without repeating these."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from caremode.accounts.models import Role
from caremode.feedback.carer_input import invite_carers_before_assessments
from caremode.feedback.models import CarerInput, Excerpt, FeedbackResponse
from caremode.feedback.services import ask_for_feedback_after_contacts
from caremode.feedback.tests.support import attended, booked, token_in
from caremode.messaging.models import OutboundMessage
from tests.factories import CarerConsentFactory, UserFactory, clinician_in
from tests.system.conftest import assert_accessible
from tests.system.test_checkin_journey import assert_accessible_without_js
from tests.system.test_clinician_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WORDS = "The call kept cutting out, and I could not talk freely at home."


def feedback_link_after_a_telephone_contact(service_user, clinician) -> str:
    """The contact took place and its outcome was recorded; the worker's round texts the link."""
    service_user.phone = "07700 900123"
    service_user.save()
    attended(service_user, clinician, mode="telephone", now=timezone.now())
    assert ask_for_feedback_after_contacts() == 2  # the person, and the clinician (remote)
    return token_in(OutboundMessage.objects.get(purpose="feedback"))


def give_feedback_on_a_phone(browser, live_server, token: str) -> None:
    phone = browser.new_context(
        base_url=live_server.url,
        bypass_csp=True,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        java_script_enabled=False,
    )
    person = phone.new_page()
    person.goto(f"/feedback/{token}/")
    person.get_by_role("heading", name="Your feedback").wait_for()
    assert person.get_by_text("Overall, how was your experience of our service?").is_visible()
    assert_accessible_without_js(person)
    assert person.evaluate("document.documentElement.scrollWidth") <= 390
    person.get_by_role("button", name="Send my feedback").click()  # the FFT answer is needed
    person.get_by_role(
        "link", name="Select an answer to “Overall, how was your experience"
    ).wait_for()
    assert_accessible_without_js(person)
    person.get_by_label("Poor", exact=True).check()
    person.get_by_label("Please can you tell us why you gave your answer?").fill(WORDS)
    person.locator("input[name=mode_suited][value=partly]").check()
    person.locator("input[name=choose_again][value=not_sure]").check()
    person.get_by_label("Poor connectivity").check()
    person.get_by_label("No private space at home").check()
    assert person.get_by_label("Keep my answers anonymous").is_checked()
    person.get_by_role("button", name="Send my feedback").click()
    person.get_by_role("heading", name="Thank you").wait_for()
    assert_accessible_without_js(person)
    person.goto(f"/feedback/{token}/")  # the link works once
    person.get_by_role("heading", name="This cannot be answered").wait_for()
    assert_accessible_without_js(person)
    phone.close()


def carer_gives_input_before_an_assessment(page, service_user, clinician) -> CarerInput:
    consent = CarerConsentFactory(
        service_user=service_user,
        scope_join_contacts=False,
        scope_appointment_details=False,
        scope_assessment_input=True,
    )
    consent.carer.account = UserFactory(username="jo", role=Role.CARER)
    consent.carer.save()
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=2)
    booked(service_user, clinician, start=start, consultation_type="initial_assessment")
    assert invite_carers_before_assessments() == 1
    sign_in(page, "jo")
    page.goto("/people-i-care-for/")
    page.get_by_role("heading", name="Tell the team what you have noticed").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Before Megan's appointment").click()
    page.get_by_role("heading", name="Tell the team what you have noticed").wait_for()
    assert_accessible(page)
    page.get_by_label("What have you noticed?").fill("Megan has hardly slept this week.")
    page.get_by_role("button", name="Send to the team").click()
    page.get_by_role("heading", name="Thank you").wait_for()
    assert_accessible(page)
    return CarerInput.objects.get()


def clinician_sees_the_carers_view(page, service_user) -> None:
    sign_in(page, "asha")
    page.goto(f"/service-users/{service_user.pk}/")
    page.get_by_role("heading", name="What carers have told the team").wait_for()
    assert page.get_by_text("Carer's view: Jo Carer (mother)").first.is_visible()
    assert page.get_by_text("Megan has hardly slept this week.").is_visible()
    assert page.get_by_text(WORDS).count() == 0  # feedback is never on the record
    assert_accessible(page)
    page.get_by_role("link", name="Carer's view given").click()
    page.get_by_role("heading", name="What carers told the team").wait_for()
    assert page.get_by_text("Megan has hardly slept this week.").is_visible()
    assert_accessible(page)


def manager_sees_the_fft_counted_and_suppressed(page, team) -> None:
    clinician_in(team, role=Role.TEAM_MANAGER, username="morgan")
    sign_in(page, "morgan")
    page.goto("/feedback/results/")
    page.get_by_role("heading", name="Friends and Family Test").wait_for()
    row = page.locator("table").first.locator("tbody tr").first
    assert team.service.name in row.inner_text() and "*" in row.inner_text()
    assert page.get_by_text(WORDS).count() == 0
    assert_accessible(page)


def test_feedback_after_a_telephone_contact_and_a_carers_input_before_an_assessment(
    browser, live_server, page, clinician, service_user, team
):
    token = feedback_link_after_a_telephone_contact(service_user, clinician)
    give_feedback_on_a_phone(browser, live_server, token)
    response = FeedbackResponse.objects.get(respondent="service_user")
    assert (response.fft, response.mode, response.request) == ("4", "telephone", None)
    assert Excerpt.objects.get().text == WORDS  # ready to be coded, naming nobody

    given = carer_gives_input_before_an_assessment(page, service_user, clinician)
    assert given.kind == "before_contact"
    clinician_sees_the_carers_view(page, service_user)
    manager_sees_the_fft_counted_and_suppressed(page, team)
