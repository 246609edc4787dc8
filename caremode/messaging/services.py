from __future__ import annotations

import datetime as dt
import logging

from django.db import connection, transaction
from django.utils import timezone

from caremode.messaging import addresses
from caremode.messaging.errors import MessageAddressError
from caremode.messaging.models import Channel, MessageStatus, OutboundMessage
from caremode.messaging.senders import Sender
from caremode.people.models import ServiceUser

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
FIRST_RETRY = dt.timedelta(minutes=1)


def retry_delay(attempts: int) -> dt.timedelta:
    """Back-off after a failed attempt: 1, 5, 25, 125 minutes."""
    return FIRST_RETRY * (5 ** (attempts - 1))


@transaction.atomic
def queue_message(
    *,
    service_user: ServiceUser,
    channel: str,
    recipient: str,
    recipient_label: str,
    body: str,
    purpose: str,
    reference: str = "",
    subject: str = "",
    send_after: dt.datetime | None = None,
) -> OutboundMessage:
    """Put a message in the outbox, to be sent at `send_after` (now by default).

    Raises MessageAddressError (field `recipient`) for an invalid UK mobile number or email
    address. A message already queued for the same reference, purpose and address is replaced.
    """
    try:
        if channel == Channel.SMS:
            address = addresses.normalise_uk_mobile(recipient)
        elif channel == Channel.EMAIL:
            address = addresses.normalise_email(recipient)
        else:
            raise ValueError(f"unknown channel {channel!r}")
    except ValueError as error:
        raise MessageAddressError(
            f"Cannot send to {recipient_label}: {error}.", field="recipient"
        ) from error
    now = timezone.now()
    when = max(send_after or now, now)
    OutboundMessage.objects.filter(
        reference=reference,
        purpose=purpose,
        channel=channel,
        recipient=address,
        status=MessageStatus.QUEUED,
    ).update(status=MessageStatus.CANCELLED, last_error="Replaced by a newer message")
    return OutboundMessage.objects.create(
        channel=channel,
        recipient=address,
        recipient_label=recipient_label,
        subject=subject,
        body=body,
        service_user=service_user,
        purpose=purpose,
        reference=reference,
        send_after=when,
        next_attempt_at=when,
        created_at=now,
    )


def cancel_queued_messages(*, reference: str, purpose: str | None = None, why: str) -> int:
    """Withdraw messages not yet sent (for example the reminder of a cancelled contact)."""
    queued = OutboundMessage.objects.filter(reference=reference, status=MessageStatus.QUEUED)
    if purpose is not None:
        queued = queued.filter(purpose=purpose)
    return queued.update(status=MessageStatus.CANCELLED, last_error=why[:300])


def send_due_messages(*, sender: Sender, limit: int = 100) -> tuple[int, int]:
    """Send what is due, each in its own transaction; return (sent, failed attempts).

    A failure is retried with back-off (1, 5, 25, 125 minutes) and marked failed after
    MAX_ATTEMPTS, with the error kept for the team's view. On PostgreSQL, rows being sent are
    locked with SKIP LOCKED so several workers never send one message twice.
    """
    sent = failed = 0
    for _ in range(limit):
        with transaction.atomic():
            due = OutboundMessage.objects.filter(
                status=MessageStatus.QUEUED, next_attempt_at__lte=timezone.now()
            ).order_by("next_attempt_at", "pk")
            if connection.features.has_select_for_update_skip_locked:
                due = due.select_for_update(skip_locked=True)
            message = due.first()
            if message is None:
                break
            message.attempts += 1
            try:
                message.provider_reference = sender.send(message)
            except Exception as error:
                failed += 1
                message.last_error = f"{type(error).__name__}: {error}"[:300]
                if message.attempts >= MAX_ATTEMPTS:
                    message.status = MessageStatus.FAILED
                else:
                    message.next_attempt_at = timezone.now() + retry_delay(message.attempts)
                logger.warning(
                    "Message %s failed (attempt %s): %s",
                    message.pk,
                    message.attempts,
                    message.last_error,
                )
            else:
                sent += 1
                message.status = MessageStatus.SENT
                message.sent_at = timezone.now()
                message.last_error = ""
            message.save()
    return sent, failed
