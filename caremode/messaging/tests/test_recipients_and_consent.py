"""Each message records whom it is for; a carer's message goes only while consent covers it."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from caremode.messaging.models import MessageStatus, OutboundMessage, RecipientKind
from caremode.messaging.purposes import (
    CARER_CONSENT_FOR_PURPOSE,
    INTERPRETER_ONLY,
    SERVICE_USER_ONLY,
    Purpose,
    why_carer_may_not_receive,
)
from caremode.messaging.senders import LocalOutbox
from caremode.messaging.services import (
    queue_message,
    send_due_messages,
    withdraw_queued_messages_to_carer,
)
from caremode.people.services import revoke_consent
from tests.factories import CarerConsentFactory, ServiceUserFactory


class RecordingSender(LocalOutbox):
    def __init__(self) -> None:
        self.sent: list[int] = []

    def send(self, message: OutboundMessage) -> str:
        self.sent.append(message.pk)
        return super().send(message)


def to(service_user, *, carer=None, purpose=Purpose.REMINDER, phone="07700900123", ref="c:1"):
    return queue_message(
        service_user=service_user,
        carer=carer,
        channel="sms",
        recipient=phone,
        recipient_label=f"{carer} (carer)" if carer else "Megan (service user)",
        body=f"About {ref}",
        purpose=purpose,
        reference=ref,
    )


@pytest.fixture
def consent(service_user):
    return CarerConsentFactory(service_user=service_user, carer__phone="07700900456")


def test_each_message_records_whom_it_is_for(service_user, consent):
    own = to(service_user)
    carers = to(service_user, carer=consent.carer, phone="07700900456")
    assert (own.recipient_kind, own.carer) == (RecipientKind.SERVICE_USER, None)
    assert (carers.recipient_kind, carers.carer) == (RecipientKind.CARER, consent.carer)


def test_a_message_for_the_service_user_cannot_name_a_carer(service_user, consent):
    message = to(service_user)
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboundMessage.objects.filter(pk=message.pk).update(carer=consent.carer)


def test_every_purpose_has_a_carer_consent_rule_or_is_for_the_service_user_only():
    assert set(CARER_CONSENT_FOR_PURPOSE) | SERVICE_USER_ONLY | INTERPRETER_ONLY == set(
        Purpose.values
    )
    assert not set(CARER_CONSENT_FOR_PURPOSE) & (SERVICE_USER_ONLY | INTERPRETER_ONLY)


def test_a_message_for_the_interpreter_only_is_refused_for_every_carer(service_user, consent):
    for purpose in INTERPRETER_ONLY:
        why = why_carer_may_not_receive(
            purpose=purpose, carer=consent.carer, service_user=service_user
        )
        assert why == "Not sent: this message is for the interpreter only, never a carer."


def test_a_message_for_the_service_user_only_is_refused_for_every_carer(service_user, consent):
    for purpose in SERVICE_USER_ONLY:
        why = why_carer_may_not_receive(
            purpose=purpose, carer=consent.carer, service_user=service_user
        )
        assert why == "Not sent: this message is for the service user only, never a carer."


def test_the_worker_refuses_a_carers_message_once_consent_is_withdrawn(
    clinician, service_user, consent
):
    """Queued while consent held, not withdrawn with it (simulated): refused at send time."""
    own = to(service_user)
    carers = to(service_user, carer=consent.carer, phone="07700900456")
    revoke_consent(actor=clinician, consent=consent)  # people alone: the queue is untouched
    assert OutboundMessage.objects.get(pk=carers.pk).status == MessageStatus.QUEUED

    sender = RecordingSender()
    assert send_due_messages(sender=sender) == (1, 0)
    assert sender.sent == [own.pk]
    carers.refresh_from_db()
    assert carers.status == MessageStatus.CANCELLED
    assert carers.last_error == (
        "Not sent: consent for the carer to receive appointment details no longer holds."
    )
    assert carers.attempts == 0 and carers.sent_at is None


def test_a_room_link_needs_consent_to_join_at_send_time(service_user):
    details_only = CarerConsentFactory(
        service_user=service_user, scope_join_contacts=False, carer__phone="07700900456"
    )
    link = to(service_user, carer=details_only.carer, purpose=Purpose.ROOM_LINK)
    reminder = to(service_user, carer=details_only.carer, purpose=Purpose.REMINDER)
    sender = RecordingSender()
    assert send_due_messages(sender=sender) == (1, 0)
    assert sender.sent == [reminder.pk]
    link.refresh_from_db()
    assert link.status == MessageStatus.CANCELLED
    assert "consent for the carer to join contacts no longer holds" in link.last_error


def test_the_worker_fails_closed_for_an_unknown_purpose_or_an_unnamed_carer(service_user, consent):
    unknown = to(service_user, carer=consent.carer, purpose="newsletter")
    unnamed = to(service_user, carer=consent.carer, ref="c:2")
    OutboundMessage.objects.filter(pk=unnamed.pk).update(carer=None)  # from before recipients
    assert send_due_messages(sender=RecordingSender()) == (0, 0)
    unknown.refresh_from_db()
    unnamed.refresh_from_db()
    assert unknown.status == unnamed.status == MessageStatus.CANCELLED
    assert "no carer consent covers messages of purpose 'newsletter'" in unknown.last_error
    assert "the carer this message was for is not recorded" in unnamed.last_error


def test_a_carers_message_is_sent_while_consent_holds(service_user, consent):
    message = to(service_user, carer=consent.carer)
    assert send_due_messages(sender=RecordingSender()) == (1, 0)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


def test_withdrawing_reaches_only_that_carers_messages_about_that_person(
    clinician, service_user, consent, team
):
    other_person = ServiceUserFactory(team=team)
    CarerConsentFactory(service_user=other_person, carer=consent.carer)
    other_carer = CarerConsentFactory(service_user=service_user, carer__phone="07700900789")
    mine = to(service_user, carer=consent.carer, phone="07700900456")
    link = to(service_user, carer=consent.carer, phone="07700900456", purpose=Purpose.ROOM_LINK)
    about_other = to(other_person, carer=consent.carer, phone="07700900456", ref="c:9")
    to_other_carer = to(service_user, carer=other_carer.carer, phone="07700900789")
    own = to(service_user)

    revoke_consent(actor=clinician, consent=consent)
    assert withdraw_queued_messages_to_carer(carer=consent.carer, service_user=service_user) == 2

    statuses = dict(OutboundMessage.objects.values_list("pk", "status"))
    assert statuses[mine.pk] == statuses[link.pk] == MessageStatus.CANCELLED
    assert {statuses[m.pk] for m in (about_other, to_other_carer, own)} == {MessageStatus.QUEUED}
    assert "no longer holds" in OutboundMessage.objects.get(pk=mine.pk).last_error


def test_while_consent_holds_nothing_is_withdrawn(service_user, consent):
    to(service_user, carer=consent.carer)
    assert withdraw_queued_messages_to_carer(carer=consent.carer, service_user=service_user) == 0


def test_a_narrower_consent_withdraws_only_the_messages_of_the_scopes_removed(
    clinician, service_user, consent
):
    """A change of scope is a withdrawal and a new grant; joining removed, details kept."""
    link = to(service_user, carer=consent.carer, phone="07700900456", purpose=Purpose.ROOM_LINK)
    reminder = to(service_user, carer=consent.carer, phone="07700900456")
    revoke_consent(actor=clinician, consent=consent)
    CarerConsentFactory(
        service_user=service_user,
        carer=consent.carer,
        scope_join_contacts=False,
        scope_appointment_details=True,
    )
    assert withdraw_queued_messages_to_carer(carer=consent.carer, service_user=service_user) == 1
    link.refresh_from_db()
    reminder.refresh_from_db()
    assert (link.status, reminder.status) == (MessageStatus.CANCELLED, MessageStatus.QUEUED)
