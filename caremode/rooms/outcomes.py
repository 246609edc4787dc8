"""The outcome a video room proposes, and the clinician's confirmation of it (E16, E17).

Ending a call closes the room; what the room saw (who arrived and when, whether the call fell
back to telephone, how often it dropped, whether an interpreter was let in) becomes a proposed
outcome that the clinician confirms or changes before it is saved (`confirm_outcome`). Only a
room nobody ended is recorded without a person looking (the worker's
`services.close_abandoned_rooms`). A later correction goes through
`scheduling.services.correct_outcome`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import transaction

from caremode.accounts.models import User
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.core import codes
from caremode.rooms.errors import RoomError
from caremode.rooms.models import Role, Room
from caremode.scheduling.models import Contact
from caremode.scheduling.services.outcomes import record_outcome

LATE_AFTER_MINUTES = 5  # arriving later than this is "arrived late" (AttendStatus 6)
NOT_SEEN_AFTER_MINUTES = 15  # never admitted and later than this: "arrived late, not seen" (7)
REPEATED_DROPS = 2  # a call that dropped this often counts as a technical failure (E16)


def early_join_window() -> dt.timedelta:
    """How long before its booked start a call may begin and still count as the contact
    (`CAREMODE_ROOM_EARLY_JOIN_MINUTES`, hazard V5b)."""
    return dt.timedelta(minutes=settings.CAREMODE_ROOM_EARLY_JOIN_MINUTES)


def began_in_time(contact: Contact, admitted_at: dt.datetime) -> bool:
    """Whether a call whose service user was let in at `admitted_at` counts as `contact`: not
    earlier than the early-join window before its booked start. One begun earlier still ends and
    closes, but no outcome is guessed from it; the clinician records it once the contact starts."""
    return admitted_at >= contact.start - early_join_window()


@dataclass(frozen=True)
class ProposedOutcome:
    """What the room saw, as an outcome. `attend_status` "" when it proposes none (a call begun
    before the early-join window); `reasons` say why a technical failure is proposed."""

    attend_status: str
    mode_used: str = ""
    technical_failure: bool = False
    reasons: tuple[str, ...] = ()
    late_start_minutes: int | None = None
    interpreter_present: bool = False
    notes: str = ""
    began_at: dt.datetime | None = None
    arrived_at: dt.datetime | None = None
    late_minutes: int = 0

    @property
    def proposes(self) -> bool:
        return bool(self.attend_status)

    def fields(self) -> dict[str, object]:
        """The proposal as `record_outcome`'s arguments (and the review form's fields)."""
        return {
            "attend_status": self.attend_status,
            "mode_used": self.mode_used,
            "technical_failure": self.technical_failure,
            "ended_early": False,
            "interpreter_present": self.interpreter_present,
            "late_start_minutes": self.late_start_minutes,
            "notes": self.notes,
        }


def propose_outcome(room: Room) -> ProposedOutcome:
    """The outcome the room proposes from what it observed (reads only): attended on time or
    late (arrival more than `LATE_AFTER_MINUTES` after the start), by video or by telephone
    after a fallback; a technical failure when it fell back or dropped `REPEATED_DROPS` times or
    more, saying which; the late start; an interpreter let in. Someone who waited and was never
    let in: arrived late, not seen; no one: did not attend. A call begun before the early-join
    window proposes nothing."""
    contact = room.contact
    people = list(room.participants.all())
    person = next((p for p in people if p.role == Role.SERVICE_USER), None)
    drops = sum(p.drops for p in people)
    reasons = []
    if room.fell_back_at:
        reasons.append("Video failed; continued by telephone.")
    if drops:
        reasons.append(f"The video connection dropped {drops} time(s).")
    if person is None:
        return ProposedOutcome("3", notes="Did not arrive in the video room.")
    arrived = person.arrived_at
    late = (arrived - contact.start).total_seconds() / 60
    late_minutes = max(int(late), 0)
    if person.admitted_at is None:
        return ProposedOutcome(
            "7", notes="Arrived late.", arrived_at=arrived, late_minutes=late_minutes
        )
    if not began_in_time(contact, person.admitted_at):
        return ProposedOutcome("", arrived_at=arrived, late_minutes=late_minutes)
    started = (person.admitted_at - contact.start).total_seconds() / 60
    return ProposedOutcome(
        "6" if late > LATE_AFTER_MINUTES else "5",
        mode_used="telephone" if room.fell_back_at else "video",
        technical_failure=bool(room.fell_back_at) or drops >= REPEATED_DROPS,
        reasons=tuple(reasons),
        late_start_minutes=int(started) if started >= 1 else None,
        interpreter_present=any(
            p.role == Role.INTERPRETER and p.admitted_at is not None for p in people
        ),
        notes=" ".join(reasons),
        began_at=person.admitted_at,
        arrived_at=arrived,
        late_minutes=late_minutes,
    )


def _audited(proposal: ProposedOutcome) -> dict[str, object]:
    found = asdict(proposal)
    for moment in ("began_at", "arrived_at"):
        found[moment] = found[moment].isoformat() if found[moment] else None
    found["reasons"] = list(proposal.reasons)
    return found


@transaction.atomic
def confirm_outcome(
    *,
    actor: User,
    room: Room,
    attend_status: str,
    mode_used: str = "",
    technical_failure: bool = False,
    ended_early: bool = False,
    interpreter_present: bool = False,
    late_start_minutes: int | None = None,
    notes: str = "",
) -> Contact:
    """Save the outcome of an ended call as the clinician confirmed or changed it from the
    room's proposal (`propose_outcome`), through `scheduling.services.record_outcome` with its
    checks. A call that began a little early (within the window) may be saved as attended
    before its booked start, from when it began; otherwise not before the start.

    Raises RoomError on `room` while the room is still open; record_outcome's DomainErrors
    (naming the field) for a bad outcome, before the start, or when an outcome already exists
    (correct it instead). Nothing is written then. Audited on the room with the proposal and
    the fields the clinician changed (record_outcome audits the contact)."""
    room = Room.objects.select_for_update().select_related("contact").get(pk=room.pk)
    if room.is_open:
        raise RoomError("End the call first, then confirm its outcome.", field="room")
    proposal = propose_outcome(room)
    chosen = {
        "attend_status": attend_status,
        "mode_used": mode_used if attend_status in codes.ATTENDED else "",
        "technical_failure": technical_failure,
        "ended_early": ended_early,
        "interpreter_present": interpreter_present,
        "late_start_minutes": late_start_minutes,
        "notes": notes,
    }
    contact = record_outcome(
        actor=actor,
        contact=room.contact,
        began_at=proposal.began_at if proposal.proposes else None,
        **chosen,  # type: ignore[arg-type]
    )
    proposed = proposal.fields()
    record_event(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=room,
        subject_id=contact.service_user_id,
        detail={
            "outcome_confirmed": attend_status,
            "proposed": _audited(proposal),
            "changed": sorted(k for k, v in chosen.items() if k != "notes" and proposed[k] != v),
        },
    )
    return contact
