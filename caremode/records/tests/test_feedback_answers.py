"""Answering a questionnaire: the link's safety (single use, expiry, hashing), anonymity, the
answers checked, and every answer in words made an excerpt that names nobody (H-F02–H-F04)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from caremode.audit.models import AuditEvent
from caremode.feedback.errors import FeedbackAnswerError, FeedbackLinkError
from caremode.feedback.models import Excerpt, FeedbackRequest, FeedbackResponse, Respondent
from caremode.feedback.services import (
    OPEN_FOR,
    answer_feedback,
    ask_for_feedback_after_contacts,
    open_feedback_by_link,
    withdraw_feedback_requests_to_carer,
)
from caremode.feedback.tests.support import ALL_GOOD, WEDNESDAY, attended, token_in
from caremode.messaging.models import MessageStatus, OutboundMessage
from caremode.records.services import withdraw_carer_consent
from tests.factories import CarerConsentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _wednesday():
    with time_machine.travel(WEDNESDAY, tick=False):
        yield


@pytest.fixture
def asked(service_user, clinician):
    service_user.phone = "07700 900123"
    service_user.save()
    contact = attended(service_user, clinician, mode="telephone")
    ask_for_feedback_after_contacts(now=WEDNESDAY)
    message = OutboundMessage.objects.get(purpose="feedback", carer__isnull=True)
    return contact, token_in(message)


def test_a_link_opens_its_questionnaire_once(asked):
    contact, token = asked
    request = open_feedback_by_link(token=token)
    assert request.contact == contact and request.respondent == Respondent.SERVICE_USER
    answer_feedback(actor=None, request=request, answers=ALL_GOOD, anonymous=True)
    with pytest.raises(FeedbackLinkError) as used:
        open_feedback_by_link(token=token)
    assert used.value.field == "token" and "already been answered" in used.value.message
    with pytest.raises(FeedbackLinkError):  # the stale object cannot answer twice either
        answer_feedback(actor=None, request=request, answers=ALL_GOOD, anonymous=True)
    assert FeedbackResponse.objects.count() == 1


def test_a_link_expires_and_an_unknown_or_hash_as_token_is_refused(asked):
    _contact, token = asked
    stored = FeedbackRequest.objects.get(respondent=Respondent.SERVICE_USER).token_hash
    for wrong in ("", "not-a-real-link", stored, token[:-1]):
        with pytest.raises(FeedbackLinkError, match="not recognised"):
            open_feedback_by_link(token=wrong)
    closing = WEDNESDAY + OPEN_FOR
    with time_machine.travel(closing, tick=False), pytest.raises(FeedbackLinkError, match="closed"):
        open_feedback_by_link(token=token)
    assert open_feedback_by_link(token=token)  # still open a moment before


def test_an_anonymous_response_keeps_no_link_to_anyone_and_its_words_become_excerpts(
    asked, service_user
):
    _contact, token = asked
    request = open_feedback_by_link(token=token)
    response = answer_feedback(
        actor=None,
        request=request,
        answers={
            **ALL_GOOD,
            "fft": "4",
            "fft_why": "The line kept dropping.",
            "mode_suited": "partly",
            "barriers": ["poor_connectivity", "no_private_space"],
            "anything_else": "A video call would be better next time.",
        },
        anonymous=True,
    )
    assert response.request is None
    assert (response.fft, response.mode, response.month) == ("4", "telephone", dt.date(2027, 2, 1))
    assert response.team == service_user.team and response.service == service_user.team.service
    assert response.barriers == ["no_private_space", "poor_connectivity"]
    excerpts = list(Excerpt.objects.order_by("origin"))
    assert [e.text for e in excerpts] == [
        "A video call would be better next time.",
        "The line kept dropping.",
    ]
    assert {(e.source, e.mode, e.ethnic_category) for e in excerpts} == {
        ("service_user", "telephone", service_user.ethnic_category)
    }
    answered = AuditEvent.objects.filter(object_type__icontains="feedback", action="update").get()
    assert answered.detail == {"answered": True, "anonymous": True}
    assert FeedbackRequest.objects.get(pk=request.pk).answered_on == dt.date(2027, 2, 10)


def test_a_named_response_is_kept_with_its_request(asked):
    _contact, token = asked
    request = open_feedback_by_link(token=token)
    response = answer_feedback(actor=None, request=request, answers=ALL_GOOD, anonymous=False)
    assert response.request == request
    answered = AuditEvent.objects.filter(object_type__icontains="feedback", action="update").get()
    assert answered.detail["response"] == response.pk


def test_the_fft_answer_is_required_and_answers_must_be_the_questions_own(asked):
    _contact, token = asked
    request = open_feedback_by_link(token=token)
    for answers, field in (
        ({**ALL_GOOD, "fft": ""}, "fft"),
        ({**ALL_GOOD, "fft": "9"}, "fft"),
        ({**ALL_GOOD, "mode_suited": "maybe"}, "mode_suited"),
        ({**ALL_GOOD, "barriers": ["not_a_need"]}, "barriers"),
    ):
        with pytest.raises(FeedbackAnswerError) as error:
            answer_feedback(actor=None, request=request, answers=answers, anonymous=True)
        assert error.value.field == field
    assert not FeedbackResponse.objects.exists() and not Excerpt.objects.exists()
    assert FeedbackRequest.objects.get(pk=request.pk).answered_on is None


def test_staff_answer_the_one_minute_version_without_the_fft(asked, clinician):
    request = FeedbackRequest.objects.get(respondent=Respondent.STAFF)
    response = answer_feedback(
        actor=clinician,
        request=request,
        answers={
            "could_assess": "partly",
            "connection_good_enough": "no",
            "tell_the_team": "Could not see how she was.",
        },
        anonymous=True,
    )
    assert (response.fft, response.could_assess, response.connection_good_enough) == (
        "",
        "partly",
        "no",
    )
    excerpt = Excerpt.objects.get()
    assert (excerpt.source, excerpt.mode, excerpt.ethnic_category) == ("staff", "telephone", "")
    with pytest.raises(FeedbackAnswerError) as error:
        answer_feedback(
            actor=clinician,
            request=FeedbackRequest.objects.get(respondent=Respondent.SERVICE_USER),
            answers={"could_assess": "yes"},
            anonymous=True,
        )
    assert error.value.field == "fft"


def test_withdrawing_a_carers_consent_closes_their_questionnaire_and_its_queued_link(
    service_user, clinician
):
    consent = CarerConsentFactory(service_user=service_user, scope_join_contacts=True)
    consent.carer.phone = "07700 900456"
    consent.carer.save()
    attended(service_user, clinician, mode="video", carer=consent.carer)
    ask_for_feedback_after_contacts(now=WEDNESDAY)
    token = token_in(OutboundMessage.objects.get(carer=consent.carer))
    withdrawal = withdraw_carer_consent(actor=clinician, consent=consent, reason="Asked to")
    assert withdrawal.questionnaires_withdrawn == 1
    assert OutboundMessage.objects.get(carer=consent.carer).status == MessageStatus.CANCELLED
    with pytest.raises(FeedbackLinkError, match="no longer open"):
        open_feedback_by_link(token=token)
    assert withdraw_feedback_requests_to_carer(carer=consent.carer, service_user=service_user) == 0
