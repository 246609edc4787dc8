"""Answering a check-in: every measure scored, warning signs reported and alerted, the link
single use and expiring, and nothing half-saved on bad input."""

import datetime as dt

import pytest
import time_machine

from caremode.audit.models import AuditEvent
from caremode.messaging.models import OutboundMessage
from caremode.monitoring.checkin_answers import answer_checkin, open_checkin_by_link
from caremode.monitoring.checkins import (
    CHECKIN_OPEN_FOR,
    agree_checkin_schedule,
    create_due_checkins,
    stop_checkin_schedule,
)
from caremode.monitoring.errors import (
    AssessmentAnswerError,
    CheckInAnswerError,
    CheckInLinkError,
)
from caremode.monitoring.models import Assessment, CheckIn, WarningSignReport
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
from tests.factories import ServiceUserFactory

pytestmark = pytest.mark.django_db
LATER = WEDNESDAY + dt.timedelta(hours=2)


@pytest.fixture
def token(clinician, service_user):
    """The link token of a PHQ-9 + GAD-7 check-in sent on the Wednesday."""
    with_mobile(service_user)
    with time_machine.travel(WEDNESDAY, tick=False):
        agree_checkin_schedule(
            actor=clinician,
            service_user=service_user,
            measures=["PHQ9", "GAD7"],
            rhythm="weekly",
            channel="sms",
        )
        create_due_checkins(now=WEDNESDAY)
    return token_in(OutboundMessage.objects.get())


def answer(token, answers=None, **kwargs):
    with time_machine.travel(LATER, tick=False):
        checkin = open_checkin_by_link(token=token)
        return answer_checkin(
            actor=None,
            checkin=checkin,
            answers=answers or {"PHQ9": CALM_PHQ9, "GAD7": CALM_GAD7},
            **kwargs,
        )


def test_each_measure_is_scored_and_the_checkin_completed(token, service_user):
    answered = answer(token)
    assert not answered.help_now
    by_measure = {a.measure: a for a in answered.assessments}
    assert by_measure["PHQ9"].score == 2 and by_measure["PHQ9"].band == "Minimal"
    assert by_measure["GAD7"].score == 2
    assert all(a.source == "checkin" and a.taken_at == LATER for a in answered.assessments)
    checkin = CheckIn.objects.get()
    assert checkin.status == CheckIn.Status.COMPLETED and checkin.completed_at == LATER
    assert {a.checkin_id for a in answered.assessments} == {checkin.pk}
    assert AuditEvent.objects.filter(
        object_type="monitoring.CheckIn", action="read", subject_id=service_user.pk
    ).exists()
    assert not TeamAlert.objects.exists()


def test_item_nine_above_zero_shows_help_now_and_raises_an_urgent_alert(token, service_user):
    answered = answer(token, {"PHQ9": phq9(0, 0, 0, 0, 0, 0, 0, 0, 1), "GAD7": CALM_GAD7})
    assert answered.help_now
    alert = TeamAlert.objects.get()
    assert alert.kind == "risk_answer" and alert.urgent and alert.service_user == service_user
    assert "Several days" in alert.message


def test_a_link_works_once(token):
    answer(token)
    with pytest.raises(CheckInLinkError, match="already been answered") as raised:
        answer(token)
    assert raised.value.field == "token"
    assert Assessment.objects.count() == 2


def test_an_expired_link_is_refused(token):
    with (
        time_machine.travel(WEDNESDAY + CHECKIN_OPEN_FOR, tick=False),
        pytest.raises(CheckInLinkError, match="closed"),
    ):
        open_checkin_by_link(token=token)


def test_an_unknown_or_altered_link_is_refused(token):
    for wrong in ("", "not-a-real-link", token[:-1] + ("A" if token[-1] != "A" else "B")):
        with pytest.raises(CheckInLinkError, match="not recognised"):
            open_checkin_by_link(token=wrong)


def test_a_link_of_a_stopped_schedule_is_refused(token, clinician, service_user):
    with time_machine.travel(WEDNESDAY, tick=False):
        stop_checkin_schedule(actor=clinician, service_user=service_user)
    with pytest.raises(CheckInLinkError, match="changed or stopped"):
        answer(token)


def test_a_link_of_someone_discharged_is_refused(token, service_user):
    service_user.status = "discharged"
    service_user.save()
    with pytest.raises(CheckInLinkError, match="no longer under the care"):
        answer(token)


def test_a_checkin_closing_between_opening_and_sending_is_refused(token):
    with time_machine.travel(LATER, tick=False):
        checkin = open_checkin_by_link(token=token)
    with (
        time_machine.travel(WEDNESDAY + CHECKIN_OPEN_FOR, tick=False),
        pytest.raises(CheckInLinkError),
    ):
        answer_checkin(actor=None, checkin=checkin, answers={"PHQ9": CALM_PHQ9, "GAD7": CALM_GAD7})
    assert not Assessment.objects.exists()


def test_an_answer_out_of_range_saves_nothing(token):
    bad = dict(CALM_GAD7, gad7_3=4)
    with pytest.raises(AssessmentAnswerError) as raised:
        answer(token, {"PHQ9": CALM_PHQ9, "GAD7": bad})
    assert raised.value.field == "gad7_3"
    assert not Assessment.objects.exists()  # not even the PHQ-9 before it
    assert CheckIn.objects.get().status == CheckIn.Status.DUE


def test_a_measure_the_checkin_did_not_ask_is_refused(token):
    with pytest.raises(CheckInAnswerError) as raised:
        answer(token, {"PHQ9": CALM_PHQ9, "GAD7": CALM_GAD7, "DIALOG": {}})
    assert raised.value.field == "measures"
    assert not Assessment.objects.exists()


def test_warning_signs_reported_are_stored_and_alerted(token, clinician, service_user):
    sleep = sign_of(service_user, clinician)
    money = sign_of(service_user, clinician, "Spending money I don't have")
    answered = answer(token, reported_signs=[money.pk])
    assert [r.sign for r in answered.reports] == [money]
    report = WarningSignReport.objects.get()
    assert report.checkin == CheckIn.objects.get() and report.reported_at == LATER
    alert = TeamAlert.objects.get()
    assert alert.kind == "warning_sign" and "Spending money I don't have" in alert.message
    assert sleep.reports.count() == 0


def test_a_sign_of_someone_else_or_retired_is_refused_and_nothing_saved(
    token, clinician, service_user
):
    theirs = sign_of(ServiceUserFactory(team=service_user.team), clinician)
    retired = sign_of(service_user, clinician, "Not eating")
    retired.retired_at = WEDNESDAY
    retired.save()
    for pk in (theirs.pk, retired.pk):
        with pytest.raises(CheckInAnswerError) as raised:
            answer(token, reported_signs=[pk])
        assert raised.value.field == "warning_signs"
    assert not Assessment.objects.exists() and not WarningSignReport.objects.exists()
    assert CheckIn.objects.get().status == CheckIn.Status.DUE
