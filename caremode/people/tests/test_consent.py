"""Consent predicates (people.consent): the one answer to "may this carer …?" (E10)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from caremode.accounts.models import Role
from caremode.people import consent
from caremode.people.models import ServiceUser
from caremode.people.services import revoke_consent
from tests.factories import CarerConsentFactory, ServiceUserFactory, UserFactory


@pytest.fixture
def carer_account(db):
    return UserFactory(role=Role.CARER)


def test_consent_given_by_another_service_user_never_counts(service_user, team):
    someone_else = ServiceUserFactory(team=team)
    given = CarerConsentFactory(
        service_user=someone_else,
        scope_join_contacts=True,
        scope_appointment_details=True,
        scope_assessment_input=True,
    )
    carer = given.carer
    assert consent.may_join_contacts(carer, someone_else)
    assert not consent.may_join_contacts(carer, service_user)
    assert not consent.may_receive_appointment_details(carer, service_user)
    assert not consent.may_take_part_in_decisions(carer, service_user)
    assert list(consent.consents_to_join(service_user)) == []
    assert list(consent.consents_to_appointment_details(service_user)) == []
    assert list(consent.consents_to_take_part_in_decisions(service_user)) == []


def test_each_predicate_answers_for_its_own_scope(service_user):
    details = CarerConsentFactory(
        service_user=service_user, scope_join_contacts=False, scope_appointment_details=True
    ).carer
    joins = CarerConsentFactory(
        service_user=service_user, scope_join_contacts=True, scope_appointment_details=False
    ).carer
    gives_input = CarerConsentFactory(
        service_user=service_user,
        scope_join_contacts=False,
        scope_appointment_details=False,
        scope_assessment_input=True,
    ).carer
    assert [consent.may_join_contacts(c, service_user) for c in (details, joins, gives_input)] == [
        False,
        True,
        False,
    ]
    assert [
        consent.may_receive_appointment_details(c, service_user)
        for c in (details, joins, gives_input)
    ] == [True, False, False]
    assert [
        consent.may_take_part_in_decisions(c, service_user) for c in (details, joins, gives_input)
    ] == [False, True, True]
    assert not consent.may_join_contacts(None, service_user)


def test_withdrawn_consent_allows_nothing_at_once(clinician, service_user):
    given = CarerConsentFactory(service_user=service_user, scope_assessment_input=True)
    revoke_consent(actor=clinician, consent=given)
    assert not consent.may_join_contacts(given.carer, service_user)
    assert not consent.may_receive_appointment_details(given.carer_id, service_user.pk)
    assert not consent.may_take_part_in_decisions(given.carer, service_user)


def test_what_a_carer_sees_follows_the_appointment_details_predicate(
    clinician, service_user, team, carer_account
):
    """visible_to for a carer is the predicate's answer, person by person."""
    told = CarerConsentFactory(service_user=service_user, scope_appointment_details=True)
    told.carer.account = carer_account
    told.carer.save()
    joins_only = ServiceUserFactory(team=team)
    CarerConsentFactory(
        service_user=joins_only,
        carer=told.carer,
        scope_join_contacts=True,
        scope_appointment_details=False,
    )
    old = ServiceUserFactory(team=team)
    CarerConsentFactory(service_user=old, carer=told.carer, revoked_at=timezone.now())

    visible = set(ServiceUser.objects.visible_to(carer_account))
    assert visible == {service_user}
    for person in (service_user, joins_only, old):
        assert (person in visible) == consent.may_receive_appointment_details(told.carer, person)

    revoke_consent(actor=clinician, consent=told)
    assert not ServiceUser.objects.visible_to(carer_account).exists()
