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
        "telephone triages waiting",
        "waiting list offered again or kept in touch",
        "handovers escalated",
        "urgent alerts escalated",
        "video rooms closed after the contact",
        "check-ins missed",
        "check-ins due sent",
        "feedback asked after contacts",
        "carers invited before assessments",
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


@pytest.mark.django_db
def test_rounds_of_the_worker_create_a_due_checkin_send_its_link_then_mark_it_missed(
    clinician, service_user
):
    from caremode.messaging.models import MessageStatus, OutboundMessage
    from caremode.monitoring.checkins import CHECKIN_OPEN_FOR, agree_checkin_schedule
    from caremode.monitoring.models import CheckIn

    wednesday = dt.datetime(2027, 2, 10, 10, 0, tzinfo=dt.UTC)
    service_user.phone = "07700 900123"
    service_user.save()
    with time_machine.travel(wednesday, tick=False):
        agree_checkin_schedule(
            actor=clinician,
            service_user=service_user,
            measures=["PHQ9"],
            rhythm="weekly",
            channel="sms",
        )
        out = StringIO()
        call_command("run_worker", "--once", stdout=out)
        assert "check-ins due sent: 1" in out.getvalue()
        call_command("run_worker", "--once", stdout=StringIO())
    assert OutboundMessage.objects.get(purpose="checkin").status == MessageStatus.SENT
    with time_machine.travel(wednesday + CHECKIN_OPEN_FOR, tick=False):
        out = StringIO()
        call_command("run_worker", "--once", stdout=out)
    assert "check-ins missed: 1" in out.getvalue()
    assert CheckIn.objects.get().status == CheckIn.Status.MISSED
