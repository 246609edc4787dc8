import datetime as dt

import pytest
from django.utils import timezone

from caremode.accounts.models import Role
from caremode.audit.models import AuditEvent
from caremode.core.errors import DomainError
from caremode.people import services
from caremode.people.errors import AccessNeedAlreadyRecordedError, ConsentAlreadyRevokedError
from caremode.people.models import ServiceUser
from tests.factories import CarerConsentFactory, ServiceUserFactory, UserFactory

VALID = {
    "nhs_number": "9434765919",
    "given_name": "Ruth",
    "family_name": "Okafor",
    "date_of_birth": dt.date(1971, 2, 3),
    "gender": "2",
    "gender_identity": "2",
    "ethnic_category": "N",
    "postcode_district": "LS6",
    "imd_decile": 2,
    "rurality": "urban",
    "main_language": "en",
    "interpreter_needed": False,
    "phone": "07700900123",
    "email": "",
}


def test_registering_a_service_user_saves_and_audits(clinician, team):
    person = services.register_service_user(actor=clinician, team=team, fields=VALID)
    assert person.team == team
    event = AuditEvent.objects.get()
    assert (event.action, event.subject_id, event.actor) == ("create", person.pk, clinician)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("nhs_number", "9434765918", "valid NHS number"),  # wrong check digit
        ("nhs_number", "12345", "valid NHS number"),
        ("ethnic_category", "Q", "not a valid choice"),
        ("gender", "7", "not a valid choice"),
        ("imd_decile", 11, "less than or equal to 10"),
        ("postcode_district", "LS6 1AA", "first half of a postcode"),
        ("main_language", "klingon", "not a valid choice"),
        ("date_of_birth", dt.date(2999, 1, 1), "in the past"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(clinician, team, field, value, message):
    with pytest.raises(DomainError, match=message) as caught:
        services.register_service_user(actor=clinician, team=team, fields={**VALID, field: value})
    assert caught.value.field == field
    assert not ServiceUser.objects.exists()
    assert not AuditEvent.objects.exists()


def test_an_nhs_number_can_be_registered_once(clinician, team):
    services.register_service_user(actor=clinician, team=team, fields=VALID)
    with pytest.raises(DomainError, match="already exists") as caught:
        services.register_service_user(actor=clinician, team=team, fields=VALID)
    assert caught.value.field == "nhs_number"
    assert ServiceUser.objects.count() == 1


def test_an_access_need_is_current_once_and_ending_it_keeps_history(clinician, service_user):
    need = services.record_access_need(
        actor=clinician, service_user=service_user, need="hearing_impairment", notes="Lip-reads"
    )
    with pytest.raises(AccessNeedAlreadyRecordedError):
        services.record_access_need(
            actor=clinician, service_user=service_user, need="hearing_impairment"
        )
    services.end_access_need(actor=clinician, access_need=need)
    again = services.record_access_need(
        actor=clinician, service_user=service_user, need="hearing_impairment"
    )
    assert again.pk != need.pk
    assert service_user.access_needs.count() == 2
    assert service_user.access_needs.filter(ended_at__isnull=True).get() == again
    assert AuditEvent.objects.filter(subject_id=service_user.pk).count() == 3


def test_an_unknown_access_need_is_refused(clinician, service_user):
    with pytest.raises(DomainError, match="Unknown access need 'tired'"):
        services.record_access_need(actor=clinician, service_user=service_user, need="tired")


def add_carer(clinician, service_user, *, join=True, details=True, assessment=False):
    return services.add_carer_with_consent(
        actor=clinician,
        service_user=service_user,
        carer_fields={"given_name": "Jo", "family_name": "Bloggs", "relationship": "Mother"},
        join_contacts=join,
        appointment_details=details,
        assessment_input=assessment,
    )


def test_a_carer_needs_at_least_one_scope(clinician, service_user):
    with pytest.raises(DomainError, match="Select what"):
        add_carer(clinician, service_user, join=False, details=False)


def test_revoking_consent_takes_effect_at_once_for_the_carer(clinician, service_user):
    carer_account = UserFactory(role=Role.CARER)
    consent = add_carer(clinician, service_user)
    consent.carer.account = carer_account
    consent.carer.save()
    assert list(ServiceUser.objects.visible_to(carer_account)) == [service_user]

    services.revoke_consent(actor=clinician, consent=consent, reason="Asked us to")
    assert not ServiceUser.objects.visible_to(carer_account).exists()
    with pytest.raises(ConsentAlreadyRevokedError):
        services.revoke_consent(actor=clinician, consent=consent)
    assert AuditEvent.objects.filter(action="revoke", reason="Asked us to").count() == 1


def test_visibility_follows_relationships(clinician, other_team_clinician, service_user):
    own_account = UserFactory(role=Role.SERVICE_USER)
    service_user.account = own_account
    service_user.save()
    someone_else = ServiceUserFactory()
    analyst = UserFactory(role=Role.ANALYST)
    admin = UserFactory(role=Role.ADMIN)
    details_only = CarerConsentFactory(
        service_user=someone_else, scope_appointment_details=False, scope_join_contacts=True
    )
    details_only.carer.account = UserFactory(role=Role.CARER)
    details_only.carer.save()

    assert list(ServiceUser.objects.visible_to(clinician)) == [service_user]
    assert not ServiceUser.objects.visible_to(other_team_clinician).filter(pk=service_user.pk)
    assert list(ServiceUser.objects.visible_to(own_account)) == [service_user]
    assert not ServiceUser.objects.visible_to(analyst).exists()
    assert not ServiceUser.objects.visible_to(admin).exists()
    # A carer who may join contacts but not receive appointment details sees no record.
    assert not ServiceUser.objects.visible_to(details_only.carer.account).exists()


def test_consent_scopes_read_as_people_say_them(service_user):
    consent = CarerConsentFactory(
        service_user=service_user, scope_assessment_input=True, granted_at=timezone.now()
    )
    assert consent.scopes() == [
        "Join contacts",
        "Receive appointment details",
        "Give input to assessments",
    ]
