"""HTTP: agreeing to wait for face to face on the recommendation page, and the team's waiting list
(hazards D16, D17): shown to the team, audited, flat in queries, never to another team."""

import datetime as dt

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caremode.audit.models import AuditEvent
from caremode.decisions.models import DecisionRecord
from caremode.decisions.tests.test_pause_and_wait import NOW, REMOTE_ONLY, wait
from caremode.scheduling.models import Commitment
from tests.factories import ServiceUserFactory, signed_in


def _date(prefix, day):
    return {f"{prefix}_0": day.day, f"{prefix}_1": day.month, f"{prefix}_2": day.year}


def _remote_only(team):
    team.service.modes_offered = list(REMOTE_ONLY)
    team.service.save()


@time_machine.travel(NOW, tick=False)
def test_the_page_offers_waiting_for_trauma_therapy_and_records_it(client, clinician, service_user):
    _remote_only(service_user.team)
    signed_in(client, clinician)
    url = f"/service-users/{service_user.pk}/decisions/new/"
    body = client.get(url, {"consultation_type": "trauma_focused_therapy"}).content.decode()
    assert "Instead of a mode you can record" in body and 'value="wait_face_to_face"' in body
    assert "If you agreed to pause or to wait" in body
    # Changing the kind of contact with htmx replaces the form to record the decision too (out
    # of band), so it never carries the answers of a recommendation no longer shown.
    partial = client.get(
        url, {"consultation_type": "trauma_focused_therapy"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert '<div id="decision-form" hx-swap-oob="true">' in partial
    assert 'name="consultation_type" value="trauma_focused_therapy"' in partial
    assert 'value="wait_face_to_face"' in partial and "<html" not in partial
    # Psychotherapy with remote modes: no pause or wait offered.
    other = client.get(url, {"consultation_type": "psychotherapy"}).content.decode()
    assert 'value="wait_face_to_face"' not in other and "If you agreed to pause" not in other

    terms = {
        "consultation_type": "trauma_focused_therapy",
        "outcome": "wait_face_to_face",
        "service_user_took_part": "on",
        "keep_in_touch_every_weeks": "1",
        "keep_in_touch_mode": "telephone",
        "keep_in_touch_weekday": "2",
        "keep_in_touch_time": "14:00",
        "waiting_reason": "Trauma work needs the room",
        **_date("review_on", NOW.date() + dt.timedelta(days=90)),
        **_date("reoffer_on", NOW.date() + dt.timedelta(days=28)),
    }
    missing = client.post(url, {**terms, "keep_in_touch_time": "", "waiting_reason": ""})
    assert "Enter the time you will keep in touch" in missing.content.decode()
    assert "Say why you are pausing or waiting" in missing.content.decode()
    assert not DecisionRecord.objects.exists()

    done = client.post(url, terms, follow=True).content.decode()
    assert "Decision recorded" in done and "Wait for face to face" in done
    assert "weekly by telephone" in done
    decision = DecisionRecord.objects.get()
    assert decision.outcome == "wait_face_to_face" and decision.keep_in_touch.every_weeks == 1


@time_machine.travel(NOW, tick=False)
def test_the_waiting_list_shows_the_team_its_people_and_audits_the_read(
    client, clinician, team, service_user, other_team_clinician
):
    _remote_only(team)
    wait(clinician, service_user, reoffer_on=NOW.date() + dt.timedelta(days=7))
    with time_machine.travel(NOW + dt.timedelta(days=12), tick=False):
        signed_in(client, clinician)
        assert "/team/waiting/" in client.get("/team/").content.decode()
        body = client.get("/team/waiting/").content.decode()
        assert service_user.full_name in body and "Weekly by telephone" in body
        assert "Overdue" in body and "Due" in body and "None since the decision" in body
        (read,) = AuditEvent.objects.filter(object_type="people shown", object_id="waiting list")
        assert read.actor == clinician and read.detail["subject_ids"] == [service_user.pk]

        signed_in(client, other_team_clinician)
        assert service_user.full_name not in client.get("/team/waiting/").content.decode()


@time_machine.travel(NOW, tick=False)
def test_the_waiting_list_takes_the_same_queries_for_3_or_12_people(client, clinician, team):
    _remote_only(team)
    signed_in(client, clinician)

    def queries(count):
        for _ in range(count):
            wait(clinician, ServiceUserFactory(team=team))
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/team/waiting/").status_code == 200
        return len(captured)

    assert queries(3) == queries(9)
    assert Commitment.objects.count() == 12
