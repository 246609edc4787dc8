"""Diary arithmetic: working hours, bank holidays, pauses after remote contacts, free slots.

Pure: no database. Times are aware datetimes; days and clock times are UK local.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from caremode.core import codes

UK = ZoneInfo("Europe/London")
DEFAULT_HOURS = (dt.time(9), dt.time(17))  # Mon–Fri when a clinician has none recorded
SLOT_STEP = dt.timedelta(minutes=15)


@lru_cache(maxsize=32)
def _bank_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv="ENG", years=year)


def bank_holiday(day: dt.date) -> str | None:
    """The name of the bank holiday in England on `day`, or None."""
    name = _bank_holidays(day.year).get(day)
    return str(name) if name else None


def contact_end(start: dt.datetime, duration_minutes: int) -> dt.datetime:
    return start + dt.timedelta(minutes=duration_minutes)


def blocked_until(
    start: dt.datetime, duration_minutes: int, mode: str, remote_buffer_minutes: int
) -> dt.datetime:
    """When the clinician is free again: after a remote contact, only after a pause (E12)."""
    pause = remote_buffer_minutes if mode in codes.REMOTE_MODES else 0
    return contact_end(start, duration_minutes) + dt.timedelta(minutes=pause)


def working_window(
    day: dt.date, hours: dict[int, tuple[dt.time, dt.time]] | None
) -> tuple[dt.datetime, dt.datetime] | None:
    """The clinician's bookable window on `day`, or None (not a working day, or a bank holiday).

    `hours` maps weekday (0 = Monday) to (starts, ends); None or empty means Mon–Fri 9am–5pm.
    """
    if bank_holiday(day):
        return None
    default = DEFAULT_HOURS if day.weekday() < 5 else None
    window = hours.get(day.weekday()) if hours else default
    if window is None:
        return None
    starts, ends = window
    return (
        dt.datetime.combine(day, starts, tzinfo=UK),
        dt.datetime.combine(day, ends, tzinfo=UK),
    )


def outside_working_hours(
    start: dt.datetime, duration_minutes: int, hours: dict[int, tuple[dt.time, dt.time]] | None
) -> str | None:
    """Why a contact cannot be booked at this time, or None when it fits the working day."""
    local = start.astimezone(UK)
    name = bank_holiday(local.date())
    if name:
        return f"{local:%-d %B %Y} is a bank holiday ({name})."
    window = working_window(local.date(), hours)
    if window is None:
        return f"The clinician does not work on {local:%A}s."
    opens, closes = window
    if local < opens or contact_end(local, duration_minutes) > closes:
        return (
            f"That is outside the clinician's working hours on {local:%A}s "
            f"({opens:%H:%M} to {closes:%H:%M})."
        )
    return None


def free_slots(
    day: dt.date,
    *,
    duration_minutes: int,
    mode: str,
    remote_buffer_minutes: int,
    hours: dict[int, tuple[dt.time, dt.time]] | None,
    busy: Iterable[tuple[dt.datetime, dt.datetime]],
    not_before: dt.datetime,
) -> list[dt.datetime]:
    """Start times (every 15 minutes) when a contact of this length and mode fits the day.

    `busy` are (start, blocked_until) of the clinician's contacts that still stand.
    """
    window = working_window(day, hours)
    if window is None:
        return []
    opens, closes = window
    taken: Sequence[tuple[dt.datetime, dt.datetime]] = sorted(busy)
    slots = []
    start = opens
    while contact_end(start, duration_minutes) <= closes:
        until = blocked_until(start, duration_minutes, mode, remote_buffer_minutes)
        if start >= not_before and not any(s < until and start < b for s, b in taken):
            slots.append(start)
        start += SLOT_STEP
    return slots


def occurrences(
    *, starts_on: dt.date, weekday: int, every_weeks: int, until: dt.date
) -> list[dt.date]:
    """The days a weekly (or every-n-weeks) commitment falls on, from `starts_on` to `until`."""
    first = starts_on + dt.timedelta(days=(weekday - starts_on.weekday()) % 7)
    days = []
    day = first
    while day <= until:
        days.append(day)
        day += dt.timedelta(weeks=every_weeks)
    return days


def add_working_days(day: dt.date, count: int) -> dt.date:
    """`count` working days after `day`, skipping weekends and bank holidays."""
    while count > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and not bank_holiday(day):
            count -= 1
    return day
