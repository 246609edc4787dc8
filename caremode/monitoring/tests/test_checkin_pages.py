"""The check-in pages over HTTP: the clinician's schedule page, the portal's change and stop,
the check-in by link (no sign-in) and in the portal, what to do now, and access denied."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from caremode.accounts.models import Role
from caremode.messaging.models import OutboundMessage
from caremode.monitoring.checkins import (
    CHECKIN_OPEN_FOR,
    agree_checkin_schedule,
    create_due_checkins,
)
from caremode.monitoring.models import Assessment, CheckIn, CheckInSchedule
from caremode.monitoring.tests.checkin_support import (
    CALM_GAD7,
    CALM_PHQ9,
    WEDNESDAY,
    phq9,
    sign_of,
    token_in,
    with_mobile,
)
from caremode.scheduling.models import TeamAlert
from tests.factories import CarerConsentFactory, ServiceUserFactory, UserFactory, signed_in

pytestmark = pytest.mark.django_db
LATER = WEDNESDAY + dt.timedelta(hours=2)


@pytest.fixture(autouse=True)
def _wednesday():
    with time_machine.travel(LATER, tick=False):
        yield


@pytest.fixture
def account(service_user):
    user = UserFactory(role=Role.SERVICE_USER)
    service_user.account = user
    service_user.save()
    return user


@pytest.fixture
def sent(clinician, service_user, account):
    """A PHQ-9 + GAD-7 check-in sent by text: (check-in, token)."""
    with_mobile(service_user)
    agree_checkin_schedule(
        actor=clinician,
        service_user=service_user,
        measures=["PHQ9", "GAD7"],
        rhythm="weekly",
        channel="sms",
        starts_on=WEDNESDAY.date(),
    )
    create_due_checkins(now=LATER)
    return CheckIn.objects.get(), token_in(OutboundMessage.objects.get())


def form_data(phq: dict, gad: dict, **extra) -> dict:
    return {k: v for k, v in (phq | gad).items() if v is not None} | extra


def test_the_clinician_agrees_a_schedule(clinician, service_user):
    with_mobile(service_user)
    client = signed_in(Client(), clinician)
    url = reverse("monitoring:agree_schedule", args=[service_user.pk])
    page = client.get(url)
    assert page.status_code == 200 and b"Agree a check-in schedule" in page.content
    response = client.post(
        url,
        {
            "measures": ["PHQ9", "GAD7"],
            "rhythm": "weekly",
            "channel": "sms",
            "ask_warning_signs": "on",
            "starts_on_0": "10",
            "starts_on_1": "2",
            "starts_on_2": "2027",
        },
    )
    assert response.status_code == 302
    schedule = CheckInSchedule.objects.get()
    assert schedule.measures == ["PHQ9", "GAD7"] and schedule.agreed_by == clinician
    record = client.get(reverse("records:record", args=[service_user.pk]))
    assert b"Every week, text message: PHQ-9, GAD-7" in record.content


def test_the_schedule_page_shows_the_service_error_on_its_field(clinician, service_user):
    client = signed_in(Client(), clinician)
    response = client.post(
        reverse("monitoring:agree_schedule", args=[service_user.pk]),
        {
            "measures": ["PHQ9"],
            "rhythm": "weekly",
            "channel": "email",
            "starts_on_0": "10",
            "starts_on_1": "2",
            "starts_on_2": "2027",
        },
    )
    assert response.status_code == 200
    assert "Check-ins cannot come by email" in response.content.decode()
    assert not CheckInSchedule.objects.exists()


def test_a_clinician_of_another_team_gets_404(other_team_clinician, service_user):
    client = signed_in(Client(), other_team_clinician)
    url = reverse("monitoring:agree_schedule", args=[service_user.pk])
    assert client.get(url).status_code == 404
    assert client.post(reverse("monitoring:stop_schedule", args=[service_user.pk])).status_code == (
        404
    )


def test_the_link_shows_every_question_on_one_page_without_signing_in(sent):
    _checkin, token = sent
    page = Client().get(f"/check-in/{token}/")
    html = page.content.decode()
    assert page.status_code == 200 and page["Referrer-Policy"] == "same-origin"
    for n in range(1, 10):
        assert f'name="phq9_{n}"' in html
    for n in range(1, 8):
        assert f'name="gad7_{n}"' in html
    assert "Thoughts that you would be better off dead" in html
    assert "<fieldset" in html and "<script" not in html.split("<main")[1].split("</main>")[0]


def test_item_nine_above_zero_shows_what_to_do_now_at_once(sent, service_user):
    _checkin, token = sent
    response = Client().post(
        f"/check-in/{token}/", form_data(phq9(0, 1, 0, 0, 0, 0, 0, 0, 2), CALM_GAD7)
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "What to do now" in html
    assert "NHS 111" in html and "mental health option" in html
    assert 'href="tel:999"' in html and "116 123" in html
    alert = TeamAlert.objects.get(kind="risk_answer")
    assert alert.urgent and alert.service_user == service_user


def test_item_nine_above_zero_with_other_questions_blank_still_tells_the_team_and_the_person(
    sent, service_user
):
    checkin, token = sent
    answers = form_data(CALM_PHQ9, CALM_GAD7)
    answers["phq9_9"] = "3"
    del answers["phq9_1"], answers["gad7_2"]
    response = Client().post(f"/check-in/{token}/", answers)
    html = response.content.decode()
    assert response.status_code == 200 and "Select an answer" in html  # the form, back
    assert "What to do now" in html and 'href="tel:999"' in html and "116 123" in html
    alert = TeamAlert.objects.get(kind="risk_answer")
    assert alert.urgent and alert.service_user == service_user
    stored = Assessment.objects.get()
    assert (stored.measure, stored.complete, stored.risk_answer) == ("PHQ9", False, 3)
    assert CheckIn.objects.get(pk=checkin.pk).status == CheckIn.Status.DUE  # still answerable


def test_calm_answers_thank_the_person(sent):
    _checkin, token = sent
    response = Client().post(f"/check-in/{token}/", form_data(CALM_PHQ9, CALM_GAD7))
    assert response.status_code == 200 and b"Check-in sent" in response.content
    assert b"What to do now" not in response.content
    assert Assessment.objects.count() == 2


def test_a_missing_answer_is_named_and_nothing_saved(sent):
    _checkin, token = sent
    answers = form_data(CALM_PHQ9, CALM_GAD7)
    del answers["phq9_9"]
    response = Client().post(f"/check-in/{token}/", answers)
    assert response.status_code == 200
    assert "Select an answer to PHQ-9 question 9" in response.content.decode()
    assert not Assessment.objects.exists()
    assert CheckIn.objects.get().status == CheckIn.Status.DUE


def test_a_reused_link_is_refused_with_a_clear_message(sent):
    _checkin, token = sent
    Client().post(f"/check-in/{token}/", form_data(CALM_PHQ9, CALM_GAD7))
    again = Client().get(f"/check-in/{token}/")
    assert again.status_code == 410
    assert "already been answered" in again.content.decode()
    assert "NHS 111" in again.content.decode()  # still told where to get help
    posted_again = Client().post(f"/check-in/{token}/", form_data(CALM_PHQ9, CALM_GAD7))
    assert posted_again.status_code == 410
    assert Assessment.objects.count() == 2


def test_an_expired_link_is_refused(sent):
    _checkin, token = sent
    with time_machine.travel(WEDNESDAY + CHECKIN_OPEN_FOR, tick=False):
        response = Client().get(f"/check-in/{token}/")
    assert response.status_code == 410 and "has closed" in response.content.decode()


def test_the_person_answers_in_the_portal_with_their_warning_signs(
    sent, account, clinician, service_user
):
    checkin, _token = sent
    sign = sign_of(service_user, clinician)
    client = signed_in(Client(), account)
    portal = client.get(reverse("records:portal"))
    assert reverse("monitoring:my_checkin", args=[checkin.pk]).encode() in portal.content
    url = reverse("monitoring:my_checkin", args=[checkin.pk])
    page = client.get(url)
    assert page.status_code == 200 and b"Sleeping under four hours" in page.content
    response = client.post(url, form_data(CALM_PHQ9, CALM_GAD7, warning_signs=[str(sign.pk)]))
    assert response.status_code == 200 and b"early-warning signs are back" in response.content
    # The person sees their own answers over time on the portal: chart and table.
    portal = client.get(reverse("records:portal")).content.decode()
    assert "How you have been" in portal and 'id="trend-PHQ9-heading"' in portal
    assert TeamAlert.objects.get().kind == "warning_sign"
    assert {a.recorded_by for a in Assessment.objects.all()} == {account}


def test_another_persons_checkin_is_404_in_the_portal(sent):
    checkin, _token = sent
    other = UserFactory(role=Role.SERVICE_USER)
    person = ServiceUserFactory(account=other)
    assert person.pk
    client = signed_in(Client(), other)
    assert client.get(reverse("monitoring:my_checkin", args=[checkin.pk])).status_code == 404


def test_a_carer_sees_nothing_of_the_checkins(sent, service_user):
    checkin, _token = sent
    carer_account = UserFactory(role=Role.CARER)
    consent = CarerConsentFactory(service_user=service_user)
    consent.carer.account = carer_account
    consent.carer.save()
    client = signed_in(Client(), carer_account)
    for url in (
        reverse("monitoring:my_checkin", args=[checkin.pk]),
        reverse("monitoring:my_checkins"),
        reverse("monitoring:agree_schedule", args=[service_user.pk]),
    ):
        assert client.get(url).status_code == 404


def test_the_person_changes_and_stops_their_checkins(sent, account):
    client = signed_in(Client(), account)
    url = reverse("monitoring:my_checkins")
    assert client.get(url).status_code == 200
    response = client.post(url, {"rhythm": "fortnightly", "channel": "sms"})
    assert response.status_code == 302
    current = CheckInSchedule.objects.get(ended_at__isnull=True)
    assert current.rhythm == "fortnightly" and current.measures == ["PHQ9", "GAD7"]
    assert current.agreed_by == account
    client.post(reverse("monitoring:stop_my_checkins"))
    assert not CheckInSchedule.objects.filter(ended_at__isnull=True).exists()
    assert b"You do not have check-ins" in client.get(url).content
