from __future__ import annotations

import datetime as dt
import logging

from django.db import connection, transaction
from django.utils import timezone

from caremode.messaging import addresses
from caremode.messaging.errors import MessageAddressError
from caremode.messaging.models import Channel, MessageStatus, OutboundMessage, RecipientKind
from caremode.messaging.purposes import why_carer_may_not_receive
from caremode.messaging.senders import Sender
from caremode.people.models import Carer, ServiceUser

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
    carer: Carer | None = None,
    channel: str,
    recipient: str,
    recipient_label: str,
    body: str,
    purpose: str,
    reference: str = "",
    subject: str = "",
    send_after: dt.datetime | None = None,
    for_interpreter: bool = False,
) -> OutboundMessage:
    """Put a message about `service_user` in the outbox, to be sent at `send_after` (now default).

    The message is for `carer` when one is given, else for the service user themself; each person
    sees only the messages for them, and the worker checks a carer's consent again at send time.
    `for_interpreter` marks a message for the interpreter booked to a contact (never with a
    carer): no portal shows it to the person or a carer.
    Raises MessageAddressError (field `recipient`) for an invalid UK mobile number or email
    address. A message already queued for the same reference, purpose and address is replaced.
    """
    if for_interpreter and carer is not None:
        raise ValueError("a message is for an interpreter or a carer, not both")
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
        recipient_kind=RecipientKind.INTERPRETER if for_interpreter else RecipientKind.of(carer),
        carer=carer,
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


@transaction.atomic
def withdraw_queued_messages_to_carer(*, carer: Carer, service_user: ServiceUser) -> int:
    """Withdraw the messages queued for `carer` about `service_user` that their consent no
    longer covers; return how many.

    Call it in the transaction that withdraws or narrows the consent, after the change: each
    message is judged by `purposes.why_carer_may_not_receive`, so after a withdrawal every one
    goes, and after a narrower consent only those of the scopes removed. Each keeps its reason.
    """
    withdrawn = 0
    queued = OutboundMessage.objects.select_for_update().filter(
        recipient_kind=RecipientKind.CARER,
        carer=carer,
        service_user=service_user,
        status=MessageStatus.QUEUED,
    )
    for message in queued:
        why = why_carer_may_not_receive(
            purpose=message.purpose, carer=carer, service_user=service_user
        )
        if why:
            withdrawn += OutboundMessage.objects.filter(
                pk=message.pk, status=MessageStatus.QUEUED
            ).update(status=MessageStatus.CANCELLED, last_error=why[:300])
    return withdrawn


def _why_not_send(message: OutboundMessage) -> str:
    """Why a due message must not go now (a carer's consent has stopped), or ""."""
    if message.recipient_kind != RecipientKind.CARER:
        return ""
    return why_carer_may_not_receive(
        purpose=message.purpose, carer=message.carer_id, service_user=message.service_user_id
    )


def send_due_messages(*, sender: Sender, limit: int = 100) -> tuple[int, int]:
    """Send what is due, each in its own transaction; return (sent, failed attempts).

    A message for a carer whose consent no longer covers it is cancelled with the reason, not
    sent (consent is checked again here, whatever held when it was queued).
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
            refused = _why_not_send(message)
            if refused:
                message.status = MessageStatus.CANCELLED
                message.last_error = refused[:300]
                message.save(update_fields=["status", "last_error"])
                logger.info("Message %s cancelled: %s", message.pk, refused)
                continue
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
