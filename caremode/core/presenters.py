"""Turn stored values into the words people read (GOV.UK / NHS style dates, code labels)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from caremode.core import codes


def nhs_date(value: dt.date | dt.datetime | None) -> str:
    """`24 November 2026`, the NHS content style for dates."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return f"{value.day} {value:%B %Y}"


def nhs_time(value: dt.datetime | None) -> str:
    """`3pm` or `3:30pm`, in UK local time."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    if local.minute == 0:
        return f"{hour}{suffix}"
    return f"{hour}:{local.minute:02d}{suffix}"


def nhs_datetime(value: dt.datetime | None) -> str:
    """`Tuesday 24 November 2026 at 3pm`."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{local:%A} {nhs_date(local)} at {nhs_time(value)}"


def nhs_number(value: str | None) -> str:
    """NHS numbers are shown in the 3-3-4 format people recognise."""
    if not value or len(value) != 10:
        return value or ""
    return f"{value[:3]} {value[3:6]} {value[6:]}"


def _label(table: dict[str, Any]) -> Callable[[str | None], str]:
    def label(code: str | None) -> str:
        if code is None or code == "":
            return "Not recorded"
        entry = table.get(code, code)
        return entry[0] if isinstance(entry, tuple) else str(entry)

    return label


def mode_label(mode: str | None) -> str:
    if not mode:
        return "Not recorded"
    return codes.MODES[mode][1] if mode in codes.MODES else mode


def interpreter_words(language: str | None, interpreting: str | None = "") -> str:
    """ "Polish, by video": an interpreter need, or one arranged with a contact, in words;
    "language not recorded" for a need recorded before the language was asked."""
    if not language:
        return "language not recorded"
    words = codes.LANGUAGES.get(language, language)
    if interpreting:
        words += ", " + codes.INTERPRETING.get(interpreting, interpreting).lower()
    return words


FILTERS: dict[str, Callable[..., str]] = {
    "nhs_date": nhs_date,
    "nhs_time": nhs_time,
    "nhs_datetime": nhs_datetime,
    "nhs_number": nhs_number,
    "mode_label": mode_label,
    "attend_label": _label(codes.ATTEND_STATUS),
    "outcome_label": _label(codes.OUTCOME_PLAIN),
    "consultation_label": _label(codes.CONTACT_TYPES),
    "access_need_label": _label(codes.ACCESS_NEEDS),
    "ethnicity_label": _label(codes.ETHNIC_CATEGORIES),
    "gender_label": _label(codes.GENDER),
    "gender_identity_label": _label(codes.GENDER_IDENTITY),
    "language_label": _label(codes.LANGUAGES),
    "interpreting_label": _label(codes.INTERPRETING),
    "interpreter_words": interpreter_words,
    "rurality_label": _label(codes.RURALITY),
}
