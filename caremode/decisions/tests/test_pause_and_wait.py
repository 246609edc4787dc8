"""Pausing and keeping in touch, or waiting for face to face, as the outcome of a shared decision
(E3, E6, E11; hazards D16, D17): the rules that offer them, the decision with its keep-in-touch
commitment, the team's waiting list and its alerts."""

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, transaction

from caremode.audit.models import AuditEvent
from caremode.decisions import services
from caremode.decisions.errors import DecisionInputError
from caremode.decisions.models import DecisionRecord
from caremode.decisions.rules import (
    KEEP_IN_TOUCH_GRACE_DAYS,
    MAX_REOFFER_DAYS,
    RULES_VERSION,
    Context,
    recommend,
)
from caremode.decisions.selectors import list_waiting
from caremode.decisions.services import KeepInTouch, check_waiting_list
from caremode.decisions.waiting import keep_in_touch_due, keep_in_touch_overdue
from caremode.people.models import ServiceUser, Team
from caremode.scheduling.models import Commitment, TeamAlert
from caremode.scheduling.services import check_commitments
from tests.factories import ContactFactory

REMOTE_ONLY = ("video", "telephone", "text", "email")
# A Wednesday in term, away from bank holidays and clock changes.
NOW = dt.datetime(2027, 2, 10, 11, 0, tzinfo=dt.UTC)
WEEKLY_BY_PHONE = KeepInTouch(mode="telephone", weekday=2, time=dt.time(14, 0), every_weeks=1)


def trauma_shown():
    return recommend(Context(consultation_type="trauma_focused_therapy", modes_offered=REMOTE_ONLY))


@pytest.fixture
def remote_only(team):
    team.service.modes_offered = list(REMOTE_ONLY)
    team.service.save()
    return team


def wait(clinician, person, **overrides):
    arguments = {
        "actor": clinician,
        "service_user": person,
        "consultation_type": "trauma_focused_therapy",
        "agreed_mode": "",
        "fallback_mode": "",
        "recommendation": trauma_shown(),
        "review_on": NOW.date() + dt.timedelta(days=90),
        "outcome": "wait_face_to_face",
        "keep_in_touch": WEEKLY_BY_PHONE,
        "reoffer_on": NOW.date() + dt.timedelta(days=28),
        "waiting_reason": "Trauma work needs the room; video felt unsafe",
    }
    return services.agree_decision(**{**arguments, **overrides})


# --- The rules: where the evidence supports pausing or waiting --------------------------------


def test_pause_and_wait_are_offered_for_trauma_therapy_without_face_to_face():
    shown = trauma_shown()
    assert shown.waiting_outcomes == ("pause", "wait_face_to_face")
    assert shown.as_json()["waiting_outcomes"] == ["pause", "wait_face_to_face"]
    assert [p.rule for p in shown.prompts] == ["W01"]
    assert shown.rules_version == RULES_VERSION == "2026.12.3"
    # Face to face offered: it can simply be agreed, so neither is offered.
    assert recommend(Context(consultation_type="trauma_focused_therapy")).waiting_outcomes == ()


def test_waiting_is_offered_when_every_remote_mode_offered_for_therapy_is_declined():
    declines_all = {m: "declines" for m in REMOTE_ONLY}
    shown = recommend(
        Context(
            consultation_type="psychotherapy", modes_offered=REMOTE_ONLY, preferences=declines_all
        )
    )
    assert shown.waiting_outcomes == ("wait_face_to_face",)
    assert [p.rule for p in shown.prompts] == ["W02"]
    assert shown.prompts[0].evidence == ("E3", "E11")
    assert "breaks in therapy" in shown.prompts[0].text
    # Accepting one remote mode, or a contact that is not therapy: nothing to wait for.
    accepts_video = {**declines_all, "video": "accepts"}
    assert not recommend(
        Context(
            consultation_type="psychotherapy", modes_offered=REMOTE_ONLY, preferences=accepts_video
        )
    ).waiting_outcomes
    assert not recommend(
        Context(
            consultation_type="medication_review",
            modes_offered=REMOTE_ONLY,
            preferences=declines_all,
        )
    ).waiting_outcomes


