"""Interpreters arranged with contacts (E14): the language and how come from the person's access
need; the interpreting service is asked through the outbox when a contact is booked, and told
when it moves or is cancelled. A video contact's interpreter link is sent by `rooms` when the
room opens (`rooms.services.open_room`), with the same language and time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from caremode.accounts.models import User
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.core import codes
from caremode.core.presenters import interpreter_words, nhs_datetime
from caremode.messaging.models import Channel
from caremode.messaging.purposes import Purpose
from caremode.messaging.services import queue_message
from caremode.people.models import ServiceUser
from caremode.people.selectors import get_interpreter_need
from caremode.scheduling.errors import InterpreterNotArrangedError
from caremode.scheduling.models import Contact

# How an interpreter takes part when the need was recorded before CareMode asked (only the
# person's main language known): the way the contact itself is held.
INTERPRETING_FOR_MODE = {"face_to_face": "in_person", "telephone": "telephone", "video": "video"}


@dataclass(frozen=True)
class Interpreter:
    language: str
    interpreting: str


def interpreter_needed_for(service_user: ServiceUser, *, mode: str) -> Interpreter | None:
    """The interpreter a contact with this person in `mode` needs, or None.

    The current "needs an interpreter" access need gives the language and how. What it leaves
    out (a need recorded before CareMode asked, or a person only marked as needing one) is
    taken from the person's main language, unless that is English, and from the way the contact
    is held, unless that has no interpreter way (text, email). When either is still unknown,
    nothing can be arranged and the contact shows the interpreter as requested only.
    """
    need = get_interpreter_need(service_user)
    if need is None and not service_user.interpreter_needed:
        return None
    main = "" if service_user.main_language == "en" else service_user.main_language
    language = (need.language if need is not None else "") or main
    how = (need.interpreting if need is not None else "") or INTERPRETING_FOR_MODE.get(mode, "")
    return Interpreter(language, how) if language and how else None


def interpreter_asked_for(
    service_user: ServiceUser, *, mode: str, language: str, interpreting: str = ""
) -> Interpreter:
    """The interpreter a booker asks for by language (and how, if they say), checked against
    what CareMode records of the person.

    Raises InterpreterNotArrangedError (field `interpreter`) when the language is not one
    CareMode knows or is English, when the person's current interpreter need names another
    language (the record is corrected first: CareMode never keeps two answers to "which
    language?"), or when how the interpreter takes part is not said and cannot be taken from
    the need or the way the contact is held. How, when not said, comes as in
    `interpreter_needed_for`.
    """
    if language not in codes.LANGUAGES or language == "en":
        raise InterpreterNotArrangedError(
            f"CareMode arranges interpreters in {', '.join(sorted(set(codes.LANGUAGES) - {'en'}))}"
            f", not {language!r}.",
            field="interpreter",
        )
    if interpreting and interpreting not in codes.INTERPRETING:
        raise InterpreterNotArrangedError(
            f"An interpreter takes part {', '.join(codes.INTERPRETING)}, not {interpreting!r}.",
            field="interpreter",
        )
    need = get_interpreter_need(service_user)
    if need is not None and need.language and need.language != language:
        raise InterpreterNotArrangedError(
            f"{service_user.full_name}'s recorded interpreter need is "
            f"{codes.LANGUAGES.get(need.language, need.language)}, not "
            f"{codes.LANGUAGES[language]}: correct the need in CareMode first.",
            field="interpreter",
        )
    how = (
        interpreting
        or (need.interpreting if need is not None else "")
        or INTERPRETING_FOR_MODE.get(mode, "")
    )
    if not how:
        raise InterpreterNotArrangedError(
            f"Say how the interpreter takes part ({', '.join(codes.INTERPRETING)}): a "
            f"{codes.MODES[mode][1].lower()} contact has no way of its own.",
            field="interpreter",
        )
    return Interpreter(language, how)


def interpreter_address() -> str:
    """Where interpreter bookings go: the trust's interpreting service."""
    return str(settings.CAREMODE_INTERPRETING_EMAIL)


def describe(contact: Contact) -> str:
    """ "Polish, by video": the language and how, as the messages and the pages say them."""
    return interpreter_words(contact.interpreter_language, contact.interpreting)


def _booking_text(contact: Contact) -> str:
    team = contact.team
    phone = f" on {team.phone}" if team.phone else ""
    where = {
        "in_person": "In person: the team will confirm where.",
        "telephone": "By telephone: the clinician will call you and join the person to the call.",
        "video": "By video: your link to the video room will be sent when the room is opened.",
    }[contact.interpreting]
    return (
        f"Interpreter needed: {describe(contact)}. "
        f"{codes.CONTACT_TYPES[contact.consultation_type]} on {nhs_datetime(contact.start)}, "
        f"{contact.duration_minutes} minutes, with {contact.clinician} of {team.name}. "
        f"{where} Reference CM-{contact.pk}. Questions: contact {team.name}{phone}."
    )


def _queue(contact: Contact, *, subject: str, body: str) -> None:
    queue_message(
        service_user=contact.service_user,
        channel=Channel.EMAIL,
        recipient=interpreter_address(),
        recipient_label=f"Interpreter ({describe(contact)})",
        subject=subject,
        body=body,
        purpose=Purpose.INTERPRETER_BOOKING,
        reference=f"contact:{contact.pk}",
        for_interpreter=True,
    )


def arrange_interpreter(
    *, actor: User, contact: Contact, interpreter: Interpreter, now: dt.datetime
) -> Contact:
    """Record the interpreter on `contact` and ask the interpreting service for them.

    Called inside `book_contact`'s transaction. Sets the contact's language, how and when it
    was arranged; queues one email to the interpreting service (for the interpreter only, with
    no name of the person) with the language, how, time, length, clinician and team. Audited as
    an update of the contact.
    """
    contact.interpreter_needed = True
    contact.interpreter_language = interpreter.language
    contact.interpreting = interpreter.interpreting
    contact.interpreter_arranged_at = now
    contact.save(
        update_fields=[
            "interpreter_needed",
            "interpreter_language",
            "interpreting",
            "interpreter_arranged_at",
        ]
    )
    _queue(
        contact,
        subject=f"Interpreter booking: {describe(contact)}, {nhs_datetime(contact.start)}",
        body=_booking_text(contact),
    )
    record_event(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=contact,
        subject_id=contact.service_user_id,
        detail={
            "interpreter_arranged": True,
            "language": interpreter.language,
            "interpreting": interpreter.interpreting,
        },
    )
    return contact


def tell_interpreter_of_change(contact: Contact, *, what: str) -> None:
    """Tell the interpreting service that an arranged interpreter's contact moved or was
    cancelled (`what` says which, in words). Nothing when no interpreter was arranged."""
    if contact.interpreter_arranged_at is None:
        return
    _queue(
        contact,
        subject=f"Interpreter booking changed: reference CM-{contact.pk}",
        body=f"{what} Interpreter: {describe(contact)}. Reference CM-{contact.pk}. "
        + (_booking_text(contact) if not contact.has_outcome else ""),
    )
