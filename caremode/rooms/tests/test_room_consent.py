"""Consent inside rooms (E10): a carer is let in only by the service user's own current consent
to join, a link reaches only its own person, and withdrawing consent shuts every door a pass
opened — the link, the waiting page, the socket and each message sent on it."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.test import Client
from django.utils import timezone

from caremode.audit.models import AuditEvent
from caremode.messaging.models import OutboundMessage
from caremode.rooms import services
from caremode.rooms.errors import PassNotValidError, RoomError
from caremode.rooms.models import Participant, RoomPass
from caremode.rooms.tests.sockets import (
    closed_with,
    drain,
    in_a_call,
    pass_session,
    socket,
    token_of,
    until,
)
from tests.factories import CarerConsentFactory, ContactFactory, ServiceUserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _with_email(consent):
    consent.carer.phone, consent.carer.email = "", f"carer{consent.carer.pk}@example.org"
    consent.carer.save()
    return consent


@pytest.fixture
def consent(service_user):
    return _with_email(CarerConsentFactory(service_user=service_user))


@pytest.fixture
def carer_contact(clinician, service_user, consent):
    return ContactFactory(
        service_user=service_user, clinician=clinician, carer_invited=consent.carer
    )


@pytest.fixture
def carer_room(clinician, carer_contact):
    room, links = services.open_room(actor=clinician, contact=carer_contact)
    return room, {link.role: link for link in links}


def _withdraw(consent) -> None:
    """Consent withdrawn, as the record page does it, without the rooms being told."""
    consent.revoked_at = timezone.now()
    consent.save(update_fields=["revoked_at"])


def test_a_consent_given_by_another_person_does_not_let_the_carer_in(clinician, service_user):
    someone_else = ServiceUserFactory(team=service_user.team)
    theirs = CarerConsentFactory(service_user=someone_else)  # the carer's consent from B only
    contact = ContactFactory(
        service_user=service_user, clinician=clinician, carer_invited=theirs.carer
    )
    with pytest.raises(RoomError, match="no longer has consent") as refused:
        services.open_room(actor=clinician, contact=contact)
    assert refused.value.field == "role"
    assert not RoomPass.objects.exists()  # nothing half-written: no room, no service user link


def test_a_pass_issued_under_consent_stops_when_only_another_persons_consent_remains(
    clinician, service_user, consent, carer_room
):
    CarerConsentFactory(
        service_user=ServiceUserFactory(team=service_user.team), carer=consent.carer
    )
    _room, links = carer_room
    _withdraw(consent)
    with pytest.raises(PassNotValidError, match="no longer works"):
        services.redeem_pass(token=token_of(links["carer"]), session_key="a" * 32)


def test_an_uninvited_carer_gets_no_link_even_with_the_same_name(
    clinician, service_user, consent, carer_contact
):
    other = _with_email(CarerConsentFactory(service_user=service_user))  # told of appointments
    assert str(other.carer) == str(consent.carer)  # both "Jo Carer"
    _room, links = services.open_room(actor=clinician, contact=carer_contact)
    carer_link = next(link for link in links if link.role == "carer")
    sent = {m.recipient: m.body for m in OutboundMessage.objects.filter(purpose="room_link")}
    assert carer_link.url in sent[consent.carer.email]
    assert other.carer.email not in sent
    assert not any(
        "/rooms/join/" in body
        for body in OutboundMessage.objects.filter(recipient=other.carer.email).values_list(
            "body", flat=True
        )
    )
    held = RoomPass.objects.get(role="carer")
    assert held.carer_id == consent.carer_id  # the pass names its carer


def test_a_carer_no_longer_invited_cannot_use_the_link_or_the_page(
    clinician, service_user, consent, carer_contact, carer_room
):
    _room, links = carer_room
    browser = Client()
    wait = browser.get(links["carer"].url.removeprefix("http://127.0.0.1:8000"))
    assert wait.status_code == 302
    assert browser.get(wait["Location"]).status_code == 200
    replacement = _with_email(CarerConsentFactory(service_user=service_user))
    carer_contact.carer_invited = replacement.carer
    carer_contact.save(update_fields=["carer_invited"])
    assert browser.get(wait["Location"]).status_code == 404
    with pytest.raises(PassNotValidError):
        services.redeem_pass(token=token_of(links["carer"]), session_key="b" * 32)
    services.open_room(actor=clinician, contact=carer_contact)  # a new link, for the new carer
    assert RoomPass.objects.filter(role="carer", carer=replacement.carer).count() == 1


def test_after_withdrawal_an_earlier_pass_reaches_neither_the_link_nor_the_waiting_page(
    clinician, consent, carer_room
):
    room, links = carer_room
    browser = Client()
    wait = browser.get(links["carer"].url.removeprefix("http://127.0.0.1:8000"))["Location"]
    assert browser.get(wait).status_code == 200
    _withdraw(consent)
    assert browser.get(wait).status_code == 404  # redeemed before: the page is shut
    again = browser.get(links["carer"].url.removeprefix("http://127.0.0.1:8000"))
    assert again.status_code == 410
    # A link sent but not yet used is refused too.
    consent.revoked_at = None
    consent.save(update_fields=["revoked_at"])
    unused = {
        link.role: link for link in services.open_room(actor=clinician, contact=room.contact)[1]
    }
    _withdraw(consent)
    with pytest.raises(PassNotValidError, match="no longer works"):
        services.redeem_pass(token=token_of(unused["carer"]), session_key="c" * 32)


def test_after_withdrawal_the_socket_refuses_to_connect_and_closes_on_the_next_message(
    clinician, consent, carer_room
):
    room, links = carer_room
    carer_session = pass_session(room, links["carer"])
    later_session = pass_session(
        room,
        {link.role: link for link in services.open_room(actor=clinician, contact=room.contact)[1]}[
            "carer"
        ],
    )

    async def scenario():
        host, carer, carer_id = await in_a_call(room, clinician, carer_session)
        await database_sync_to_async(_withdraw)(consent)
        await carer.send_json_to({"type": "chat", "text": "still here?"})
        assert await closed_with(carer) == 4403
        assert (await until(host, "left"))["peer"] == carer_id
        assert "chat" not in [m["type"] for m in await drain(host)]  # it never reached the call
        refused = socket(room, AnonymousUser(), later_session)
        connected, code = await refused.connect()
        assert not connected and code == 4403
        await host.disconnect()

    async_to_sync(scenario)()
    assert Participant.objects.get(identity__startswith="pass:", room=room).status == "left"


def test_revoke_carer_passes_closes_the_carers_socket_marks_them_left_and_is_audited(
    clinician, service_user, consent, carer_room
):
    room, links = carer_room
    carer_session = pass_session(room, links["carer"])
    # Someone else's pass is left alone: the same carer for another person's room.
    elsewhere = ServiceUserFactory(team=service_user.team)
    _with_email(CarerConsentFactory(service_user=elsewhere, carer=consent.carer))
    other_contact = ContactFactory(
        service_user=elsewhere, clinician=clinician, carer_invited=consent.carer
    )
    services.open_room(actor=clinician, contact=other_contact)

    async def scenario():
        host, carer, carer_id = await in_a_call(room, clinician, carer_session)

        def withdraw() -> int:
            with transaction.atomic():
                _withdraw(consent)
                return services.revoke_carer_passes(
                    actor=clinician, carer=consent.carer, service_user=service_user
                )

        assert await database_sync_to_async(withdraw)() == 1
        assert (await until(carer, "closed"))["type"] == "closed"
        assert await closed_with(carer) == 4403
        assert (await until(host, "left"))["peer"] == carer_id
        await host.disconnect()
        return carer_id

    carer_id = async_to_sync(scenario)()
    left = Participant.objects.get(pk=carer_id)
    assert (left.status, left.connected) == ("left", False) and left.left_at is not None
    revoked = RoomPass.objects.get(room=room, role="carer")
    assert revoked.revoked_at is not None
    assert RoomPass.objects.get(room__contact=other_contact, role="carer").revoked_at is None
    entries = AuditEvent.objects.filter(
        actor=clinician, object_type="rooms.RoomPass", action="revoke"
    )
    assert [e.object_id for e in entries] == [str(revoked.pk)]
    assert entries[0].subject_id == service_user.pk
    assert AuditEvent.objects.filter(
        object_type="rooms.Participant", object_id=str(carer_id), detail__why="consent withdrawn"
    ).exists()
    with pytest.raises(PassNotValidError):
        services.redeem_pass(token=token_of(links["carer"]), session_key="d" * 32)


def test_revoking_inside_a_transaction_that_rolls_back_changes_and_closes_nothing(
    clinician, service_user, consent, carer_room
):
    room, links = carer_room
    carer_session = pass_session(room, links["carer"])

    async def scenario():
        carer = socket(room, AnonymousUser(), carer_session)
        assert (await carer.connect())[0]
        await until(carer, "waiting")

        def withdraw_then_fail() -> None:
            with transaction.atomic():
                services.revoke_carer_passes(
                    actor=clinician, carer=consent.carer, service_user=service_user
                )
                transaction.set_rollback(True)

        await database_sync_to_async(withdraw_then_fail)()
        assert await carer.receive_nothing(timeout=0.5)
        await carer.disconnect()

    async_to_sync(scenario)()
    assert RoomPass.objects.get(room=room, role="carer").revoked_at is None


def test_a_withdrawal_racing_an_arrival_is_checked_again_under_the_pass_lock(
    clinician, consent, carer_room
):
    """The socket identified the carer a moment before consent went: arriving and being let in
    both look at the pass again, so neither puts them back in the room."""
    room, links = carer_room
    pass_session(room, links["carer"])
    held = RoomPass.objects.get(room=room, role="carer")
    waiting = services.arrive(
        actor=None,
        room=room,
        identity=f"pass:{held.pk}",
        role="carer",
        label=str(consent.carer),
        channel_name="carer-browser",
    )
    _withdraw(consent)
    with pytest.raises(RoomError, match="no longer lets them in"):
        services.admit(actor=clinician, room=room, participant_id=waiting.pk)
    with pytest.raises(PassNotValidError):
        services.arrive(
            actor=None,
            room=room,
            identity=f"pass:{held.pk}",
            role="carer",
            label=str(consent.carer),
            channel_name="carer-browser-again",
        )
    assert Participant.objects.get(pk=waiting.pk).status == "waiting"  # never admitted


def test_nothing_more_is_pushed_to_a_carer_socket_once_consent_is_withdrawn(
    clinician, consent, carer_room
):
    """A push from the call (chat, signalling) is checked before it is sent on."""
    room, links = carer_room
    carer_session = pass_session(room, links["carer"])

    async def scenario():
        host, carer, _carer_id = await in_a_call(room, clinician, carer_session)
        await database_sync_to_async(_withdraw)(consent)
        await host.send_json_to({"type": "chat", "text": "Private: how is Megan today?"})
        seen = []
        while (output := await carer.receive_output(timeout=3))["type"] != "websocket.close":
            seen.append(output.get("text", ""))
        assert output["code"] == 4403  # closed instead of told
        assert not any("Private" in text for text in seen)
        await host.disconnect()

    async_to_sync(scenario)()
