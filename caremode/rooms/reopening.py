"""Re-opening a join link on another phone or computer (E10, hazard V11).

A link works once, in one browser. Someone who moves from their phone to a laptop opens the same
link there and is asked to show it is them: the service user gives their date of birth; a carer
is sent a code at their own address through the outbox; an interpreter (whose link the clinician
passed on) asks for a new one. A right answer moves the pass to the new browser, ends the first
browser's place in the room (it is told, and disconnected), and the person waits to be let in
again. The link still expires as before. Wrong answers are counted: after
`MAX_REOPEN_FAILURES` the pass can no longer be re-opened. Every attempt is audited; the date of
birth and the code are never stored or audited (only a code's hash, until used).
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass
from typing import Literal

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from caremode.accounts.models import User
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.messaging.purposes import Purpose
from caremode.messaging.services import queue_message
from caremode.rooms import events
from caremode.rooms.access import may_join_as_invited_carer, pass_holds
from caremode.rooms.errors import PassNotValidError, RoomError
from caremode.rooms.models import Participant, Role, Room, RoomPass
from caremode.rooms.selectors import get_carer_pass
from caremode.scheduling.services.reminders import carer_address, persons_appointment

MAX_REOPEN_FAILURES = 5  # wrong dates of birth or codes before the pass is locked
MAX_CODES = 3  # codes sent for one pass
CODE_VALID = dt.timedelta(minutes=10)

Check = Literal["date_of_birth", "code", "ask_for_a_new_link"]


def check_for(held: RoomPass) -> Check:
    """How the holder of `held` shows it is them: the service user by date of birth; a carer
    with an address by a code sent there; anyone else asks the clinician for a new link."""
    if held.role == Role.SERVICE_USER:
        return "date_of_birth"
    if held.role == Role.CARER and held.carer is not None and carer_address(held.carer):
        return "code"
    return "ask_for_a_new_link"


def tries_left(held: RoomPass) -> int:
    return max(MAX_REOPEN_FAILURES - held.reopen_failures, 0)


def _locked_pass(pass_id: int) -> RoomPass:
    """The pass, locked, if it may still be re-opened; else PassNotValidError on `token`."""
    held = (
        RoomPass.objects.select_for_update(of=("self",))  # the carer join is an outer join
        .select_related("room__contact__service_user", "carer")
        .filter(pk=pass_id)
        .first()
    )
    if held is None or not held.room.is_open or not pass_holds(held):
        raise PassNotValidError("This link no longer works. Ask for a new one.", field="token")
    if held.used_at is None:
        raise PassNotValidError("This link has not been opened yet: use it as it is.")
    if tries_left(held) == 0:
        raise PassNotValidError(
            "This link has been locked after too many tries. Contact your care team: they can "
            "send a new link, or phone you instead.",
            field="token",
        )
    return held


def _code_hash(held: RoomPass, code: str) -> str:
    """A code's keyed hash (a six-digit code has too few values for a plain hash to hide it)."""
    return salted_hmac("caremode.rooms.reopen", f"{held.pk}:{code}", algorithm="sha256").hexdigest()


def _audit(held: RoomPass, detail: dict[str, object]) -> None:
    record_event(
        actor=None,
        action=AuditAction.UPDATE,
        obj=held,
        subject_id=held.room.contact.service_user_id,
        detail={"reopen": True, "role": held.role, **detail},
    )


@transaction.atomic
def send_reopen_code(*, pass_id: int) -> str:
    """Send a six-digit code, valid for ten minutes, to the invited carer's own address (the
    outbox, as every message), replacing any earlier code. Returns where it went, in words
    ("your mobile phone ending 123"). PassNotValidError on `token` for a pass that no longer
    works or is locked; RoomError on `code` for a pass with no address to send to, or after
    `MAX_CODES` codes. Audited (never the code)."""
    held = _locked_pass(pass_id)
    if check_for(held) != "code":
        raise RoomError("We cannot send a code for this link. Ask for a new one.", field="code")
    if held.codes_sent >= MAX_CODES:
        raise RoomError(
            "We have sent as many codes as we can. Contact your care team for a new link.",
            field="code",
        )
    assert held.carer is not None
    [address] = carer_address(held.carer)
    code = f"{secrets.randbelow(10**6):06d}"
    now = timezone.now()
    RoomPass.objects.filter(pk=held.pk).update(
        code_hash=_code_hash(held, code),
        code_expires_at=now + CODE_VALID,
        codes_sent=held.codes_sent + 1,
    )
    contact = held.room.contact
    queue_message(
        service_user=contact.service_user,
        carer=held.carer,
        channel=address.channel,
        recipient=address.address,
        recipient_label=address.label,
        subject="Your code for the video appointment",
        body=(
            f"Your code to open the link for {persons_appointment(contact)} on this phone or "
            f"computer is {code}. It works for 10 minutes. If you did not ask for it, tell the "
            "care team."
        ),
        purpose=Purpose.ROOM_LINK,
        reference=f"room-pass-code:{held.pk}",
    )
    _audit(held, {"code_sent": address.channel})
    if address.channel == "sms":
        return f"your mobile phone ending {address.address[-3:]}"
    name, _, domain = address.address.partition("@")
    return f"your email address {name[:1]}…@{domain}"


