"""Training, coverage, the advice before a first remote contact, digital support and its extract
columns, and the pulse, against the database."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from caremode.accounts.models import Role
from caremode.audit.models import AuditEvent
from caremode.workforce import selectors, services
from caremode.workforce.errors import WorkforceError
from caremode.workforce.models import TrainingCompletion, WellbeingResponse
from tests.factories import ContactFactory, clinician_in

NOW = dt.datetime(2026, 11, 18, 10, tzinfo=dt.UTC)  # a Wednesday


@pytest.fixture
def manager(team):
    return clinician_in(team, role=Role.TEAM_MANAGER)


@pytest.fixture
def video_course(manager):
    return services.create_course(
        actor=manager,
        title="Video consultations",
        topic="video_room",
        mode="video",
        refresher_months=12,
        roles=["clinician"],
    )


def test_only_a_manager_sets_training_and_bad_values_name_their_field(clinician, manager):
    with pytest.raises(WorkforceError) as error:
        services.create_course(
            actor=clinician,
            title="X",
            topic="telephone",
            mode="telephone",
            refresher_months=6,
            roles=["clinician"],
        )
    assert error.value.field == "title"
    for field, changes in (
        ("mode", {"mode": "face_to_face"}),
        ("refresher_months", {"refresher_months": 121}),
        ("roles", {"roles": ["analyst"]}),
        ("topic", {"topic": "juggling"}),
    ):
        values = {
            "title": "T",
            "topic": "telephone",
            "mode": "telephone",
            "refresher_months": 6,
            "roles": ["clinician"],
            **changes,
        }
        with pytest.raises(WorkforceError) as error:
            services.create_course(actor=manager, **values)
        assert error.value.field == field


@time_machine.travel(NOW, tick=False)
def test_completion_expires_and_the_manager_sees_who_is_due(team, clinician, manager, video_course):
    other = clinician_in(team)
    services.record_completion(
        actor=clinician, course=video_course, completed_on=dt.date(2025, 12, 1)
    )
    today = timezone.localdate()
    (row,) = [r for r in selectors.team_coverage(team, today=today) if r.course == video_course]
    assert (row.needed, row.current) == (2, 1)  # the manager's role does not need it
    assert {u.pk: s.status for u, s in row.due} == {clinician.pk: "due_soon", other.pk: "missing"}
    with time_machine.travel(dt.datetime(2026, 12, 2, 10, tzinfo=dt.UTC), tick=False):
        (row,) = [
            r
            for r in selectors.team_coverage(team, today=dt.date(2026, 12, 2))
            if r.course == video_course
        ]
        assert row.current == 0
        assert {s.status for _u, s in row.due} == {"expired", "missing"}


@time_machine.travel(NOW, tick=False)
def test_a_future_completion_is_refused(clinician, video_course):
    with pytest.raises(WorkforceError) as error:
        services.record_completion(
            actor=clinician, course=video_course, completed_on=dt.date(2026, 11, 19)
        )
    assert error.value.field == "completed_on"
    assert not TrainingCompletion.objects.exists()


def test_only_a_manager_of_their_team_confirms_never_themselves(
    team, clinician, manager, video_course, other_team_clinician
):
    done = services.record_completion(
        actor=clinician, course=video_course, completed_on=dt.date(2026, 1, 5)
    )
    outsider = clinician_in(other_team_clinician.teams.get(), role=Role.TEAM_MANAGER)
    with pytest.raises(WorkforceError):
        services.confirm_completion(actor=outsider, completion=done)
    own = services.record_completion(
        actor=manager, course=video_course, completed_on=dt.date(2026, 1, 5)
    )
    with pytest.raises(WorkforceError):
        services.confirm_completion(actor=manager, completion=own)
    confirmed = services.confirm_completion(actor=manager, completion=done)
    assert confirmed.confirmed_by == manager
    with pytest.raises(WorkforceError):
        services.confirm_completion(actor=manager, completion=done)


def test_advice_before_a_first_remote_contact_without_training(
    clinician, service_user, video_course
):
    today = timezone.localdate()
    advice = selectors.training_advice(
        clinician, ["face_to_face", "video", "telephone"], today=today
    )
    assert list(advice) == ["video"]  # no telephone course set, nothing to advise
    assert {s.course.pk for s in advice["video"]} >= {video_course.pk}
    for course in selectors.list_courses():  # every video course the role needs
        services.record_completion(actor=clinician, course=course, completed_on=today)
    assert selectors.training_advice(clinician, ["video"], today=today) == {}


def test_no_advice_for_a_clinician_who_has_held_video_contacts(
    clinician, service_user, video_course
):
    ContactFactory(
        service_user=service_user,
        clinician=clinician,
        start=timezone.now() - dt.timedelta(days=20),
        attend_status="5",
        mode_used="video",
    )
    assert selectors.training_advice(clinician, ["video"], today=timezone.localdate()) == {}


def test_video_training_recorded_before_the_catalogue_was_migrated(db):
    """The migration made today's video-only records completions of a catalogue course."""
    course = selectors.list_courses()
    assert [c.mode for c in course] == ["video"]


