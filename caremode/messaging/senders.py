"""Adapters that deliver one message: GOV.UK Notify in production, a local outbox otherwise."""

from __future__ import annotations

import uuid
from typing import Protocol

from django.conf import settings

from caremode.messaging.models import Channel, OutboundMessage


class Sender(Protocol):
    name: str

    def send(self, message: OutboundMessage) -> str:
        """Deliver the message; return the provider's reference; raise on failure."""
        ...


class LocalOutbox:
    """The demo and test sender: the message stays in the database, readable in the app."""

    name = "local outbox"

    def send(self, message: OutboundMessage) -> str:
        return f"local-{uuid.uuid4()}"


class NotifySender:
    """GOV.UK Notify, with one template per channel whose body is `((body))`."""

    name = "GOV.UK Notify"

    def __init__(self, api_key: str, sms_template: str, email_template: str) -> None:
        from notifications_python_client.notifications import NotificationsAPIClient

        self.client = NotificationsAPIClient(api_key)
        self.sms_template = sms_template
        self.email_template = email_template

    def send(self, message: OutboundMessage) -> str:
        personalisation = {"body": message.body, "subject": message.subject or "CareMode"}
        if message.channel == Channel.SMS:
            response = self.client.send_sms_notification(
                phone_number=message.recipient,
                template_id=self.sms_template,
                personalisation=personalisation,
                reference=message.reference,
            )
        else:
            response = self.client.send_email_notification(
                email_address=message.recipient,
                template_id=self.email_template,
                personalisation=personalisation,
                reference=message.reference,
            )
        return str(response["id"])


def configured_sender() -> Sender:
    """Notify when NOTIFY_API_KEY is set, else the local outbox."""
    if settings.NOTIFY_API_KEY:
        return NotifySender(
            settings.NOTIFY_API_KEY,
            settings.NOTIFY_SMS_TEMPLATE_ID,
            settings.NOTIFY_EMAIL_TEMPLATE_ID,
        )
    return LocalOutbox()
