"""Who hears about a contact, and what they are told. Consent and contact preferences decide."""

from __future__ import annotations

import datetime as dt

from caremode.core.presenters import mode_label, nhs_datetime
from caremode.messaging.errors import MessageAddressError
from caremode.messaging.models import Channel, MessageStatus, OutboundMessage
from caremode.messaging.services import cancel_queued_messages, queue_message
from caremode.people.models import CarerConsent, ServiceUser
from caremode.scheduling.guidance import as_message
from caremode.scheduling.models import Contact

REMINDER_BEFORE = dt.timedelta(hours=24)


def recipients(service_user: ServiceUser) -> list[tuple[str, str, str]]:
    """(channel, address, label) for the person and for carers whose current consent includes
    appointment details (E10), each only by the channels they accept."""
    found: list[tuple[str, str, str]] = []
    if service_user.accepts_sms and service_user.phone:
        found.append((Channel.SMS, service_user.phone, f"{service_user.given_name} (service user)"))
    if service_user.accepts_email and service_user.email:
        found.append(
            (Channel.EMAIL, service_user.email, f"{service_user.given_name} (service user)")
        )
    consents = CarerConsent.objects.filter(
        service_user=service_user, revoked_at__isnull=True, scope_appointment_details=True
    ).select_related("carer")
    for consent in consents:
        carer = consent.carer
        if carer.phone:
            found.append((Channel.SMS, carer.phone, f"{carer} (carer)"))
        elif carer.email:
            found.append((Channel.EMAIL, carer.email, f"{carer} (carer)"))
    return found


def _how(contact: Contact) -> str:
    if contact.planned_mode == "face_to_face":
        return "in person"
    return f"by {mode_label(contact.planned_mode).lower()}"


def _send_to_all(contact: Contact, *, purpose: str, body: str, send_after: dt.datetime) -> None:
    tell_person_and_carers(
        contact.service_user,
        purpose=purpose,
        subject="Your appointment",
        reference=f"contact:{contact.pk}",
        body=body,
        send_after=send_after,
    )


def tell_person_and_carers(
    service_user: ServiceUser,
    *,
    purpose: str,
    subject: str,
    reference: str,
    body: str,
    send_after: dt.datetime,
) -> list[str]:
    """Queue one message per recipient (`recipients`), each recording its address and label;
    return the labels. An address that cannot be used is kept as a failed message with the
    reason, so the team sees it rather than the person missing out silently."""
    told = []
    for channel, address, label in recipients(service_user):
        told.append(label)
        try:
            queue_message(
                service_user=service_user,
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


def schedule_reminder(contact: Contact, *, now: dt.datetime, first_remote: bool) -> None:
    """A reminder the day before (or now, if sooner), and for a first remote contact the
    guidance on what to expect (E20)."""
    body = (
        f"Reminder: {contact.get_consultation_type_display().lower()} with {contact.clinician} "
        f"on {nhs_datetime(contact.start)}, {_how(contact)}. "
        "If you cannot make it, please call your care team."
    )
    _send_to_all(
        contact, purpose="reminder", body=body, send_after=max(now, contact.start - REMINDER_BEFORE)
    )
    if first_remote and contact.planned_mode != "face_to_face":
        guidance = f"Your appointment on {nhs_datetime(contact.start)} will be {_how(contact)}.\n"
        _send_to_all(
            contact,
            purpose="preparation",
            body=guidance + as_message(contact.planned_mode),
            send_after=now,
        )


def tell_about_change(contact: Contact, *, text: str, now: dt.datetime) -> None:
    """Withdraw the old reminder and tell people straight away what changed and why (E11)."""
    cancel_queued_messages(
        reference=f"contact:{contact.pk}", purpose="reminder", why="The contact changed"
    )
    _send_to_all(contact, purpose="change", body=text, send_after=now)
