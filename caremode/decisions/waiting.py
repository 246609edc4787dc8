"""Pausing and waiting for face to face (E3, E6, E11): when keeping in touch falls due. Pure.

A person paused or waiting is kept in touch at an agreed rhythm. The next contact is due that many
weeks after the last attended care contact since the decision (or after the decision itself); the
team is alerted once it is `KEEP_IN_TOUCH_GRACE_DAYS` late (hazard D17).
"""

from __future__ import annotations

import datetime as dt

from caremode.decisions.rules import KEEP_IN_TOUCH_GRACE_DAYS, KEEP_IN_TOUCH_RHYTHMS


def keep_in_touch_due(
    *, decided_on: dt.date, last_contact_on: dt.date | None, every_weeks: int
) -> dt.date:
    """The date by which the next keep-in-touch contact is due."""
    since = max(decided_on, last_contact_on) if last_contact_on else decided_on
    return since + dt.timedelta(weeks=every_weeks)


def keep_in_touch_overdue(*, due_on: dt.date, today: dt.date) -> bool:
    """Past the due date by more than the grace days."""
    return today > due_on + dt.timedelta(days=KEEP_IN_TOUCH_GRACE_DAYS)


def rhythm_label(every_weeks: int) -> str:
    """ "Weekly", "Fortnightly", "Every 4 weeks" (or "Every N weeks" for another rhythm)."""
    return KEEP_IN_TOUCH_RHYTHMS.get(every_weeks, f"Every {every_weeks} weeks")
