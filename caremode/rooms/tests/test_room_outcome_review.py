"""The outcome a room proposes and the clinician's confirmation (E16, E17, hazard V10): End
closes the room and saves nothing; the proposal says what the room saw; what the clinician
confirms or changes is saved through `record_outcome`, audited with the proposal and the
changes; the worker alone records a room nobody ended without review."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from caremode.audit.models import AuditEvent
from caremode.rooms import services
from caremode.rooms.errors import RoomError
from caremode.rooms.models import Participant, Room
from caremode.rooms.outcomes import confirm_outcome, propose_outcome
from caremode.scheduling.errors import OutcomeAlreadyRecordedError
from tests.factories import ContactFactory


@pytest.fixture
def contact(clinician, service_user):
    service_user.phone = "07700900123"
    service_user.save()
    return ContactFactory(service_user=service_user, clinician=clinician, interpreter_needed=True)


@pytest.fixture
def room(clinician, contact):
    opened, _links = services.open_room(actor=clinician, contact=contact)
    return opened


def _came(room, role, *, arrived, admitted=None, drops=0):
    return Participant.objects.create(
        room=room,
        identity=f"test:{role}",
        role=role,
        label=role,
        arrived_at=arrived,
        admitted_at=admitted,
        status="admitted" if admitted else "waiting",
        drops=drops,
    )


def _room_audits(room):
    return [
        e.detail
        for e in AuditEvent.objects.filter(object_type="rooms.Room", object_id=str(room.pk))
        if "outcome_confirmed" in e.detail
    ]


def test_end_closes_the_room_saves_nothing_and_the_confirmed_proposal_is_saved(
    clinician, contact, room
):
    start = contact.start
    let_in = start + dt.timedelta(minutes=8)
    _came(room, "service_user", arrived=start + dt.timedelta(minutes=7), admitted=let_in)
    _came(room, "interpreter", arrived=start, admitted=start + dt.timedelta(minutes=8))
    with time_machine.travel(start + dt.timedelta(minutes=30), tick=False):
        services.fall_back_to_telephone(actor=clinician, room=room)
        ended = services.end_call(actor=clinician, room=room, review_outcome=True)
        assert not ended.has_outcome and not Room.objects.get(pk=room.pk).is_open
        proposal = propose_outcome(Room.objects.get(pk=room.pk))
        assert (proposal.attend_status, proposal.mode_used, proposal.technical_failure) == (
            "6",
            "telephone",
            True,
        )
        assert proposal.reasons == ("Video failed; continued by telephone.",)
        assert (proposal.late_start_minutes, proposal.interpreter_present) == (8, True)
        saved = confirm_outcome(actor=clinician, room=room, **proposal.fields())
    assert (saved.attend_status, saved.mode_used, saved.technical_failure) == (
        "6",
        "telephone",
        True,
    )
    assert saved.interpreter_present is True and saved.outcome_recorded_by == clinician
    [audit] = _room_audits(room)
    assert audit["changed"] == [] and audit["proposed"]["attend_status"] == "6"


def test_the_clinicians_changes_are_saved_and_audited_beside_the_proposal(clinician, contact, room):
    start = contact.start
    _came(room, "service_user", arrived=start, admitted=start, drops=3)
    with time_machine.travel(start + dt.timedelta(minutes=40), tick=False):
        services.end_call(actor=clinician, room=room, review_outcome=True)
        proposal = propose_outcome(room)
        assert proposal.technical_failure and "dropped 3 time(s)" in proposal.reasons[0]
        saved = confirm_outcome(
            actor=clinician,
            room=room,
            attend_status="5",
            mode_used="video",
            technical_failure=False,
            notes="Dropped on their side only; no effect on the session.",
        )
        with pytest.raises(OutcomeAlreadyRecordedError):
            confirm_outcome(actor=clinician, room=room, attend_status="3")
    assert (saved.attend_status, saved.technical_failure) == ("5", False)
    [audit] = _room_audits(room)
    assert audit["changed"] == ["technical_failure"]
    assert audit["proposed"]["technical_failure"] is True


def test_nothing_is_confirmed_while_the_call_is_open_or_on_a_bad_outcome(clinician, contact, room):
    start = contact.start
    _came(room, "service_user", arrived=start, admitted=start)
    with time_machine.travel(start + dt.timedelta(minutes=30), tick=False):
        with pytest.raises(RoomError, match="End the call first"):
            confirm_outcome(actor=clinician, room=room, attend_status="5", mode_used="video")
        services.end_call(actor=clinician, room=room, review_outcome=True)
        with pytest.raises(Exception, match="mode that was actually used"):
            confirm_outcome(actor=clinician, room=room, attend_status="5")
    contact.refresh_from_db()
    assert not contact.has_outcome and _room_audits(room) == []


def test_the_room_proposes_a_no_show_or_arrived_too_late_from_who_came(clinician, contact, room):
    assert propose_outcome(room).attend_status == "3"
    _came(room, "service_user", arrived=contact.start + dt.timedelta(minutes=20))
    proposal = propose_outcome(room)
    assert (proposal.attend_status, proposal.late_minutes) == ("7", 20)


def test_a_call_begun_a_little_early_is_confirmed_before_its_booked_start(clinician, contact, room):
    now = contact.start - dt.timedelta(minutes=10)
    with time_machine.travel(now, tick=False):
        _came(room, "service_user", arrived=now, admitted=now)
        services.end_call(actor=clinician, room=room, review_outcome=True)
        proposal = propose_outcome(room)
        assert proposal.attend_status == "5" and proposal.late_start_minutes is None
        saved = confirm_outcome(actor=clinician, room=room, **proposal.fields())
    assert saved.attend_status == "5"


def test_the_worker_still_records_a_room_nobody_ended(clinician, contact, room):
    with time_machine.travel(contact.end_at + dt.timedelta(hours=1), tick=False):
        assert services.close_abandoned_rooms() == 1
    contact.refresh_from_db()
    assert contact.attend_status == "3" and contact.outcome_recorded_by is None
