"""The clinician's and team's side of monitoring: warning signs agreed, alerts acknowledged and
escalated (frozen clock), the people to watch and the caseload flag. The review prompt is in
`caremode/decisions/tests/test_monitoring_review.py` (decisions sits above monitoring)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from caremode.accounts.models import Role
from caremode.audit.models import AuditEvent
from caremode.core.errors import DomainError
from caremode.monitoring.errors import PersonDischargedError, WarningSignError
from caremode.monitoring.models import WarningSign
from caremode.monitoring.services import (
    agree_warning_sign,
    record_assessment,
    retire_warning_sign,
)
from caremode.people.models import ServiceUser, Team
from caremode.scheduling.selectors import (
    list_caseload_for,
    list_open_alerts,
    list_people_to_watch,
)
from caremode.scheduling.services import (
    acknowledge_alert,
    escalate_urgent_alerts,
    raise_team_alert,
    resolve_alert,
)
from tests.factories import ServiceUserFactory, clinician_in

pytestmark = pytest.mark.django_db

MOMENT = dt.datetime(2027, 3, 9, 10, 0, tzinfo=dt.UTC)  # a Tuesday morning
SIGN = {
    "sign": "  Sleeping under   four hours ",
    "person_action": "Ring my sister",
    "team_action": "Call within one working day",
    "contact_whom": "Duty worker, 0113 496 0000",
}


def phq9(*values: int) -> dict[str, int | None]:
    return {f"phq9_{n}": v for n, v in enumerate(values, start=1)}


# --- Early-warning signs -----------------------------------------------------------------------


def test_a_warning_sign_is_agreed_in_the_persons_words_and_audited(clinician, service_user):
    sign = agree_warning_sign(actor=clinician, service_user=service_user, **SIGN)
    assert sign.sign == "Sleeping under four hours"  # spaces tidied, words kept
    assert sign.agreed_by == clinician and sign.retired_at is None
    assert AuditEvent.objects.filter(
        object_type="monitoring.WarningSign", action="create", subject_id=service_user.pk
    ).exists()


@pytest.mark.parametrize("field", ["sign", "person_action", "team_action", "contact_whom"])
def test_every_part_of_the_plan_is_required(clinician, service_user, field):
    with pytest.raises(WarningSignError) as error:
        agree_warning_sign(actor=clinician, service_user=service_user, **{**SIGN, field: "  "})
    assert error.value.field == field
    assert not WarningSign.objects.exists()


def test_a_part_too_long_or_a_sign_already_in_the_plan_is_refused(clinician, service_user):
    with pytest.raises(WarningSignError) as error:
        agree_warning_sign(
            actor=clinician, service_user=service_user, **{**SIGN, "contact_whom": "x" * 201}
        )
    assert error.value.field == "contact_whom"
    agree_warning_sign(actor=clinician, service_user=service_user, **SIGN)
    with pytest.raises(WarningSignError) as error:
        agree_warning_sign(
            actor=clinician,
            service_user=service_user,
            **{**SIGN, "sign": "SLEEPING UNDER FOUR HOURS"},
        )
    assert error.value.field == "sign"
    assert WarningSign.objects.count() == 1


def test_no_warning_sign_is_agreed_for_someone_discharged(clinician, service_user):
    ServiceUser.objects.filter(pk=service_user.pk).update(status=ServiceUser.Status.DISCHARGED)
    service_user.refresh_from_db()
    with pytest.raises(PersonDischargedError):
        agree_warning_sign(actor=clinician, service_user=service_user, **SIGN)


def test_a_retired_sign_is_kept_and_retired_once(clinician, service_user):
    sign = agree_warning_sign(actor=clinician, service_user=service_user, **SIGN)
    retire_warning_sign(actor=clinician, warning_sign=sign)
    sign.refresh_from_db()
    assert sign.retired_at is not None and sign.retired_by == clinician
    with pytest.raises(WarningSignError):
        retire_warning_sign(actor=clinician, warning_sign=sign)
    assert (
        AuditEvent.objects.filter(object_type="monitoring.WarningSign", action="revoke").count()
        == 1
    )
    # Retired, the same words can be agreed again.
    agree_warning_sign(actor=clinician, service_user=service_user, **SIGN)


# --- Alerts: acknowledged, escalated, listed -----------------------------------------------------


def _urgent(service_user, key="risk"):
    return raise_team_alert(
        kind="risk_answer", key=key, service_user=service_user, message="Q9", urgent=True
    )


def test_an_unacknowledged_urgent_alert_escalates_to_the_managers_once(
    team, clinician, service_user, settings
):
    settings.ALERT_ESCALATION_MINUTES = 60
    manager = clinician_in(team, role=Role.TEAM_MANAGER, email="manager@example.nhs.uk")
    clinician_in(team, role=Role.TEAM_MANAGER, email="")  # no address: nobody to email
    with time_machine.travel(MOMENT, tick=False):
        alert = _urgent(service_user)
    with time_machine.travel(MOMENT + dt.timedelta(minutes=59), tick=False):
        assert escalate_urgent_alerts() == 0
    with time_machine.travel(MOMENT + dt.timedelta(minutes=61), tick=False):
        assert escalate_urgent_alerts() == 1
        assert escalate_urgent_alerts() == 0  # once
    alert.refresh_from_db()
    assert alert.escalated_at == MOMENT + dt.timedelta(minutes=61)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [manager.email]
    # The email says where to look, never who it is about or what they answered.
    assert service_user.family_name not in mail.outbox[0].body
    assert "Q9" not in mail.outbox[0].body and "61 minutes" in mail.outbox[0].body
    assert (
        AuditEvent.objects.filter(
            object_type="scheduling.TeamAlert", action="update", actor__isnull=True
        ).count()
        == 1
    )


def test_an_alert_with_nobody_to_tell_is_not_marked_escalated_until_someone_can_be(
    team, service_user, settings, caplog
):
    settings.ALERT_ESCALATION_MINUTES = 60
    settings.ALERT_ESCALATION_FALLBACK_EMAILS = []
    with time_machine.travel(MOMENT, tick=False):
        alert = _urgent(service_user)
    with time_machine.travel(MOMENT + dt.timedelta(minutes=61), tick=False):
        assert escalate_urgent_alerts() == 0
    alert.refresh_from_db()
    assert alert.escalated_at is None and "cannot be escalated" in caplog.text
    settings.ALERT_ESCALATION_FALLBACK_EMAILS = ["duty@example.nhs.uk"]
    with time_machine.travel(MOMENT + dt.timedelta(minutes=66), tick=False):
        assert escalate_urgent_alerts() == 1
    assert mail.outbox[0].to == ["duty@example.nhs.uk"]


def test_a_mail_relay_that_fails_leaves_the_alert_to_be_tried_again(
    team, service_user, settings, monkeypatch
):
    from caremode.scheduling.services import checks

    settings.ALERT_ESCALATION_MINUTES = 60
    clinician_in(team, role=Role.TEAM_MANAGER, email="manager@example.nhs.uk")
    with time_machine.travel(MOMENT, tick=False):
        alert = _urgent(service_user)

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("relay down")

    monkeypatch.setattr(checks, "send_mail", refuse)
    with time_machine.travel(MOMENT + dt.timedelta(minutes=61), tick=False):
        assert escalate_urgent_alerts() == 0
    alert.refresh_from_db()
    assert alert.escalated_at is None
    assert not AuditEvent.objects.filter(
        object_type="scheduling.TeamAlert", action="update"
    ).exists()
    monkeypatch.undo()
    with time_machine.travel(MOMENT + dt.timedelta(minutes=66), tick=False):
        assert escalate_urgent_alerts() == 1
    assert len(mail.outbox) == 1


def test_acknowledged_resolved_or_routine_alerts_never_escalate(
    team, clinician, service_user, settings
):
    settings.ALERT_ESCALATION_MINUTES = 30
    clinician_in(team, role=Role.TEAM_MANAGER, email="manager@example.nhs.uk")
    with time_machine.travel(MOMENT, tick=False):
        seen = _urgent(service_user, "seen")
        done = _urgent(service_user, "done")
        raise_team_alert(kind="deterioration", key="d", service_user=service_user, message="PHQ")
        acknowledge_alert(actor=clinician, alert=seen)
        resolve_alert(actor=clinician, alert=done)
    with time_machine.travel(MOMENT + dt.timedelta(hours=5), tick=False):
        assert escalate_urgent_alerts() == 0
    assert not mail.outbox
    seen.refresh_from_db()
    assert seen.acknowledged_by == clinician and seen.acknowledged_at == MOMENT
    assert seen.resolved_at is None  # acknowledged is not dealt with


def test_an_alert_is_acknowledged_once(clinician, service_user):
    alert = _urgent(service_user)
    acknowledge_alert(actor=clinician, alert=alert)
    with pytest.raises(DomainError):
        acknowledge_alert(actor=clinician, alert=alert)
    assert (
        AuditEvent.objects.filter(
            object_type="scheduling.TeamAlert", action="update", actor=clinician
        ).count()
        == 1
    )


def test_urgent_alerts_come_first_then_the_rest_newest_first(team, service_user, clinician):
    other = ServiceUserFactory(team=team)
    with time_machine.travel(MOMENT, tick=False):
        old_routine = raise_team_alert(
            kind="contact_gap", key="g", service_user=other, message="Gap"
        )
    with time_machine.travel(MOMENT + dt.timedelta(hours=1), tick=False):
        older_urgent = _urgent(service_user, "u1")
    with time_machine.travel(MOMENT + dt.timedelta(hours=2), tick=False):
        newer_urgent = _urgent(other, "u2")
        new_routine = raise_team_alert(
            kind="deterioration", key="d", service_user=other, message="Worse"
        )
    acknowledge_alert(actor=clinician, alert=older_urgent)
    teams = Team.objects.filter(pk=team.pk)
    assert list_open_alerts(teams) == [newer_urgent, older_urgent, new_routine, old_routine]


def test_the_team_sees_who_deteriorated_or_missed_check_ins_until_it_is_dealt_with(
    team, service_user
):
    other = ServiceUserFactory(team=team)
    quiet = ServiceUserFactory(team=team)
    with time_machine.travel(MOMENT, tick=False):
        worse = raise_team_alert(
            kind="deterioration", key="a", service_user=service_user, message="w"
        )
        raise_team_alert(kind="severe_score", key="b", service_user=service_user, message="s")
    with time_machine.travel(MOMENT + dt.timedelta(days=1), tick=False):
        raise_team_alert(kind="missed_checkins", key="c", service_user=other, message="m")
        raise_team_alert(kind="contact_gap", key="e", service_user=quiet, message="gap")
    teams = Team.objects.filter(pk=team.pk)
    rows = list_people_to_watch(teams)
    assert [(r.service_user, r.reasons, r.since) for r in rows] == [
        (service_user, ("Reliable deterioration", "Score in the severe band"), MOMENT),
        (other, ("Check-ins missed",), MOMENT + dt.timedelta(days=1)),
    ]
    resolve_alert(actor=clinician_in(team), alert=worse)
    assert [r.reasons for r in list_people_to_watch(teams)] == [
        ("Score in the severe band",),
        ("Check-ins missed",),
    ]


def test_the_caseload_flags_people_with_an_open_monitoring_alert(team, clinician, service_user):
    calm = ServiceUserFactory(team=team)
    gap = ServiceUserFactory(team=team)
    raise_team_alert(kind="contact_gap", key="g", service_user=gap, message="Gap")
    with time_machine.travel(MOMENT, tick=False):
        record_assessment(
            actor=None,
            service_user=service_user,
            measure="PHQ9",
            answers=phq9(0, 0, 0, 0, 0, 0, 0, 0, 1),
        )
    flags = {p.pk: (p.urgent_flag, p.monitoring_flag) for p in list_caseload_for(clinician)}
    assert flags[service_user.pk] == (True, True)
    assert flags[calm.pk] == (False, False)
    assert flags[gap.pk] == (False, False)  # not monitoring's
