"""The feedback and carers' input pages over HTTP: by link with no sign-in, signed in, the
results (counts only), the carer's pages, the care team's view; anonymity and audit."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from caremode.accounts.models import Role
from caremode.audit.models import AuditEvent
from caremode.feedback.carer_input import invite_carers_before_assessments
from caremode.feedback.models import FeedbackRequest, FeedbackResponse, Respondent
from caremode.feedback.questionnaires import FFT_ANSWERS, FFT_QUESTION
from caremode.feedback.services import ask_for_feedback_after_contacts
from caremode.feedback.tests.support import WEDNESDAY, attended, booked, token_in
from caremode.messaging.models import OutboundMessage
from caremode.scheduling.models import TeamAlert
from tests.factories import CarerConsentFactory, UserFactory, clinician_in, signed_in

pytestmark = pytest.mark.django_db
WORDS = "The line kept dropping and I felt rushed."


@pytest.fixture(autouse=True)
def _wednesday():
    with time_machine.travel(WEDNESDAY, tick=False):
        yield


@pytest.fixture
def asked(service_user, clinician):
    service_user.phone = "07700 900123"
    service_user.account = UserFactory(role=Role.SERVICE_USER, username="megan")
    service_user.save()
    attended(service_user, clinician, mode="telephone")
    ask_for_feedback_after_contacts(now=WEDNESDAY)
    return token_in(OutboundMessage.objects.get(purpose="feedback"))


def _answers(**extra):
    return {"fft": "4", "fft_why": WORDS, "mode_suited": "no", "choose_again": "no", **extra}


def test_the_link_shows_the_fft_word_for_word_then_thanks_then_refuses_a_second_use(asked):
    client = Client()
    page = client.get(f"/feedback/{asked}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert FFT_QUESTION in html
    for answer in FFT_ANSWERS.values():
        assert answer.replace("'", "&#39;") in html
    assert "by telephone suit you this time" in html and "Poor connectivity" in html
    missing = client.post(f"/feedback/{asked}/", {"fft_why": "x", "anonymous": "on"})
    assert "Select an answer to" in missing.content.decode()
    done = client.post(f"/feedback/{asked}/", _answers(anonymous="on"))
    assert done.status_code == 200 and "Thank you" in done.content.decode()
    assert FeedbackResponse.objects.get().request is None
    assert client.get(f"/feedback/{asked}/").status_code == 410
    assert Client().get("/feedback/not-a-real-link/").status_code == 410


def test_the_person_answers_in_the_portal_and_may_choose_not_to_be_anonymous(asked, service_user):
    client = signed_in(Client(), service_user.account)
    portal = client.get(reverse("records:portal")).content.decode()
    request = FeedbackRequest.objects.get(respondent=Respondent.SERVICE_USER)
    assert reverse("feedback:answer", args=[request.pk]) in portal
    client.post(reverse("feedback:answer", args=[request.pk]), _answers())  # anonymous unticked
    assert FeedbackResponse.objects.get().request == request
    assert AuditEvent.objects.filter(
        actor=service_user.account, action="read", detail__purpose="feedback"
    ).exists()


def test_nobody_else_can_open_someone_elses_questionnaire(asked, clinician, team):
    request = FeedbackRequest.objects.get(respondent=Respondent.SERVICE_USER)
    colleague = clinician_in(team)
    url = reverse("feedback:answer", args=[request.pk])
    assert signed_in(Client(), colleague).get(url).status_code == 404
    assert signed_in(Client(), clinician).get(url).status_code == 404  # not addressed to her
    staff_request = FeedbackRequest.objects.get(respondent=Respondent.STAFF)
    own = signed_in(Client(), clinician)
    assert (
        "Could you assess what you needed to?"
        in own.get(reverse("feedback:answer", args=[staff_request.pk])).content.decode()
    )
    assert (
        signed_in(Client(), colleague)
        .get(reverse("feedback:answer", args=[staff_request.pk]))
        .status_code
        == 404
    )


def test_no_page_shows_staff_a_response_as_someones(asked, service_user, clinician, team):
    # Named, not anonymous: the strictest case.
    signed_in(Client(), service_user.account).post(
        reverse(
            "feedback:answer", args=[FeedbackRequest.objects.get(respondent="service_user").pk]
        ),
        _answers(),
    )
    manager = clinician_in(team, role=Role.TEAM_MANAGER)
    analyst = UserFactory(role=Role.ANALYST)
    pages = [
        (clinician, reverse("records:record", args=[service_user.pk])),
        (clinician, reverse("records:caseload")),
        (clinician, reverse("scheduling:team")),
        (clinician, reverse("feedback:my_feedback")),
        (manager, reverse("records:record", args=[service_user.pk])),
        (manager, reverse("feedback:results")),
        (manager, reverse("feedback:fft_csv")),
        (analyst, reverse("feedback:results")),
        (analyst, reverse("feedback:fft_csv")),
    ]
    for user, url in pages:
        body = signed_in(Client(), user).get(url).content.decode()
        assert WORDS not in body, url
        assert "Very poor" not in body.replace("Very Poor", ""), url  # no single answer shown
        assert not (
            "Poor" in body and "Megan" in body and "feedback" in body.lower() and "said" in body
        ), url


def test_results_and_csv_are_for_team_managers_and_analysts_and_suppressed(asked, team, clinician):
    assert signed_in(Client(), clinician).get(reverse("feedback:results")).status_code == 404
    for _ in range(6):
        FeedbackResponse.objects.create(
            respondent="service_user",
            team=team,
            service=team.service,
            mode="video",
            month=WEDNESDAY.date().replace(day=1),
            fft="1",
            mode_suited="yes",
        )
    manager = clinician_in(team, role=Role.TEAM_MANAGER)
    page = signed_in(Client(), manager).get(reverse("feedback:results")).content.decode()
    assert team.service.name in page and "100%" in page and "Percentage Positive" in page
    csv = signed_in(Client(), manager).get(reverse("feedback:fft_csv"))
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode().splitlines()
    assert lines[0].startswith("Period,Service,Total Responses,Very Good")
    assert lines[1] == f"2027-02,{team.service.name},5,5,*,*,*,*,*,100%,*"


def test_a_carer_gives_input_on_the_carer_page_and_the_clinician_sees_it_as_theirs(
    service_user, clinician
):
    consent = CarerConsentFactory(
        service_user=service_user,
        scope_join_contacts=False,
        scope_appointment_details=False,
        scope_assessment_input=True,
    )
    consent.carer.account = UserFactory(role=Role.CARER)
    consent.carer.save()
    review = booked(
        service_user,
        clinician,
        start=WEDNESDAY.replace(day=12, hour=10),
        consultation_type="initial_assessment",
    )
    invite_carers_before_assessments(now=WEDNESDAY)
    carer = signed_in(Client(), consent.carer.account)
    home = carer.get(reverse("records:carer_home")).content.decode()
    invitation_pk = review.carer_invitations.get().pk
    assert reverse("feedback:my_invitation", args=[invitation_pk]) in home
    assert reverse("feedback:raise_concern", args=[service_user.pk]) in home
    posted = carer.post(
        reverse("feedback:my_invitation", args=[invitation_pk]),
        {"text": "Not sleeping since Sunday."},
    )
    assert "Thank you" in posted.content.decode()
    concern = carer.post(
        reverse("feedback:raise_concern", args=[service_user.pk]),
        {"text": "Talking about leaving home.", "urgent": "on"},
    )
    assert concern.status_code == 302
    assert TeamAlert.objects.get(kind="carer_concern").urgent
    staff = signed_in(Client(), clinician)
    record = staff.get(reverse("records:record", args=[service_user.pk])).content.decode()
    assert "What carers have told the team" in record
    assert "Carer's view: Jo Carer (mother)" in record
    assert "Not sleeping since Sunday." in record and "Urgent concern" in record
    assert reverse("feedback:contact_carer_views", args=[review.pk]) in record
    contact_page = staff.get(reverse("feedback:contact_carer_views", args=[review.pk]))
    assert "Not sleeping since Sunday." in contact_page.content.decode()
    assert AuditEvent.objects.filter(
        actor=clinician, action="read", subject_id=service_user.pk, detail__purpose="view contact"
    ).exists()
    # Another person's carer page cannot raise a concern about her.
    stranger = signed_in(Client(), UserFactory(role=Role.CARER))
    assert (
        stranger.get(reverse("feedback:raise_concern", args=[service_user.pk])).status_code == 404
    )
    assert stranger.get(reverse("feedback:my_invitation", args=[invitation_pk])).status_code == 404
