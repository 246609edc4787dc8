"""Creating due check-ins and sending their links (to the person only, hashed, once), and missed
check-ins: expired → missed; two in a row → one follow-up and one alert for the team (E13)."""

import datetime as dt

import pytest
import time_machine

from caremode.core.links import hash_token
from caremode.messaging.models import MessageStatus, OutboundMessage, RecipientKind
from caremode.messaging.purposes import Purpose, why_carer_may_not_receive
from caremode.monitoring.checkin_answers import answer_checkin
from caremode.monitoring.checkins import (
    CHECKIN_OPEN_FOR,
    agree_checkin_schedule,
    create_due_checkins,
    mark_missed_checkins,
)
from caremode.monitoring.models import CheckIn
from caremode.monitoring.tests.checkin_support import (
    CALM_GAD7,
    CALM_PHQ9,
    DUE,
    WEDNESDAY,
    token_in,
    with_mobile,
)
from caremode.scheduling.models import FollowUpTask, TeamAlert
from tests.factories import CarerConsentFactory, ContactFactory

pytestmark = pytest.mark.django_db
WEEK = dt.timedelta(days=7)


@pytest.fixture
def weekly(clinician, service_user):
    with_mobile(service_user)
    with time_machine.travel(WEDNESDAY, tick=False):
        return agree_checkin_schedule(
            actor=clinician,
            service_user=service_user,
            measures=["PHQ9", "GAD7"],
            rhythm="weekly",
            channel="sms",
            starts_on=WEDNESDAY.date(),
        )


def run_at(moment: dt.datetime) -> tuple[int, int]:
    with time_machine.travel(moment, tick=False):
        return mark_missed_checkins(now=moment), create_due_checkins(now=moment)


def test_a_weekly_checkin_is_created_at_nine_and_its_link_sent_to_the_person_only(
    weekly, service_user
):
    CarerConsentFactory(service_user=service_user, carer__phone="07700 900999")
    assert run_at(DUE - dt.timedelta(minutes=1)) == (0, 0)
    assert run_at(WEDNESDAY) == (0, 1)
    checkin = CheckIn.objects.get()
    assert checkin.due_at == DUE and checkin.expires_at == DUE + CHECKIN_OPEN_FOR
    assert checkin.measures == ["PHQ9", "GAD7"] and checkin.status == CheckIn.Status.DUE
    message = OutboundMessage.objects.get()
    assert message.purpose == Purpose.CHECKIN
    assert message.recipient_kind == RecipientKind.SERVICE_USER and message.carer is None
    assert message.recipient == "+447700900123"
    assert "NHS 111" in message.body and "mental health option" in message.body
    # only the hash of the link's token is stored
    token = token_in(message)
    assert len(token) >= 43 and checkin.token_hash == hash_token(token)
    assert token not in str(CheckIn.objects.values().get())


def test_no_carer_consent_covers_a_checkin_link(service_user):
    consent = CarerConsentFactory(service_user=service_user)
    why = why_carer_may_not_receive(
        purpose=Purpose.CHECKIN, carer=consent.carer, service_user=service_user
    )
    assert why.startswith("Not sent")


def test_a_checkin_is_created_once_and_the_next_a_week_later(weekly):
    assert run_at(WEDNESDAY)[1] == 1
    assert run_at(WEDNESDAY + dt.timedelta(hours=3))[1] == 0
    assert run_at(DUE + WEEK)[1] == 1
    assert list(CheckIn.objects.order_by("due_at").values_list("due_at", flat=True)) == [
        DUE,
        DUE + WEEK,
    ]


def test_a_portal_checkin_sends_no_message(clinician, service_user):
    from tests.factories import UserFactory

    service_user.account = UserFactory(role="service_user")
    service_user.save()
    with time_machine.travel(WEDNESDAY, tick=False):
        agree_checkin_schedule(
            actor=clinician,
            service_user=service_user,
            measures=["DIALOG"],
            rhythm="monthly",
            channel="portal",
        )
    assert run_at(WEDNESDAY)[1] == 1
    checkin = CheckIn.objects.get()
    assert checkin.token_hash is None and checkin.sent_at is None
    assert not OutboundMessage.objects.exists()


