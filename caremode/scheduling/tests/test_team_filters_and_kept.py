"""The team page: filters that work without JavaScript (mine, my team, a kind of alert), alerts
grouped by kind, and for the team manager commitments kept by month (hazard D18)."""

import datetime as dt

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caremode.accounts.models import Role
from caremode.people.models import Team
from caremode.scheduling.models import Commitment, TeamAlert
from caremode.scheduling.presenters import group_alerts
from caremode.scheduling.selectors import get_commitments_kept
from caremode.scheduling.services import raise_team_alert
from tests.factories import ContactFactory, ServiceUserFactory, clinician_in, signed_in

# A Wednesday in March, away from bank holidays (Good Friday 2027 is 26 March).
NOW = dt.datetime(2027, 3, 17, 12, 0, tzinfo=dt.UTC)


def _contact(person, clinician, day, *, status="5", hour=10):
    contact = ContactFactory(
        service_user=person,
        clinician=clinician,
        start=dt.datetime.combine(day, dt.time(hour, 0), tzinfo=dt.UTC),
        planned_mode="telephone",
    )
    contact.attend_status = status
    contact.mode_used = "telephone" if status in {"5", "6"} else ""
    contact.save(update_fields=["attend_status", "mode_used"])
    return contact


def _commitment(person, clinician, *, starts_on, weekday, every_weeks=1, ends_on=None):
    return Commitment.objects.create(
        service_user=person,
        clinician=clinician,
        consultation_type="care_coordination",
        mode="telephone",
        weekday=weekday,
        time=dt.time(10, 0),
        every_weeks=every_weeks,
        starts_on=starts_on,
        ends_on=ends_on,
        agreed_by=clinician,
        agreed_at=NOW - dt.timedelta(days=60),
    )


@time_machine.travel(NOW, tick=False)
def test_the_team_page_filters_mine_and_a_kind_and_groups_alerts_without_javascript(
    client, team, clinician
):
    colleague = clinician_in(team, username="ben")
    mine = ServiceUserFactory(team=team, given_name="Mina")
    theirs = ServiceUserFactory(team=team, given_name="Theo")
    _contact(mine, clinician, NOW.date() - dt.timedelta(days=20))
    _contact(theirs, colleague, NOW.date() - dt.timedelta(days=20), hour=11)
    raise_team_alert(kind="contact_gap", key="gap:1", service_user=mine, message="No contact")
    raise_team_alert(kind="broken_commitment", key="c:1", service_user=theirs, message="Not booked")
    raise_team_alert(kind="contact_gap", key="gap:2", service_user=theirs, message="No contact")
    signed_in(client, clinician)

    everything = client.get("/team/").content.decode()
    assert mine.full_name in everything and theirs.full_name in everything
    assert everything.count('id="alerts-contact_gap"') == 1  # one group of each kind
    assert 'id="alerts-broken_commitment"' in everything
    assert '<form method="get" action="/team/"' in everything

    only_mine = client.get("/team/", {"who": "mine"}).content.decode()
    assert mine.full_name in only_mine and theirs.full_name not in only_mine
    one_kind = client.get("/team/", {"kind": "broken_commitment"}).content.decode()
    assert theirs.full_name in one_kind and 'id="alerts-contact_gap"' not in one_kind
    neither = client.get("/team/", {"who": "mine", "kind": "broken_commitment"})
    assert "No alerts match these filters" in neither.content.decode()

    bad = client.get("/team/", {"kind": "everything"})
    assert bad.status_code == 400 and "Select a valid choice" in bad.content.decode()


def test_alerts_are_grouped_by_kind_the_most_urgent_group_first(team):
    person = ServiceUserFactory(team=team)
    late = raise_team_alert(kind="contact_gap", key="g", service_user=person, message="gap")
    risk = raise_team_alert(
        kind="risk_answer", key="r", service_user=person, message="risk", urgent=True
    )
    again = raise_team_alert(kind="contact_gap", key="g2", service_user=person, message="gap")
    assert late and risk and again
    groups = group_alerts([risk, late, again])
    assert [(g.kind, g.total, g.urgent) for g in groups] == [
        ("risk_answer", 1, True),
        ("contact_gap", 2, False),
    ]
    assert groups[1].alerts == [late, again] and groups[1].hidden == 0


