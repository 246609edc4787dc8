import csv
import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from caremode.audit.models import AuditEvent
from caremode.people import services
from caremode.people.models import ServiceUser
from caremode.records.selectors import EXTRACT_COLUMNS, list_past_retention, pseudonym
from caremode.scheduling.selectors import count_contacts_by_mode_and_outcome
from tests.factories import ContactFactory, ServiceUserFactory, next_working_day_at


def test_the_extract_is_pseudonymised_and_counts_missed_contacts(
    tmp_path, clinician, service_user, team, settings
):
    with time_machine.travel(timezone.now() - dt.timedelta(days=10)):
        ContactFactory(
            service_user=service_user,
            clinician=clinician,
            attend_status="5",
            mode_used="video",
            technical_failure=True,
        )
        ContactFactory(service_user=service_user, clinician=clinician, attend_status="3")
        hidden = ServiceUserFactory(team=team, processing_restricted=True)
        ContactFactory(
            service_user=hidden, clinician=clinician, attend_status="5", mode_used="video"
        )
    ContactFactory(service_user=service_user, clinician=clinician)  # still to come: left out
    service_user.access_needs.create(
        need="poor_connectivity", recorded_at=timezone.now() - dt.timedelta(days=30)
    )
    out = tmp_path / "contacts.csv"
    call_command("extract", "--out", str(out))
    rows = list(csv.DictReader(out.open()))
    assert list(rows[0]) == EXTRACT_COLUMNS
    assert len(rows) == 2
    assert {r["AttendStatus"] for r in rows} == {"5", "3"}
    text = out.read_text()
    for secret in (
        service_user.nhs_number,
        service_user.family_name,
        "LS6",
        service_user.date_of_birth.isoformat(),
    ):
        assert secret not in text
    assert rows[0]["Person_ID"] == pseudonym(
        service_user.nhs_number, settings.EXTRACT_PSEUDONYM_KEY
    )
    assert rows[0]["AccessNeeds"] == "poor_connectivity" and rows[0]["ConsMechanismMH"] == "11"
    assert AuditEvent.objects.filter(action="export", object_type="pseudonymised extract").exists()
    with pytest.raises(CommandError, match="already exists"):
        call_command("extract", "--out", str(out))


def test_the_extract_tells_the_truth_of_each_contact(tmp_path, clinician, service_user):
    """ConsMechanismMH is the mode used when the contact took place and the planned mode
    otherwise; access needs are those current at the contact; InterpreterPresentInd is whether
    one was present (not requested); ConsType is MHSDS's 01 initial or 02 follow-up."""
    now = timezone.now()
    with time_machine.travel(now - dt.timedelta(days=10)):
        # Explicit starts: the factory's hourly sequence runs on across the whole session, and
        # would carry a late-running test's contacts past the day the hearing need was recorded.
        day = next_working_day_at(9)
        first = ContactFactory(
            service_user=service_user,
            clinician=clinician,
            start=day,
            consultation_type="initial_assessment",
            planned_mode="face_to_face",
            planned_cons_mechanism="01",
            attend_status="5",
            mode_used="telephone",
            cons_mechanism_used="02",
            interpreter_needed=True,
            interpreter_present=False,
        )
        missed = ContactFactory(
            service_user=service_user,
            clinician=clinician,
            start=day + dt.timedelta(hours=1),
            attend_status="3",
            interpreter_needed=True,
        )
        present = ContactFactory(
            service_user=service_user,
            clinician=clinician,
            start=day + dt.timedelta(hours=2),
            attend_status="6",
            mode_used="video",
            cons_mechanism_used="11",
            interpreter_present=True,
        )
    needs = service_user.access_needs
    needs.create(
        need="no_private_space",
        recorded_at=now - dt.timedelta(days=40),
        ended_at=now - dt.timedelta(days=20),
    )
    needs.create(need="poor_connectivity", recorded_at=now - dt.timedelta(days=30))
    needs.create(need="hearing_impairment", recorded_at=now - dt.timedelta(days=1))
    out = tmp_path / "contacts.csv"
    call_command("extract", "--out", str(out))
    rows = {r["UniqCareContID"]: r for r in csv.DictReader(out.open())}
    assert rows[str(first.pk)]["ConsMechanismMH"] == "02"  # used, not the planned 01
    assert rows[str(missed.pk)]["ConsMechanismMH"] == "11"  # planned: it did not take place
    assert {r["AccessNeeds"] for r in rows.values()} == {"poor_connectivity"}
    assert rows[str(first.pk)]["InterpreterPresentInd"] == "N"  # requested, not present
    assert rows[str(missed.pk)]["InterpreterPresentInd"] == ""
    assert rows[str(present.pk)]["InterpreterPresentInd"] == "Y"
    assert rows[str(first.pk)]["ConsType"] == "01"
    assert rows[str(present.pk)]["ConsType"] == "02"


def test_retention_lists_only_discharged_records_past_the_period(clinician, service_user, team):
    old = ServiceUserFactory(team=team, status="discharged")
    ServiceUser.objects.filter(pk=old.pk).update(
        registered_at=timezone.now() - dt.timedelta(days=365 * 21)
    )
    ServiceUserFactory(team=team, status="discharged")  # recent
    assert [p.pk for p in list_past_retention(years=20)] == [old.pk]


