"""Agreeing, changing and stopping a check-in schedule: history kept, open check-ins withdrawn,
bad input refused with the field named and nothing changed."""

import datetime as dt

import pytest
import time_machine

from caremode.accounts.models import Role
from caremode.audit.models import AuditEvent
from caremode.messaging.models import MessageStatus, OutboundMessage
from caremode.monitoring.checkins import (
    agree_checkin_schedule,
    create_due_checkins,
    stop_checkin_schedule,
)
from caremode.monitoring.errors import CheckInScheduleError
from caremode.monitoring.models import CheckIn, CheckInSchedule
from caremode.monitoring.tests.checkin_support import WEDNESDAY, with_mobile
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _wednesday():
    with time_machine.travel(WEDNESDAY, tick=False):
        yield


def agree(clinician, person, **overrides):
    kwargs = {
        "measures": ["PHQ9", "GAD7"],
        "rhythm": "weekly",
        "channel": "sms",
        "starts_on": WEDNESDAY.date(),
    } | overrides
    return agree_checkin_schedule(actor=clinician, service_user=person, **kwargs)


def test_a_schedule_is_agreed_and_audited(clinician, service_user):
    with_mobile(service_user)
    schedule = agree(clinician, service_user)
    assert schedule.measures == ["PHQ9", "GAD7"] and schedule.ended_at is None
    assert schedule.agreed_by == clinician and schedule.agreed_at == WEDNESDAY
    event = AuditEvent.objects.get(object_type="monitoring.CheckInSchedule", action="create")
    assert event.subject_id == service_user.pk and event.actor == clinician


def test_changing_a_schedule_keeps_the_old_one_and_withdraws_its_open_checkin(
    clinician, service_user
):
    with_mobile(service_user)
    first = agree(clinician, service_user)
    create_due_checkins(now=WEDNESDAY)
    open_checkin = CheckIn.objects.get()
    service_user.email = "megan@example.org"
    service_user.save()
    second = agree(clinician, service_user, rhythm="fortnightly", channel="email")
    first.refresh_from_db()
    open_checkin.refresh_from_db()
    assert first.ended_at == WEDNESDAY and first.end_reason == "Changed"
    assert CheckInSchedule.objects.get(ended_at__isnull=True) == second
    assert open_checkin.status == CheckIn.Status.WITHDRAWN
    # its link, not yet sent, is not sent now
    assert OutboundMessage.objects.get(reference=f"checkin:{open_checkin.pk}").status == (
        MessageStatus.CANCELLED
    )


def test_the_person_stops_their_checkins(clinician, service_user):
    with_mobile(service_user)
    account = UserFactory(role=Role.SERVICE_USER)
    service_user.account = account
    service_user.save()
    agree(clinician, service_user)
    assert stop_checkin_schedule(actor=account, service_user=service_user, reason="Stopped")
    schedule = CheckInSchedule.objects.get()
    assert schedule.ended_by == account and schedule.ended_at == WEDNESDAY
    assert create_due_checkins(now=WEDNESDAY) == 0
    assert not stop_checkin_schedule(actor=account, service_user=service_user)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"measures": []}, "measures"),
        ({"measures": ["PHQ9", "BDI"]}, "measures"),
        ({"rhythm": "daily"}, "rhythm"),
        ({"channel": "pigeon"}, "channel"),
        ({"channel": "email"}, "channel"),  # no email address
        ({"channel": "portal"}, "channel"),  # no portal account
        ({"starts_on": dt.date(2027, 2, 9)}, "starts_on"),
    ],
)
def test_a_schedule_that_cannot_work_is_refused_naming_the_field(
    clinician, service_user, overrides, field
):
    with_mobile(service_user)
    with pytest.raises(CheckInScheduleError) as raised:
        agree(clinician, service_user, **overrides)
    assert raised.value.field == field
    assert not CheckInSchedule.objects.exists()


def test_text_messages_need_a_mobile_the_person_agreed_to(clinician, service_user):
    service_user.phone = "07700 900123"
    service_user.accepts_sms = False
    service_user.save()
    with pytest.raises(CheckInScheduleError) as raised:
        agree(clinician, service_user)
    assert raised.value.field == "channel"


def test_no_schedule_for_someone_discharged(clinician, service_user):
    with_mobile(service_user)
    service_user.status = "discharged"
    service_user.save()
    with pytest.raises(CheckInScheduleError) as raised:
        agree(clinician, service_user)
    assert raised.value.field == "service_user"
