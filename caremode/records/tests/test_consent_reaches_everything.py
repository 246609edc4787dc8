"""Consent has one home and withdrawing it reaches everything (E10), end to end.

Booking, reminders and the video room decide by the service user's own consent; the withdraw
page withdraws the carer's queued messages in the same transaction; the worker refuses what was
left; each person sees only the messages sent to them.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from caremode.accounts.models import Role
from caremode.audit.models import AuditEvent
from caremode.messaging.models import MessageStatus, OutboundMessage, RecipientKind
from caremode.messaging.purposes import Purpose
from caremode.messaging.senders import LocalOutbox
from caremode.messaging.services import queue_message, send_due_messages
from caremode.people.models import CarerConsent
from caremode.rooms.errors import PassNotValidError
from caremode.rooms.models import RoomPass
from caremode.rooms.services import open_room, redeem_pass
from caremode.scheduling import services as scheduling
from tests.factories import CarerConsentFactory, UserFactory, next_working_day_at, signed_in

CARER_PHONE = "+447700900456"


@pytest.fixture
def megan(service_user):
    service_user.phone = "07700900123"
    service_user.account = UserFactory(role=Role.SERVICE_USER)
    service_user.save()
    return service_user


@pytest.fixture
def jo(megan):
    """Megan's mother, who may join contacts and be told about them, with her own account."""
    consent = CarerConsentFactory(
        service_user=megan,
        scope_join_contacts=True,
        scope_appointment_details=True,
        carer__phone="07700 900456",
    )
    consent.carer.account = UserFactory(role=Role.CARER)
    consent.carer.save()
    return consent


def book_video(clinician, person, **kwargs):
    return scheduling.book_contact(
        actor=clinician,
        service_user=person,
        consultation_type="care_coordination",
        mode="video",
        start=next_working_day_at(10, after=3),
        duration_minutes=50,
        **kwargs,
    )


def test_an_uninvited_carer_with_details_consent_gets_reminders_but_no_room_link(
    clinician, megan, jo
):
    told_only = CarerConsentFactory(
        service_user=megan,
        scope_join_contacts=False,
        scope_appointment_details=True,
        carer__given_name="Sam",
        carer__phone="07700900789",
    )
    contact = book_video(clinician, megan, carer=jo.carer)
    open_room(actor=clinician, contact=contact)

    to_sam = OutboundMessage.objects.filter(recipient="+447700900789")
    assert set(to_sam.values_list("purpose", flat=True)) == {"reminder", "preparation"}
    assert set(to_sam.values_list("carer", flat=True)) == {told_only.carer_id}
    assert "/rooms/join/" not in " ".join(to_sam.values_list("body", flat=True))
    links = OutboundMessage.objects.filter(purpose=Purpose.ROOM_LINK)
    assert set(links.values_list("recipient", flat=True)) == {"+447700900123", CARER_PHONE}
    assert len({m.body for m in links}) == 2  # each link is its own person's


def test_withdrawing_consent_through_the_page_reaches_the_carers_queued_messages(
    client, clinician, megan, jo
):
    contact = book_video(clinician, megan, carer=jo.carer)
    _room, links = open_room(actor=clinician, contact=contact)
    carer_link = next(link for link in links if link.role == "carer")
    to_jo = OutboundMessage.objects.filter(carer=jo.carer)
    assert set(to_jo.values_list("purpose", "status")) == {
        ("reminder", "queued"),
        ("preparation", "queued"),
        ("room_link", "queued"),
    }
    assert to_jo.get(purpose="reminder").recipient == CARER_PHONE
    preparation_to_megan = OutboundMessage.objects.get(
        recipient_kind=RecipientKind.SERVICE_USER, purpose="preparation"
    )

    signed_in(client, clinician)
    url = f"/service-users/{megan.pk}/consents/{jo.pk}/withdraw/"
    page = client.get(url).content.decode()
    assert "Messages waiting to be sent to them about Megan are withdrawn" in page
    response = client.post(url, {"reason": "Megan asked us to stop"}, follow=True)
    assert response.redirect_chain[-1][0] == f"/service-users/{megan.pk}/"
    body = response.content.decode()
    assert "Consent for Jo Carer has been withdrawn." in body
    assert "3 messages waiting to be sent to them will not be sent." in body
    assert "Their video room link no longer works." in body

    jo.refresh_from_db()
    assert jo.revoked_at is not None and jo.revoked_by == clinician
    assert set(to_jo.values_list("status", flat=True)) == {MessageStatus.CANCELLED}
    assert {m.last_error for m in to_jo} == {
        "Not sent: consent for the carer to receive appointment details no longer holds.",
        "Not sent: consent for the carer to join contacts no longer holds.",
    }
    assert RoomPass.objects.get(role="carer").revoked_at is not None
    with pytest.raises(PassNotValidError):
        redeem_pass(token=carer_link.url.rstrip("/").rsplit("/", 1)[-1], session_key="browser")
    preparation_to_megan.refresh_from_db()
    assert preparation_to_megan.status == MessageStatus.QUEUED  # Megan is still told
    reach = AuditEvent.objects.get(object_type="queued messages to a carer")
    assert reach.detail == {
        "consent": jo.pk,
        "messages_withdrawn": 3,
        "room_passes": 1,
        "invitations": 0,
        "questionnaires": 0,
    }
    assert reach.subject_id == megan.pk and reach.actor == clinician

    with time_machine.travel(contact.start - dt.timedelta(hours=1), tick=False):
        call_command("run_worker", "--once")
    assert set(to_jo.values_list("status", flat=True)) == {MessageStatus.CANCELLED}
    assert not to_jo.filter(sent_at__isnull=False).exists()
    assert set(
        OutboundMessage.objects.filter(recipient_kind=RecipientKind.SERVICE_USER).values_list(
            "status", flat=True
        )
    ) == {MessageStatus.SENT}

    # Jo's page no longer shows Megan; booking can no longer invite Jo.
    signed_in(client, jo.carer.account)
    assert "Megan" not in client.get("/people-i-care-for/").content.decode()