def test_before_each_review_opens_two_days_before_and_closes_as_it_starts(clinician, service_user):
    with_mobile(service_user)
    review_at = dt.datetime(2027, 2, 15, 11, 0, tzinfo=dt.UTC)  # a Monday
    with time_machine.travel(WEDNESDAY, tick=False):
        agree_checkin_schedule(
            actor=clinician,
            service_user=service_user,
            measures=["PHQ9"],
            rhythm="before_review",
            channel="sms",
        )
        ContactFactory(
            service_user=service_user,
            clinician=clinician,
            consultation_type="medication_review",
            planned_mode="telephone",
            start=review_at,
        )
        ContactFactory(
            service_user=service_user,
            clinician=clinician,
            consultation_type="psychotherapy",
            start=review_at - dt.timedelta(days=1),
        )
    assert run_at(review_at - dt.timedelta(days=3))[1] == 0
    assert run_at(review_at - dt.timedelta(days=1, hours=23))[1] == 1
    checkin = CheckIn.objects.get()
    assert checkin.due_at == review_at - dt.timedelta(days=2)
    assert checkin.expires_at == review_at


def test_no_checkin_for_someone_discharged(weekly, service_user):
    service_user.status = "discharged"
    service_user.save()
    assert run_at(WEDNESDAY)[1] == 0


def test_an_unanswered_checkin_is_missed_when_it_closes(weekly):
    run_at(WEDNESDAY)
    checkin = CheckIn.objects.get()
    assert run_at(checkin.expires_at - dt.timedelta(seconds=1))[0] == 0
    assert run_at(checkin.expires_at)[0] == 1
    checkin.refresh_from_db()
    assert checkin.status == CheckIn.Status.MISSED
    assert not FollowUpTask.objects.exists()  # one missed is not yet a pattern


def test_two_missed_in_a_row_raise_one_follow_up_and_one_alert_once(weekly, service_user):
    run_at(WEDNESDAY)
    run_at(DUE + WEEK)  # the first closed on Saturday; the second is sent
    assert not FollowUpTask.objects.exists()
    run_at(DUE + WEEK + CHECKIN_OPEN_FOR)  # the second is missed
    task = FollowUpTask.objects.get()
    first = CheckIn.objects.order_by("due_at").first()
    assert task.key == f"checkins-missed:{first.pk}" and task.contact is None
    assert task.service_user == service_user and task.team == service_user.team
    assert "2 check-ins missed in a row" in task.reason
    alert = TeamAlert.objects.get()
    assert alert.kind == "missed_checkins" and not alert.urgent
    # a third miss in the same run raises nothing more
    run_at(DUE + 2 * WEEK)
    run_at(DUE + 2 * WEEK + CHECKIN_OPEN_FOR)
    assert FollowUpTask.objects.count() == 1 and TeamAlert.objects.count() == 1


def test_an_answered_checkin_ends_the_run(weekly):
    run_at(WEDNESDAY)
    run_at(DUE + WEEK)  # the first missed
    second = CheckIn.objects.get(status=CheckIn.Status.DUE)
    with time_machine.travel(DUE + WEEK + dt.timedelta(hours=2), tick=False):
        answer_checkin(actor=None, checkin=second, answers={"PHQ9": CALM_PHQ9, "GAD7": CALM_GAD7})
    run_at(DUE + 2 * WEEK)
    run_at(DUE + 2 * WEEK + CHECKIN_OPEN_FOR)  # the third missed: missed, answered, missed
    assert CheckIn.objects.filter(status=CheckIn.Status.MISSED).count() == 2
    assert not FollowUpTask.objects.exists()


def test_a_due_checkin_of_someone_discharged_is_withdrawn_not_missed(weekly, service_user):
    run_at(WEDNESDAY)
    service_user.status = "discharged"
    service_user.save()
    run_at(DUE + CHECKIN_OPEN_FOR)
    checkin = CheckIn.objects.get()
    assert checkin.status == CheckIn.Status.WITHDRAWN
    assert OutboundMessage.objects.get().status == MessageStatus.CANCELLED  # link not sent