def test_keep_in_touch_falls_due_after_the_last_contact_and_is_late_after_the_grace_days():
    decided = dt.date(2027, 2, 10)
    assert keep_in_touch_due(decided_on=decided, last_contact_on=None, every_weeks=1) == dt.date(
        2027, 2, 17
    )
    assert keep_in_touch_due(
        decided_on=decided, last_contact_on=dt.date(2027, 2, 20), every_weeks=2
    ) == dt.date(2027, 3, 6)
    due = dt.date(2027, 2, 17)
    grace = dt.timedelta(days=KEEP_IN_TOUCH_GRACE_DAYS)
    assert not keep_in_touch_overdue(due_on=due, today=due + grace)
    assert keep_in_touch_overdue(due_on=due, today=due + grace + dt.timedelta(days=1))


# --- The decision ---------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_waiting_for_face_to_face_records_the_terms_and_a_keep_in_touch_commitment(
    remote_only, clinician, service_user
):
    decision = wait(clinician, service_user)
    assert decision.is_waiting and decision.agreed_mode == "" and decision.followed_recommendation
    assert decision.agreed_label == "Wait for face to face"
    assert decision.rules_version == RULES_VERSION == decision.recommendation["rules_version"]
    assert decision.keep_in_touch_rhythm == "Weekly by telephone"
    commitment = decision.keep_in_touch
    assert (commitment.mode, commitment.every_weeks, commitment.weekday) == ("telephone", 1, 2)
    assert commitment.consultation_type == "wellbeing_check_in" and commitment.ends_on is None
    event = AuditEvent.objects.filter(object_type="decisions.DecisionRecord").get()
    assert event.detail["outcome"] == "wait_face_to_face"
    assert event.detail["keep_in_touch"] == commitment.pk
    # The keep-in-touch rhythm is checked like any other commitment (hazard S3): nothing is
    # booked for next Wednesday's call, so two days before it the team is told.
    with time_machine.travel(NOW + dt.timedelta(days=5), tick=False):
        assert check_commitments() == 1
    assert TeamAlert.objects.get().kind == TeamAlert.Kind.BROKEN_COMMITMENT


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        (
            {
                # Psychotherapy with remote modes accepted: the evidence does not support a pause.
                "consultation_type": "psychotherapy",
                "outcome": "pause",
                "recommendation": recommend(
                    Context(consultation_type="psychotherapy", modes_offered=REMOTE_ONLY)
                ),
            },
            "outcome",
        ),
        ({"keep_in_touch": None}, "keep_in_touch_every_weeks"),
        (
            {"keep_in_touch": KeepInTouch("telephone", 2, dt.time(14, 0), every_weeks=3)},
            "keep_in_touch_every_weeks",
        ),
        (
            {"keep_in_touch": KeepInTouch("face_to_face", 2, dt.time(14, 0), 1)},
            "keep_in_touch_mode",
        ),
        ({"keep_in_touch": KeepInTouch("telephone", 2, dt.time(14, 7), 1)}, "keep_in_touch_time"),
        ({"reoffer_on": None}, "reoffer_on"),
        ({"reoffer_on": NOW.date()}, "reoffer_on"),
        ({"reoffer_on": NOW.date() + dt.timedelta(days=MAX_REOFFER_DAYS + 1)}, "reoffer_on"),
        ({"waiting_reason": "  "}, "waiting_reason"),
    ],
)
def test_a_pause_or_wait_without_its_terms_is_refused_naming_the_field(
    remote_only, clinician, service_user, overrides, field
):
    with pytest.raises(DecisionInputError) as caught:
        wait(clinician, service_user, **overrides)
    assert caught.value.field == field
    assert not DecisionRecord.objects.exists() and not Commitment.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_the_database_refuses_a_wait_without_its_terms_or_beside_a_mode(
    remote_only, clinician, service_user
):
    decision = wait(clinician, service_user)
    for change in ({"reoffer_on": None}, {"agreed_mode": "video"}, {"waiting_reason": ""}):
        with pytest.raises(IntegrityError), transaction.atomic():
            DecisionRecord.objects.filter(pk=decision.pk).update(**change)


