"""Telephone triage that delays the fuller assessment (E8): the wait per person and per team,
and the alert past the threshold."""

import datetime as dt

import time_machine

from caremode.people.models import Team
from caremode.scheduling import services
from caremode.scheduling.models import TeamAlert
from caremode.scheduling.selectors import list_triage_waits, summarise_triage_waits
from caremode.scheduling.services.checks import check_triage_waits
from tests.factories import ContactFactory, ServiceUserFactory, clinician_in, signed_in

UK = dt.UTC
NOW = dt.datetime(2026, 12, 9, 12, 0, tzinfo=UK)


def _attended(person, clinician, *, days_ago, kind, mode, hour=0):
    contact = ContactFactory(
        service_user=person,
        clinician=clinician,
        consultation_type=kind,
        planned_mode=mode,
        # Each person at their own hour, so that one clinician's contacts never overlap.
        start=NOW - dt.timedelta(days=days_ago, hours=hour),
    )
    contact.attend_status, contact.mode_used = "5", mode
    contact.save(update_fields=["attend_status", "mode_used"])
    return contact


@time_machine.travel(NOW, tick=False)
def test_waits_from_a_telephone_triage_to_the_fuller_assessment(team, settings):
    settings.TRIAGE_TO_ASSESSMENT_DAYS = 14
    clinician = clinician_in(team)
    seen = ServiceUserFactory(team=team, given_name="Seen")
    waiting = ServiceUserFactory(team=team, given_name="Waiting")
    in_person = ServiceUserFactory(team=team, given_name="Inperson")
    _attended(seen, clinician, days_ago=30, kind="initial_assessment", mode="telephone")
    # A second telephone call is not the fuller assessment; the video one 10 days later is.
    _attended(seen, clinician, days_ago=25, kind="risk_assessment", mode="telephone")
    _attended(seen, clinician, days_ago=20, kind="initial_assessment", mode="video")
    _attended(waiting, clinician, days_ago=21, kind="initial_assessment", mode="telephone", hour=1)
    _attended(
        in_person, clinician, days_ago=21, kind="initial_assessment", mode="face_to_face", hour=2
    )
    waits = list_triage_waits(Team.objects.filter(pk=team.pk))
    assert [(w.service_user.given_name, w.days, w.assessed_at is None) for w in waits] == [
        ("Waiting", 21, True),
        ("Seen", 10, False),
    ]
    assert summarise_triage_waits(waits) == {"assessed": 1, "median_days": 10, "waiting": 1}
    assert check_triage_waits() == 1
    assert check_triage_waits() == 0  # once per person and triage
    alert = TeamAlert.objects.get(kind=TeamAlert.Kind.TRIAGE_WAIT)
    assert alert.service_user == waiting and "21 days ago" in alert.message


@time_machine.travel(NOW, tick=False)
def test_no_alert_within_the_threshold_and_the_team_page_shows_the_waits(client, team, settings):
    settings.TRIAGE_TO_ASSESSMENT_DAYS = 28
    clinician = clinician_in(team)
    person = ServiceUserFactory(team=team, given_name="Waiting", family_name="Person")
    _attended(person, clinician, days_ago=21, kind="initial_assessment", mode="telephone")
    assert services.check_triage_waits() == 0
    signed_in(client, clinician)
    body = client.get("/team/").content.decode()
    assert "Telephone triage to full assessment" in body
    assert "0 assessed after a telephone triage; 1 still waiting" in body
    assert "Waiting Person" in body and "Over 28 days" not in body
