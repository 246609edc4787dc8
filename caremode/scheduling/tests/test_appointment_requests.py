"""The person asks to cancel, rebook or change the mode of an appointment; the team acts and
closes the request (issue 18, hazard H-P01). The diary never changes by the person's hand."""

from __future__ import annotations

import pytest
from django.utils import timezone

from caremode.accounts.models import Role
from caremode.audit.models import AuditEvent
from caremode.messaging.models import OutboundMessage
from caremode.scheduling.models import AppointmentRequest
from caremode.scheduling.services import (
    AppointmentRequestError,
    ask_about_contact,
    close_appointment_request,
)
from caremode.scheduling.services.reminders import schedule_reminder
from tests.factories import ContactFactory, UserFactory, signed_in


@pytest.fixture
def account(service_user):
    account = UserFactory(role=Role.SERVICE_USER)
    service_user.account = account
    service_user.save()
    return account


def test_asking_to_change_the_mode_reaches_the_team_page_and_leaves_the_diary(
    client, account, service_user, clinician
):
    contact = ContactFactory(service_user=service_user, clinician=clinician, planned_mode="video")
    signed_in(client, account)
    portal = client.get("/my-care/").content.decode()
    assert f"/my-care/appointments/{contact.pk}/ask/" in portal
    assert "0113 496 0000" in portal
    response = client.post(
        f"/my-care/appointments/{contact.pk}/ask/",
        {"kind": "change_mode", "mode": "telephone", "message": "My camera is broken"},
        follow=True,
    )
    body = response.content.decode()
    assert "Your request has been sent to North community mental health team" in body
    assert "You asked to change how we meet (telephone)" in body
    asked = AppointmentRequest.objects.get()
    contact.refresh_from_db()
    assert contact.planned_mode == "video"  # the team changes the diary, never the person
    assert AuditEvent.objects.filter(
        object_type="scheduling.AppointmentRequest", action="create", subject_id=service_user.pk
    ).exists()

    signed_in(client, clinician)
    team = client.get("/team/").content.decode()
    assert f"/appointment-requests/{asked.pk}/" in team and "Megan Taylor" in team
    page = client.get(f"/appointment-requests/{asked.pk}/").content.decode()
    assert "My camera is broken" in page and "Close the request" in page
    empty = client.post(f"/appointment-requests/{asked.pk}/", {"note": ""})
    assert "Enter" in empty.content.decode() or "required" in empty.content.decode().lower()
    closed = client.post(
        f"/appointment-requests/{asked.pk}/", {"note": "Rebooked by telephone"}, follow=True
    )
    assert "Request from Megan Taylor closed." in closed.content.decode()
    asked.refresh_from_db()
    assert asked.closed_by == clinician and asked.outcome_note == "Rebooked by telephone"
    assert "No one has asked to change an appointment" in client.get("/team/").content.decode()


def test_a_request_is_refused_for_the_same_mode_a_past_contact_or_twice(
    account, service_user, clinician
):
    contact = ContactFactory(service_user=service_user, clinician=clinician, planned_mode="video")
    with pytest.raises(AppointmentRequestError) as same:
        ask_about_contact(actor=account, contact=contact, kind="change_mode", mode="video")
    assert same.value.field == "mode"
    with pytest.raises(AppointmentRequestError):
        ask_about_contact(actor=account, contact=contact, kind="change_mode", mode="")
    ask_about_contact(actor=account, contact=contact, kind="cancel")
    with pytest.raises(AppointmentRequestError) as twice:
        ask_about_contact(actor=account, contact=contact, kind="rebook")
    assert "already asked" in twice.value.message
    assert AppointmentRequest.objects.count() == 1
    contact.attend_status = "2"
    contact.save()
    other = ContactFactory(service_user=service_user, clinician=clinician)
    other.attend_status = "5"
    other.mode_used = other.planned_mode
    other.save()
    with pytest.raises(AppointmentRequestError):
        ask_about_contact(actor=account, contact=other, kind="cancel")


def test_closing_twice_is_refused(account, service_user, clinician):
    contact = ContactFactory(service_user=service_user, clinician=clinician)
    asked = ask_about_contact(actor=account, contact=contact, kind="rebook")
    close_appointment_request(actor=clinician, appointment_request=asked, note="Moved to Friday")
    with pytest.raises(AppointmentRequestError):
        close_appointment_request(actor=clinician, appointment_request=asked, note="Again")


def test_a_person_cannot_ask_about_someone_elses_appointment(client, account, clinician):
    stranger = ContactFactory(clinician=clinician)
    signed_in(client, account)
    assert client.get(f"/my-care/appointments/{stranger.pk}/ask/").status_code == 404


def test_reminders_give_the_teams_number_and_where_to_ask(service_user, clinician, settings):
    settings.CAREMODE_BASE_URL = "https://care.example.nhs.uk"
    service_user.accepts_sms = True
    service_user.phone = "07700900123"
    service_user.save()
    contact = ContactFactory(service_user=service_user, clinician=clinician)
    OutboundMessage.objects.all().delete()
    schedule_reminder(contact, now=timezone.now(), first_remote=False)
    reminder = OutboundMessage.objects.get(purpose="reminder")
    assert "call North community mental health team on 0113 496 0000" in reminder.body
    assert "https://care.example.nhs.uk/my-care/" in reminder.body


def test_messages_to_a_carer_speak_of_the_persons_appointment(service_user, clinician, settings):
    from caremode.messaging.models import RecipientKind
    from tests.factories import CarerConsentFactory

    settings.CAREMODE_BASE_URL = "https://care.example.nhs.uk"
    service_user.accepts_sms = True
    service_user.phone = "07700900123"
    service_user.save()
    consent = CarerConsentFactory(service_user=service_user, scope_appointment_details=True)
    consent.carer.phone = "07700900456"
    consent.carer.save()
    contact = ContactFactory(service_user=service_user, clinician=clinician, planned_mode="video")
    OutboundMessage.objects.all().delete()
    schedule_reminder(contact, now=timezone.now(), first_remote=True)
    to_carer = OutboundMessage.objects.filter(recipient_kind=RecipientKind.CARER)
    reminder = to_carer.get(purpose="reminder")
    assert reminder.body.startswith("Reminder: Megan's video appointment, ")
    assert "If Megan cannot make it" in reminder.body
    assert "https://care.example.nhs.uk/people-i-care-for/" in reminder.body
    assert "/my-care/" not in reminder.body and reminder.subject == "Megan's video appointment"
    preparation = to_carer.get(purpose="preparation")
    assert preparation.body.startswith("Megan's video appointment on ")
    assert "your appointment" not in preparation.body.lower()
    own = OutboundMessage.objects.get(recipient_kind=RecipientKind.SERVICE_USER, purpose="reminder")
    assert "/my-care/" in own.body and own.subject == "Your appointment"


def test_the_carer_page_shows_how_to_join_an_invited_video_appointment(
    client, service_user, clinician
):
    from tests.factories import CarerConsentFactory

    consent = CarerConsentFactory(
        service_user=service_user, scope_appointment_details=True, scope_join_contacts=True
    )
    consent.carer.account = UserFactory(role=Role.CARER)
    consent.carer.save()
    ContactFactory(
        service_user=service_user,
        clinician=clinician,
        planned_mode="video",
        carer_invited=consent.carer,
    )
    signed_in(client, consent.carer.account)
    body = client.get("/people-i-care-for/").content.decode()
    assert "The way to join Megan's video appointment appears here" in body
    assert "/rooms/test/" in body
