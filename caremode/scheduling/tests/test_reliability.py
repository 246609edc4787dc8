"""Changes with reasons, follow-ups, commitments, contact gaps and handovers (E11, E13)."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from caremode.audit.models import AuditEvent
from caremode.core.errors import DomainError
from caremode.messaging.models import OutboundMessage
from caremode.people.models import ServiceUser
from caremode.scheduling import services
from caremode.scheduling.diary import UK, add_working_days, bank_holiday
from caremode.scheduling.errors import ContactAlreadySettledError, HandoverError
from caremode.scheduling.models import Contact, ContactChange, FollowUpTask, Handover, TeamAlert
from tests.factories import (
    CarerConsentFactory,
    ServiceUserFactory,
    TeamFactory,
    clinician_in,
    next_working_day_at,
)


@pytest.fixture
def booked(clinician, service_user):
    service_user.phone = "07700 900123"
    service_user.save()
    return services.book_contact(
        actor=clinician,
        service_user=service_user,
        consultation_type="care_coordination",
        mode="telephone",
        start=next_working_day_at(10, after=3),
        duration_minutes=50,
    )


def test_booking_queues_a_reminder_and_first_remote_guidance(booked):
    purposes = sorted(OutboundMessage.objects.values_list("purpose", flat=True))
    assert purposes == ["preparation", "reminder"]
    reminder = OutboundMessage.objects.get(purpose="reminder")
    assert reminder.recipient == "+447700900123"
    assert reminder.send_after == booked.start - dt.timedelta(hours=24)
    assert "by telephone" in reminder.body
    assert "feel different" in OutboundMessage.objects.get(purpose="preparation").body


def test_reminders_respect_contact_preferences_and_carer_consent(clinician, service_user):
    service_user.phone, service_user.accepts_sms = "07700900123", False
    service_user.email = "megan@example.com"
    service_user.save()
    CarerConsentFactory(
        service_user=service_user, scope_appointment_details=True, carer__phone="07700900456"
    )
    CarerConsentFactory(
        service_user=service_user, scope_appointment_details=False, carer__phone="07700900789"
    )
    CarerConsentFactory(
        service_user=service_user,
        scope_appointment_details=True,
        carer__phone="07700900999",
        revoked_at=timezone.now(),
    )
    services.book_contact(
        actor=clinician,
        service_user=service_user,
        consultation_type="care_coordination",
        mode="face_to_face",
        start=next_working_day_at(10, after=3),
    )
    sent_to = set(OutboundMessage.objects.values_list("recipient", flat=True))
    assert sent_to == {"megan@example.com", "+447700900456"}


def test_an_unusable_number_is_kept_as_a_visible_failure(clinician, service_user):
    service_user.phone = "01234 5678"
    service_user.save()
    services.book_contact(
        actor=clinician,
        service_user=service_user,
        consultation_type="care_coordination",
        mode="face_to_face",
        start=next_working_day_at(10, after=3),
    )
    failed = OutboundMessage.objects.get()
    assert failed.status == "failed" and "not a UK mobile number" in failed.last_error


def test_rescheduling_records_who_why_and_notice_and_tells_the_person(clinician, booked):
    # A working day after the booked one (not simply the next day: that may be a weekend).
    days_ahead = (timezone.localdate(booked.start) - timezone.localdate()).days + 1
    new_start = next_working_day_at(12, after=days_ahead)
    with time_machine.travel(booked.start - dt.timedelta(hours=30), tick=False):
        change = services.reschedule_contact(
            actor=clinician,
            contact=booked,
            new_start=new_start,
            initiated_by="service",
            reason="Clinician on a course",
        )
    assert (change.kind, change.initiated_by, change.notice_hours) == ("rescheduled", "service", 30)
    assert change.previous_start != change.new_start == new_start
    booked.refresh_from_db()
    assert booked.start == new_start and booked.end_at == new_start + dt.timedelta(minutes=50)
    statuses = dict(
        OutboundMessage.objects.values_list("purpose", "status").filter(status__in=["queued"])
    )
    assert statuses == {"reminder": "queued", "change": "queued", "preparation": "queued"}
    assert OutboundMessage.objects.filter(purpose="reminder", status="cancelled").count() == 1
    assert "Reason: Clinician on a course" in OutboundMessage.objects.get(purpose="change").body
    assert AuditEvent.objects.filter(reason="Clinician on a course").exists()


def test_a_change_needs_a_reason_and_an_open_contact(clinician, booked):
    with pytest.raises(DomainError) as caught:
        services.reschedule_contact(
            actor=clinician,
            contact=booked,
            new_start=booked.start + dt.timedelta(days=1),
            initiated_by="service",
            reason="  ",
        )
    assert caught.value.field == "reason"
    services.cancel_contact(
        actor=clinician, contact=booked, initiated_by="service_user", reason="On holiday"
    )
    booked.refresh_from_db()
    assert booked.attend_status == "2"
    with pytest.raises(ContactAlreadySettledError):
        services.cancel_contact(
            actor=clinician, contact=booked, initiated_by="service", reason="Again"
        )
    assert ContactChange.objects.filter(kind="cancelled").count() == 1


def test_a_did_not_attend_creates_a_follow_up_due_in_working_days(clinician, booked):
    with time_machine.travel(booked.start + dt.timedelta(hours=1)):
        services.record_outcome(actor=clinician, contact=booked, attend_status="3")
        task = FollowUpTask.objects.get()
        assert task.due_on == add_working_days(timezone.localdate(), 2)
        assert task.reason == "Did not attend: care coordination by telephone"
        with pytest.raises(DomainError):
            services.complete_follow_up(actor=clinician, task=task, note="")
        services.complete_follow_up(actor=clinician, task=task, note="Phoned; rebooked")
    task.refresh_from_db()
    assert task.completed_by == clinician and task.outcome_note == "Phoned; rebooked"


def test_a_late_start_is_recorded_as_a_change(clinician, booked):
    with time_machine.travel(booked.start + dt.timedelta(hours=1)):
        services.record_outcome(
            actor=clinician,
            contact=booked,
            attend_status="5",
            mode_used="telephone",
            late_start_minutes=15,
            notes="Previous call overran",
        )
    change = ContactChange.objects.get()
    assert (change.kind, change.late_minutes, change.reason) == (
        "late_start",
        15,
        "Previous call overran",
    )


def _tuesday_after(day: dt.date) -> dt.date:
    """The first Tuesday after `day` that starts three Tuesdays with no bank holiday among them
    (28 December can be one), so that the commitment's weeks below are ordinary weeks."""
    tuesday = day + dt.timedelta(days=(1 - day.weekday()) % 7 or 7)
    while any(bank_holiday(tuesday + dt.timedelta(weeks=n)) for n in range(3)):
        tuesday += dt.timedelta(weeks=1)
    return tuesday


