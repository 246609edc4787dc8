"""`caremode audit verify`: the chain, link by link, against its head and the signed checkpoints."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from caremode.audit.models import AuditChainHead, AuditEvent
from caremode.audit.selectors import get_first_broken_audit_entry
from caremode.audit.services import record_event, write_checkpoint
from caremode.audit.tests.tampering import build_chain, rewrite_from, triggers_off


@pytest.fixture
def three_events(clinician, service_user):
    return [
        record_event(actor=clinician, action="read", obj=service_user, subject_id=service_user.pk)
        for _ in range(3)
    ]


@pytest.fixture
def thousand(db):
    return build_chain(1000)


def verify_fails(match: str) -> str:
    with pytest.raises(CommandError, match=match) as failure:
        call_command("audit", "verify")
    return str(failure.value)


def test_an_untouched_chain_verifies(three_events, capsys):
    assert [e.sequence for e in three_events] == [1, 2, 3]
    assert three_events[1].previous_hash == three_events[0].hash
    assert get_first_broken_audit_entry() is None
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert f"Audit chain intact: 3 entries ending in hash {three_events[2].hash}" in out
    assert "No checkpoint in" in out


def test_an_edited_entry_is_named(three_events):
    with triggers_off():
        AuditEvent.objects.filter(sequence=2).update(reason="nothing to see")
    assert get_first_broken_audit_entry() == 2
    verify_fails("Entry 2 was edited")


def test_a_deleted_entry_is_named_as_missing(three_events):
    with triggers_off():
        AuditEvent.objects.filter(sequence=2).delete()  # the queryset bypasses the model's guard
    assert get_first_broken_audit_entry() == 3
    verify_fails("Entry 2 is missing: the log jumps from entry 1 to entry 3")


def test_reordered_entries_are_detected(three_events):
    with triggers_off():
        AuditEvent.objects.filter(sequence=1).update(sequence=99)
        AuditEvent.objects.filter(sequence=2).update(sequence=1)
        AuditEvent.objects.filter(sequence=99).update(sequence=2)
    assert get_first_broken_audit_entry() == 1
    verify_fails("Entry 1 does not follow entry 0")


def test_the_last_entry_deleted_is_named_against_the_head(thousand):
    with triggers_off():
        AuditEvent.objects.filter(sequence=1000).delete()
    verify_fails(
        f"Entry 1000 is missing: the head says 1000 entries ending in hash {thousand[-1].hash}, "
        "and the log ends at entry 999"
    )


def test_the_last_forty_entries_deleted_are_named_against_the_head(thousand):
    with triggers_off():
        AuditEvent.objects.filter(sequence__gt=960).delete()
    verify_fails(
        f"Entries 961–1000 are missing: the head says 1000 entries ending in hash "
        f"{thousand[-1].hash}, and the log ends at entry 960"
    )


def test_every_entry_deleted_is_named_against_the_head(thousand):
    with triggers_off():
        AuditEvent.objects.all().delete()
    verify_fails("Entries 1–1000 are missing: the head says 1000 entries")


def test_an_edit_with_every_later_hash_recomputed_does_not_match_the_head(thousand):
    rewrite_from(990, reason="nothing to see", move_head=False)
    assert get_first_broken_audit_entry() is None  # the links themselves hold
    verify_fails(f"The log was rewritten: the head says entry 1000 has hash {thousand[-1].hash}")


def test_a_rewrite_that_moved_the_head_too_is_caught_by_the_last_checkpoint(thousand, capsys):
    checkpoint = write_checkpoint()
    assert checkpoint is not None and checkpoint.entries == 1000
    rewrite_from(990, reason="nothing to see", move_head=True)
    message = verify_fails("The log was rewritten at or before entry 1000: the checkpoint of")
    assert thousand[-1].hash in message
    out = capsys.readouterr().out
    assert f"Last checkpoint, {checkpoint.at}: 1000 entries ending in hash {thousand[-1].hash}" in (
        out
    )


def test_a_truncation_below_the_checkpoint_is_caught_even_with_the_head_rewound(thousand):
    write_checkpoint()
    with triggers_off():
        AuditEvent.objects.filter(sequence__gt=900).delete()
        AuditChainHead.objects.filter(pk=1).update(last_sequence=900, last_hash=thousand[899].hash)
    verify_fails("Entries 901–1000 are missing: the checkpoint of .* says 1000 entries")


def test_wiping_the_log_and_its_head_is_caught_by_the_checkpoint(thousand):
    write_checkpoint()
    with triggers_off():
        AuditEvent.objects.all().delete()
        AuditChainHead.objects.all().delete()
    verify_fails("Entries 1–1000 are missing: the checkpoint of")


def test_a_missing_head_is_named(three_events):
    with triggers_off():
        AuditChainHead.objects.all().delete()
    verify_fails("The chain head is missing, but the log holds 3 entries")


def test_an_altered_checkpoint_is_refused(thousand, settings):
    write_checkpoint()
    path = settings.AUDIT_CHECKPOINT_DIR / "checkpoints.jsonl"
    path.write_text(path.read_text().replace('"entries":1000', '"entries":900'))
    verify_fails("Checkpoint line 1 is not signed with AUDIT_CHECKPOINT_KEY")


def test_a_checkpoint_signed_with_another_key_is_refused(thousand, settings):
    settings.AUDIT_CHECKPOINT_KEY = "someone-elses-key"
    write_checkpoint()
    settings.AUDIT_CHECKPOINT_KEY = "the-trusts-key"
    verify_fails("not signed with AUDIT_CHECKPOINT_KEY")


def test_entries_cannot_be_changed_or_deleted_through_the_model(three_events):
    event = three_events[0]
    event.reason = "changed"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
