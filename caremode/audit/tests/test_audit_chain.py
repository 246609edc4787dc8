import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from caremode.audit.models import AuditEvent
from caremode.audit.selectors import get_first_broken_audit_entry
from caremode.audit.services import record_event


@pytest.fixture
def three_events(clinician, service_user):
    return [
        record_event(actor=clinician, action="read", obj=service_user, subject_id=service_user.pk)
        for _ in range(3)
    ]


def test_an_untouched_chain_verifies(three_events):
    assert [e.sequence for e in three_events] == [1, 2, 3]
    assert three_events[1].previous_hash == three_events[0].hash
    assert get_first_broken_audit_entry() is None
    call_command("audit", "verify")


def test_an_edited_entry_is_named(three_events):
    AuditEvent.objects.filter(sequence=2).update(reason="nothing to see")
    assert get_first_broken_audit_entry() == 2
    with pytest.raises(CommandError, match="entry 2"):
        call_command("audit", "verify")


def test_a_deleted_entry_breaks_the_chain_at_the_next_one(three_events):
    AuditEvent.objects.filter(sequence=2).delete()  # the queryset bypasses the model's guard
    assert get_first_broken_audit_entry() == 3


def test_reordered_entries_are_detected(three_events):
    AuditEvent.objects.filter(sequence=1).update(sequence=99)
    AuditEvent.objects.filter(sequence=2).update(sequence=1)
    AuditEvent.objects.filter(sequence=99).update(sequence=2)
    assert get_first_broken_audit_entry() == 1


def test_entries_cannot_be_changed_or_deleted_through_the_model(three_events):
    event = three_events[0]
    event.reason = "changed"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
