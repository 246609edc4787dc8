import datetime as dt

import time_machine
from django.utils import timezone

from caremode.scheduling import services
from caremode.scheduling.models import Contact, FollowUpTask, Handover, WorkingHours
from tests.factories import (
    ContactFactory,
    TeamFactory,
    clinician_in,
    next_working_day_at,
    signed_in,
)


def _date_fields(moment, prefix="date"):
    local = timezone.localtime(moment)
    return {
        f"{prefix}_0": local.day,
        f"{prefix}_1": local.month,
        f"{prefix}_2": local.year,
        "time": local.strftime("%H:%M"),
    }


def test_rescheduling_through_the_page(client, clinician, service_user):
    contact = ContactFactory(
        service_user=service_user, clinician=clinician, start=next_working_day_at(10, after=2)
    )
    signed_in(client, clinician)
    url = f"/contacts/{contact.pk}/reschedule/"
    page = client.get(url).content.decode()
    assert "Next free times" in page
    missing = client.post(url, {**_date_fields(contact.start + dt.timedelta(hours=3))})
    assert "Select who asked for the change" in missing.content.decode()
    response = client.post(
        url,
        {
            **_date_fields(contact.start + dt.timedelta(hours=3)),
            "initiated_by": "service_user",
            "reason": "Hospital appointment",
        },
        follow=True,
    )
    body = response.content.decode()
    assert "Contact moved to" in body and "Reason: Hospital appointment" in body


def test_cancelling_through_the_page(client, clinician, service_user):
    contact = ContactFactory(service_user=service_user, clinician=clinician)
    signed_in(client, clinician)
    response = client.post(
        f"/contacts/{contact.pk}/cancel/",
        {"initiated_by": "service", "reason": "Clinician unwell"},
        follow=True,
    )
    assert "Contact cancelled" in response.content.decode()
    contact.refresh_from_db()
    assert contact.attend_status == "4"


def test_other_teams_cannot_change_contacts_or_follow_ups(
    client, other_team_clinician, clinician, service_user
):
    contact = ContactFactory(service_user=service_user, clinician=clinician)
    task = FollowUpTask.objects.create(
        contact=contact,
        service_user=service_user,
        team=service_user.team,
        due_on=timezone.localdate(),
        reason="Did not attend",
        created_at=timezone.now(),
    )
    signed_in(client, other_team_clinician)
    for url in (
        f"/contacts/{contact.pk}/reschedule/",
        f"/contacts/{contact.pk}/cancel/",
        f"/follow-ups/{task.pk}/complete/",
        f"/service-users/{service_user.pk}/handover/",
        f"/service-users/{service_user.pk}/commitments/new/",
    ):
        assert client.get(url).status_code == 404, url


def test_the_team_page_shows_what_needs_doing(client, clinician, service_user):
    contact = ContactFactory(
        service_user=service_user, clinician=clinician, start=next_working_day_at(10, after=2)
    )
    with time_machine.travel(contact.start + dt.timedelta(hours=1)):
        services.record_outcome(actor=clinician, contact=contact, attend_status="3")
        signed_in(client, clinician)
        body = client.get("/team/").content.decode()
    assert "Follow-ups due" in body and "Did not attend: care coordination by video" in body
    task = FollowUpTask.objects.get()
    response = client.post(
        f"/follow-ups/{task.pk}/complete/", {"note": "Phoned, rebooked"}, follow=True
    )
    assert "Follow-up completed" in response.content.decode()


def test_a_handover_is_sent_and_answered_through_the_pages(client, clinician, service_user):
    south = TeamFactory(name="South community mental health team")
    receiver = clinician_in(south)
    signed_in(client, clinician)
    response = client.post(
        f"/service-users/{service_user.pk}/handover/",
        {"kind": "transfer", "to_team": south.pk, "summary": "Settled"},
        follow=True,
    )
    assert "stays on your caseload until it is accepted" in response.content.decode()
    handover = Handover.objects.get()
    signed_in(client, receiver)
    assert "For you to answer" in client.get("/team/").content.decode()
    client.post(f"/handovers/{handover.pk}/", {"decision": "accept", "note": "Welcome"})
    handover.refresh_from_db()
    assert handover.status == "accepted"


def test_working_hours_and_the_diary(client, clinician, service_user):
    signed_in(client, clinician)
    form = {f"day_{d}_starts": "" for d in range(7)} | {f"day_{d}_ends": "" for d in range(7)}
    form |= {"day_0_starts": "08:00", "day_0_ends": "16:00", "day_2_starts": "10:00"}
    bad = client.post("/diary/working-hours/", form)
    assert "Enter both a start and an end for Wednesday" in bad.content.decode()
    form["day_2_ends"] = "18:30"
    client.post("/diary/working-hours/", form)
    assert sorted(WorkingHours.objects.values_list("weekday", flat=True)) == [0, 2]
    start = next_working_day_at(10, after=1)
    ContactFactory(service_user=service_user, clinician=clinician, start=start)
    # The diary shows a week at a time: the contact's week (next week on a Friday or weekend).
    body = client.get(f"/diary/?week={start.date().isoformat()}").content.decode()
    assert "My diary" in body and service_user.full_name in body


def test_an_outcome_form_no_longer_offers_cancellation(client, clinician, service_user):
    contact = ContactFactory(service_user=service_user, clinician=clinician)
    signed_in(client, clinician)
    body = client.get(f"/contacts/{contact.pk}/outcome/").content.decode()
    assert "Did not attend" in body and "Cancelled by" not in body
    assert Contact.objects.count() == 1
