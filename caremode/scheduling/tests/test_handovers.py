"""Discharge needs a second person (the team manager), ends what the team was doing, tells the
person and carers with consent whom to call; a declined handover is the sending team's alone."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from caremode.accounts.models import Role
from caremode.audit.models import AuditEvent
from caremode.messaging.models import OutboundMessage
from caremode.people.models import ServiceUser
from caremode.scheduling import services
from caremode.scheduling.diary import UK
from caremode.scheduling.errors import HandoverError
from caremode.scheduling.models import (
    Contact,
    FollowUpTask,
    Handover,
    TeamAlert,
)
from tests.factories import (
    CarerConsentFactory,
    ContactFactory,
    TeamFactory,
    clinician_in,
    next_working_day_at,
    signed_in,
)

GP = "Dr Shah, Meadow Lane Surgery"
GP_PHONE = "0113 496 0000"


@pytest.fixture
def manager(team):
    return clinician_in(team, role=Role.TEAM_MANAGER, display_name="Pat Manager")


def _request_discharge(clinician, person):
    return services.request_handover(
        actor=clinician,
        service_user=person,
        kind="discharge",
        receiver_name=GP,
        receiver_phone=GP_PHONE,
        summary="Well for six months",
    )


def _weekly_call(clinician, person):
    """A telephone call every Tuesday at 3pm, from today."""
    return services.agree_commitment(
        actor=clinician,
        service_user=person,
        consultation_type="care_coordination",
        mode="telephone",
        weekday=1,
        time=dt.time(15),
    )


def _confirm(manager, handover):
    return services.accept_handover(
        actor=manager, handover=handover, note="Dr Shah confirmed by phone today"
    )


def test_a_discharge_is_confirmed_by_the_team_manager_not_the_clinician_who_asked(
    clinician, manager, service_user, team
):
    handover = _request_discharge(clinician, service_user)
    colleague = clinician_in(team)  # a clinician, not a manager
    other_manager = clinician_in(TeamFactory(), role=Role.TEAM_MANAGER)
    for actor, message in (
        (clinician, "needs a second person"),
        (colleague, "Only the manager of"),
        (other_manager, "Only the manager of"),
    ):
        with pytest.raises(HandoverError, match=message):
            services.accept_handover(actor=actor, handover=handover, note="Confirmed")
        with pytest.raises(HandoverError, match=message):
            services.decline_handover(actor=actor, handover=handover, note="Not yet")
    service_user.refresh_from_db()
    assert service_user.status == ServiceUser.Status.ACTIVE
    # A manager who asks for a discharge cannot confirm it either.
    handover.delete()
    own = _request_discharge(manager, service_user)
    with pytest.raises(HandoverError, match="needs a second person"):
        _confirm(manager, own)
    _confirm(clinician_in(team, role=Role.TEAM_MANAGER), own)
    service_user.refresh_from_db()
    assert service_user.status == ServiceUser.Status.DISCHARGED


def test_both_people_are_audited(clinician, manager, service_user):
    handover = _confirm(manager, _request_discharge(clinician, service_user))
    entries = AuditEvent.objects.filter(object_type="scheduling.Handover", object_id=handover.pk)
    asked = entries.get(action="create")
    confirmed = entries.get(action="update")
    assert asked.actor == clinician and confirmed.actor == manager
    assert confirmed.detail["requested_by"] == clinician.pk
    assert confirmed.detail["confirmed_by"] == manager.pk
    assert confirmed.reason == "Dr Shah confirmed by phone today"


def test_confirming_ends_contacts_commitments_follow_ups_and_tells_people_whom_to_call(
    clinician, manager, service_user
):
    service_user.phone = "07700 900123"
    service_user.save()
    told = CarerConsentFactory(
        service_user=service_user, scope_appointment_details=True, carer__phone="07700900456"
    )
    CarerConsentFactory(
        service_user=service_user, scope_appointment_details=False, carer__phone="07700900789"
    )
    booked = services.book_contact(
        actor=clinician,
        service_user=service_user,
        consultation_type="care_coordination",
        mode="telephone",
        start=next_working_day_at(10, after=3),
        duration_minutes=50,
    )
    commitment = _weekly_call(clinician, service_user)
    missed = ContactFactory(
        service_user=service_user,
        clinician=clinician,
        start=timezone.now() - dt.timedelta(days=2),
        attend_status="3",
    )
    task = FollowUpTask.objects.create(
        contact=missed,
        service_user=service_user,
        team=service_user.team,
        due_on=timezone.localdate(),
        reason="Did not attend",
        created_at=timezone.now(),
    )
    alert = TeamAlert.objects.create(
        team=service_user.team,
        service_user=service_user,
        kind="contact_gap",
        key="gap:test",
        message="No contact",
        raised_at=timezone.now(),
    )
    reminders = set(OutboundMessage.objects.filter(purpose="reminder").values_list("pk", flat=True))

    handover = _confirm(manager, _request_discharge(clinician, service_user))

    booked.refresh_from_db()
    commitment.refresh_from_db()
    task.refresh_from_db()
    alert.refresh_from_db()
    assert booked.attend_status == "4"
    assert commitment.ends_on == timezone.localdate()
    assert task.completed_by == manager and "discharged" in task.outcome_note
    assert alert.resolved_by == manager
    # The reminder is withdrawn, and nobody is told "your team will be in touch to rearrange".
    assert set(
        OutboundMessage.objects.filter(pk__in=reminders).values_list("status", flat=True)
    ) == {"cancelled"}
    assert not OutboundMessage.objects.filter(purpose="change").exists()
    sent = OutboundMessage.objects.filter(purpose="discharge", reference=f"handover:{handover.pk}")
    assert sorted(sent.values_list("recipient", flat=True)) == ["+447700900123", "+447700900456"]
    assert {m.recipient_label for m in sent} == {"Megan (service user)", f"{told.carer} (carer)"}
    body = sent.first().body
    assert GP in body and GP_PHONE in body and "NHS 111" in body
    assert "cancelled" in body and "Megan" not in body  # names no one on a shared phone
    # Each ending is audited by the service that made it.
    for obj in (commitment, task, alert, booked):
        assert AuditEvent.objects.filter(
            object_type=obj._meta.label, object_id=obj.pk, actor=manager, action="update"
        ).exists()


def test_the_periodic_checks_raise_nothing_for_a_discharged_person(
    clinician, manager, service_user
):
    ServiceUser.objects.filter(pk=service_user.pk).update(
        registered_at=timezone.now() - dt.timedelta(days=60)
    )
    today = timezone.localdate()
    commitment = _weekly_call(clinician, service_user)
    three_weeks_on = dt.datetime.combine(today + dt.timedelta(days=21), dt.time(9), tzinfo=UK)
    with time_machine.travel(three_weeks_on):
        service_user.refresh_from_db()
        _confirm(manager, _request_discharge(clinician, service_user))
        assert services.check_commitments() == 0
        assert services.check_contact_gaps() == 0
    with time_machine.travel(three_weeks_on + dt.timedelta(days=7)):
        assert services.check_commitments() == 0  # a week on, the weekly call is not "missed"
        assert services.check_contact_gaps() == 0
    assert not TeamAlert.objects.filter(resolved_at__isnull=True).exists()
    commitment.refresh_from_db()
    assert commitment.ends_on is not None


@pytest.mark.parametrize("phone", ["", "12345", "\u0660\u0661\u0661\u0663 496 0000", "999"])
def test_a_discharge_names_a_uk_number_to_call(clinician, service_user, phone):
    with pytest.raises(HandoverError) as caught:
        services.request_handover(
            actor=clinician,
            service_user=service_user,
            kind="discharge",
            receiver_name=GP,
            receiver_phone=phone,
            summary="Well",
        )
    assert caught.value.field == "receiver_phone"
    assert not Handover.objects.exists()


def test_a_discharge_through_the_pages_waits_for_the_manager(
    client, clinician, manager, service_user
):
    signed_in(client, clinician)
    response = client.post(
        f"/service-users/{service_user.pk}/handover/",
        {
            "kind": "discharge",
            "receiver_name": GP,
            "receiver_phone": GP_PHONE,
            "summary": "Well for six months",
        },
        follow=True,
    )
    assert "until it is confirmed by the team manager" in response.content.decode()
    handover = Handover.objects.get()
    url = f"/handovers/{handover.pk}/"
    page = client.get(url).content.decode()
    assert "Waiting for the team manager to confirm" in page and "needs a second person" in page
    assert "Confirm the discharge" not in page
    refused = client.post(url, {"decision": "accept", "note": "Me"}).content.decode()
    assert "needs a second person" in refused
    handover.refresh_from_db()
    assert handover.status == "pending"

    signed_in(client, manager)
    assert "Confirm the discharge" in client.get(url).content.decode()
    client.post(url, {"decision": "accept", "note": "Dr Shah confirmed by phone"})
    handover.refresh_from_db()
    service_user.refresh_from_db()
    assert handover.status == "accepted" and handover.responded_by == manager
    assert service_user.status == ServiceUser.Status.DISCHARGED


def test_a_transfer_still_needs_the_receiving_team(clinician, manager, service_user):
    south = TeamFactory()
    handover = services.request_handover(
        actor=clinician, service_user=service_user, kind="transfer", to_team=south, summary="Ok"
    )
    with pytest.raises(HandoverError, match="Only the receiving team"):
        services.accept_handover(actor=manager, handover=handover, note="Mine")
    services.accept_handover(actor=clinician_in(south), handover=handover, note="Welcome")
    service_user.refresh_from_db()
    assert service_user.team == south and service_user.status == ServiceUser.Status.ACTIVE


def test_a_declined_handover_is_not_found_by_the_receiver_and_shown_to_the_sender(
    client, clinician, service_user
):
    south = TeamFactory(name="South community mental health team")
    receiver = clinician_in(south)
    handover = services.request_handover(
        actor=clinician, service_user=service_user, kind="transfer", to_team=south, summary="Ok"
    )
    signed_in(client, receiver)
    url = f"/handovers/{handover.pk}/"
    assert client.get(url).status_code == 200
    client.post(url, {"decision": "decline", "note": "No capacity this month"})
    handover.refresh_from_db()
    assert handover.status == "declined"
    assert client.get(url).status_code == 404
    assert client.post(url, {"decision": "accept", "note": "Changed our mind"}).status_code == 404
    assert service_user.full_name not in client.get("/team/").content.decode()

    signed_in(client, clinician)
    page = client.get(url)
    assert page.status_code == 200
    assert "No capacity this month" in page.content.decode()
    assert "Confirm the discharge" not in page.content.decode()
    team_page = client.get("/team/").content.decode()
    assert "Declined in the last" in team_page and "No capacity this month" in team_page


def test_nothing_can_be_booked_for_a_discharged_person(clinician, manager, service_user):
    _confirm(manager, _request_discharge(clinician, service_user))
    with pytest.raises(Exception, match="discharged"):
        services.book_contact(
            actor=clinician,
            service_user=service_user,  # the caller's copy still says "active"
            consultation_type="care_coordination",
            mode="telephone",
            start=next_working_day_at(10),
            duration_minutes=50,
        )
    assert not Contact.objects.filter(service_user=service_user).exists()
