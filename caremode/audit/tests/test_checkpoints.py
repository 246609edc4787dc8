"""Signed checkpoints of the chain head, written outside the database by the worker (ADR 0008)."""

import json

import time_machine
from django.core.management import call_command

from caremode.audit import checkpoints
from caremode.audit.models import AuditChainHead
from caremode.audit.services import record_event, write_checkpoint


def _lines(settings) -> list[dict]:
    path = settings.AUDIT_CHECKPOINT_DIR / "checkpoints.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_checkpoint_is_the_signed_head_appended_only_when_the_chain_moved(clinician, settings):
    assert write_checkpoint() is None  # no chain yet, nothing to witness
    first = record_event(actor=clinician, action="read", object_type="x", object_id="1")
    with time_machine.travel("2026-12-01 23:40:00+00:00", tick=False):
        written = write_checkpoint()
    assert written is not None
    assert (written.entries, written.last_hash, written.at) == (
        1,
        first.hash,
        "2026-12-01T23:40:00+00:00",
    )
    assert write_checkpoint() is None  # unchanged head: no new line
    second = record_event(actor=clinician, action="read", object_type="x", object_id="2")
    write_checkpoint()
    lines = _lines(settings)
    assert [(line["entries"], line["last_hash"]) for line in lines] == [
        (1, first.hash),
        (2, second.hash),
    ]
    assert all(len(line["signature"]) == 64 for line in lines)
    assert checkpoints.read_last() == checkpoints.read_all()[-1]
    head = AuditChainHead.objects.get()
    assert (checkpoints.read_last().entries, checkpoints.read_last().last_hash) == (
        head.last_sequence,
        head.last_hash,
    )


def test_the_checkpoint_command_writes_one_and_verify_prints_it(clinician, settings, capsys):
    event = record_event(actor=clinician, action="read", object_type="x", object_id="1")
    call_command("audit", "checkpoint")
    assert f"1 entries ending in hash {event.hash}" in capsys.readouterr().out
    call_command("audit", "checkpoint")
    assert "has not moved" in capsys.readouterr().out
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert f"Last checkpoint, {_lines(settings)[0]['at']}: 1 entries ending in hash" in out
    assert "Audit chain intact: 1 entries" in out


def test_the_worker_writes_a_checkpoint_in_its_round_of_checks(clinician, settings, capsys):
    event = record_event(actor=clinician, action="read", object_type="x", object_id="1")
    call_command("run_worker", "--once")
    assert "audit checkpoints written: 1" in capsys.readouterr().out
    assert [(line["entries"], line["last_hash"]) for line in _lines(settings)] == [(1, event.hash)]