def test_a_commitment_at_risk_is_flagged_before_the_person_notices(clinician, service_user):
    first_tuesday = _tuesday_after(timezone.localdate() + dt.timedelta(days=7))
    commitment = services.agree_commitment(
        actor=clinician,
        service_user=service_user,
        consultation_type="wellbeing_check_in",
        mode="telephone",
        weekday=1,
        time=dt.time(15),
        starts_on=first_tuesday,
    )
    # The first call is booked; the second is not.
    services.book_contact(
        actor=clinician,
        service_user=service_user,
        consultation_type="wellbeing_check_in",
        mode="telephone",
        start=dt.datetime.combine(first_tuesday, dt.time(15), tzinfo=UK),
        duration_minutes=30,
    )
    sunday_before_first = first_tuesday - dt.timedelta(days=2)
    with time_machine.travel(dt.datetime.combine(sunday_before_first, dt.time(9), tzinfo=UK)):
        assert services.check_commitments() == 0
    sunday_before_second = sunday_before_first + dt.timedelta(days=7)
    with time_machine.travel(dt.datetime.combine(sunday_before_second, dt.time(9), tzinfo=UK)):
        assert services.check_commitments() == 1
        assert services.check_commitments() == 0  # raised once
    alert = TeamAlert.objects.get()
    assert alert.kind == "broken_commitment" and "is not booked" in alert.message
    # A week after the third Tuesday passed with nothing, it "did not happen".
    with time_machine.travel(
        dt.datetime.combine(first_tuesday + dt.timedelta(days=17), dt.time(9), tzinfo=UK)
    ):
        services.check_commitments()
    assert TeamAlert.objects.filter(message__contains="did not happen").exists()
    services.end_commitment(actor=clinician, commitment=commitment, reason="Discharged")
    with time_machine.travel(
        dt.datetime.combine(first_tuesday + dt.timedelta(days=40), dt.time(9), tzinfo=UK)
    ):
        before = TeamAlert.objects.count()
        services.check_commitments()
    assert TeamAlert.objects.count() - before <= 1  # only the week it ended, nothing after


def test_a_long_gap_without_contact_raises_an_alert(clinician, service_user, team):
    ServiceUser.objects.filter(pk=service_user.pk).update(
        registered_at=timezone.now() - dt.timedelta(days=60)
    )
    recent = ServiceUserFactory(team=team)
    assert services.check_contact_gaps() == 1
    assert services.check_contact_gaps() == 0
    alert = TeamAlert.objects.get()
    assert alert.service_user == service_user and "No contact for 60 days" in alert.message
    assert recent.alerts.count() == 0


