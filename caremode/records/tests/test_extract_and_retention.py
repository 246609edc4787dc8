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
from tests.factories import ContactFactory, ServiceUserFactory


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
    service_user.access_needs.create(need="poor_connectivity", recorded_at=timezone.now())
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
    from caremode.accounts.models import Role
    from tests.factories import UserFactory, signed_in

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
    assert "15 offered contacts" in body and "Findings" in body
    assert "Declined rate" in body  # one person: suppressed, shown as *
    assert "PHQ-9" in body  # the caveat: outcomes by mode are not on this page
    assert "33.3%" in body  # 5 of 15 did not attend, by video
    assert service_user.family_name not in body and service_user.nhs_number not in body