def _answers(**changes: int) -> dict[str, int]:
    from caremode.workforce import pulse

    return {**{k: 7 for k in pulse.ONS4}, **{k: 4 for k in pulse.REMOTE_WORKING}, **changes}


def test_the_pulse_once_a_month_groups_copied_answers_never_audited(clinician):
    with pytest.raises(WorkforceError) as error:
        services.submit_pulse(actor=clinician, answers=_answers())
    assert error.value.field == "profile"
    services.save_staff_profile(
        actor=clinician,
        ethnic_category="N",
        profession="Mental health nurse",
        band="6",
        mostly_remote=True,
    )
    with pytest.raises(WorkforceError) as error:
        services.submit_pulse(actor=clinician, answers=_answers(happiness=12))
    assert error.value.field == "happiness"
    response = services.submit_pulse(actor=clinician, answers=_answers(happiness=2))
    assert response.ethnic_group == "Black or Black British"
    assert response.team is not None and response.mostly_remote
    with pytest.raises(WorkforceError) as error:
        services.submit_pulse(actor=clinician, answers=_answers())
    assert error.value.field == "period"
    assert WellbeingResponse.objects.count() == 1
    entry = AuditEvent.objects.filter(object_type="wellbeing pulse").get()
    assert "happiness" not in str(entry.detail)
    assert [r.answers["happiness"] for r in selectors.list_own_trend(clinician)] == [2]


def test_a_closed_month_s_figures_never_change_so_two_readings_cannot_be_subtracted(team):
    """Month-to-month differencing: a manager reads October's figures, then again in December.
    Answers go only into the month answering; a leaver's account is closed, never removed (its
    audit entries hold it; were it removed, its answers would stay, unlinked); a team with
    answers cannot be removed. So the two readings are the same, and subtracting them gives
    back nothing."""
    from django.db.models import ProtectedError

    from caremode.accounts.models import User

    staff = [clinician_in(team) for _ in range(12)]
    october = dt.date(2026, 10, 15)
    for n, user in enumerate(staff):
        services.save_staff_profile(
            actor=user, ethnic_category="A", profession="Nurse", band="6", mostly_remote=True
        )
        services.submit_pulse(actor=user, answers=_answers(happiness=2 + n % 6), today=october)
    with time_machine.travel(dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC), tick=False):
        first = selectors.wellbeing_results(dt.date(2026, 10, 1))
        assert selectors.list_periods() == [dt.date(2026, 10, 1)]
        for user in staff[:5]:  # November's answers are November's
            services.submit_pulse(actor=user, answers=_answers(happiness=0))
    User.objects.filter(pk=staff[0].pk).update(is_active=False)  # a leaver
    with pytest.raises(ProtectedError):
        staff[1].delete()
    with pytest.raises(ProtectedError):
        team.delete()
    with time_machine.travel(dt.datetime(2026, 12, 2, 10, tzinfo=dt.UTC), tick=False):
        again = selectors.wellbeing_results(dt.date(2026, 10, 1))
    assert first.shown and again == first
