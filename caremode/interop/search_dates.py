"""FHIR `date` search parameters (pure): `date=ge2027-01-04`, `date=lt2027-01-05T12:00:00Z`.

Each value is a range at its own precision (a year, month, day, minute or second); a prefix
compares the searched time with that range. Several values all apply (`date=ge…&date=lt…`).
A date or time without an offset is UK time (Europe/London), as CareMode shows times."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
PREFIXES = ("eq", "ge", "gt", "le", "lt")
DATE_VALUE = re.compile(
    r"^(?P<year>\d{4})(-(?P<month>\d{2})(-(?P<day>\d{2})"
    r"(T(?P<hour>\d{2}):(?P<minute>\d{2})(:(?P<second>\d{2})(\.\d+)?)?"
    r"(?P<offset>Z|[+-]\d{2}:\d{2})?)?)?)?$"
)


class DateSearchError(ValueError):
    pass


@dataclass(frozen=True)
class Bounds:
    """Times from `starts_from` (inclusive) and before `starts_before`; None is unbounded."""

    starts_from: dt.datetime | None = None
    starts_before: dt.datetime | None = None


def _range(value: str) -> tuple[dt.datetime, dt.datetime]:
    match = DATE_VALUE.match(value)
    if not match:
        raise DateSearchError(
            f"{value!r} is not a FHIR date: write YYYY, YYYY-MM, YYYY-MM-DD or "
            "YYYY-MM-DDThh:mm:ss+zz:zz, after a prefix such as ge or lt."
        )
    part = {k: int(v) for k, v in match.groupdict().items() if v and k != "offset"}
    offset = match["offset"]
    zone: dt.tzinfo = LONDON
    if offset == "Z":
        zone = dt.UTC
    elif offset:
        sign = -1 if offset[0] == "-" else 1
        hours, minutes = int(offset[1:3]), int(offset[4:6])
        zone = dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
    try:
        if "month" not in part:
            low = dt.datetime(part["year"], 1, 1, tzinfo=zone)
            return low, low.replace(year=low.year + 1)
        if "day" not in part:
            low = dt.datetime(part["year"], part["month"], 1, tzinfo=zone)
            after = (
                low.replace(year=low.year + 1, month=1)
                if low.month == 12
                else low.replace(month=low.month + 1)
            )
            return low, after
        day = dt.date(part["year"], part["month"], part["day"])
        if "hour" not in part:
            low = dt.datetime.combine(day, dt.time(), tzinfo=zone)
            return low, dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
        low = dt.datetime.combine(
            day, dt.time(part["hour"], part["minute"], part.get("second", 0)), tzinfo=zone
        )
        step = dt.timedelta(seconds=1) if "second" in part else dt.timedelta(minutes=1)
        return low, low + step
    except (ValueError, OverflowError):
        raise DateSearchError(f"{value!r} is not a real date or time.") from None


def bounds(values: list[str]) -> Bounds:
    """The times that every `date` value allows; DateSearchError naming the value if one is
    not a FHIR date or has a prefix CareMode does not search by."""
    lows: list[dt.datetime] = []
    highs: list[dt.datetime] = []
    for raw in values:
        prefix, value = (raw[:2], raw[2:]) if raw[:2].isalpha() else ("eq", raw)
        if prefix not in PREFIXES:
            raise DateSearchError(
                f"{raw!r}: begin with a date, or one of the prefixes {', '.join(PREFIXES)}."
            )
        low, high = _range(value)
        if prefix in ("eq", "ge"):
            lows.append(low)
        if prefix == "gt":
            lows.append(high)
        if prefix in ("eq", "le"):
            highs.append(high)
        if prefix == "lt":
            highs.append(low)
    return Bounds(
        starts_from=max(lows) if lows else None, starts_before=min(highs) if highs else None
    )
