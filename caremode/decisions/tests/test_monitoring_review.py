"""Monitoring prompts a review of the shared decision about mode (E7, E20; hazard H-M07)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from caremode.decisions.selectors import list_decisions_for_review, review_reasons
from caremode.decisions.tests.test_decision_services import agree
from caremode.monitoring.services import record_assessment

pytestmark = pytest.mark.django_db

MOMENT = dt.datetime(2027, 3, 9, 10, 0, tzinfo=dt.UTC)


def phq9(*values: int) -> dict[str, int | None]:
    return {f"phq9_{n}": v for n, v in enumerate(values, start=1)}


def test_a_deterioration_since_the_decision_prompts_a_review_of_the_mode(clinician, service_user):
    with time_machine.travel(MOMENT, tick=False):
        record_assessment(
            actor=None,
            service_user=service_user,
            measure="PHQ9",
            answers=phq9(1, 1, 1, 1, 1, 0, 0, 0, 0),
        )
        agree(clinician, service_user, review_on=timezone.localdate() + dt.timedelta(days=180))
    with time_machine.travel(MOMENT + dt.timedelta(days=7), tick=False):
        assert list_decisions_for_review(clinician) == []
        record_assessment(
            actor=None,
            service_user=service_user,
            measure="PHQ9",
            answers=phq9(3, 3, 3, 3, 3, 3, 2, 1, 0),
        )
        (flagged,) = list_decisions_for_review(clinician)
    assert flagged.reasons == (
        "A reliable deterioration in a measure since the decision",
        "A score in the severe band since the decision",
    )


def test_only_monitoring_noticed_after_the_decision_prompts_and_each_kind_once(clinician):
    decided = MOMENT

    class Decision:
        decided_at = decided
        review_on = dt.date(2027, 12, 1)

    reasons = review_reasons(
        Decision(),  # type: ignore[arg-type]
        access_needs=[],
        outcomes=[],
        today=dt.date(2027, 3, 20),
        monitoring=[
            ("warning_sign", decided - dt.timedelta(days=1)),  # before: already known
            ("severe_score", decided + dt.timedelta(days=1)),
            ("severe_score", decided + dt.timedelta(days=2)),
            ("risk_answer", decided + dt.timedelta(days=3)),
            ("missed_checkins", decided + dt.timedelta(days=3)),  # not about the mode's effect
        ],
    )
    assert reasons == [
        "Thoughts of self-harm reported since the decision",
        "A score in the severe band since the decision",
    ]
