"""When a completion of a course runs out, and what it means for a person today. Pure."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Final

DUE_SOON_DAYS: Final = 30


def expires_on(completed_on: dt.date, refresher_months: int) -> dt.date | None:
    """The day a refresher is due: `refresher_months` after completion (the last day of a
    shorter month when the day does not exist), or None for a course that does not expire."""
    if refresher_months <= 0:
        return None
    month = completed_on.month - 1 + refresher_months
    year, month = completed_on.year + month // 12, month % 12 + 1
    day = min(completed_on.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)


def status(completed_on: dt.date | None, refresher_months: int, today: dt.date) -> str:
    """`missing` (never done), `expired`, `due_soon` (within 30 days) or `current`."""
    if completed_on is None:
        return "missing"
    expiry = expires_on(completed_on, refresher_months)
    if expiry is None:
        return "current"
    if expiry <= today:
        return "expired"
    if expiry <= today + dt.timedelta(days=DUE_SOON_DAYS):
        return "due_soon"
    return "current"


STATUS_LABELS: Final = {
    "missing": "Not done",
    "expired": "Refresher overdue",
    "due_soon": "Refresher due soon",
    "current": "Current",
}
