"""The worker's schedule is composed here, above the apps it calls: one plain list, run in one
round by `run_worker`."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from caremode.rooms.services import open_room
from caremode.worker.schedule import PERIODIC_CHECKS, run_periodic_checks
from tests.factories import ContactFactory


def test_the_schedule_is_one_list_of_every_check():
    assert [name for name, _check in PERIODIC_CHECKS] == [
        "commitments at risk",
        "contact gaps",
        "handovers escalated",
        "urgent alerts escalated",
        "video rooms closed after the contact",
        "audit checkpoints written",
    ]


@pytest.mark.django_db
def test_one_round_of_run_worker_runs_the_checks_of_every_app(clinician, service_user):
    contact = ContactFactory(service_user=service_user, clinician=clinician)
    open_room(actor=clinician, contact=contact)
    out = StringIO()
    with time_machine.travel(contact.end_at + dt.timedelta(minutes=31), tick=False):
        call_command("run_worker", "--once", stdout=out)
        assert "video rooms closed after the contact: 1" in out.getvalue()
        assert "commitments at risk: 0" in out.getvalue()
        again = run_periodic_checks()
    assert again["video rooms closed after the contact"] == 0  # closed once, by the first round
    contact.refresh_from_db()
    assert contact.attend_status == "3"


@pytest.mark.django_db
def test_a_failing_check_is_reported_and_the_round_goes_on(
    clinician, service_user, settings, tmp_path
):
    """An unwritable checkpoint directory is logged as a failed check; the other checks run and
    the worker still sends what is due."""
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    settings.AUDIT_CHECKPOINT_DIR = str(blocked)
    contact = ContactFactory(service_user=service_user, clinician=clinician)
    open_room(actor=clinician, contact=contact)
    out = StringIO()
    with time_machine.travel(contact.end_at + dt.timedelta(minutes=31), tick=False):
        call_command("run_worker", "--once", stdout=out)
    assert "audit checkpoints written: FAILED (see the log)" in out.getvalue()
    assert "video rooms closed after the contact: 1" in out.getvalue()