def test_a_nothing_booked_alert_is_cleared_when_a_care_contact_is_booked(clinician, service_user):
    ServiceUser.objects.filter(pk=service_user.pk).update(
        registered_at=timezone.now() - dt.timedelta(days=60)
    )
    assert services.check_contact_gaps() == 1
    services.book_contact(
        actor=clinician,
        service_user=service_user,
        consultation_type="medication_review",
        mode="telephone",
        start=next_working_day_at(10),
        duration_minutes=30,
    )
    alert = TeamAlert.objects.get()
    assert alert.resolved_at is not None and alert.resolved_by == clinician
    assert AuditEvent.objects.filter(object_id=str(alert.pk), action="update").exists()
    assert services.check_contact_gaps() == 0  # something is booked: not raised again


def test_a_transfer_waits_for_the_receiving_team(clinician, service_user, team):
    south = TeamFactory(name="South")
    receiver = clinician_in(south)
    handover = services.request_handover(
        actor=clinician, service_user=service_user, kind="transfer", to_team=south, summary="Stable"
    )
    with pytest.raises(HandoverError, match="already waiting"):
        services.request_handover(
            actor=clinician,
            service_user=service_user,
            kind="transfer",
            to_team=south,
            summary="Again",
        )
    assert list(ServiceUser.objects.visible_to(clinician)) == [service_user]
    with pytest.raises(HandoverError, match="Only the receiving team"):
        services.accept_handover(actor=clinician, handover=handover)
    services.accept_handover(actor=receiver, handover=handover, note="Welcome")
    service_user.refresh_from_db()
    assert service_user.team == south
    assert list(ServiceUser.objects.visible_to(receiver)) == [service_user]
    assert not ServiceUser.objects.visible_to(clinician).exists()


def test_a_discharge_needs_confirmation_and_cancels_what_is_booked(clinician, booked, team):
    person = booked.service_user
    handover = services.request_handover(
        actor=clinician,
        service_user=person,
        kind="discharge",
        receiver_name="Meadow Lane Surgery",
        receiver_phone="0113 496 0000",
        summary="Well for six months",
    )
    manager = clinician_in(team, role="team_manager")
    with pytest.raises(HandoverError) as caught:
        services.accept_handover(actor=manager, handover=handover, note="")
    assert caught.value.field == "note"
    with pytest.raises(HandoverError, match="second person"):
        services.accept_handover(actor=clinician, handover=handover, note="Confirmed")
    services.accept_handover(
        actor=manager, handover=handover, note="Dr Shah confirmed by phone, 24 Nov"
    )
    person.refresh_from_db()
    booked.refresh_from_db()
    assert person.status == "discharged"
    assert booked.attend_status == "4"
    assert ContactChange.objects.get().reason == "Discharged to Meadow Lane Surgery"


def test_an_unaccepted_handover_is_escalated(clinician, service_user):
    south = TeamFactory()
    handover = services.request_handover(
        actor=clinician, service_user=service_user, kind="transfer", to_team=south, summary="Stable"
    )
    assert services.escalate_handovers() == 0
    with time_machine.travel(timezone.now() + dt.timedelta(days=6)):
        assert services.escalate_handovers() == 1
        assert services.escalate_handovers() == 0
    handover.refresh_from_db()
    assert handover.escalated_at is not None
    alert = TeamAlert.objects.get(kind="handover_unaccepted")
    assert alert.team == service_user.team and "still on this caseload" in alert.message
    # The figure the request form states (the team's setting), not the days the worker waited.
    assert f"within {service_user.team.handover_escalation_days} days" in alert.message


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"kind": "transfer", "summary": "x"}, "to_team"),
        ({"kind": "discharge", "summary": "x"}, "receiver_name"),
        ({"kind": "transfer", "summary": " "}, "summary"),
        ({"kind": "vanish", "summary": "x"}, "kind"),
    ],
)
def test_bad_handovers_name_the_field(clinician, service_user, arguments, field):
    with pytest.raises(HandoverError) as caught:
        services.request_handover(actor=clinician, service_user=service_user, **arguments)
    assert caught.value.field == field
    assert not Handover.objects.exists()


def test_the_worker_sends_due_messages_and_runs_the_checks(booked, capsys):
    call_command("run_worker", "--once")
    out = capsys.readouterr().out
    assert "local outbox" in out
    assert OutboundMessage.objects.get(purpose="preparation").status == "sent"
    assert OutboundMessage.objects.get(purpose="reminder").status == "queued"  # not due yet


def test_contacts_freed_by_cancellation_can_be_rebooked(clinician, booked):
    services.cancel_contact(
        actor=clinician, contact=booked, initiated_by="service", reason="Illness"
    )
    again = services.book_contact(
        actor=clinician,
        service_user=booked.service_user,
        consultation_type="care_coordination",
        mode="telephone",
        start=booked.start,
        duration_minutes=50,
    )
    assert Contact.objects.filter(start=booked.start).count() == 2 and again.attend_status is None
