"""HTTP: every page that shows people's identities records one read naming exactly who it
showed (ADR 0004), and its number of queries does not grow with the number of people."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from caremode.audit.models import AuditEvent
from caremode.decisions.rules import Context, recommend
from caremode.decisions.services import agree_decision
from caremode.messaging.models import OutboundMessage
from caremode.scheduling.models import FollowUpTask, TeamAlert
from caremode.scheduling.services import request_handover
from tests.factories import ContactFactory, ServiceUserFactory, TeamFactory, signed_in

# A Tuesday that is not a bank holiday, at 9am in London: the team page shows "today".
TUESDAY_9AM = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


def _list_reads(purpose: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type="people shown", object_id=purpose))


def _shown(purpose: str, actor) -> list[int]:
    (event,) = _list_reads(purpose)
    assert event.action == "read" and event.actor == actor
    return event.detail["subject_ids"]


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_caseload_list_records_one_read_naming_the_people_on_the_page(
    client, clinician, team, service_user
):
    others = [ServiceUserFactory(team=team) for _ in range(29)]
    ServiceUserFactory(team=TeamFactory())  # another team's: never shown, never named
    signed_in(client, clinician)
    body = client.get("/service-users/").content.decode()
    shown = _shown("caseload list", clinician)
    everyone = sorted([service_user, *others], key=lambda p: (p.family_name, p.given_name, p.pk))
    assert shown == sorted(p.pk for p in everyone[:25])  # page 1 of 2
    assert all(p.nhs_number[-4:] in body.replace(" ", "") for p in everyone[:25])
    assert _list_reads("caseload list")[0].detail["page"] == 1


def test_a_caseload_search_records_the_query_and_only_the_people_found(
    client, clinician, service_user
):
    ServiceUserFactory(team=service_user.team, given_name="Zed", family_name="Other")
    signed_in(client, clinician)
    client.get("/service-users/?q=tay", HTTP_HX_REQUEST="true")
    assert _shown("caseload search", clinician) == [service_user.pk]
    assert _list_reads("caseload search")[0].detail["query"] == "tay"
    client.get("/service-users/?q=nobody-at-all")
    assert len(_list_reads("caseload search")) == 1  # nobody shown, nothing to record


def test_the_caseload_names_people_awaiting_an_outcome_too(client, clinician, service_user):
    contact = ContactFactory(service_user=service_user, clinician=clinician)
    with time_machine.travel(contact.start + dt.timedelta(hours=2)):
        signed_in(client, clinician)
        body = client.get("/service-users/?q=nobody-at-all").content.decode()
    assert "Contacts awaiting an outcome" in body
    assert _shown("caseload search", clinician) == [service_user.pk]


@pytest.fixture
def team_day(clinician, team):
    """One person in each part of the team page, and another team's person in each as well."""
    with time_machine.travel(TUESDAY_9AM, tick=False):
        people = [ServiceUserFactory(team=team) for _ in range(5)]
        stranger = ServiceUserFactory(team=TeamFactory())
        yield people, stranger, _fill_team_day(clinician, people, stranger)


def _fill_team_day(clinician, people, stranger):
    now = timezone.now()
    in_diary, followed_up, alerted, handed_over, unsent = people
    for hours, person in ((2, in_diary), (4, stranger)):
        ContactFactory(
            service_user=person, clinician=clinician, start=now + dt.timedelta(hours=hours)
        )
    missed = ContactFactory(
        service_user=followed_up, clinician=clinician, start=now - dt.timedelta(days=7)
    )
    FollowUpTask.objects.create(
        contact=missed,
        service_user=followed_up,
        team=followed_up.team,
        due_on=now.date(),
        reason="Did not attend",
        created_at=now,
    )
    for person in (alerted, stranger):
        TeamAlert.objects.create(
            team=person.team,
            service_user=person,
            kind="contact_gap",
            key=f"gap-{person.pk}",
            message="No contact for 28 days.",
            raised_at=now,
        )
    request_handover(
        actor=clinician,
        service_user=handed_over,
        kind="transfer",
        summary="Moving",
        to_team=TeamFactory(),
    )
    for person in (unsent, stranger):
        OutboundMessage.objects.create(
            channel="sms",
            recipient="07700900123",
            recipient_label=person.full_name,
            body="Reminder",
            service_user=person,
            purpose="reminder",
            status="failed",
            send_after=now,
            next_attempt_at=now,
            created_at=now,
            last_error="Not delivered",
        )


def test_the_team_page_records_one_read_naming_everyone_it_shows(client, clinician, team_day):
    people, stranger, _ = team_day
    with time_machine.travel(TUESDAY_9AM, tick=False):
        signed_in(client, clinician)
        body = client.get("/team/").content.decode()
    assert all(p.full_name in body for p in people) and stranger.full_name not in body
    assert _shown("team page", clinician) == sorted(p.pk for p in people)


