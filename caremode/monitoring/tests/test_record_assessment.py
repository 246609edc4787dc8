"""Recording an assessment: scored by CareMode, audited, alerts raised, nothing half-saved."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from caremode.audit.models import AuditEvent
from caremode.monitoring.errors import (
    AssessmentAnswerError,
    PersonDischargedError,
    ScoreContactError,
)
from caremode.monitoring.models import Assessment
from caremode.monitoring.services import record_assessment
from caremode.scheduling.models import TeamAlert
from tests.factories import ContactFactory, ServiceUserFactory, UserFactory

pytestmark = pytest.mark.django_db

MOMENT = dt.datetime(2027, 2, 10, 14, 0, tzinfo=dt.UTC)


def phq9(*values: int) -> dict[str, int | None]:
    return {f"phq9_{n}": v for n, v in enumerate(values, start=1)}


def test_a_score_is_computed_from_the_items_and_audited() -> None:
    person = ServiceUserFactory()
    with time_machine.travel(MOMENT, tick=False):
        assessment = record_assessment(
            actor=None, service_user=person, measure="PHQ9", answers=phq9(1, 1, 1, 1, 1, 1, 1, 1, 0)
        )
    assert assessment.complete and assessment.score == 8 and assessment.band == "Mild"
    assert assessment.source == Assessment.Source.CHECKIN and assessment.taken_at == MOMENT
    assert AuditEvent.objects.filter(object_type="monitoring.Assessment").count() == 1
    assert not TeamAlert.objects.exists()


def test_item_9_above_0_raises_an_urgent_alert_even_when_incomplete() -> None:
    person = ServiceUserFactory()
    assessment = record_assessment(
        actor=None, service_user=person, measure="PHQ9", answers={"phq9_9": 1}
    )
    assert not assessment.complete and assessment.score is None
    alert = TeamAlert.objects.get()
    assert alert.urgent and alert.kind == TeamAlert.Kind.RISK_ANSWER
    assert alert.team_id == person.team_id and "Several days" in alert.message


def test_a_reliable_deterioration_and_a_severe_score_raise_alerts() -> None:
    person = ServiceUserFactory()
    with time_machine.travel(MOMENT, tick=False):
        record_assessment(
            actor=None, service_user=person, measure="PHQ9", answers=phq9(*[1] * 8, 0)
        )
    with time_machine.travel(MOMENT + dt.timedelta(days=7), tick=False):
        record_assessment(
            actor=None, service_user=person, measure="PHQ9", answers=phq9(*[3] * 7, 0, 0)
        )
    kinds = set(TeamAlert.objects.values_list("kind", flat=True))
    assert kinds == {TeamAlert.Kind.DETERIORATION, TeamAlert.Kind.SEVERE_SCORE}


def test_bad_input_saves_nothing() -> None:
    person = ServiceUserFactory()
    with pytest.raises(AssessmentAnswerError) as error:
        record_assessment(actor=None, service_user=person, measure="GAD7", answers={"gad7_1": 7})
    assert error.value.field == "gad7_1"
    person.status = person.Status.DISCHARGED
    person.save()
    with pytest.raises(PersonDischargedError):
        record_assessment(actor=None, service_user=person, measure="GAD7", answers={"gad7_1": 1})
    assert (
        not Assessment.objects.exists()
        and not AuditEvent.objects.filter(object_type="monitoring.Assessment").exists()
    )


def test_a_score_during_a_contact_records_the_contact_and_its_mode() -> None:
    clinician = UserFactory()
    contact = ContactFactory(
        start=timezone.now() - dt.timedelta(days=1), attend_status="5", mode_used="telephone"
    )
    other = ContactFactory(start=timezone.now() - dt.timedelta(days=2))
    with pytest.raises(ScoreContactError):
        record_assessment(
            actor=clinician, service_user=other.service_user, measure="GAD7",
            answers={"gad7_1": 1}, contact=other,
        )  # fmt: skip
    assessment = record_assessment(
        actor=clinician, service_user=contact.service_user, measure="GAD7",
        answers={f"gad7_{n}": 1 for n in range(1, 8)}, contact=contact,
    )  # fmt: skip
    assert assessment.source == "contact" and assessment.mode == "telephone"
    assert assessment.recorded_by == clinician and assessment.score == 7


def test_a_score_entered_late_for_an_earlier_contact_is_compared_with_what_came_before_it() -> None:
    person = ServiceUserFactory()
    with time_machine.travel(MOMENT, tick=False):
        record_assessment(
            actor=None, service_user=person, measure="PHQ9", answers=phq9(*[0] * 8, 0)
        )
    # Thirty days earlier she scored 14: entered now, it is compared with nothing before it,
    # never read as "reliably worse" than the later 0.
    with time_machine.travel(MOMENT + dt.timedelta(hours=1), tick=False):
        record_assessment(
            actor=None, service_user=person, measure="PHQ9", answers=phq9(*[2] * 7, 0, 0),
            taken_at=MOMENT - dt.timedelta(days=30),
        )  # fmt: skip
    assert not TeamAlert.objects.filter(kind=TeamAlert.Kind.DETERIORATION).exists()
