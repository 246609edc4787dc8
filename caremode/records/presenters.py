"""The subject access export in words: the same content as the JSON download, laid out for
people to read (the HTML page and its PDF; issue 18)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from caremode.core import codes
from caremode.core.presenters import nhs_date, nhs_datetime


@dataclass(frozen=True)
class Section:
    title: str
    rows: list[list[tuple[str, str]]]
    text: str = ""


def label(key: str) -> str:
    """`granted_at` → "Granted at"; `phq9` kept as it is written."""
    words = str(key).replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def value_text(value: Any) -> str:
    """One value as a person reads it: UK dates and times, yes or no, lists joined."""
    if value is None or value == "" or value == [] or value == {}:
        return "–"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return nhs_datetime(value)
    if isinstance(value, dt.date):
        return nhs_date(value)
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, list | tuple):
        return "; ".join(value_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{label(k)}: {value_text(v)}" for k, v in value.items())
    return str(value)


def readable_sections(export: dict[str, Any]) -> list[Section]:
    """Every section of the export, in its order, each entry a list of (label, value) pairs:
    nothing is left out (a section with nothing in it says so)."""
    sections = []
    for key, content in export.items():
        if isinstance(content, str):
            sections.append(Section(label(key), [], text=content))
        elif isinstance(content, dict):
            sections.append(
                Section(label(key), [[(label(k), value_text(v)) for k, v in content.items()]])
            )
        else:
            sections.append(
                Section(
                    label(key),
                    [
                        [(label(k), value_text(v)) for k, v in row.items()]
                        if isinstance(row, dict)
                        else [("", value_text(row))]
                        for row in content
                    ],
                )
            )
    return sections


def as_pdf(html: str) -> bytes:
    """The page as an accessible PDF (PDF/UA-1), drawn by WeasyPrint from the HTML."""
    from weasyprint import HTML  # heavy: loaded only when a PDF is asked for

    return HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")  # type: ignore[no-any-return]


def where_they_live(service_user: Any) -> list[tuple[str, str]]:
    """(what, value) rows of where the person lives, as the evaluation counts them; "Not
    known" where nothing is recorded (a person imported from a record system may lack them)."""
    decile = service_user.imd_decile
    return [
        ("Postcode district", service_user.postcode_district or "Not known"),
        ("Area", codes.RURALITY.get(service_user.rurality, "Not known")),
        ("Deprivation decile (IMD 2019)", str(decile) if decile else "Not known"),
    ]


def how_to_contact(service_user: Any) -> list[tuple[str, str]]:
    """(what, how) rows saying how to reach the person, in the record's words: telephone and
    email, and whether each kind of reminder reaches them."""

    def agreed(address: str, accepts: bool, what: str) -> str:
        if not address:
            return "Not recorded"
        return f"{address} ({what} reminders {'agreed' if accepts else 'not wanted'})"

    return [
        ("Telephone", agreed(service_user.phone, service_user.accepts_sms, "text message")),
        ("Email", agreed(service_user.email, service_user.accepts_email, "email")),
    ]