def test_the_follow_up_page_records_a_read_of_its_person(client, clinician, team_day):
    task = FollowUpTask.objects.get()
    with time_machine.travel(TUESDAY_9AM, tick=False):
        signed_in(client, clinician)
        assert (
            task.service_user.full_name
            in client.get(f"/follow-ups/{task.pk}/complete/").content.decode()
        )
    event = AuditEvent.objects.get(object_type="scheduling.FollowUpTask", action="read")
    assert (event.actor, event.subject_id) == (clinician, task.service_user_id)


def test_the_diary_records_one_read_naming_the_people_booked(client, clinician, team):
    with time_machine.travel(TUESDAY_9AM, tick=False):
        booked = [ServiceUserFactory(team=team) for _ in range(3)]
        for n, person in enumerate(booked):
            ContactFactory(
                service_user=person,
                clinician=clinician,
                start=timezone.now() + dt.timedelta(days=n, hours=1),
            )
        signed_in(client, clinician)
        body = client.get("/diary/").content.decode()
    assert all(p.full_name in body for p in booked)
    assert _shown("diary", clinician) == sorted(p.pk for p in booked)


def _agree(clinician, person):
    agree_decision(
        actor=clinician,
        service_user=person,
        consultation_type="care_coordination",
        agreed_mode="telephone",
        fallback_mode="",
        recommendation=recommend(Context(consultation_type="care_coordination")),
        review_on=timezone.localdate() + dt.timedelta(days=3),
    )


def test_decisions_to_review_record_one_read_naming_the_people_listed(
    client, clinician, team, service_user
):
    _agree(clinician, service_user)
    ServiceUserFactory(team=team)  # no decision: not listed
    signed_in(client, clinician)
    assert service_user.full_name in client.get("/decisions/review/").content.decode()
    assert _shown("decisions to review", clinician) == [service_user.pk]


@pytest.mark.parametrize(
    "url", ["/service-users/", "/service-users/?q=a", "/team/", "/diary/", "/decisions/review/"]
)
def test_list_pages_take_the_same_queries_for_3_or_20_people(client, clinician, team, url):
    booked: list[object] = []

    def page_queries(count: int) -> int:
        for _ in range(count):
            person = ServiceUserFactory(team=team, given_name="Alex")
            booked.append(person)
            ContactFactory(  # every 10 minutes from 10am, up to 20 of them today
                service_user=person,
                clinician=clinician,
                start=TUESDAY_9AM + dt.timedelta(hours=1, minutes=10 * len(booked)),
                duration_minutes=5,
                end_at=TUESDAY_9AM + dt.timedelta(hours=1, minutes=10 * len(booked) + 5),
                blocked_until=TUESDAY_9AM + dt.timedelta(hours=1, minutes=10 * len(booked) + 5),
            )
            _agree(clinician, person)
        return _queries(client, url)

    with time_machine.travel(TUESDAY_9AM, tick=False):
        signed_in(client, clinician)
        few = page_queries(3)
        many = page_queries(17)
    assert few == many
    assert len(_list_reads(_list_reads_purpose(url))) == 2  # one entry a page view


def _list_reads_purpose(url: str) -> str:
    return {
        "/service-users/": "caseload list",
        "/service-users/?q=a": "caseload search",
        "/team/": "team page",
        "/diary/": "diary",
        "/decisions/review/": "decisions to review",
    }[url]


def test_the_carer_page_records_one_read_naming_the_people_cared_for(client, team):
    from caremode.accounts.models import Role
    from tests.factories import CarerConsentFactory, UserFactory

    shared = CarerConsentFactory(service_user=ServiceUserFactory(team=team))
    account = UserFactory(role=Role.CARER)
    shared.carer.account = account
    shared.carer.save()
    CarerConsentFactory(  # joins contacts only: the carer page does not show this person
        carer=shared.carer,
        service_user=ServiceUserFactory(team=team),
        scope_appointment_details=False,
    )
    signed_in(client, account)
    body = client.get("/people-i-care-for/").content.decode()
    assert shared.service_user.full_name in body
    assert _shown("carer page", account) == [shared.service_user.pk]


def test_the_end_commitment_page_records_a_read_of_its_person(client, clinician, service_user):
    from caremode.scheduling.models import Commitment

    commitment = Commitment.objects.create(
        service_user=service_user,
        clinician=clinician,
        consultation_type="care_coordination",
        weekday=1,
        time=dt.time(15),
        mode="telephone",
        starts_on=timezone.localdate(),
        agreed_by=clinician,
        agreed_at=timezone.now(),
    )
    signed_in(client, clinician)
    assert client.get(f"/commitments/{commitment.pk}/end/").status_code == 200
    event = AuditEvent.objects.get(object_type="scheduling.Commitment", action="read")
    assert (event.actor, event.subject_id) == (clinician, service_user.pk)
