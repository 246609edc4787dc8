"""Who is asked for feedback after a contact, how, and how often (H-F01, H-F02)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from caremode.core.links import hash_token
from caremode.feedback.models import AskedBy, FeedbackRequest, Respondent
from caremode.feedback.services import (
    ASK_WITHIN,
    OPEN_FOR,
    PERSON_AT_MOST_EVERY,
    ask_for_feedback_after_contacts,
)
from caremode.feedback.tests.support import WEDNESDAY, attended, token_in
from caremode.messaging.models import OutboundMessage
from caremode.messaging.purposes import Purpose, why_carer_may_not_receive
from tests.factories import CarerConsentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _wednesday():
    with time_machine.travel(WEDNESDAY, tick=False):
        yield


@pytest.fixture
def texted(service_user):
    service_user.phone = "07700 900123"
    service_user.accepts_sms = True
    service_user.save()
    return service_user


def test_after_an_attended_telephone_contact_the_person_gets_a_hashed_link_and_staff_are_asked(
    texted, clinician
):
    contact = attended(texted, clinician, mode="telephone")
    assert ask_for_feedback_after_contacts(now=WEDNESDAY) == 2
    person = FeedbackRequest.objects.get(respondent=Respondent.SERVICE_USER)
    assert person.contact == contact and person.asked_by == AskedBy.SMS
    assert person.expires_at == WEDNESDAY + OPEN_FOR
    message = OutboundMessage.objects.get(purpose=Purpose.FEEDBACK)
    assert message.recipient == "+447700900123" and message.carer is None
    token = token_in(message)
    assert len(token) >= 43 and person.token_hash == hash_token(token)
    assert token not in str(list(FeedbackRequest.objects.values()))
    assert "anonymous" in message.body
    staff = FeedbackRequest.objects.get(respondent=Respondent.STAFF)
    assert (
        staff.staff == clinician and staff.asked_by == AskedBy.PORTAL and staff.token_hash is None
    )
    # Once per contact and person, however often the worker runs.
    assert ask_for_feedback_after_contacts(now=WEDNESDAY) == 0


def test_staff_are_asked_only_after_remote_contacts(service_user, clinician):
    service_user.account = UserFactory(role="service_user")
    service_user.save()
    attended(service_user, clinician, mode="face_to_face")
    assert ask_for_feedback_after_contacts(now=WEDNESDAY) == 1
    assert FeedbackRequest.objects.get().respondent == Respondent.SERVICE_USER
    assert FeedbackRequest.objects.get().asked_by == AskedBy.PORTAL


def test_a_person_is_asked_at_most_once_a_fortnight(texted, clinician):
    attended(texted, clinician, mode="video", hours_ago=3)
    ask_for_feedback_after_contacts(now=WEDNESDAY)
    later = WEDNESDAY + PERSON_AT_MOST_EVERY - dt.timedelta(hours=1)
    attended(texted, clinician, mode="video", now=later)
    ask_for_feedback_after_contacts(now=later)
    assert FeedbackRequest.objects.filter(respondent=Respondent.SERVICE_USER).count() == 1
    after = WEDNESDAY + PERSON_AT_MOST_EVERY + dt.timedelta(hours=4)
    attended(texted, clinician, mode="video", now=after)
    ask_for_feedback_after_contacts(now=after)
    assert FeedbackRequest.objects.filter(respondent=Respondent.SERVICE_USER).count() == 2
    # Staff are asked after every remote contact.
    assert FeedbackRequest.objects.filter(respondent=Respondent.STAFF).count() == 3


def test_nobody_is_asked_about_old_missed_discharged_or_restricted(texted, clinician):
    old = attended(texted, clinician, mode="telephone", hours_ago=3)
    old.outcome_recorded_at = WEDNESDAY - ASK_WITHIN - dt.timedelta(minutes=1)
    old.save()
    missed = attended(texted, clinician, mode="telephone", hours_ago=5)
    missed.attend_status, missed.mode_used = "3", ""
    missed.save()
    assert ask_for_feedback_after_contacts(now=WEDNESDAY) == 0
    attended(texted, clinician, mode="face_to_face", hours_ago=7)
    texted.processing_restricted = True
    texted.save()
    assert ask_for_feedback_after_contacts(now=WEDNESDAY) == 0
    texted.processing_restricted = False
    texted.status = "discharged"
    texted.save()
    assert ask_for_feedback_after_contacts(now=WEDNESDAY) == 0


def test_a_person_with_no_way_to_be_asked_is_not_asked(service_user, clinician):
    service_user.phone = service_user.email = ""
    service_user.save()
    attended(service_user, clinician, mode="face_to_face")
    assert ask_for_feedback_after_contacts(now=WEDNESDAY) == 0


def test_a_carer_who_took_part_is_asked_only_with_consent_to_join(service_user, clinician):
    consent = CarerConsentFactory(service_user=service_user, scope_join_contacts=True)
    consent.carer.email = "jo@example.com"
    consent.carer.save()
    attended(service_user, clinician, mode="face_to_face", carer=consent.carer)
    ask_for_feedback_after_contacts(now=WEDNESDAY)
    request = FeedbackRequest.objects.get(respondent=Respondent.CARER)
    assert request.carer == consent.carer and request.asked_by == AskedBy.EMAIL
    message = OutboundMessage.objects.get(carer=consent.carer)
    assert message.purpose == Purpose.FEEDBACK and "/feedback/" in message.body

    details_only = CarerConsentFactory(
        service_user=service_user, scope_join_contacts=False, scope_appointment_details=True
    )
    details_only.carer.email = "sam@example.com"
    details_only.carer.save()
    attended(service_user, clinician, mode="face_to_face", hours_ago=6, carer=details_only.carer)
    ask_for_feedback_after_contacts(now=WEDNESDAY)
    assert not FeedbackRequest.objects.filter(carer=details_only.carer).exists()
    # The outbox refuses a feedback link to a carer whose consent does not let them take part.
    assert why_carer_may_not_receive(
        purpose=Purpose.FEEDBACK, carer=details_only.carer, service_user=service_user
    )
    assert not why_carer_may_not_receive(
        purpose=Purpose.FEEDBACK, carer=consent.carer, service_user=service_user
    )