def test_retention_on_29_february_counts_back_to_28_february(team):
    """RETENTION_YEARS may be any number: 29 February 2028 less 25 years has no 29th."""
    old = ServiceUserFactory(team=team, status="discharged")
    # Last seen late on 27 February 2003 in the UK, which is before the cutoff.
    ServiceUser.objects.filter(pk=old.pk).update(
        registered_at=dt.datetime(2003, 2, 27, 23, 30, tzinfo=dt.UTC)
    )
    due = list_past_retention(years=25, today=dt.date(2028, 2, 29))
    assert [p.pk for p in due] == [old.pk]
    assert list_past_retention(years=25, today=dt.date(2028, 2, 27)) == []


def test_a_restricted_record_leaves_the_analytics(client, clinician, service_user):
    with time_machine.travel(timezone.now() - dt.timedelta(days=30)):
        for _ in range(6):
            ContactFactory(
                service_user=service_user, clinician=clinician, attend_status="5", mode_used="video"
            )
    services.set_processing_restriction(
        actor=clinician, service_user=service_user, restricted=True, reason="Asked us to"
    )
    assert count_contacts_by_mode_and_outcome() == []
    services.set_processing_restriction(
        actor=clinician, service_user=service_user, restricted=False, reason="Changed their mind"
    )
    assert count_contacts_by_mode_and_outcome()[0]["offered"] == "5"


def test_the_equity_dashboard_shows_findings_without_identities(client, clinician, service_user):
    from django.core.cache import cache

    from caremode.accounts.models import Role
    from caremode.records.views import DASHBOARD_CACHE_KEY
    from tests.factories import UserFactory, signed_in

    cache.delete(DASHBOARD_CACHE_KEY)  # another test's figures, kept for ten minutes

    with time_machine.travel(timezone.now() - dt.timedelta(days=15)):
        for status in ["5"] * 10 + ["3"] * 5:
            ContactFactory(
                service_user=service_user,
                clinician=clinician,
                attend_status=status,
                mode_used="video" if status == "5" else "",
            )
    from caremode.decisions.models import ModePreference

    ModePreference.objects.create(
        service_user=service_user,
        mode="video",
        preference="declines",
        source="service_user",
        recorded_at=timezone.now(),
    )
    signed_in(client, UserFactory(role=Role.ANALYST))
    body = client.get("/evaluation/").content.decode()
    assert "15 offered contacts" in body and "Summary" in body
    assert "Declined rate" in body  # one person: suppressed, shown as *
    assert "PHQ-9" in body  # the caveat: outcomes by mode are not on this page
    assert "33.3%" in body  # 5 of 15 did not attend, by video
    assert service_user.family_name not in body and service_user.nhs_number not in body


def test_the_equity_dashboard_filters_and_downloads_what_it_shows(client, clinician, team):
    from django.core.cache import cache

    from caremode.accounts.models import Role
    from caremode.records.views import DASHBOARD_CACHE_KEY
    from tests.factories import UserFactory, settled_contacts_in_two_ethnic_groups, signed_in

    cache.delete(DASHBOARD_CACHE_KEY)  # another test's figures, kept for ten minutes

    settled_contacts_in_two_ethnic_groups(team, clinician)
    analyst = UserFactory(role=Role.ANALYST)
    signed_in(client, analyst)
    page = client.get("/evaluation/", {"measure": "dna_rate", "dimension": "ethnicity"})
    body = page.content.decode()
    assert "Did not attend, by ethnic group" in body
    assert 'role="img"' in body  # the chart, with its accessible name
    assert "Reference group: White" in body
    assert "57.1%" in body and "28.6%" in body  # 20 of 35 and 12 of 42 did not attend
    # An unknown filter falls back to the default rather than failing.
    assert client.get("/evaluation/", {"measure": "nonsense"}).status_code == 200
    attended = client.get(
        "/evaluation/", {"measure": "attendance_rate", "dimension": "ethnicity", "mode": "video"}
    ).content.decode()
    assert "Attendance, by ethnic group, video contacts" in attended
    download = client.get(
        "/evaluation/measures.csv", {"measure": "dna_rate", "dimension": "ethnicity"}
    )
    assert download["Content-Disposition"] == 'attachment; filename="dna_rate-ethnicity-all.csv"'
    rows = list(csv.DictReader(download.content.decode().splitlines()))
    assert {r["group"] for r in rows} == {"White", "Black or Black British"}
    assert {r["measure"] for r in rows} == {"dna_rate"}
    assert {"people", "design_effect", "q_value"} <= set(rows[0])
    black = next(r for r in rows if r["group"] == "Black or Black British")
    assert (black["numerator"], black["denominator"], black["people"]) == ("20", "35", "5")
    everything = client.get("/evaluation/measures.csv", {"everything": "1"})
    assert len(everything.content.decode().splitlines()) > len(rows) + 10
    assert (
        AuditEvent.objects.filter(
            action="export", object_type="evaluation measures", actor_id=analyst.pk
        ).count()
        == 2
    )