@time_machine.travel(NOW, tick=False)
def test_a_new_decision_ends_the_keep_in_touch_and_clears_the_waiting_alerts(
    remote_only, clinician, service_user
):
    decision = wait(clinician, service_user, reoffer_on=NOW.date() + dt.timedelta(days=7))
    with time_machine.travel(NOW + dt.timedelta(days=8), tick=False):
        assert check_waiting_list() == 1
    alert = TeamAlert.objects.get(kind=TeamAlert.Kind.REOFFER_DUE)
    assert "Time to offer trauma-focused therapy again" in alert.message
    # Offered again: the person agrees video after all.
    again = services.agree_decision(
        actor=clinician,
        service_user=service_user,
        consultation_type="trauma_focused_therapy",
        agreed_mode="video",
        fallback_mode="",
        recommendation=trauma_shown(),
        review_on=NOW.date() + dt.timedelta(days=60),
    )
    assert not again.is_waiting and again.keep_in_touch is None
    decision.keep_in_touch.refresh_from_db()
    assert decision.keep_in_touch.ends_on == NOW.date()
    alert.refresh_from_db()
    assert alert.resolved_at is not None and alert.resolved_by == clinician
    assert list_waiting(Team.objects.all(), today=NOW.date()) == []


# --- The waiting list and its alerts (hazard D17) ------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_keeping_in_touch_overdue_alerts_once_and_clears_when_a_contact_keeps_in_touch(
    remote_only, clinician, service_user
):
    decision = wait(clinician, service_user)
    (entry,) = list_waiting(Team.objects.all(), today=NOW.date())
    assert entry.due_on == NOW.date() + dt.timedelta(weeks=1) and not entry.overdue
    assert entry.last_contact is None and entry.rhythm == "Weekly" and not entry.reoffer_due
    late = NOW + dt.timedelta(days=7 + KEEP_IN_TOUCH_GRACE_DAYS + 1)
    assert check_waiting_list(now=late) == 1
    assert check_waiting_list(now=late) == 0  # once
    alert = TeamAlert.objects.get(kind=TeamAlert.Kind.KEEP_IN_TOUCH_LATE)
    assert "Keeping in touch is overdue" in alert.message and alert.resolved_at is None
    # A telephone call kept in touch two days ago: the cause has gone.
    call = ContactFactory(
        service_user=service_user,
        clinician=clinician,
        consultation_type="wellbeing_check_in",
        planned_mode="telephone",
        start=late - dt.timedelta(days=2),
    )
    call.attend_status, call.mode_used = "5", "telephone"
    call.save(update_fields=["attend_status", "mode_used"])
    (entry,) = list_waiting(Team.objects.all(), today=late.date())
    assert entry.last_contact == call.start and not entry.overdue
    assert check_waiting_list(now=late) == 0
    alert.refresh_from_db()
    assert alert.resolved_at is not None and alert.resolved_by is None
    cleared = AuditEvent.objects.filter(object_type="scheduling.TeamAlert", action="update").get()
    assert "Its cause has gone" in cleared.detail["because"]
    assert decision.pk == entry.decision.pk


@time_machine.travel(NOW, tick=False)
def test_the_waiting_list_leaves_out_discharged_people_and_other_teams(
    remote_only, clinician, service_user, other_team_clinician
):
    wait(clinician, service_user)
    assert [e.service_user for e in list_waiting(Team.objects.all(), today=NOW.date())] == [
        service_user
    ]
    assert list_waiting(Team.objects.exclude(pk=remote_only.pk), today=NOW.date()) == []
    ServiceUser.objects.filter(pk=service_user.pk).update(status=ServiceUser.Status.DISCHARGED)
    assert list_waiting(None, today=NOW.date()) == []
    assert check_waiting_list(now=NOW + dt.timedelta(days=60)) == 0
