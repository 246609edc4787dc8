"""Opening rooms, joining, waiting, admitting, falling back to telephone and ending the call.

Every change is audited, inside one transaction with the change; what the open sockets are told
(`events`) is sent only once that transaction commits. The outcome of the contact is proposed
from what happened in the room: who arrived and when, whether the call fell back to telephone, and
how often it dropped (E16, E17), so the evaluation counts video contacts as they really went; the
clinician confirms it (`rooms.outcomes`), and only a room nobody ended is recorded unseen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from caremode.accounts.models import User
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.core import codes
from caremode.core.errors import DomainError
from caremode.core.links import hash_token, new_link
from caremode.core.presenters import nhs_datetime
from caremode.messaging.models import Channel
from caremode.messaging.purposes import Purpose
from caremode.messaging.services import queue_message
from caremode.people.consent import may_join_contacts
from caremode.people.models import Carer, ServiceUser
from caremode.rooms import events
from caremode.rooms.access import pass_holds
from caremode.rooms.errors import PassInUseElsewhereError, PassNotValidError, RoomError
from caremode.rooms.models import MAX_PARTICIPANTS, Participant, Role, Room, RoomPass
from caremode.rooms.outcomes import NOT_SEEN_AFTER_MINUTES, propose_outcome
from caremode.rooms.providers import current_provider
from caremode.rooms.safe_word import contains_safe_word
from caremode.scheduling.models import Contact
from caremode.scheduling.services.interpreters import describe as describe_interpreter
from caremode.scheduling.services.interpreters import interpreter_address
from caremode.scheduling.services.outcomes import record_outcome
from caremode.scheduling.services.reminders import (
    carer_address,
    list_recipients,
    persons_appointment,
)

PASS_VALID_AFTER_END = dt.timedelta(hours=1)


@dataclass(frozen=True)
class IssuedLink:
    role: str
    label: str
    url: str


@transaction.atomic
def issue_pass(*, actor: User, room: Room, role: str, label: str) -> IssuedLink:
    """A new single-use link for `role`; earlier unused links for the same person stop working.
    A carer's link is only ever for the carer invited to the contact, with the service user's
    consent to join, and names that carer (RoomError on `role` otherwise). Audited."""
    if role not in (Role.SERVICE_USER, Role.CARER, Role.INTERPRETER):
        raise RoomError("Links are for the service user, a carer or an interpreter.", field="role")
    carer = None
    if role == Role.CARER:
        carer = _check_carer_may_join(room.contact)
        label = str(carer)
    now = timezone.now()
    RoomPass.objects.filter(room=room, role=role, label=label, used_at__isnull=True).update(
        expires_at=now
    )
    link = new_link()
    issued = RoomPass.objects.create(
        room=room,
        role=role,
        label=label,
        carer=carer,
        token_hash=link.token_hash,
        expires_at=room.contact.end_at + PASS_VALID_AFTER_END,
        created_at=now,
    )
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        obj=issued,
        subject_id=room.contact.service_user_id,
        detail={"room": room.pk, "role": role},
    )
    return IssuedLink(role, label, link.url("/rooms/join/{token}/"))


def _check_carer_may_join(contact: Contact) -> Carer:
    """The carer invited to `contact`, if the contact's service user consents to them joining
    (a consent given by anyone else never counts); else RoomError on `role`."""
    carer = contact.carer_invited
    if carer is None:
        raise RoomError("No carer is invited to this contact.", field="role")
    if not may_join_contacts(carer, contact.service_user_id):
        raise RoomError(
            f"{carer} no longer has consent to join contacts, so cannot be sent a link.",
            field="role",
        )
    return carer


@transaction.atomic
def open_room(
    *, actor: User, contact: Contact, safe_word: str = ""
) -> tuple[Room, list[IssuedLink]]:
    """Open the room of a video contact and send the links through the outbox: to the service
    user (and a carer invited with consent to join) by the channels they accept, and to the
    interpreter arranged with the contact (E14) at the interpreting service, with the language
    and time. Opening again reissues the links. Each link goes only to its own person: no other
    carer is sent one. RoomError on `contact` for a contact that is not by video, has an
    outcome, or whose room is closed. Audited."""
    if contact.planned_mode != "video":
        raise RoomError("Only a video contact has a video room.", field="contact")
    if contact.has_outcome:
        raise RoomError("This contact already has an outcome.", field="contact")
    room, created = Room.objects.select_for_update().get_or_create(
        contact=contact,
        defaults={
            "opened_by": actor,
            "opened_at": timezone.now(),
            "provider": current_provider().name,
            "safe_word": safe_word.strip(),
        },
    )
    if not created and not room.is_open:
        raise RoomError("This room has been closed.", field="contact")
    if not created and safe_word:
        room.safe_word = safe_word.strip()
        room.save(update_fields=["safe_word"])
    person = contact.service_user
    links = [issue_pass(actor=actor, room=room, role=Role.SERVICE_USER, label=person.given_name)]
    if contact.carer_invited_id:
        links.append(
            issue_pass(actor=actor, room=room, role=Role.CARER, label=str(contact.carer_invited))
        )
    # An interpreter beside the person needs no link of their own (one can still be made).
    if contact.interpreter_needed and contact.interpreting != "in_person":
        links.append(
            issue_pass(
                actor=actor, room=room, role=Role.INTERPRETER, label=interpreter_label(contact)
            )
        )
    if created:
        record_event(
            actor=actor,
            action=AuditAction.CREATE,
            obj=room,
            subject_id=person.pk,
            detail={"contact": contact.pk, "provider": room.provider},
        )
    for link in links:
        _send_link(contact, link)
    return room, links


def interpreter_label(contact: Contact) -> str:
    """ "Interpreter (Polish)": the name an interpreter's pass and place in the room carry."""
    if contact.interpreter_language:
        return f"Interpreter ({codes.LANGUAGES[contact.interpreter_language]})"
    return "Interpreter"


