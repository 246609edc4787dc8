import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from caremode.accounts.models import Role
from caremode.audit.models import AuditEvent
from caremode.core.errors import DomainError
from caremode.people import services
from caremode.people.models import ServiceUser
from tests.factories import ContactFactory, clinician_in, signed_in


def test_cover_lets_another_team_in_for_a_limited_time(team, service_user, other_team_clinician):
    manager = clinician_in(team, role=Role.TEAM_MANAGER)
    assert not ServiceUser.objects.visible_to(other_team_clinician).filter(pk=service_user.pk)
    with pytest.raises(DomainError) as caught:
        services.grant_cover(
            actor=manager,
            user=other_team_clinician,
            team=team,
            reason="Leave",
            ends_at=timezone.now() + dt.timedelta(days=30),
        )
    assert caught.value.field == "ends_on"
    services.grant_cover(
        actor=manager,
        user=other_team_clinician,
        team=team,
        reason="Covering duty",
        ends_at=timezone.now() + dt.timedelta(days=3),
    )
    assert ServiceUser.objects.visible_to(other_team_clinician).filter(pk=service_user.pk)
    with time_machine.travel(timezone.now() + dt.timedelta(days=4)):
        assert not ServiceUser.objects.visible_to(other_team_clinician).filter(pk=service_user.pk)
    assert AuditEvent.objects.filter(object_type="people.Cover", reason="Covering duty").exists()


def test_only_the_teams_manager_grants_cover(team, clinician, other_team_clinician):
    with pytest.raises(DomainError, match="Only a manager of this team"):
        services.grant_cover(
            actor=clinician,
            user=other_team_clinician,
            team=team,
            reason="x",
            ends_at=timezone.now() + dt.timedelta(days=1),
        )


def test_cover_through_the_page(client, team, other_team_clinician, service_user):
    manager = clinician_in(team, role=Role.TEAM_MANAGER)
    signed_in(client, manager)
    day = timezone.localdate() + dt.timedelta(days=5)
    response = client.post(
        "/service-users/cover/",
        {
            "user": other_team_clinician.pk,
            "reason": "Leave cover",
            "ends_on_0": day.day,
            "ends_on_1": day.month,
            "ends_on_2": day.year,
        },
        follow=True,
    )
    assert "can see" in response.content.decode()
    signed_in(client, other_team_clinician)
    assert client.get(f"/service-users/{service_user.pk}/").status_code == 200


def test_only_a_record_made_in_error_can_be_erased(clinician, service_user, team):
    ContactFactory(service_user=service_user, clinician=clinician)
    with pytest.raises(DomainError, match="must be kept"):
        services.erase_registered_in_error(
            actor=clinician, service_user=service_user, reason="Duplicate"
        )
    from tests.factories import ServiceUserFactory

    mistaken = ServiceUserFactory(team=team)
    pk = mistaken.pk
    services.erase_registered_in_error(actor=clinician, service_user=mistaken, reason="Duplicate")
    assert not ServiceUser.objects.filter(pk=pk).exists()
    event = AuditEvent.objects.get(subject_id=pk, action="revoke")
    assert event.detail == {"erased": "registered in error"} and event.reason == "Duplicate"


def test_erasing_a_record_made_in_error_keeps_its_audit_entries_and_the_chain(
    clinician, service_user
):
    from django.core.management import call_command

    from caremode.audit.services import record_event

    pk = service_user.pk  # AuditEvent.subject_id is a plain number: no cascade reaches the log
    record_event(actor=clinician, action="read", obj=service_user, subject_id=pk)
    services.erase_registered_in_error(actor=clinician, service_user=service_user, reason="Typo")
    assert AuditEvent.objects.filter(subject_id=pk).count() == 2
    call_command("audit", "verify")
