"""Correcting a recorded outcome (issue 17): with a reason, by the clinician or the team's
manager, the old value kept, audited, and the corrected value the one the extract reads."""

import csv
import datetime as dt

import pytest
import time_machine
from django.core.management import call_command

from caremode.accounts.models import Role
from caremode.audit.models import AuditEvent
from caremode.core.errors import DomainError
from caremode.scheduling import services
from caremode.scheduling.errors import OutcomeCorrectionError
from caremode.scheduling.models import FollowUpTask, OutcomeCorrection
from tests.factories import ContactFactory, clinician_in, next_working_day_at, signed_in


@pytest.fixture
def missed(clinician, service_user):
    contact = ContactFactory(
        service_user=service_user, clinician=clinician, start=next_working_day_at(10)
    )
    with time_machine.travel(contact.start + dt.timedelta(hours=2)):
        services.record_outcome(actor=clinician, contact=contact, attend_status="3")
    contact.refresh_from_db()
    return contact


def _correct(actor, contact, **overrides):
    arguments = {
        "attend_status": "5",
        "mode_used": "telephone",
        "reason": "Recorded against the wrong contact; she phoned in",
    }
    return services.correct_outcome(actor=actor, contact=contact, **{**arguments, **overrides})


def test_correcting_a_did_not_attend_keeps_the_old_value_and_closes_its_follow_up(
    clinician, missed
):
    assert FollowUpTask.objects.get(contact=missed).completed_at is None
    correction = _correct(clinician, missed)
    missed.refresh_from_db()
    assert (missed.attend_status, missed.mode_used, missed.cons_mechanism_used) == (
        "5",
        "telephone",
        "02",
    )
    assert correction.previous["attend_status"] == "3"
    assert correction.previous["mode_used"] == ""
    assert correction.corrected["attend_status"] == "5"
    task = FollowUpTask.objects.get(contact=missed)
    assert task.completed_at is not None and "corrected to attended" in task.outcome_note
    event = AuditEvent.objects.filter(object_id=str(missed.pk)).order_by("-pk").first()
    assert event.detail["previous"]["attend_status"] == "3"
    assert event.detail["reason"].startswith("Recorded against")


def test_correcting_to_did_not_attend_drops_the_mode_and_opens_a_follow_up(clinician, service_user):
    contact = ContactFactory(
        service_user=service_user, clinician=clinician, start=next_working_day_at(10)
    )
    with time_machine.travel(contact.start + dt.timedelta(hours=2)):
        services.record_outcome(
            actor=clinician, contact=contact, attend_status="5", mode_used="video"
        )
        _correct(clinician, contact, attend_status="3", mode_used="video")
    contact.refresh_from_db()
    assert contact.attend_status == "3"
    assert contact.mode_used == "" and contact.cons_mechanism_used == ""
    assert contact.interpreter_present is None
    assert FollowUpTask.objects.filter(contact=contact, completed_at__isnull=True).exists()


def test_the_team_manager_may_correct_and_another_clinician_may_not(team, missed):
    colleague = clinician_in(team, username="colleague")
    with pytest.raises(OutcomeCorrectionError):
        _correct(colleague, missed)
    manager = clinician_in(team, username="manager", role=Role.TEAM_MANAGER)
    _correct(manager, missed)
    assert OutcomeCorrection.objects.get(contact=missed).corrected_by == manager


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"reason": "  "}, "reason"),
        ({"attend_status": "4"}, "attend_status"),
        ({"attend_status": "5", "mode_used": ""}, "mode_used"),
        ({"attend_status": "3", "mode_used": "", "ended_early": True}, "ended_early"),
        ({"attend_status": "3", "mode_used": ""}, "attend_status"),  # nothing would change
    ],
)
def test_a_bad_correction_is_refused_and_changes_nothing(clinician, missed, overrides, field):
    with pytest.raises(DomainError) as caught:
        _correct(clinician, missed, **overrides)
    assert caught.value.field == field
    missed.refresh_from_db()
    assert missed.attend_status == "3"
    assert not OutcomeCorrection.objects.exists()


def test_no_outcome_or_a_cancellation_cannot_be_corrected(clinician, service_user):
    contact = ContactFactory(service_user=service_user, clinician=clinician)
    with pytest.raises(OutcomeCorrectionError, match="No outcome"):
        _correct(clinician, contact)
    services.cancel_contact(actor=clinician, contact=contact, initiated_by="service", reason="Ill")
    contact.refresh_from_db()
    with pytest.raises(OutcomeCorrectionError, match="cancellation"):
        _correct(clinician, contact)


def test_the_extract_reads_the_corrected_outcome(tmp_path, clinician, missed):
    _correct(clinician, missed)
    out = tmp_path / "contacts.csv"
    with time_machine.travel(missed.start + dt.timedelta(days=1)):
        call_command("extract", "--out", str(out))
    rows = {r["UniqCareContID"]: r for r in csv.DictReader(out.open())}
    assert rows[str(missed.pk)]["AttendStatus"] == "5"
    assert rows[str(missed.pk)]["ConsMechanismMH"] == "02"


def test_correcting_through_the_page(client, clinician, missed):
    signed_in(client, clinician)
    url = f"/contacts/{missed.pk}/outcome/correct/"
    page = client.get(url).content.decode()
    assert "Did not attend" in page and "Correct outcome" in page
    refused = client.post(url, {"attend_status": "5", "mode_used": "video"})
    assert "Enter why the outcome is being corrected" in refused.content.decode()
    response = client.post(
        url,
        {"attend_status": "5", "mode_used": "video", "reason": "Wrong contact"},
        follow=True,
    )
    body = response.content.decode()
    assert "Outcome corrected" in body and "Attended" in body
    again = client.get(url).content.decode()
    assert "Earlier corrections" in again and "Wrong contact" in again


def test_a_clinician_of_another_contact_sees_why_they_cannot_correct(client, team, missed):
    colleague = clinician_in(team, username="colleague")
    signed_in(client, colleague)
    url = f"/contacts/{missed.pk}/outcome/correct/"
    page = client.get(url).content.decode()
    assert "Only the clinician of this contact" in page
    client.post(url, {"attend_status": "5", "mode_used": "video", "reason": "x"})
    missed.refresh_from_db()
    assert missed.attend_status == "3"


def test_the_record_shows_outcomes_in_plain_words(client, clinician, missed):
    signed_in(client, clinician)
    page = client.get(f"/service-users/{missed.service_user_id}/").content.decode()
    assert "Did not attend" in page and "no advance warning" not in page
    assert f"/contacts/{missed.pk}/outcome/correct/" in page