@transaction.atomic
def send_new_link(*, actor: User, room: Room, role: str) -> IssuedLink:
    """A new link for `role` in an open room, sent through the outbox to its own person as
    `open_room` sends it (the person by the channels they accept, the invited carer with
    consent to join, the interpreter at the interpreting service); their earlier unused link
    stops working. Raises RoomError on `role` as `issue_pass` does, or on `contact` when the
    room is closed. Audited."""
    if not room.is_open:
        raise RoomError("This room has been closed.", field="contact")
    contact = room.contact
    labels: dict[str, str] = {
        Role.SERVICE_USER: contact.service_user.given_name,
        Role.CARER: str(contact.carer_invited or ""),
        Role.INTERPRETER: interpreter_label(contact),
    }
    label = labels.get(role, "")
    link = issue_pass(actor=actor, room=room, role=role, label=label)
    _send_link(contact, link)
    return link


def _send_link(contact: Contact, link: IssuedLink) -> None:
    """Queue `link` to each of its own person's addresses (`_own_addresses`)."""
    when = nhs_datetime(contact.start)
    whose = persons_appointment(contact)  # a carer is told of "Megan's video appointment"
    for channel, address, label, carer, _link in _own_addresses(contact, [link]):
        if link.role == Role.INTERPRETER:
            queue_message(
                service_user=contact.service_user,
                channel=channel,
                recipient=address,
                recipient_label=label,
                subject=f"Video room link: interpreter, {when}",
                body=(
                    f"You are booked to interpret ({describe_interpreter(contact)}) in a "
                    f"video appointment on {when}, {contact.duration_minutes} minutes, with "
                    f"{contact.clinician} of {contact.team.name}. Reference CM-{contact.pk}. "
                    f"Join from this link on the day (it works once, on one phone or computer, "
                    f"until an hour after the end): {link.url} You will wait until the clinician "
                    f"lets you in. Try your camera and sound first: "
                    f"{settings.CAREMODE_BASE_URL}/rooms/test/"
                ),
                purpose=Purpose.ROOM_LINK,
                reference=f"contact:{contact.pk}",
                for_interpreter=True,
            )
            continue
        title = whose[0].upper() + whose[1:] if carer else "Your video appointment"
        queue_message(
            service_user=contact.service_user,
            carer=carer,
            channel=channel,
            recipient=address,
            recipient_label=label,
            subject=title,
            body=(
                f"{title} is on {when}. Join from this link on the day (it is yours alone: "
                "if you open it on another phone or computer you will be asked to show it is "
                f"you): {link.url} "
                f"You will wait until {'the' if carer else 'your'} clinician lets you in. Try "
                f"your camera and sound first: {settings.CAREMODE_BASE_URL}/rooms/test/"
            ),
            purpose=Purpose.ROOM_LINK,
            reference=f"contact:{contact.pk}",
        )


