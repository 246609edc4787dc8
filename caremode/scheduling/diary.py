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
from caremode.core.presenters import nhs_date

UK = ZoneInfo("Europe/London")
DEFAULT_HOURS = (dt.time(9), dt.time(17))  # Mon–Fri when a clinician has none recorded
SLOT_STEP = dt.timedelta(minutes=15)

# The bounds of what can be booked or looked at, named once; forms and services both ask here.
# Contacts are booked at most 18 months ahead (a year's review plus its rebooking); the diary
# shows days from a year back to the end of that horizon. Times sit on a 5-minute grid (the
# free slots every 15 minutes and the 10-minute pause after a remote contact both fall on it),
# and a contact lasts 5 minutes to 4 hours, in 5-minute steps.
BOOKING_HORIZON = dt.timedelta(days=548)
DIARY_LOOK_BACK = dt.timedelta(days=366)
TIME_STEP_MINUTES = 5
SHORTEST_CONTACT_MINUTES = 5
LONGEST_CONTACT_MINUTES = 240


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


def latest_bookable_day(today: dt.date) -> dt.date:
    """The last day a contact can be booked on, seen from `today` (UK local)."""
    return today + BOOKING_HORIZON


def beyond_horizon(day: dt.date, today: dt.date) -> str | None:
    """Why a contact cannot be booked on `day` because it is too far ahead, or None."""
    latest = latest_bookable_day(today)
    if day > latest:
        return f"Book no more than 18 months ahead: the latest date is {nhs_date(latest)}."
    return None


def diary_day_problem(day: dt.date, today: dt.date) -> str | None:
    """Why the diary cannot show `day` (more than a year back or beyond the horizon), or None."""
    earliest, latest = today - DIARY_LOOK_BACK, latest_bookable_day(today)
    if not earliest <= day <= latest:
        return f"Choose a day between {nhs_date(earliest)} and {nhs_date(latest)}."
    return None


def clock_time_problem(value: dt.time) -> str | None:
    """Why a clock time is off the diary's grid (whole minutes, 5-minute steps), or None."""
    if value.second or value.microsecond or value.minute % TIME_STEP_MINUTES:
        return (
            f"Choose a time on the hour or at {TIME_STEP_MINUTES}-minute steps past it, "
            "like 14:30 or 14:35."
        )
    return None


def duration_problem(minutes: object) -> str | None:
    """Why a contact length is not allowed, or None: whole minutes, 5 to 240, in steps of 5."""
    shortest, longest = SHORTEST_CONTACT_MINUTES, LONGEST_CONTACT_MINUTES
    if (
        type(minutes) is not int
        or not shortest <= minutes <= longest
        or minutes % TIME_STEP_MINUTES
    ):
        return (
            f"Enter a length in whole minutes from {shortest} to {longest}, "
            f"in steps of {TIME_STEP_MINUTES}."
        )
    return None


def start_problem(start: dt.datetime, today: dt.date) -> str | None:
    """Why a contact cannot start at `start`: beyond the booking horizon seen from `today`, or
    off the time grid. None when it may (the past and working hours are checked apart)."""
    local = start.astimezone(UK)
    return beyond_horizon(local.date(), today) or clock_time_problem(
        local.time().replace(tzinfo=None)
    )


def week_starting(day: dt.date) -> dt.date:
    """The Monday of the week `day` falls in: diaries move a whole week at a time."""
    return day - dt.timedelta(days=day.weekday())


def week_days(monday: dt.date) -> list[dt.date]:
    return [monday + dt.timedelta(days=n) for n in range(7)]


def neighbouring_weeks(monday: dt.date, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """The previous and next weeks' Mondays, each None where the diary's bounds stop it."""
    before, after = monday - dt.timedelta(weeks=1), monday + dt.timedelta(weeks=1)
    return (
        before if diary_day_problem(before + dt.timedelta(days=6), today) is None else None,
        after if diary_day_problem(after, today) is None else None,
    )


def timing(start: dt.datetime, end: dt.datetime, now: dt.datetime) -> str:
    """Where a contact stands against the clock: "past", "under way" or "to come".

    A contact whose time has gone is past even with no outcome recorded yet (at 9pm a 9am
    contact is not to come)."""
    if end <= now:
        return "past"
    return "under way" if start <= now else "to come"


def next_free_slots(
    first_day: dt.date,
    *,
    days: int,
    limit: int,
    duration_minutes: int,
    mode: str,
    remote_buffer_minutes: int,
    hours: dict[int, tuple[dt.time, dt.time]] | None,
    busy: Iterable[tuple[dt.datetime, dt.datetime]],
    not_before: dt.datetime,
) -> list[dt.datetime]:
    """The first `limit` start times over `days` days from `first_day` when a contact fits
    (working hours, bank holidays and the pause after remote contacts, as `free_slots`).

    `busy` are every (start, blocked_until) that rules a time out: the clinician's standing
    contacts and the person's own, so that the slot is free for both."""
    taken = sorted(busy)
    slots: list[dt.datetime] = []
    for n in range(days):
        slots += free_slots(
            first_day + dt.timedelta(days=n),
            duration_minutes=duration_minutes,
            mode=mode,
            remote_buffer_minutes=remote_buffer_minutes,
            hours=hours,
            busy=taken,
            not_before=not_before,
        )
        if len(slots) >= limit:
            break
    return slots[:limit]
