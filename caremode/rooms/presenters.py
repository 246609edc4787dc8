"""What the room pages show, in words: what the waiting room tells the person (when the
appointment is, with whom, what to do if nobody lets them in: hazard V7; what happens after the
call: V8), and the outcome a room proposes, as summary-list rows (V10)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from caremode.core import codes
from caremode.core.presenters import mode_label, nhs_datetime, nhs_time
from caremode.rooms.outcomes import ProposedOutcome
from caremode.scheduling.models import Contact

# Minutes after the booked start, still waiting, before the person is told to phone the team.
NOBODY_CAME_MINUTES = 10


@dataclass(frozen=True)
class WaitingRoomFacts:
    when: str  # "Thursday 3 December 2026 at 3pm"
    clinician: str
    team: str
    team_phone: str  # "" when the team has no number recorded
    phone_by: str  # "3:10pm": when to phone if nobody has let them in
    phone_in_seconds: int  # from now until then (0 once past): the page's own timer counts
    # down from this, so a phone or computer whose clock is wrong still reminds on time

    @property
    def nobody_came(self) -> str:
        """The plain instruction for someone still waiting `NOBODY_CAME_MINUTES` after the
        start. Without a team number it points to the number they were given, never nowhere."""
        if self.team_phone:
            return (
                f"If nobody has let you in by {self.phone_by}, phone {self.team} on "
                f"{self.team_phone}. Tell them you are in the video waiting room."
            )
        return (
            f"If nobody has let you in by {self.phone_by}, phone {self.team} on the number in "
            "your appointment letter or message. Tell them you are in the video waiting room."
        )

    @property
    def after_the_call(self) -> str:
        """What happens next once the call has ended, in plain words."""
        ask = (
            f"phone {self.team} on {self.team_phone}"
            if self.team_phone
            else f"phone {self.team} on the number in your appointment letter or message"
        )
        return (
            f"{self.clinician} will write up the appointment and the care team will be in touch "
            f"about what happens next. If you need to talk to them before then, {ask}."
        )


def waiting_room_facts(contact: Contact, *, now: dt.datetime | None = None) -> WaitingRoomFacts:
    """The facts the waiting room shows about `contact` (its clinician and team loaded), as
    they stand at `now` (default: the present)."""
    now = now or timezone.now()
    phone_by = contact.start + dt.timedelta(minutes=NOBODY_CAME_MINUTES)
    return WaitingRoomFacts(
        when=nhs_datetime(contact.start),
        clinician=str(contact.clinician),
        team=contact.team.name,
        team_phone=contact.team.phone.strip(),
        phone_by=nhs_time(phone_by),
        phone_in_seconds=max(0, int((phone_by - now).total_seconds())),
    )


def _row(key: str, value: str) -> dict[str, Any]:
    return {"key": {"text": key}, "value": {"text": value}}


def proposal_rows(proposal: ProposedOutcome, contact: Contact) -> list[dict[str, Any]]:
    """What the room saw and what it proposes, for the review page's summary list."""
    name = contact.service_user.given_name
    if proposal.arrived_at is None:
        rows = [_row(f"{name} arrived", "Did not arrive in the video room")]
    else:
        after = (
            f" ({proposal.late_minutes} minutes after the start)" if proposal.late_minutes else ""
        )
        rows = [_row(f"{name} arrived", nhs_time(proposal.arrived_at) + after)]
    if proposal.began_at is not None:
        rows.append(_row("Let in", nhs_time(proposal.began_at)))
    if proposal.proposes:
        rows.append(_row("Proposed outcome", codes.OUTCOME_PLAIN[proposal.attend_status]))
    else:
        rows.append(
            _row(
                "Proposed outcome",
                "None: the call began more than "
                f"{settings.CAREMODE_ROOM_EARLY_JOIN_MINUTES} minutes before the booked time, "
                "so record the outcome on the contact once it has started",
            )
        )
    if proposal.mode_used:
        rows.append(_row("Mode used", mode_label(proposal.mode_used)))
    why = " ".join(proposal.reasons)
    failure = f"Yes. {why}" if proposal.technical_failure else (f"No. {why}" if why else "No")
    rows.append(_row("Technical failure", failure))
    if proposal.interpreter_present:
        rows.append(_row("Interpreter", "Let in to the call"))
    return rows