def _own_addresses(
    contact: Contact, links: list[IssuedLink]
) -> list[tuple[str, str, str, Carer | None, IssuedLink]]:
    """(channel, address, label, carer, link): each link only to its own person, matched by who
    they are, never by name. The service user's by the channels they accept; the invited carer's
    to that carer alone (their consent to join was checked when the link was issued, and the
    worker checks it again at send time); the interpreter's to the interpreting service; other
    carers get no link."""
    person, invited = contact.service_user, contact.carer_invited
    found: list[tuple[str, str, str, Carer | None, IssuedLink]] = []
    for link in links:
        if link.role == Role.SERVICE_USER:
            whose = [r for r in list_recipients(person) if r.carer is None]
        elif link.role == Role.CARER and invited is not None:
            whose = carer_address(invited)
        elif link.role == Role.INTERPRETER:
            found.append((Channel.EMAIL, interpreter_address(), link.label, None, link))
            continue
        else:
            continue
        found.extend((r.channel, r.address, r.label, r.carer, link) for r in whose)
    return found


@transaction.atomic
def redeem_pass(*, token: str, session_key: str) -> RoomPass:
    """The pass for `token`, bound to this browser session. Single use: a pass already used by
    another browser raises PassInUseElsewhereError (its holder may re-open it here after a
    check: `rooms.reopening`); expired, revoked, a carer's whose consent to join was withdrawn,
    or unknown raises PassNotValidError on `token`. Audited."""
    found = (
        RoomPass.objects.select_related("room__contact")
        .filter(token_hash=hash_token(token))
        .first()
    )
    now = timezone.now()
    if found is None:
        raise PassNotValidError("This link is not recognised. Ask for a new one.", field="token")
    if found.expires_at <= now or not found.room.is_open:
        raise PassNotValidError("This link has expired. Ask for a new one.", field="token")
    if not pass_holds(found, now=now):
        raise PassNotValidError("This link no longer works. Ask for a new one.", field="token")
    if found.used_at is not None:
        if found.session_key == session_key:
            return found  # the same browser coming back
        raise PassInUseElsewhereError(
            "This link has already been used on another phone or computer.", pass_id=found.pk
        )
    claimed = RoomPass.objects.filter(pk=found.pk, used_at__isnull=True).update(
        used_at=now, session_key=session_key
    )
    if not claimed:
        raise PassNotValidError("This link has just been used elsewhere.", field="token")
    record_event(
        actor=None,
        action=AuditAction.UPDATE,
        obj=found,
        subject_id=found.room.contact.service_user_id,
        detail={"used": True, "role": found.role},
    )
    found.refresh_from_db()
    return found


def _check_pass_still_holds(identity: str) -> None:
    """For a pass holder (`pass:<id>`), lock the pass and raise PassNotValidError unless it
    still lets them in; nothing for a signed-in person (the socket identified them)."""
    if not identity.startswith("pass:"):
        return
    pass_id = identity.removeprefix("pass:")
    held = (
        RoomPass.objects.select_for_update()
        .select_related("room__contact")
        .filter(pk=int(pass_id))
        .first()
        if pass_id.isdigit()
        else None
    )
    if held is None or not pass_holds(held):
        raise PassNotValidError("This link no longer lets you in.", field="token")


