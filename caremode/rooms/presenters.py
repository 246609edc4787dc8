"""What the waiting room tells the person: when the appointment is, with whom, and what to do if
nobody lets them in (hazard V7), and what happens after the call (V8)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from caremode.core.presenters import nhs_datetime, nhs_time
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
