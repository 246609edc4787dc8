"""The database itself refuses to change or delete audit entries (SQLite and PostgreSQL)."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from caremode.audit.models import AuditChainHead, AuditEvent
from caremode.audit.services import record_event


@pytest.fixture
def three_events(clinician, service_user):
    return [
        record_event(actor=clinician, action="read", obj=service_user, subject_id=service_user.pk)
        for _ in range(3)
    ]


def _refused(sql: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # as in a transaction of its own
        with pytest.raises(DatabaseError) as refusal, transaction.atomic():
            cursor.execute(sql)
    return str(refusal.value)


def test_the_database_refuses_raw_updates_and_deletes_of_entries(three_events):
    statements = [
        "UPDATE audit_auditevent SET reason = 'nothing to see' WHERE sequence = 2",
        "UPDATE audit_auditevent SET hash = previous_hash",
        "DELETE FROM audit_auditevent WHERE sequence = 3",
        "DELETE FROM audit_auditevent",
    ]
    if connection.vendor == "postgresql":
        statements.append("TRUNCATE audit_auditevent")
    for sql in statements:
        assert "audit entries are append-only" in _refused(sql), sql
    assert AuditEvent.objects.count() == 3
    assert list(AuditEvent.objects.values_list("hash", flat=True)) == [e.hash for e in three_events]


def test_the_database_refuses_moving_the_head_back_or_deleting_it(three_events):
    statements = [
        "UPDATE audit_auditchainhead SET last_sequence = 2",
        "UPDATE audit_auditchainhead SET last_hash = previous_hash_of_two",
        # forward, but to an entry that is not there
        "UPDATE audit_auditchainhead SET last_sequence = 4",
        "DELETE FROM audit_auditchainhead",
    ]
    if connection.vendor == "postgresql":
        statements.append("TRUNCATE audit_auditchainhead, audit_auditevent")
    for sql in statements:
        message = _refused(sql.replace("previous_hash_of_two", repr(three_events[1].hash)))
        assert "only moves forward" in message or "append-only" in message, sql
    head = AuditChainHead.objects.get()
    assert (head.last_sequence, head.last_hash) == (3, three_events[2].hash)


def test_appending_still_moves_the_head(three_events, clinician):
    event = record_event(actor=clinician, action="read", object_type="x", object_id="1")
    head = AuditChainHead.objects.get()
    assert (head.last_sequence, head.last_hash) == (4, event.hash)


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_log_for_tests_and_demos_but_not_in_production(
    clinician, service_user, settings
):
    record_event(actor=clinician, action="read", obj=service_user, subject_id=service_user.pk)
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="refused in production"):
        call_command("flush", "--noinput", verbosity=0)
    assert AuditEvent.objects.count() == 1
    settings.PRODUCTION = False
    call_command("flush", "--noinput", verbosity=0)
    assert not AuditEvent.objects.exists() and not AuditChainHead.objects.exists()
    # The guard is lifted only for the flush: a raw DELETE is refused again afterwards.
    record_event(actor=None, action="read", object_type="x", object_id="1")
    with pytest.raises(DatabaseError, match="append-only"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the TRUNCATE guard is PostgreSQL's")
def test_the_erasure_switch_works_only_on_a_test_database(three_events):
    """`SET caremode.audit_erasure = 'on'` is something any connection can do: on a live
    database (not `test_…`) it must not let TRUNCATE through."""
    with connection.cursor() as cursor:
        cursor.execute("SET caremode.audit_erasure = 'on'")
        try:
            cursor.execute("SELECT audit_erasure_allowed(), current_database() LIKE 'test\\_%'")
            allowed, on_a_test_database = cursor.fetchone()
            cursor.execute("SELECT pg_get_functiondef('audit_erasure_allowed'::regproc)")
            definition = cursor.fetchone()[0]
        finally:
            cursor.execute("RESET caremode.audit_erasure")
    assert on_a_test_database and allowed  # what lets Django's test teardown empty the log
    assert "current_database()" in definition and "test\\_%" in definition


@pytest.mark.django_db
def test_verify_fails_in_production_when_there_is_no_checkpoint(three_events, settings):
    """A wiped log with no checkpoint must not verify: in production the worker writes them."""
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="No checkpoint in"):
        call_command("audit", "verify")
    settings.PRODUCTION = False
    call_command("audit", "verify")  # in the demo, a warning only
