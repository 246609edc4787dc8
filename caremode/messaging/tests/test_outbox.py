import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from caremode.messaging import addresses
from caremode.messaging.errors import MessageAddressError
from caremode.messaging.models import OutboundMessage
from caremode.messaging.senders import LocalOutbox
from caremode.messaging.services import queue_message, retry_delay, send_due_messages


@pytest.mark.parametrize(
    ("number", "normalised"),
    [
        ("07700 900123", "+447700900123"),
        ("+44 7700 900123", "+447700900123"),
        ("(07700) 900-123", "+447700900123"),
        ("00447700900123", "+447700900123"),
    ],
)
def test_uk_mobile_numbers_are_normalised(number, normalised):
    assert addresses.normalise_uk_mobile(number) == normalised


@pytest.mark.parametrize("number", ["01234 567890", "0770090012", "call me", ""])
def test_other_numbers_are_refused(number):
    with pytest.raises(ValueError, match="not a UK mobile number"):
        addresses.normalise_uk_mobile(number)


def queue(service_user, **overrides):
    arguments = dict(
        service_user=service_user,
        channel="sms",
        recipient="07700900123",
        recipient_label="Megan",
        body="Hello",
        purpose="reminder",
        reference="contact:1",
    )
    return queue_message(**{**arguments, **overrides})


def test_an_invalid_address_is_named_and_nothing_is_queued(service_user):
    with pytest.raises(MessageAddressError, match="Cannot send to Megan") as caught:
        queue(service_user, recipient="not-a-number")
    assert caught.value.field == "recipient"
    with pytest.raises(MessageAddressError, match="not an email address"):
        queue(service_user, channel="email", recipient="megan@")
    assert not OutboundMessage.objects.exists()


def test_a_newer_message_replaces_the_queued_one(service_user):
    first = queue(service_user)
    second = queue(service_user, body="Changed")
    first.refresh_from_db()
    assert first.status == "cancelled" and second.status == "queued"


class Flaky:
    name = "flaky"

    def __init__(self, failures):
        self.failures = failures

    def send(self, message):
        if self.failures:
            self.failures -= 1
            raise ConnectionError("provider unavailable")
        return "ok-1"


def test_failures_are_retried_with_back_off_then_marked_failed(service_user):
    message = queue(service_user)
    sender = Flaky(failures=10)
    now = timezone.now()
    for attempt in range(1, 6):
        with time_machine.travel(now + dt.timedelta(hours=attempt * 3), tick=False):
            assert send_due_messages(sender=sender) == (0, 1)
        message.refresh_from_db()
        assert message.attempts == attempt
        assert "ConnectionError: provider unavailable" in message.last_error
    assert message.status == "failed"
    assert [retry_delay(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 5, 25, 125]


def test_a_retry_succeeds_once_the_provider_recovers(service_user):
    message = queue(service_user)
    sender = Flaky(failures=1)
    assert send_due_messages(sender=sender) == (0, 1)
    assert send_due_messages(sender=sender) == (0, 0)  # waiting for the back-off
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
        assert send_due_messages(sender=sender) == (1, 0)
    message.refresh_from_db()
    assert (message.status, message.provider_reference, message.last_error) == ("sent", "ok-1", "")


def test_messages_wait_until_they_are_due(service_user):
    queue(service_user, send_after=timezone.now() + dt.timedelta(days=1))
    assert send_due_messages(sender=LocalOutbox()) == (0, 0)
    with time_machine.travel(timezone.now() + dt.timedelta(days=1, minutes=1)):
        assert send_due_messages(sender=LocalOutbox()) == (1, 0)