@transaction.atomic
def arrive(
    *, actor: User | None, room: Room, identity: str, role: str, label: str, channel_name: str
) -> Participant:
    """Someone's browser connected (`actor` None: someone holding a pass). A clinician is in the
    call at once; anyone else waits unless they were already admitted and are coming back after
    a dropped connection. A pass holder's pass is locked and checked again (`pass_holds`), so
    a withdrawal of consent committing at the same moment either comes first and refuses them
    (PassNotValidError) or comes after and finds them here. The arrival is audited."""
    now = timezone.now()
    _check_pass_still_holds(identity)
    participant, created = Participant.objects.get_or_create(
        room=room,
        identity=identity,
        defaults={
            "role": role,
            "label": label,
            "arrived_at": now,
            "status": Participant.Status.ADMITTED
            if role == Role.CLINICIAN
            else Participant.Status.WAITING,
            "admitted_at": now if role == Role.CLINICIAN else None,
        },
    )
    if not created and participant.status == Participant.Status.LEFT:
        participant.status = (
            Participant.Status.ADMITTED if role == Role.CLINICIAN else Participant.Status.WAITING
        )
        participant.left_at = None
    participant.channel_name = channel_name
    participant.connected = True
    participant.save()
    record_event(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=participant,
        subject_id=room.contact.service_user_id,
        detail={"arrived": identity, "role": role, "status": participant.status},
    )
    return participant


@transaction.atomic
def admit(*, actor: User, room: Room, participant_id: int) -> Participant:
    """The clinician lets someone in from the waiting room (at most four in a call). RoomError
    on `participant` if they are no longer waiting or the call is full (counted under the
    room's lock, so two admissions at once cannot both take the last place). Audited."""
    Room.objects.select_for_update().filter(pk=room.pk).first()
    participant = (
        Participant.objects.select_for_update()
        .filter(room=room, pk=participant_id, status=Participant.Status.WAITING)
        .first()
    )
    if participant is None:
        raise RoomError("That person is no longer waiting.", field="participant")
    try:
        _check_pass_still_holds(participant.identity)
    except PassNotValidError as error:
        raise RoomError(
            "That person's link no longer lets them in.", field="participant"
        ) from error
    in_call = room.participants.filter(status=Participant.Status.ADMITTED).count()
    if in_call >= MAX_PARTICIPANTS:
        raise RoomError(
            f"A call holds {MAX_PARTICIPANTS} people; someone must leave first.",
            field="participant",
        )
    participant.status = Participant.Status.ADMITTED
    participant.admitted_at = timezone.now()
    participant.save(update_fields=["status", "admitted_at"])
    record_event(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=participant,
        subject_id=room.contact.service_user_id,
        detail={"admitted": participant.role, "room": room.pk},
    )
    return participant


@transaction.atomic
def disconnect(*, participant_id: int, channel_name: str, left: bool) -> Participant | None:
    """A browser went away: on purpose (`left`), or a dropped connection, which is counted.
    A connection already replaced by a newer one (the same person reconnecting) changes nothing."""
    participant = Participant.objects.filter(pk=participant_id, channel_name=channel_name).first()
    if participant is None:
        return None
    participant.connected = False
    participant.channel_name = ""
    fields = ["connected", "channel_name"]
    if left:
        participant.status = Participant.Status.LEFT
        participant.left_at = timezone.now()
        fields += ["status", "left_at"]
    elif participant.status == Participant.Status.ADMITTED:
        Participant.objects.filter(pk=participant.pk).update(drops=F("drops") + 1)
    participant.save(update_fields=fields)
    participant.refresh_from_db()
    return participant


PRIVACY_VIA = ("question", "safe word")


@transaction.atomic
def answer_privately(*, room: Room, answer: str, via: str = "question") -> None:
    """The service user's answer to "Can you talk privately?" (E9), for the clinician only:
    answered in the waiting room (`via` "question") or by typing the safe word in the chat
    ("safe word", always "no"). A later answer replaces an earlier one. RoomError on `answer`
    for anything but yes or no. Audited, saying how it was given."""
    if answer not in ("yes", "no"):
        raise RoomError("Answer yes or no.", field="answer")
    if via not in PRIVACY_VIA:
        raise RoomError(f"Unknown way of answering {via!r}.", field="via")
    Room.objects.filter(pk=room.pk).update(private_answer=answer)
    record_event(
        actor=None,
        action=AuditAction.UPDATE,
        obj=room,
        subject_id=room.contact.service_user_id,
        detail={"private_answer": answer, "via": via},
    )


