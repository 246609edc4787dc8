"""Carers' input to assessments (E10): invited only within consent, before assessments, reviews
and risk contacts; the link's safety; concerns as alerts; withdrawal stops it all at once."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from caremode.feedback.carer_input import (
    INVITE_BEFORE,
    give_carer_input,
    invite_carers_before_assessments,
    open_invitation_by_link,
    raise_carer_concern,
)
from caremode.feedback.errors import CarerInputError
from caremode.feedback.models import CarerInput, CarerInvitation, Excerpt
from caremode.feedback.tests.support import WEDNESDAY, booked, token_in
from caremode.messaging.models import MessageStatus, OutboundMessage
from caremode.messaging.purposes import Purpose, why_carer_may_not_receive
from caremode.records.services import withdraw_carer_consent
from caremode.scheduling.models import TeamAlert
from tests.factories import CarerConsentFactory, UserFactory

pytestmark = pytest.mark.django_db
FRIDAY_TEN = dt.datetime(2027, 2, 12, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _wednesday():
    with time_machine.travel(WEDNESDAY, tick=False):
        yield


@pytest.fixture
def consent(service_user):
    consent = CarerConsentFactory(
        service_user=service_user,
        scope_join_contacts=False,
        scope_appointment_details=False,
        scope_assessment_input=True,
    )
    consent.carer.phone = "07700 900456"
    consent.carer.save()
    return consent


@pytest.fixture
def review(service_user, clinician):
    return booked(service_user, clinician, start=FRIDAY_TEN, consultation_type="psychiatric_review")


def test_a_carer_with_consent_is_invited_before_a_review_by_a_hashed_link(consent, review):
    assert invite_carers_before_assessments(now=WEDNESDAY) == 1
    invitation = CarerInvitation.objects.get()
    assert (invitation.contact, invitation.carer) == (review, consent.carer)
    assert invitation.expires_at == review.start
    message = OutboundMessage.objects.get(purpose=Purpose.CARER_INPUT)
    assert message.carer == consent.carer and "Megan" in message.body
    assert "psychiatric" not in message.body.lower()  # no clinical detail in the message
    token = token_in(message, "carer-input")
    assert open_invitation_by_link(token=token) == invitation
    assert invite_carers_before_assessments(now=WEDNESDAY) == 0  # once per contact and carer


def test_only_assessments_reviews_and_risk_contacts_within_the_window(
    consent, service_user, clinician
):
    booked(service_user, clinician, start=FRIDAY_TEN, consultation_type="psychotherapy")
    booked(
        service_user,
        clinician,
        start=WEDNESDAY + INVITE_BEFORE + dt.timedelta(hours=1),
        consultation_type="risk_assessment",
    )
    assert invite_carers_before_assessments(now=WEDNESDAY) == 0
    booked(
        service_user,
        clinician,
        start=FRIDAY_TEN + dt.timedelta(hours=3),
        consultation_type="risk_assessment",
    )
    assert invite_carers_before_assessments(now=WEDNESDAY) == 1


def test_carers_without_consent_to_give_input_are_never_invited(service_user, review):
    joins_only = CarerConsentFactory(service_user=service_user, scope_assessment_input=False)
    joins_only.carer.phone = "07700 900789"
    joins_only.carer.save()
    CarerConsentFactory(  # input to someone else's assessments does not count here
        scope_assessment_input=True, carer=joins_only.carer
    )
    assert invite_carers_before_assessments(now=WEDNESDAY) == 0
    assert why_carer_may_not_receive(
        purpose=Purpose.CARER_INPUT, carer=joins_only.carer, service_user=service_user
    )


def test_the_carers_view_is_kept_once_marked_as_theirs_and_not_made_an_excerpt(consent, review):
    invite_carers_before_assessments(now=WEDNESDAY)
    token = token_in(OutboundMessage.objects.get(purpose=Purpose.CARER_INPUT), "carer-input")
    invitation = open_invitation_by_link(token=token)
    with pytest.raises(CarerInputError) as empty:
        give_carer_input(actor=None, invitation=invitation, text="   ")
    assert empty.value.field == "text"
    given = give_carer_input(actor=None, invitation=invitation, text="Not sleeping since Sunday.")
    assert (given.kind, given.contact, given.carer) == ("before_contact", review, consent.carer)
    assert not Excerpt.objects.exists()  # clinical information for care, not feedback to code
    with pytest.raises(CarerInputError, match="already"):
        open_invitation_by_link(token=token)
    with pytest.raises(CarerInputError):
        give_carer_input(actor=None, invitation=invitation, text="Again")
    assert CarerInput.objects.count() == 1


def test_the_invitation_closes_when_the_contact_starts_or_is_cancelled(consent, review):
    invite_carers_before_assessments(now=WEDNESDAY)
    token = token_in(OutboundMessage.objects.get(purpose=Purpose.CARER_INPUT), "carer-input")
    with (
        time_machine.travel(FRIDAY_TEN, tick=False),
        pytest.raises(CarerInputError, match="closed"),
    ):
        open_invitation_by_link(token=token)
    review.attend_status = "4"
    review.save()
    with pytest.raises(CarerInputError, match="closed"):
        open_invitation_by_link(token=token)


def test_withdrawn_consent_stops_invitations_links_and_concerns_at_once(
    consent, review, clinician, service_user
):
    invite_carers_before_assessments(now=WEDNESDAY)
    message = OutboundMessage.objects.get(purpose=Purpose.CARER_INPUT)
    token = token_in(message, "carer-input")
    invitation = open_invitation_by_link(token=token)
    withdrawal = withdraw_carer_consent(actor=clinician, consent=consent, reason="She asked")
    assert withdrawal.invitations_revoked == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.CANCELLED
    assert CarerInvitation.objects.get().revoked_at is not None
    with pytest.raises(CarerInputError, match="no longer open"):
        open_invitation_by_link(token=token)
    with pytest.raises(CarerInputError):
        give_carer_input(actor=None, invitation=invitation, text="Still worried")
    account = UserFactory(role="carer")
    with pytest.raises(CarerInputError) as refused:
        raise_carer_concern(
            actor=account, carer=consent.carer, service_user=service_user, text="Worried"
        )
    assert refused.value.field == "service_user"
    assert invite_carers_before_assessments(now=WEDNESDAY) == 0
    assert not CarerInput.objects.exists() and not TeamAlert.objects.exists()


def test_a_concern_reaches_the_team_as_an_alert_urgent_when_it_cannot_wait(consent, service_user):
    account = UserFactory(role="carer")
    concern = raise_carer_concern(
        actor=account,
        carer=consent.carer,
        service_user=service_user,
        text="He has stopped eating.",
    )
    alert = TeamAlert.objects.get()
    assert (alert.kind, alert.team, alert.service_user, alert.urgent) == (
        "carer_concern",
        service_user.team,
        service_user,
        False,
    )
    assert "raised a concern" in alert.message and "eating" not in alert.message
    assert concern.kind == "concern" and concern.contact is None
    raise_carer_concern(
        actor=account, carer=consent.carer, service_user=service_user, text="Now", urgent=True
    )
    assert TeamAlert.objects.filter(urgent=True, kind="carer_concern").count() == 1
