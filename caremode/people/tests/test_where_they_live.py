"""Where a person lives (postcode district, urban or rural, deprivation decile) is recorded or
corrected on its own page, audited with the old and new values; a person imported from a record
system without an area shows "Not known" on the record until the team records it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from caremode.audit.models import AuditEvent
from caremode.core.errors import DomainError
from caremode.people import services
from caremode.people.models import ServiceUser
from tests.factories import signed_in

pytestmark = pytest.mark.django_db


def test_recording_the_area_of_a_person_imported_without_one_is_audited(clinician, service_user):
    ServiceUser.objects.filter(pk=service_user.pk).update(rurality="", postcode_district="")
    service_user.refresh_from_db()
    services.record_area(
        actor=clinician,
        service_user=service_user,
        changes={"postcode_district": "ls6 ", "rurality": "rural", "imd_decile": 3},
    )
    stored = ServiceUser.objects.get(pk=service_user.pk)
    assert (stored.postcode_district, stored.rurality, stored.imd_decile) == ("LS6", "rural", 3)
    (event,) = AuditEvent.objects.filter(action="update", subject_id=service_user.pk)
    assert event.detail["area"]["rurality"] == {"old": "", "new": "rural"}
    assert event.detail["area"]["postcode_district"] == {"old": "", "new": "LS6"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"postcode_district": "NOT A POSTCODE"}, "postcode_district"),
        ({"rurality": "suburban"}, "rurality"),
        ({"imd_decile": 11}, "imd_decile"),
        ({"team": 1}, "team"),
    ],
)
def test_a_bad_area_names_the_field_and_saves_nothing(clinician, service_user, changes, field):
    before = ServiceUser.objects.values().get(pk=service_user.pk)
    with pytest.raises(DomainError) as caught:
        services.record_area(actor=clinician, service_user=service_user, changes=changes)
    assert caught.value.field == field
    assert ServiceUser.objects.values().get(pk=service_user.pk) == before
    assert not AuditEvent.objects.filter(action="update").exists()


def test_the_record_says_not_known_and_the_page_records_the_area(client, clinician, service_user):
    ServiceUser.objects.filter(pk=service_user.pk).update(rurality="", imd_decile=None)
    signed_in(client, clinician)
    record = client.get(reverse("records:record", args=[service_user.pk])).content.decode()
    url = reverse("people:edit_area", args=[service_user.pk])
    assert "Where Megan lives" in record and url in record
    assert record.count("Not known") >= 2
    page = client.get(url).content.decode()
    assert 'name="rurality"' in page and 'name="postcode_district"' in page
    refused = client.post(url, {"postcode_district": "??", "rurality": "", "imd_decile": ""})
    assert refused.status_code == 200 and "postcode" in refused.content.decode().lower()
    area = {"postcode_district": service_user.postcode_district, "rurality": "urban"}
    done = client.post(url, {**area, "imd_decile": "7"})
    assert done.status_code == 302
    assert done["Location"] == reverse("records:record", args=[service_user.pk])
    stored = ServiceUser.objects.get(pk=service_user.pk)
    assert (stored.rurality, stored.imd_decile) == ("urban", 7)


def test_another_teams_clinician_cannot_see_or_change_where_a_person_lives(
    client, other_team_clinician, service_user
):
    signed_in(client, other_team_clinician)
    url = reverse("people:edit_area", args=[service_user.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"rurality": "rural"}).status_code == 404
    assert ServiceUser.objects.get(pk=service_user.pk).rurality == service_user.rurality