class ChatScreen(StrEnum):
    """What becomes of a chat message (`screen_chat`)."""

    RELAY = "relay"  # to everyone in the call
    SAFE_WORD = "safe word"  # withheld; the clinician alone is told the person cannot talk
    WITHHELD = "withheld"  # withheld (someone other than the service user typed the word)


@transaction.atomic
def screen_chat(*, room: Room, sender_role: str, text: str) -> ChatScreen:
    """Decide, before a chat message is relayed, whether it may be: a message containing the
    room's safe word (`safe_word.contains_safe_word`, read afresh so a word changed by opening
    the room again counts) is never relayed to anyone else, whoever typed it. Typed by the
    service user, it is their answer "no" to "Can you talk privately?", recorded and audited as
    that answer is (`answer_privately`, via "safe word"); typed by anyone else it is audited as
    withheld. The message's text is never stored or audited."""
    safe_word = Room.objects.filter(pk=room.pk).values_list("safe_word", flat=True).first()
    if not safe_word or not contains_safe_word(text, safe_word):
        return ChatScreen.RELAY
    if sender_role == Role.SERVICE_USER:
        answer_privately(room=room, answer="no", via="safe word")
        return ChatScreen.SAFE_WORD
    record_event(
        actor=None,
        action=AuditAction.UPDATE,
        obj=room,
        subject_id=room.contact.service_user_id,
        detail={"chat_withheld": "safe word", "role": sender_role},
    )
    return ChatScreen.WITHHELD


FALLBACK_MESSAGE = (
    "The video call is not working well. Your clinician will phone you now on the number we have "
    "for you."
)


@transaction.atomic
def fall_back_to_telephone(*, actor: User, room: Room) -> str:
    """One click: the call continues by telephone on the number on record. Everyone in the room
    is told once this commits; the outcome will say telephone was used and video failed (E16).
    Returns the number; RoomError on `room` when there is none. Audited."""
    person = room.contact.service_user
    if not person.phone:
        raise RoomError(
            f"There is no telephone number on record for {person.given_name}.", field="room"
        )
    if room.fell_back_at is None:
        Room.objects.filter(pk=room.pk).update(fell_back_at=timezone.now())
        record_event(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=room,
            subject_id=person.pk,
            detail={"fell_back_to": "telephone"},
        )
    events.notify_fell_back_to_telephone(room.pk, FALLBACK_MESSAGE)
    return str(person.phone)


@transaction.atomic
def end_call(*, actor: User | None, room: Room, review_outcome: bool = False) -> Contact:
    """Close the room, disconnecting everyone: once it commits, every open socket of the room is
    told the call has closed. With `review_outcome` (the clinician's End) no outcome is saved:
    the clinician confirms or changes the one the room proposes (`outcomes.confirm_outcome`).
    Without it (`actor` None: CareMode's worker closing a room nobody ended) the proposal
    (`outcomes.propose_outcome`) is recorded in the same transaction.

    RoomError on `room` while the service user waits and is not yet late enough to count as not
    seen, or when no one was let in and the booked start is still to come; an outcome that
    cannot be recorded raises its DomainError; either way nothing is written. A call begun more
    than the early-join window before the booked start closes with no outcome proposed.
    Audited. Ending a room already closed changes nothing."""
    room = Room.objects.select_for_update().select_related("contact").get(pk=room.pk)
    contact = room.contact
    if not room.is_open:
        return contact
    if not contact.has_outcome:
        _check_may_end(room, contact)
        proposal = propose_outcome(room)
        if not review_outcome and proposal.proposes:
            record_outcome(
                actor=actor,
                contact=contact,
                began_at=proposal.began_at,
                **proposal.fields(),  # type: ignore[arg-type]
            )
    drops = sum(p.drops for p in room.participants.all())
    Room.objects.filter(pk=room.pk).update(closed_at=timezone.now())
    record_event(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=room,
        subject_id=contact.service_user_id,
        detail={"closed": True, "drops": drops, "outcome_to_review": review_outcome},
    )
    events.notify_room_closed(room.pk)
    contact.refresh_from_db()
    room.refresh_from_db()
    return contact


