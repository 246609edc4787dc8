"""HTTP: each page's happy path, and access denied looking exactly like not found."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from caremode.accounts.models import Role
from caremode.audit.models import AuditEvent
from caremode.scheduling.models import Contact
from tests.factories import (
    CarerConsentFactory,
    ContactFactory,
    ServiceUserFactory,
    UserFactory,
    current_code,
    next_working_day_at,
    signed_in,
)

REGISTRATION = {
    "nhs_number": "943 476 5919",
    "given_name": "Ruth",
    "family_name": "Okafor",
    "date_of_birth_0": "3",
    "date_of_birth_1": "2",
    "date_of_birth_2": "1971",
    "gender": "2",
    "gender_identity": "2",
    "ethnic_category": "N",
    "postcode_district": "ls6",
    "imd_decile": "2",
    "rurality": "urban",
    "main_language": "en",
}


def test_anyone_signed_out_is_sent_to_sign_in(client, service_user):
    response = client.get(f"/service-users/{service_user.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/sign-in/")


def test_signing_in_takes_a_clinician_through_the_second_factor_to_their_caseload(
    client, clinician, service_user
):
    current_code(clinician)  # the clinician has set up an authenticator app before
    response = client.post(
        "/account/sign-in/", {"username": "asha", "password": "correct-horse-battery"}, follow=True
    )
    assert response.redirect_chain[-1][0].startswith("/account/two-step/")
    assert "Enter your security code" in response.content.decode()
    # Until the code is entered, records stay closed.
    assert client.get(f"/service-users/{service_user.pk}/")["Location"].startswith(
        "/account/two-step/"
    )
    wrong = client.post("/account/two-step/?next=/", {"code": "000000"})
    assert "The security code is not right" in wrong.content.decode()
    # After a wrong code, django-otp makes the next attempt wait (throttling).
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=5)):
        response = client.post(
            "/account/two-step/?next=/", {"code": current_code(clinician)}, follow=True
        )
    assert response.redirect_chain[-1][0] == "/service-users/"
    assert "Taylor, Megan" in response.content.decode()


def test_staff_set_up_an_authenticator_the_first_time(client, clinician):
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.post("/account/sign-in/", {"username": "asha", "password": "correct-horse-battery"})
    page = client.get("/account/two-step/").content.decode()
    assert "Set up two-step verification" in page and "<svg" in page and "Key:" in page
    device = TOTPDevice.objects.get(user=clinician, confirmed=False)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    client.post("/account/two-step/", {"code": f"{totp.token():06d}"})
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/service-users/").status_code == 200


def test_a_wrong_password_is_explained(client, clinician):
    response = client.post("/account/sign-in/", {"username": "asha", "password": "nope"})
    assert "Enter a correct username and password" in response.content.decode()


def test_the_caseload_lists_the_team_with_a_fixed_number_of_queries(
    client, clinician, team, django_assert_max_num_queries
):
    for _ in range(30):
        ContactFactory(service_user=ServiceUserFactory(team=team), clinician=clinician)
    signed_in(client, clinician)
    # 6 of them append the read to the audit chain; 2 are the header's check for the coders'
    # link (the user's permissions, once a request). None grows with the number of people.
    with django_assert_max_num_queries(20):
        response = client.get("/service-users/")
    body = response.content.decode()
    assert "30 people" in body and "Page 2 of 2" in body


def test_caseload_search_answers_htmx_with_only_the_results(client, clinician, service_user):
    ServiceUserFactory(team=service_user.team, given_name="Zed", family_name="Other")
    signed_in(client, clinician)
    response = client.get("/service-users/?q=tay", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body
    assert "Taylor, Megan" in body and "Other, Zed" not in body
    by_number = client.get(f"/service-users/?q={service_user.nhs_number[:6]}").content.decode()
    assert "Taylor, Megan" in by_number


def test_the_record_shows_the_person_and_audits_the_read(client, clinician, service_user):
    signed_in(client, clinician)
    response = client.get(f"/service-users/{service_user.pk}/")
    assert response.status_code == 200
    assert "Megan Taylor" in response.content.decode()
    assert AuditEvent.objects.filter(
        action="read", subject_id=service_user.pk, actor=clinician
    ).exists()


@pytest.mark.parametrize(
    "path",
    [
        "/service-users/{pk}/",
        "/service-users/{pk}/book/",
        "/service-users/{pk}/access-needs/new/",
        "/service-users/{pk}/carers/new/",
    ],
)
def test_a_clinician_of_another_team_gets_404(client, other_team_clinician, service_user, path):
    signed_in(client, other_team_clinician)
    assert client.get(path.format(pk=service_user.pk)).status_code == 404
    assert client.get(path.format(pk=999999)).status_code == 404
    assert not AuditEvent.objects.filter(subject_id=service_user.pk).exists()


def test_another_teams_contact_and_consent_are_404(client, other_team_clinician, service_user):
    contact = ContactFactory(service_user=service_user)
    consent = CarerConsentFactory(service_user=service_user)
    signed_in(client, other_team_clinician)
    assert client.get(f"/contacts/{contact.pk}/outcome/").status_code == 404
    url = f"/service-users/{service_user.pk}/consents/{consent.pk}/withdraw/"
    assert client.post(url).status_code == 404
    consent.refresh_from_db()
    assert consent.is_current


def test_registering_with_an_invalid_nhs_number_says_so_and_saves_nothing(client, clinician):
    signed_in(client, clinician)
    response = client.post(
        "/service-users/new/",
        {**REGISTRATION, "nhs_number": "943 476 5918"},
    )
    body = response.content.decode()
    assert "There is a problem" in body and "Enter a valid NHS number" in body
    assert 'href="#id_nhs_number"' in body


def test_registering_a_service_user_through_the_form(client, clinician):
    signed_in(client, clinician)
    response = client.post(
        "/service-users/new/",
        REGISTRATION,
        follow=True,
    )
    assert "Ruth Okafor has been added to the caseload" in response.content.decode()


def test_an_empty_booking_says_what_to_do_for_each_field(client, clinician, service_user):
    signed_in(client, clinician)
    body = client.post(f"/service-users/{service_user.pk}/book/", {}).content.decode()
    for message in (
        "Select the type of contact",
        "Select how the contact will happen",
        "Enter a date",
        "Enter a start time",
    ):
        assert message in body
    register = client.post("/service-users/new/", {}).content.decode()
    assert "Enter NHS number" in register and "Enter first name" in register


def test_an_impossible_date_is_explained(client, clinician, service_user):
    signed_in(client, clinician)
    response = client.post(
        f"/service-users/{service_user.pk}/book/",
        {
            "consultation_type": "psychotherapy",
            "mode": "video",
            "date_0": "31",
            "date_1": "2",
            "date_2": "2027",
            "time": "10:00",
            "duration_minutes": "60",
        },
    )
    assert "Enter a real date" in response.content.decode()
    assert not Contact.objects.exists()


def test_booking_in_the_past_is_explained_on_the_date(client, clinician, service_user):
    signed_in(client, clinician)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = client.post(
        f"/service-users/{service_user.pk}/book/",
        {
            "consultation_type": "psychotherapy",
            "mode": "video",
            "date_0": yesterday.day,
            "date_1": yesterday.month,
            "date_2": yesterday.year,
            "time": "10:00",
            "duration_minutes": "60",
        },
    )
    assert "The start must be in the future" in response.content.decode()
    assert not Contact.objects.exists()


def test_booking_then_recording_the_outcome_through_the_pages(client, clinician, service_user):
    signed_in(client, clinician)
    day = next_working_day_at(14, 30, after=3).date()
    response = client.post(
        f"/service-users/{service_user.pk}/book/",
        {
            "consultation_type": "psychotherapy",
            "mode": "video",
            "date_0": day.day,
            "date_1": day.month,
            "date_2": day.year,
            "time": "14:30",
            "duration_minutes": "60",
        },
        follow=True,
    )
    assert "Contact booked for" in response.content.decode()
    contact = Contact.objects.get()
    assert timezone.localtime(contact.start).time() == dt.time(14, 30)
    with time_machine.travel(contact.start + dt.timedelta(hours=2)):
        signed_in(client, clinician)
        response = client.post(
            f"/contacts/{contact.pk}/outcome/",
            {"attend_status": "6", "mode_used": "video", "ended_early": "on"},
            follow=True,
        )
        assert "Outcome recorded" in response.content.decode()
        again = client.post(f"/contacts/{contact.pk}/outcome/", {"attend_status": "3"})
        assert "already been recorded" in again.content.decode()
    contact.refresh_from_db()
    assert (contact.attend_status, contact.ended_early) == ("6", True)


def test_a_service_user_sees_only_their_own_care(client, service_user, clinician):
    account = UserFactory(role=Role.SERVICE_USER)
    service_user.account = account
    service_user.save()
    ContactFactory(service_user=service_user, clinician=clinician)
    signed_in(client, account)
    response = client.get("/", follow=True)
    body = response.content.decode()
    assert response.redirect_chain[-1][0] == "/my-care/"
    assert "Your care, Megan" in body and "Care coordination with" in body
    assert client.get(f"/service-users/{service_user.pk}/").status_code == 404
    assert client.get("/service-users/").status_code == 404


def test_a_carer_sees_appointments_only_while_consent_allows(client, service_user, clinician):
    consent = CarerConsentFactory(service_user=service_user, scope_appointment_details=True)
    consent.carer.account = UserFactory(role=Role.CARER)
    consent.carer.save()
    ContactFactory(service_user=service_user, clinician=clinician)
    signed_in(client, consent.carer.account)
    assert "Megan Taylor" in client.get("/people-i-care-for/").content.decode()
    consent.revoked_at = timezone.now()
    consent.save()
    body = client.get("/people-i-care-for/").content.decode()
    assert "Megan Taylor" not in body and "No one has agreed" in body


def test_the_analyst_sees_only_suppressed_aggregates(client, clinician, service_user):
    with time_machine.travel(timezone.now() - dt.timedelta(days=10)):
        for _ in range(12):
            ContactFactory(service_user=service_user, clinician=clinician, planned_mode="telephone")
    Contact.objects.update(attend_status="5", mode_used="telephone")
    Contact.objects.filter(pk__in=Contact.objects.values("pk")[:3]).update(
        attend_status="3", mode_used=""
    )
    analyst = UserFactory(role=Role.ANALYST)
    signed_in(client, analyst)
    body = client.get("/", follow=True).content.decode()
    assert "Contacts by mode" in body
    assert "Megan" not in body and service_user.nhs_number not in body
    assert "75.0%" in body  # 9 of 12 attended
    assert "*" in body  # 3 did not attend: under 5, suppressed
    assert client.get(f"/service-users/{service_user.pk}/").status_code == 404


def test_the_admin_sees_services_and_teams_but_no_records(client, service_user):
    admin = UserFactory(role=Role.ADMIN)
    signed_in(client, admin)
    body = client.get("/", follow=True).content.decode()
    assert "Services and teams" in body and service_user.team.name in body
    assert client.get(f"/service-users/{service_user.pk}/").status_code == 404


def test_withdrawing_consent_through_the_page(client, clinician, service_user):
    consent = CarerConsentFactory(service_user=service_user)
    signed_in(client, clinician)
    url = f"/service-users/{service_user.pk}/consents/{consent.pk}/withdraw/"
    page = client.get(url).content.decode()
    assert "<p>Jo Carer will no longer be invited" in page
    response = client.post(url, {"reason": "Service user asked"}, follow=True)
    assert "has been withdrawn" in response.content.decode()
    consent.refresh_from_db()
    assert not consent.is_current


def test_recording_and_ending_an_access_need_through_the_pages(client, clinician, service_user):
    signed_in(client, clinician)
    url = f"/service-users/{service_user.pk}/access-needs/new/"
    client.post(url, {"need": "poor_connectivity", "notes": "No signal upstairs"})
    duplicate = client.post(url, {"need": "poor_connectivity"})
    assert "already recorded" in duplicate.content.decode()
    need = service_user.access_needs.get()
    client.post(f"/service-users/{service_user.pk}/access-needs/{need.pk}/end/")
    need.refresh_from_db()
    assert need.ended_at is not None