def test_withdrawing_twice_changes_nothing_the_second_time(client, clinician, megan, jo):
    signed_in(client, clinician)
    url = f"/service-users/{megan.pk}/consents/{jo.pk}/withdraw/"
    client.post(url, {"reason": "First"})
    again = client.post(url, {"reason": "Second"})
    assert again.status_code == 200
    assert "already been withdrawn" in again.content.decode()
    assert AuditEvent.objects.filter(object_type="queued messages to a carer").count() == 1


def test_the_withdraw_page_is_not_found_for_another_team(client, other_team_clinician, megan, jo):
    signed_in(client, other_team_clinician)
    url = f"/service-users/{megan.pk}/consents/{jo.pk}/withdraw/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "x"}).status_code == 404
    assert CarerConsent.objects.get(pk=jo.pk).is_current


def test_each_person_sees_only_the_messages_sent_to_them(client, megan, jo):
    """A carer's personal join link never appears in the service user's portal."""
    link = "https://caremode.example/rooms/join/jos-own-single-use-token/"
    for carer, phone, body in (
        (None, "07700900123", "Megan, your appointment is on Monday."),
        (jo.carer, "07700900456", f"Jo, join from this link on the day: {link}"),
    ):
        queue_message(
            service_user=megan,
            carer=carer,
            channel="sms",
            recipient=phone,
            recipient_label="label",
            body=body,
            purpose=Purpose.ROOM_LINK if carer else Purpose.REMINDER,
            reference="contact:1",
        )
    assert send_due_messages(sender=LocalOutbox()) == (2, 0)

    signed_in(client, megan.account)
    portal = client.get("/my-care/").content.decode()
    assert "Messages we have sent you" in portal
    assert "Megan, your appointment is on Monday." in portal
    assert link not in portal and "Jo, join" not in portal

    signed_in(client, jo.carer.account)
    carer_page = client.get("/people-i-care-for/").content.decode()
    assert "Messages we have sent you" in carer_page and link in carer_page
    assert "Megan, your appointment is on Monday." not in carer_page

    jo.revoked_at = timezone.now()
    jo.save()
    assert link not in client.get("/people-i-care-for/").content.decode()


def test_the_subject_access_export_keeps_a_carers_message_to_the_carer(
    client, clinician, megan, jo
):
    link = "https://caremode.example/rooms/join/jos-own-single-use-token/"
    queue_message(
        service_user=megan,
        carer=jo.carer,
        channel="sms",
        recipient="07700900456",
        recipient_label="Jo Carer (carer)",
        body=f"Jo, join from this link on the day: {link}",
        purpose=Purpose.ROOM_LINK,
        reference="contact:1",
    )
    queue_message(
        service_user=megan,
        channel="sms",
        recipient="07700900123",
        recipient_label="Megan (service user)",
        body="Megan, your appointment is on Monday.",
        purpose=Purpose.REMINDER,
        reference="contact:1",
    )
    signed_in(client, clinician)
    export = client.get(f"/service-users/{megan.pk}/export/").content.decode()
    assert "Megan, your appointment is on Monday." in export
    assert link not in export and CARER_PHONE not in export
    assert "Jo Carer (carer)" in export  # that a message went to Jo, and why, is Megan's data