def _check_may_end(room: Room, contact: Contact) -> None:
    """RoomError on `room` when ending now would leave the outcome wrong: no one let in and the
    booked start still to come, or the service user waiting and not yet late enough to count
    as not seen."""
    person = room.participants.filter(role=Role.SERVICE_USER).first()
    if person is not None and person.admitted_at is not None:
        return
    if contact.start > timezone.now():
        raise RoomError(
            f"No one has been let in yet, and this appointment starts at "
            f"{nhs_datetime(contact.start)}. Let them in when they arrive, or cancel the "
            "contact from its page.",
            field="room",
        )
    if person is not None:
        late = (person.arrived_at - contact.start).total_seconds() / 60
        if late <= NOT_SEEN_AFTER_MINUTES:
            raise RoomError(
                f"{person.label} is waiting: let them in, or record the outcome on the "
                "contact's page.",
                field="room",
            )


ABANDONED_AFTER = dt.timedelta(minutes=30)


def close_abandoned_rooms(*, now: dt.datetime | None = None) -> int:
    """Rooms still open half an hour after their contact ended: closed, with the outcome the
    room shows (a no-show is a did-not-attend, with its follow-up), so none is left unrecorded
    (E17); their open sockets are told. A room where someone waited but was never let in is
    left for the clinician. Each room in its own transaction (`end_call`). Returns how many."""
    now = now or timezone.now()
    closed = 0
    stale = Room.objects.filter(
        closed_at__isnull=True, contact__end_at__lte=now - ABANDONED_AFTER
    ).select_related("contact__service_user", "contact__team")
    for room in stale:
        try:
            end_call(actor=None, room=room)
        except DomainError:  # someone still waits, or the outcome was recorded meanwhile
            continue
        closed += 1
    return closed


@transaction.atomic
def revoke_carer_passes(*, actor: User | None, carer: Carer, service_user: ServiceUser) -> int:
    """Withdraw `carer`'s way into `service_user`'s video rooms, as consent is withdrawn: every
    pass of theirs for this person's rooms is revoked (redeemed or not), and their place in any
    room is marked left. Each is audited. Once the transaction commits, their open sockets are
    closed, the call is told they left, and the clinician's waiting list is refreshed. Call it
    inside the transaction that withdraws the consent. Returns the number of passes revoked."""
    now = timezone.now()
    passes = list(
        RoomPass.objects.select_for_update().filter(
            role=Role.CARER,
            carer=carer,
            room__contact__service_user=service_user,
            revoked_at__isnull=True,
        )
    )
    for held in passes:
        RoomPass.objects.filter(pk=held.pk).update(revoked_at=now)
        record_event(
            actor=actor,
            action=AuditAction.REVOKE,
            obj=held,
            subject_id=service_user.pk,
            detail={"room": held.room_id, "role": held.role, "why": "consent withdrawn"},
        )
        participant = (
            Participant.objects.select_for_update()
            .filter(room_id=held.room_id, identity=f"pass:{held.pk}")
            .exclude(status=Participant.Status.LEFT)
            .first()
        )
        if participant is not None:
            participant.status = Participant.Status.LEFT
            participant.left_at = now
            participant.connected = False
            participant.channel_name = ""
            participant.save(update_fields=["status", "left_at", "connected", "channel_name"])
            record_event(
                actor=actor,
                action=AuditAction.UPDATE,
                obj=participant,
                subject_id=service_user.pk,
                detail={"left": True, "why": "consent withdrawn", "room": held.room_id},
            )
        events.notify_pass_revoked(
            room_id=held.room_id,
            pass_id=held.pk,
            participant_id=participant.pk if participant is not None else None,
        )
    return len(passes)
