import datetime as dt
import json

import time_machine
from django.utils import timezone

from caremode.accounts.models import Role
from caremode.audit.models import AuditEvent
from tests.factories import CarerConsentFactory, ContactFactory, UserFactory, signed_in


def test_a_subject_access_export_holds_everything_and_is_audited(client, clinician, service_user):
    CarerConsentFactory(service_user=service_user)
    ContactFactory(service_user=service_user, clinician=clinician)
    signed_in(client, clinician)
    client.get(f"/service-users/{service_user.pk}/")  # a read that the export will list
    response = client.get(f"/service-users/{service_user.pk}/export/")
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["person"]["nhs_number"] == service_user.nhs_number
    assert data["carers"][0]["relationship"] == "Mother"
    assert len(data["contacts"]) == 1
    assert any(e["who"].startswith("Dr Asha Rahman") for e in data["who_has_looked_at_the_record"])
    assert (
        AuditEvent.objects.filter(
            action="export", subject_id=service_user.pk, reason="Subject access request"
        ).count()
        == 1
    )


def test_an_export_asks_for_the_password_again_after_a_while(client, clinician, service_user):
    signed_in(client, clinician)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=20)):
        response = client.get(f"/service-users/{service_user.pk}/export/")
    assert response["Location"].startswith("/account/confirm/")
    assert not AuditEvent.objects.filter(action="export").exists()


def test_a_service_user_sees_who_looked_at_their_record_by_person_and_day(
    client, clinician, service_user
):
    from caremode.scheduling.services import raise_team_alert

    account = UserFactory(role=Role.SERVICE_USER)
    service_user.account = account
    service_user.save()
    with time_machine.travel(dt.datetime(2026, 12, 2, 10, tzinfo=dt.UTC), tick=False):
        signed_in(client, clinician)
        for _ in range(3):
            client.get(f"/service-users/{service_user.pk}/")
        raise_team_alert(
            service_user=service_user,
            kind="contact_gap",
            key="gap:who-viewed",
            message="No contact for 28 days",
        )
        signed_in(client, account)
        client.get("/my-care/")  # the person's own visits are not listed
        body = client.get("/my-care/who-viewed/").content.decode()
    assert "Dr Asha Rahman (clinician) looked at your record 3 times on 2 December 2026." in body
    assert "CareMode told your care team about something to check on 2 December 2026." in body
    assert "Added" not in body and "system Changed" not in body


def test_the_subject_access_export_holds_the_persons_monitoring_data(
    client, clinician, service_user
):
    from caremode.monitoring.models import CheckIn, CheckInSchedule, WarningSign, WarningSignReport
    from caremode.monitoring.services import record_assessment

    now = timezone.now()
    schedule = CheckInSchedule.objects.create(
        service_user=service_user,
        measures=["PHQ9", "GAD7"],
        rhythm="weekly",
        channel="sms",
        starts_on=timezone.localdate(),
        agreed_by=clinician,
        agreed_at=now,
    )
    checkin = CheckIn.objects.create(
        schedule=schedule,
        service_user=service_user,
        measures=["PHQ9"],
        due_at=now,
        expires_at=now + dt.timedelta(days=3),
        token_hash="a" * 64,
    )
    record_assessment(
        actor=None,
        service_user=service_user,
        measure="PHQ9",
        answers={f"phq9_{n}": 1 for n in range(1, 10)},
        checkin=checkin,
    )
    sign = WarningSign.objects.create(
        service_user=service_user,
        sign="Sleeping under four hours",
        person_action="Call my sister",
        team_action="Call me the same day",
        contact_whom="Duty worker, 0113 496 0000",
        agreed_by=clinician,
        agreed_at=now,
    )
    WarningSignReport.objects.create(
        sign=sign, service_user=service_user, checkin=checkin, reported_at=now
    )
    signed_in(client, clinician)
    data = json.loads(client.get(f"/service-users/{service_user.pk}/export/").content)
    assert data["check_in_schedules"][0]["rhythm"] == "weekly"
    assert data["check_in_schedules"][0]["agreed_by"] == str(clinician)
    assert data["check_ins"][0]["status"] == "due" and "token_hash" not in data["check_ins"][0]
    questionnaire = data["questionnaires"][0]
    assert questionnaire["measure"] == "PHQ9" and questionnaire["score"] == "9.00"
    assert questionnaire["answers"]["phq9_9"] == 1 and questionnaire["band"] == "Mild"
    assert data["early_warning_signs"][0]["sign"] == "Sleeping under four hours"
    assert data["early_warning_signs_reported"][0]["sign"] == "Sleeping under four hours"
    assert "a" * 64 not in json.dumps(data)


def test_the_export_says_a_link_was_sent_but_never_holds_a_working_one(
    client, clinician, service_user
):
    from caremode.messaging.services import queue_message

    queue_message(
        service_user=service_user,
        channel="sms",
        recipient="07700900123",
        recipient_label="Megan",
        purpose="checkin",
        body="Your check-in is ready: http://127.0.0.1:8000/check-in/SeCrEtToKeN123/ (3 days).",
    )
    signed_in(client, clinician)
    data = json.loads(client.get(f"/service-users/{service_user.pk}/export/").content)
    body = next(m["body"] for m in data["messages"] if m["purpose"] == "checkin")
    assert "SeCrEtToKeN123" not in body and "/check-in/[link removed]/" in body


def test_the_readable_export_and_its_pdf_hold_the_same_content_and_are_audited(
    client, clinician, service_user
):
    from caremode.records.presenters import readable_sections
    from caremode.records.selectors import build_subject_access_export

    CarerConsentFactory(service_user=service_user)
    ContactFactory(service_user=service_user, clinician=clinician, notes="Bring the care plan")
    signed_in(client, clinician)
    page = client.get(f"/service-users/{service_user.pk}/export/readable/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Everything held about Megan Taylor" in body and service_user.nhs_number in body
    assert "Bring the care plan" in body and "Mother" in body
    # Every section of the JSON is on the page, in words.
    for section in readable_sections(build_subject_access_export(service_user)):
        assert f"<h2>{section.title}</h2>" in body
    assert "Who has looked at the record" in body and "Requests about appointments" in body
    pdf = client.get(f"/service-users/{service_user.pk}/export.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    assert pdf["Content-Disposition"].endswith(f'subject-access-{service_user.nhs_number}.pdf"')
    forms = [
        e.detail["form"]
        for e in AuditEvent.objects.filter(action="export", subject_id=service_user.pk)
    ]
    assert forms == ["html", "pdf"]


def test_values_are_shown_in_words():
    from caremode.records.presenters import value_text

    assert value_text(True) == "Yes" and value_text(None) == "–"
    assert value_text(dt.date(2026, 12, 2)) == "2 December 2026"
    assert value_text(["a", "b"]) == "a; b"