def _end_first_browser(held: RoomPass, now: dt.datetime) -> None:
    """The browser that held `held` before loses its place: marked left, and once this
    commits its sockets are told and closed, the call told they left, the clinician who waits."""
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
    events.notify_pass_moved(
        room_id=held.room_id,
        pass_id=held.pk,
        participant_id=participant.pk if participant is not None else None,
    )


@dataclass(frozen=True)
class ReopenAnswer:
    """A check answered: the pass now bound to this browser, or None with the tries left."""

    reopened: RoomPass | None
    tries_left: int


@transaction.atomic
def reopen_pass(
    *,
    pass_id: int,
    session_key: str,
    date_of_birth: dt.date | None = None,
    code: str = "",
) -> ReopenAnswer:
    """Re-open a used link in this browser (`session_key`) once its holder passed the check
    (`check_for`): the service user's date of birth, or a carer's unexpired code. On success the
    pass is bound to this browser, the code is spent, the first browser's place in the room is
    marked left and, on commit, its sockets are told and closed, the call is told they left and
    the clinician sees who waits; they wait to be let in again. A wrong answer is counted
    (ReopenAnswer with no pass and the tries left). PassNotValidError on `token` for a link that
    no longer works (expired, revoked, room closed) or is locked. Audited, each attempt."""
    held = _locked_pass(pass_id)
    now = timezone.now()
    check = check_for(held)
    if check == "date_of_birth":
        right = date_of_birth is not None and (
            date_of_birth == held.room.contact.service_user.date_of_birth
        )
    elif check == "code":
        right = bool(
            code.strip()
            and held.code_hash
            and held.code_expires_at is not None
            and held.code_expires_at > now
            and hmac.compare_digest(held.code_hash, _code_hash(held, code.strip()))
        )
    else:
        raise PassNotValidError(
            "This link was opened on another phone or computer. Ask for a new one.",
            field="token",
        )
    if not right:
        RoomPass.objects.filter(pk=held.pk).update(reopen_failures=held.reopen_failures + 1)
        held.reopen_failures += 1
        _audit(held, {"reopened": False, "check": check, "tries_left": tries_left(held)})
        return ReopenAnswer(None, tries_left(held))
    RoomPass.objects.filter(pk=held.pk).update(
        session_key=session_key,
        reopened_at=now,
        reopen_failures=0,
        code_hash="",
        code_expires_at=None,
    )
    _end_first_browser(held, now)
    _audit(held, {"reopened": True, "check": check})
    held.refresh_from_db()
    return ReopenAnswer(held, tries_left(held))


@transaction.atomic
def take_pass_as_signed_in_carer(*, user: User, room: Room, session_key: str) -> RoomPass:
    """A carer signed in to CareMode joins from their own page: their pass for `room` (the one
    sent to them) is bound to this browser, their sign-in standing for the check. As with any
    re-opening, a browser that held it before is told and disconnected. RoomError on `room`
    unless they are the carer invited with the service user's current consent to join
    (`access.may_join_as_invited_carer`), the room is open and a link was issued to them.
    Audited."""
    if not room.is_open or not may_join_as_invited_carer(user, room.contact):
        raise RoomError("You cannot join this video appointment.", field="room")
    found = get_carer_pass(room)
    held = (
        RoomPass.objects.select_for_update().filter(pk=found.pk).first()
        if found is not None
        else None
    )
    if held is None or not pass_holds(held):
        raise RoomError(
            "There is no link for you for this appointment yet. Ask the care team to send one.",
            field="room",
        )
    if held.session_key == session_key:
        return held
    now = timezone.now()
    moved_from_another = held.used_at is not None
    RoomPass.objects.filter(pk=held.pk).update(
        session_key=session_key, used_at=held.used_at or now, reopened_at=now
    )
    if moved_from_another:
        _end_first_browser(held, now)
    record_event(
        actor=user,
        action=AuditAction.UPDATE,
        obj=held,
        subject_id=room.contact.service_user_id,
        detail={"used": True, "role": held.role, "signed_in": True, "moved": moved_from_another},
    )
    held.refresh_from_db()
    return held
