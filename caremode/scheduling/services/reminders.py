"""Who hears about a contact, and what they are told. Consent and contact preferences decide."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from django.conf import settings
from django.urls import reverse

from caremode.core.presenters import mode_label, nhs_datetime
from caremode.messaging.errors import MessageAddressError
from caremode.messaging.models import Channel, MessageStatus, OutboundMessage, RecipientKind
from caremode.messaging.purposes import Purpose
from caremode.messaging.services import cancel_queued_messages, queue_message
from caremode.people.consent import consents_to_appointment_details
from caremode.people.models import Carer, ServiceUser
from caremode.scheduling.guidance import as_message
from caremode.scheduling.models import Contact

REMINDER_BEFORE = dt.timedelta(hours=24)


class Recipient(NamedTuple):
    """One address to tell, and whose it is: the service user themself (`carer` None) or a carer."""

    channel: str
    address: str
    label: str
    carer: Carer | None


def list_recipients(service_user: ServiceUser) -> list[Recipient]:
    """The person, and carers whose current consent includes appointment details (E10), each
    only by the channels they accept."""
    found: list[Recipient] = []
    own = f"{service_user.given_name} (service user)"
    if service_user.accepts_sms and service_user.phone:
        found.append(Recipient(Channel.SMS, service_user.phone, own, None))
    if service_user.accepts_email and service_user.email:
        found.append(Recipient(Channel.EMAIL, service_user.email, own, None))
    for consent in consents_to_appointment_details(service_user):
        found.extend(carer_address(consent.carer))
    return found


def carer_address(carer: Carer) -> list[Recipient]:
    """The one address a carer is told at: the mobile number, else the email address."""
    if carer.phone:
        return [Recipient(Channel.SMS, carer.phone, f"{carer} (carer)", carer)]
    if carer.email:
        return [Recipient(Channel.EMAIL, carer.email, f"{carer} (carer)", carer)]
    return []


def _how(contact: Contact) -> str:
    if contact.planned_mode == "face_to_face":
        return "in person"
    return f"by {mode_label(contact.planned_mode).lower()}"


def persons_appointment(contact: Contact) -> str:
    """ "Megan's video appointment": how a message to a carer names the appointment."""
    kind = (
        ""
        if contact.planned_mode == "face_to_face"
        else f"{mode_label(contact.planned_mode).lower()} "
    )
    return f"{contact.service_user.given_name}'s {kind}appointment"


def for_carer(contact: Contact, text: str) -> str:
    """A message to the person reworded for a carer: it speaks of the person's appointment
    ("Megan's video appointment…"), not "your appointment", and points to the carer's page."""
    appointment = persons_appointment(contact)
    if text.startswith("Reminder: "):
        text = f"Reminder: {appointment}, " + text.removeprefix("Reminder: ")
    given = contact.service_user.given_name
    base = settings.CAREMODE_BASE_URL
    return (
        text.replace("Your appointment", appointment)
        .replace("your appointment", appointment)
        .replace("If you cannot make it", f"If {given} cannot make it")
        .replace(
            f"ask in your online care pages: {base}{reverse('records:portal')}",
            f"see your page: {base}{reverse('records:carer_home')}",
        )
    )


def _send_to_all(contact: Contact, *, purpose: str, body: str, send_after: dt.datetime) -> None:
    tell_person_and_carers(
        contact.service_user,
        purpose=purpose,
        subject="Your appointment",
        reference=f"contact:{contact.pk}",
        body=body,
        send_after=send_after,
        carer_subject=persons_appointment(contact),
        carer_body=for_carer(contact, body),
    )


def tell_person_and_carers(
    service_user: ServiceUser,
    *,
    purpose: str,
    subject: str,
    reference: str,
    body: str,
    send_after: dt.datetime,
    carer_subject: str | None = None,
    carer_body: str | None = None,
) -> list[str]:
    """Queue one message per recipient (`list_recipients`), each recording its address and label;
    return the labels. A carer is sent `carer_body` and `carer_subject` where given (worded for
    them, about the person). An address that cannot be used is kept as a failed message with the
    reason, so the team sees it rather than the person missing out silently."""
    told = []
    person_subject, person_body = subject, body
    for channel, address, label, carer in list_recipients(service_user):
        told.append(label)
        subject = (carer_subject or person_subject) if carer else person_subject
        body = (carer_body or person_body) if carer else person_body
        try:
            queue_message(
                service_user=service_user,
                carer=carer,
                channel=channel,
                recipient=address,
                recipient_label=label,
                body=body,
                subject=subject,
                purpose=purpose,
                reference=reference,
                send_after=send_after,
            )
        except MessageAddressError as error:
            OutboundMessage.objects.create(
                channel=channel,
                recipient_kind=RecipientKind.CARER if carer else RecipientKind.SERVICE_USER,
                carer=carer,
                recipient=address[:254],
                recipient_label=label,
                subject=subject,
                body=body,
                service_user=service_user,
                purpose=purpose,
                reference=reference,
                status=MessageStatus.FAILED,
                send_after=send_after,
                next_attempt_at=send_after,
                created_at=send_after,
                last_error=error.message[:300],
            )
    return told


def how_to_change(contact: Contact) -> str:
    """What a reminder says about changing the appointment: the team's number and the portal,
    where the person can ask to cancel, rebook or change the mode (issue 18)."""
    team = contact.team
    call = f"call {team.name} on {team.phone}" if team.phone else f"call {team.name}"
    return (
        f"If you cannot make it or would like to meet another way, {call}, or ask in your "
        f"online care pages: {settings.CAREMODE_BASE_URL}{reverse('records:portal')}"
    )


def schedule_reminder(contact: Contact, *, now: dt.datetime, first_remote: bool) -> None:
    """A reminder the day before (or now, if sooner), and for a first remote contact the
    guidance on what to expect (E20)."""
    body = (
        f"Reminder: {contact.get_consultation_type_display().lower()} with {contact.clinician} "
        f"on {nhs_datetime(contact.start)}, {_how(contact)}. "
        f"{how_to_change(contact)}"
    )
    _send_to_all(
        contact,
        purpose=Purpose.REMINDER,
        body=body,
        send_after=max(now, contact.start - REMINDER_BEFORE),
    )
    if first_remote and contact.planned_mode != "face_to_face":
        guidance = f"Your appointment on {nhs_datetime(contact.start)} will be {_how(contact)}.\n"
        _send_to_all(
            contact,
            purpose=Purpose.PREPARATION,
            body=guidance + as_message(contact.planned_mode),
            send_after=now,
        )


def tell_about_change(contact: Contact, *, text: str, now: dt.datetime) -> None:
    """Withdraw the old reminder and tell people straight away what changed and why (E11)."""
    cancel_queued_messages(
        reference=f"contact:{contact.pk}", purpose=Purpose.REMINDER, why="The contact changed"
    )
    _send_to_all(contact, purpose=Purpose.CHANGE, body=text, send_after=now)
