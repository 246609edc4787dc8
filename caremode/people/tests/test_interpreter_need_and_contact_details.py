"""Recording the need for an interpreter asks for the language and how (E14, hazard S21); staff
correct how to contact a person, audited with the old and new values (hazard S23)."""

import re

import pytest
from django.urls import reverse

from caremode.audit.models import AuditEvent
from caremode.core.errors import DomainError
from caremode.people import services
from caremode.people.models import AccessNeed, ServiceUser
from caremode.people.selectors import get_interpreter_need
from tests.factories import signed_in


def test_the_interpreter_need_keeps_its_language_and_how_and_marks_the_person(
    clinician, service_user
):
    need = services.record_access_need(
        actor=clinician,
        service_user=service_user,
        need="needs_interpreter",
        language="pl",
        interpreting="video",
    )
    assert (need.language, need.interpreting) == ("pl", "video")
    assert ServiceUser.objects.get(pk=service_user.pk).interpreter_needed is True
    assert get_interpreter_need(service_user) == need
    event = AuditEvent.objects.get(object_type="people.AccessNeed")
    assert event.detail == {"need": "needs_interpreter", "language": "pl", "interpreting": "video"}

    services.end_access_need(actor=clinician, access_need=need)
    assert ServiceUser.objects.get(pk=service_user.pk).interpreter_needed is False
    assert get_interpreter_need(service_user) is None


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"need": "needs_interpreter", "interpreting": "video"}, "language"),
        ({"need": "needs_interpreter", "language": "xx", "interpreting": "video"}, "language"),
        ({"need": "needs_interpreter", "language": "pl"}, "interpreting"),
        ({"need": "needs_interpreter", "language": "pl", "interpreting": "fax"}, "interpreting"),
        ({"need": "hearing_impairment", "language": "pl"}, "language"),
        ({"need": "hearing_impairment", "interpreting": "video"}, "interpreting"),
    ],
)
def test_a_missing_or_misplaced_language_names_the_field_and_saves_nothing(
    clinician, service_user, arguments, field
):
    with pytest.raises(DomainError) as caught:
        services.record_access_need(actor=clinician, service_user=service_user, **arguments)
    assert caught.value.field == field
    assert not AccessNeed.objects.exists()
    assert not AuditEvent.objects.exists()
    assert ServiceUser.objects.get(pk=service_user.pk).interpreter_needed is False


def test_the_page_asks_for_the_language_from_the_main_language_code_list(
    client, clinician, service_user
):
    signed_in(client, clinician)
    url = reverse("people:add_access_need", args=[service_user.pk])
    page = client.get(url).content.decode()
    assert 'name="language"' in page
    assert re.search(r'<option value="bfi"[^>]*>\s*British Sign Language', page)
    assert 'value="in_person"' in page and 'value="telephone"' in page and 'value="video"' in page

    refused = client.post(url, {"need": "needs_interpreter", "interpreting": "telephone"})
    assert refused.status_code == 200
    assert "Select the language the interpreter speaks" in refused.content.decode()
    assert not AccessNeed.objects.exists()

    done = client.post(
        url, {"need": "needs_interpreter", "language": "so", "interpreting": "telephone"}
    )
    assert done.status_code == 302
    assert AccessNeed.objects.get().language == "so"
    record = client.get(reverse("records:record", args=[service_user.pk])).content.decode()
    assert "Somali, by telephone" in record


def test_staff_correct_contact_details_and_the_audit_keeps_old_and_new(clinician, service_user):
    service_user.phone, service_user.email = "07700900111", ""
    service_user.save()
    services.update_contact_details(
        actor=clinician,
        service_user=service_user,
        changes={
            "phone": " 07700 900222 ",
            "email": "megan@example.com",
            "accepts_sms": True,
            "accepts_email": False,
        },
    )
    saved = ServiceUser.objects.get(pk=service_user.pk)
    assert (saved.phone, saved.email, saved.accepts_email) == (
        "07700 900222",
        "megan@example.com",
        False,
    )
    event = AuditEvent.objects.get(object_type="people.ServiceUser", action="update")
    assert event.subject_id == service_user.pk and event.actor == clinician
    assert event.detail["contact_details"] == {
        "phone": {"old": "07700900111", "new": "07700 900222"},
        "email": {"old": "", "new": "megan@example.com"},
        "accepts_email": {"old": True, "new": False},
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"phone": "call my mum"}, "phone"),
        ({"email": "not an address"}, "email"),
        ({"nhs_number": "9434765919"}, "nhs_number"),
    ],
)
def test_bad_contact_details_name_the_field_and_change_nothing(
    clinician, service_user, changes, field
):
    before = ServiceUser.objects.values().get(pk=service_user.pk)
    with pytest.raises(DomainError) as caught:
        services.update_contact_details(actor=clinician, service_user=service_user, changes=changes)
    assert caught.value.field == field
    assert ServiceUser.objects.values().get(pk=service_user.pk) == before
    assert not AuditEvent.objects.filter(action="update").exists()


def test_the_contact_details_page_saves_through_the_form(client, clinician, service_user):
    signed_in(client, clinician)
    url = reverse("people:edit_contact_details", args=[service_user.pk])
    page = client.get(url).content.decode()
    assert "How to contact Megan" in page and 'name="phone"' in page
    refused = client.post(url, {"phone": "call my mum", "email": ""})
    assert refused.status_code == 200
    assert "Enter a telephone number in digits" in refused.content.decode()
    done = client.post(url, {"phone": "0113 496 0001", "email": "", "accepts_sms": "on"})
    assert done.status_code == 302
    assert done["Location"] == reverse("records:record", args=[service_user.pk])
    assert ServiceUser.objects.get(pk=service_user.pk).phone == "0113 496 0001"


def test_another_teams_clinician_cannot_see_or_change_contact_details(
    client, other_team_clinician, service_user
):
    signed_in(client, other_team_clinician)
    url = reverse("people:edit_contact_details", args=[service_user.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"phone": "0113 496 0001"}).status_code == 404
    assert ServiceUser.objects.get(pk=service_user.pk).phone == service_user.phone
