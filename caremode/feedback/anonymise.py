"""Free text made fit to show coders: names and contact details taken out (hazard TH4).

Pure functions, no database. `anonymised` replaces the names it is given (the person, their
carers and their clinician, known when the words are stored), names after a title ("Dr Patel"),
after "my name is" / "I am called", email addresses, telephone numbers and NHS numbers, each by
a bracketed word saying what was there, so the meaning of the excerpt survives.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

NAME = "[name]"
EMAIL = "[email]"
PHONE = "[phone number]"
NHS_NUMBER = "[NHS number]"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Ten digits as an NHS number is written (3 3 4), then UK telephone numbers (07…, 01…, +44 …).
_NHS = re.compile(r"\b\d{3}[ -]?\d{3}[ -]?\d{4}\b")
_PHONE = re.compile(r"(?:\+44\s?\(?0?\)?\s?|\b0)\d(?:[\s-]?\d){8,9}\b")
_TITLE = r"(?:Dr|Doctor|Mr|Mrs|Ms|Miss|Mx|Nurse|Prof|Professor|Sister)\.?"
_CAPITALISED = r"[A-Z][a-z'\u2019-]+(?:[ -][A-Z][a-z'\u2019-]+)?"
_TITLED = re.compile(rf"\b{_TITLE}\s+{_CAPITALISED}")
_INTRODUCED = re.compile(rf"\b((?i:my name is|my name's|i am called|i'm called))\s+{_CAPITALISED}")


def _name_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    words = {w for name in names for w in re.split(r"\s+", name.strip()) if len(w) >= 2}
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w])(?:{alternatives})(?![\w])", re.IGNORECASE)


def anonymised(text: str, *, names: Iterable[str] = ()) -> str:
    """`text` with names, email addresses, telephone and NHS numbers replaced."""
    text = _EMAIL.sub(EMAIL, text)
    text = _NHS.sub(NHS_NUMBER, text)
    text = _PHONE.sub(PHONE, text)
    text = _TITLED.sub(NAME, text)
    text = _INTRODUCED.sub(lambda m: f"{m.group(1)} {NAME}", text)
    pattern = _name_pattern(names)
    if pattern is not None:
        text = pattern.sub(NAME, text)
    return text