@time_machine.travel(NOW, tick=False)
def test_commitments_kept_by_month_per_team_and_clinician(team, clinician):
    colleague = clinician_in(team, username="ben", display_name="Ben Okafor")
    weekly = ServiceUserFactory(team=team)
    fortnightly = ServiceUserFactory(team=team)
    # Wednesdays from 3 February: due 3, 10, 17, 24 February, 3 and 10 March (today, the 17th,
    # is not yet due).
    _commitment(weekly, clinician, starts_on=dt.date(2027, 2, 1), weekday=2)
    _contact(weekly, clinician, dt.date(2027, 2, 3))  # kept
    _contact(weekly, clinician, dt.date(2027, 2, 11))  # a day late: kept
    _contact(weekly, clinician, dt.date(2027, 2, 17), status="4")  # the service cancelled
    _contact(weekly, clinician, dt.date(2027, 3, 3), status="3")  # held; the person missed it
    _contact(weekly, clinician, dt.date(2027, 3, 10))  # kept
    # Every other Monday from 8 February: 8 and 22 February, 8 March; none held.
    _commitment(fortnightly, colleague, starts_on=dt.date(2027, 2, 8), weekday=0, every_weeks=2)
    # Another team's commitment is not counted.
    elsewhere = ServiceUserFactory(team=Team.objects.create(name="Elsewhere", service=team.service))
    _commitment(elsewhere, clinician, starts_on=dt.date(2027, 2, 1), weekday=1)

    with CaptureQueriesContext(connection) as captured:
        kept = get_commitments_kept(Team.objects.filter(pk=team.pk), today=NOW.date())
    assert len(captured) <= 3
    assert [m.isoformat() for m in kept.months] == [
        "2026-10-01",
        "2026-11-01",
        "2026-12-01",
        "2027-01-01",
        "2027-02-01",
        "2027-03-01",
    ]
    ((team_row, team_cells),) = kept.teams
    assert team_row == team
    assert [(c.kept, c.due) for c in team_cells] == [(0, 0)] * 4 + [(2, 6), (2, 3)]
    assert [c.share for c in team_cells[-2:]] == [33, 67] and team_cells[0].share is None
    by_clinician = {str(user): [(c.kept, c.due) for c in cells] for user, cells in kept.clinicians}
    assert by_clinician == {
        str(clinician): [(0, 0)] * 4 + [(2, 4), (2, 2)],
        str(colleague): [(0, 0)] * 4 + [(0, 2), (0, 1)],
    }


@time_machine.travel(NOW, tick=False)
def test_the_team_manager_sees_commitments_kept_and_a_clinician_does_not(client, team, clinician):
    manager = clinician_in(team, username="mo", role=Role.TEAM_MANAGER)
    person = ServiceUserFactory(team=team)
    _commitment(person, clinician, starts_on=dt.date(2027, 2, 1), weekday=2)
    _contact(person, clinician, dt.date(2027, 3, 10))
    signed_in(client, manager)
    body = client.get("/team/").content.decode()
    assert "Commitments kept" in body and "50% <span" in body and "(1 of 2)" in body
    assert str(clinician) in body
    signed_in(client, clinician)
    assert "Commitments kept" not in client.get("/team/").content.decode()
    assert TeamAlert.objects.count() == 0


@time_machine.travel(NOW, tick=False)
def test_a_fortnightly_commitment_is_checked_on_its_own_days(team, clinician):
    """Every other Monday from 4 January 2027: 1 and 15 February, 1 and 15 March. Four weeks back
    from Wednesday 17 March begins on a Wednesday; the check must not count from there."""
    from caremode.scheduling.services import check_commitments

    person = ServiceUserFactory(team=team)
    _commitment(person, clinician, starts_on=dt.date(2027, 1, 4), weekday=0, every_weeks=2)
    _contact(person, clinician, dt.date(2027, 3, 1))
    _contact(person, clinician, dt.date(2027, 3, 15))
    assert check_commitments() == 0
    kept = get_commitments_kept(Team.objects.filter(pk=team.pk), today=NOW.date())
    ((_team, cells),) = kept.teams
    assert [(c.kept, c.due) for c in cells[-3:]] == [(0, 2), (0, 2), (2, 2)]
