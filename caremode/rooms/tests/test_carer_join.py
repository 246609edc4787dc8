"""An invited carer's own page (E10): the way to join the video appointment they are invited to
(with the service user's consent to join) and the test call; joining binds their own link to
this browser, so a browser that held it before leaves the call."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from caremode.accounts.models import Role
from caremode.rooms import services
from caremode.rooms.access import identify
from caremode.rooms.models import RoomPass
from caremode.rooms.tests.sockets import pass_session
from tests.factories import CarerConsentFactory, ContactFactory, UserFactory, signed_in


@pytest.fixture
def carer_account(service_user):
    consent = CarerConsentFactory(service_user=service_user)
    account = UserFactory(role=Role.CARER)
    consent.carer.account = account
    consent.carer.email = "jo@example.org"
    consent.carer.save()
    return consent, account


@pytest.fixture
def invited(clinician, service_user, carer_account):
    consent, _account = carer_account
    return ContactFactory(
        service_user=service_user, clinician=clinician, carer_invited=consent.carer
    )


def test_the_carers_page_offers_the_test_call_then_their_own_way_in(
    clinician, carer_account, invited
):
    _consent, account = carer_account
    browser = Client()
    signed_in(browser, account)
    before = browser.get("/people-i-care-for/").content.decode()
    assert "(you are invited)" in before and "/rooms/test/" in before
    assert "appears here when the clinician opens the video room" in before
    room, _links = services.open_room(actor=clinician, contact=invited)
    page = browser.get("/people-i-care-for/").content.decode()
    assert f"/rooms/{room.pk}/join-as-carer/" in page and "Join Megan's video appointment" in page
    response = browser.post(f"/rooms/{room.pk}/join-as-carer/")
    assert response["Location"] == f"/rooms/{room.pk}/wait/"
    wait = browser.get(response["Location"]).content.decode()
    assert "Hello Jo Carer" in wait
    held = RoomPass.objects.get(room=room, role="carer")
    assert held.used_at is not None and held.session_key == browser.session.session_key


def test_joining_from_the_page_moves_the_link_from_another_browser(
    clinician, carer_account, invited
):
    _consent, account = carer_account
    room, links = services.open_room(actor=clinician, contact=invited)
    first = pass_session(room, next(link for link in links if link.role == "carer"))
    browser = Client()
    signed_in(browser, account)
    browser.post(f"/rooms/{room.pk}/join-as-carer/")
    assert identify(room, AnonymousUser(), first) is None


def test_no_way_in_without_consent_to_join_or_for_another_carer(
    clinician, service_user, carer_account, invited
):
    consent, account = carer_account
    room, _links = services.open_room(actor=clinician, contact=invited)
    consent.scope_join_contacts = False
    consent.save()
    browser = Client()
    signed_in(browser, account)
    page = browser.get("/people-i-care-for/").content.decode()
    assert "(you are invited)" not in page and "join-as-carer" not in page
    assert browser.post(f"/rooms/{room.pk}/join-as-carer/").status_code == 404
    other = CarerConsentFactory(service_user=service_user)
    stranger = UserFactory(role=Role.CARER)
    other.carer.account = stranger
    other.carer.save()
    outsider = Client()
    signed_in(outsider, stranger)
    assert outsider.post(f"/rooms/{room.pk}/join-as-carer/").status_code == 404
