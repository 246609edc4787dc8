"""HTTP: the record's monitoring pages (warning signs, a measure scored in a contact, the trend)
and the team page's alerts — happy paths, bad input, and access denied looking like not found."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from caremode.audit.models import AuditEvent
from caremode.monitoring.models import Assessment, WarningSign
from caremode.monitoring.services import agree_warning_sign, record_assessment
from caremode.scheduling.models import TeamAlert
from tests.factories import ContactFactory, ServiceUserFactory, signed_in

pytestmark = pytest.mark.django_db

SIGN = {
    "sign": "Spending money I don't have",
    "person_action": "Give my cards to my brother",
    "team_action": "Call me the same day",
    "contact_whom": "Duty worker, 0113 496 0000",
}


def attended(service_user, clinician, *, days_ago=2, planned="video", used="telephone"):
    contact = ContactFactory(
        service_user=service_user,
        clinician=clinician,
        planned_mode=planned,
        start=timezone.now() - dt.timedelta(days=days_ago),
    )
    contact.attend_status, contact.mode_used = "5", used
    contact.save()
    return contact


def phq9_post(*values: int | str) -> dict[str, str]:
    return {f"phq9_{n}": str(v) for n, v in enumerate(values, start=1) if v != ""}


def test_a_clinician_adds_a_warning_sign_in_the_persons_words(client, clinician, service_user):
    signed_in(client, clinician)
    url = f"/service-users/{service_user.pk}/warning-signs/new/"
    page = client.get(url)
    assert page.status_code == 200 and "in their own words" in page.content.decode()
    response = client.post(url, SIGN)
    assert response.status_code == 302
    assert response["Location"] == f"/service-users/{service_user.pk}/#warning-signs"
    record = client.get(f"/service-users/{service_user.pk}/").content.decode()
    assert "“Spending money I don&#39;t have”" in record
    assert "Give my cards to my brother" in record and "Duty worker" in record
    assert "NHS 111" in record  # what to tell the person about out of hours


def test_a_warning_sign_with_a_part_missing_is_shown_on_that_field(client, clinician, service_user):
    signed_in(client, clinician)
    response = client.post(
        f"/service-users/{service_user.pk}/warning-signs/new/", {**SIGN, "team_action": ""}
    )
    assert response.status_code == 200
    assert "Enter what the team will do" in response.content.decode()
    assert not WarningSign.objects.exists()


def test_a_clinician_takes_a_sign_out_of_the_plan_after_confirming(client, clinician, service_user):
    sign = agree_warning_sign(actor=clinician, service_user=service_user, **SIGN)
    signed_in(client, clinician)
    url = f"/service-users/{service_user.pk}/warning-signs/{sign.pk}/retire/"
    assert "Take this warning sign out of the plan?" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    sign.refresh_from_db()
    assert sign.retired_at is not None
    assert client.get(url).status_code == 404  # retired: nothing left to retire


def test_another_persons_sign_and_another_teams_clinician_get_404(
    client, clinician, other_team_clinician, service_user, team
):
    sign = agree_warning_sign(actor=clinician, service_user=service_user, **SIGN)
    someone_else = ServiceUserFactory(team=team)
    signed_in(client, clinician)
    assert (
        client.get(f"/service-users/{someone_else.pk}/warning-signs/{sign.pk}/retire/").status_code
        == 404
    )
    signed_in(client, other_team_clinician)
    assert client.get(f"/service-users/{service_user.pk}/warning-signs/new/").status_code == 404
    assert (
        client.post(f"/service-users/{service_user.pk}/warning-signs/new/", SIGN).status_code == 404
    )
    contact = attended(service_user, clinician)
    assert client.get(f"/contacts/{contact.pk}/score/PHQ9/").status_code == 404
    assert not Assessment.objects.exists() and WarningSign.objects.count() == 1


def test_a_measure_scored_in_a_contact_records_the_contact_and_its_mode(
    client, clinician, service_user
):
    contact = attended(service_user, clinician, planned="video", used="telephone")
    signed_in(client, clinician)
    page = client.get(f"/contacts/{contact.pk}/score/PHQ9/").content.decode()
    assert "Little interest or pleasure in doing things" in page
    assert page.count('type="radio"') == 10 * 4  # 9 items and the functional question
    assert "<legend" in page  # each item is its own fieldset
    # A total sent with the answers is ignored: CareMode scores the items.
    response = client.post(
        f"/contacts/{contact.pk}/score/PHQ9/",
        {**phq9_post(2, 2, 1, 1, 1, 1, 1, 1, 0), "total": "3"},
    )
    assert response.status_code == 302
    assessment = Assessment.objects.get()
    assert (assessment.score, assessment.band) == (10, "Moderate")
    assert assessment.contact == contact and assessment.mode == "telephone"
    assert assessment.source == "contact" and assessment.taken_at == contact.start
    assert assessment.recorded_by == clinician
    record = client.get(f"/service-users/{service_user.pk}/").content.decode()
    assert "PHQ-9 over time" in record and "During a telephone contact" in record
    assert "<svg" in record and "Moderate" in record


def test_a_question_left_blank_keeps_the_questionnaire_incomplete(client, clinician, service_user):
    contact = attended(service_user, clinician)
    signed_in(client, clinician)
    response = client.post(f"/contacts/{contact.pk}/score/GAD7/", {"gad7_1": "3", "gad7_2": "3"})
    assert response.status_code == 302
    assessment = Assessment.objects.get()
    assert not assessment.complete and assessment.score is None
    record = client.get(f"/service-users/{service_user.pk}/").content.decode()
    assert "Incomplete" in record


def test_bad_answers_are_explained_and_nothing_is_saved(client, clinician, service_user):
    contact = attended(service_user, clinician)
    signed_in(client, clinician)
    out_of_range = client.post(f"/contacts/{contact.pk}/score/PHQ9/", phq9_post(4, 0, 0))
    assert out_of_range.status_code == 200
    assert "Select a valid choice" in out_of_range.content.decode()
    nothing = client.post(f"/contacts/{contact.pk}/score/PHQ9/", {})
    assert "Answer at least one question of the PHQ-9" in nothing.content.decode()
    assert client.get(f"/contacts/{contact.pk}/score/HONOS/").status_code == 404
    upcoming = ContactFactory(service_user=service_user, clinician=clinician)
    not_yet = client.post(
        f"/contacts/{upcoming.pk}/score/PHQ9/", phq9_post(1, 1, 1, 1, 1, 1, 1, 1, 1)
    )
    assert "Record the contact as attended" in not_yet.content.decode()
    assert not Assessment.objects.exists() and not TeamAlert.objects.exists()


def test_dialog_asks_about_more_help_and_keeps_the_areas_chosen(client, clinician, service_user):
    contact = attended(service_user, clinician)
    signed_in(client, clinician)
    answers = {
        key: "4"
        for key in (
            "dialog_mental_health",
            "dialog_physical_health",
            "dialog_job",
            "dialog_accommodation",
            "dialog_leisure",
            "dialog_partner_family",
            "dialog_friendships",
            "dialog_safety",
            "dialog_medication",
            "dialog_practical_help",
            "dialog_meetings",
        )
    }
    response = client.post(
        f"/contacts/{contact.pk}/score/DIALOG/",
        {**answers, "dialog_job": "2", "more_help": ["dialog_job_more_help"]},
    )
    assert response.status_code == 302
    assessment = Assessment.objects.get()
    assert assessment.score == pytest.approx(3.75) and assessment.more_help == ["dialog_job"]


def test_item_9_reaches_the_team_page_first_and_is_acknowledged(
    client, clinician, service_user, team
):
    other = ServiceUserFactory(team=team)
    record_assessment(
        actor=None,
        service_user=other,
        measure="GAD7",
        answers={f"gad7_{n}": 0 for n in range(1, 8)},
    )
    record_assessment(
        actor=None,
        service_user=other,
        measure="GAD7",
        answers={f"gad7_{n}": 3 for n in range(1, 8)},
    )
    contact = attended(service_user, clinician)
    signed_in(client, clinician)
    client.post(f"/contacts/{contact.pk}/score/PHQ9/", phq9_post(0, 1, 0, 0, 0, 0, 0, 0, 2))
    urgent = TeamAlert.objects.get(kind="risk_answer")
    assert urgent.urgent
    team_page = client.get("/team/").content.decode()
    needs = team_page[team_page.index("Needs attention") : team_page.index("Deteriorated or")]
    assert needs.index(service_user.full_name) < needs.index(other.full_name)  # urgent first
    assert "More than half the days" in needs  # the answer
    watch = team_page[team_page.index("Deteriorated or") : team_page.index("Follow-ups due")]
    assert other.full_name in watch and "Reliable deterioration" in watch
    caseload = client.get("/service-users/").content.decode()
    assert "Urgent alert" in caseload and "Check-in alert" in caseload
    assert client.post(f"/alerts/{urgent.pk}/acknowledge/").status_code == 302
    urgent.refresh_from_db()
    assert urgent.acknowledged_by == clinician and urgent.resolved_at is None
    assert "Acknowledged by" in client.get("/team/").content.decode()
    assert AuditEvent.objects.filter(
        action="read", detail__purpose="team page", actor=clinician
    ).exists()


def test_another_teams_clinician_cannot_acknowledge(client, other_team_clinician, service_user):
    alert = TeamAlert.objects.create(
        team=service_user.team,
        service_user=service_user,
        kind="risk_answer",
        key="k",
        message="m",
        urgent=True,
        raised_at=timezone.now(),
    )
    signed_in(client, other_team_clinician)
    assert client.post(f"/alerts/{alert.pk}/acknowledge/").status_code == 404
    alert.refresh_from_db()
    assert alert.acknowledged_at is None
