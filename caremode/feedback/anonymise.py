"""Free text with what could name someone taken out (pure; hazards TH4 and TH7).

An excerpt keeps no link to the person who wrote it, but free text can still name them or
someone else: "Dr Patel rang me on 07700 900123". Excerpts are anonymised when they are stored
(`excerpts.add_excerpt`, with the names of the person, their carers and their clinician), again
before coders see them, and before they are shown behind a theme or written by
`caremode themes_export` (with every name CareMode holds: `selectors.known_names`).
`anonymise` replaces, each with a bracketed word saying what was there, so that the meaning
survives:

- email addresses, web links, UK postcodes, telephone numbers, NHS numbers and any other run of
  six or more digits (a hospital or case number);
- a name after a title ("Dr Patel" becomes "Dr [name]") or after "my name is" / "I am called";
- any whole word, in any case, that is a word of one of the names given.

It errs towards taking out too much: a person called Will takes "will" out of every sentence.
It cannot find every identifying detail in free text, which is why excerpts are also shown only
for groups of at least 5 (TH7, docs/clinical-safety.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

NAME = "[name]"
EMAIL = "[email]"
PHONE = "[phone]"
NHS_NUMBER = "[NHS number]"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE), EMAIL),
    (re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE), "[link]"),
    (
        re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[ABD-HJLNP-UW-Z]{2}\b", re.IGNORECASE),
        "[postcode]",
    ),
    # UK telephone numbers: +44 or 0, then 9 or 10 more digits, spaces or hyphens between.
    (re.compile(r"(?:\+44\s?\(?0?\)?\s?|\b0)\d(?:[\s-]?\d){8,9}\b"), PHONE),
    # NHS numbers as they are written (3 3 4), then any other long number.
    (re.compile(r"\b\d{3}[\s-]?\d{3}[\s-]?\d{4}\b"), NHS_NUMBER),
    (re.compile(r"\d{6,}"), "[number]"),
)
_CAPITALISED = r"[A-Z][\w'\u2019-]*(?:\s+[A-Z][\w'\u2019-]*)?"
TITLES = (
    *("Dr", "Doctor", "Mr", "Mrs", "Ms", "Miss", "Mx", "Prof", "Professor"),
    *("Nurse", "Sister", "Matron"),
)
_TITLED = re.compile(r"\b((?i:" + "|".join(TITLES) + r")\.?)\s+" + _CAPITALISED)
_INTRODUCED = re.compile(r"\b((?i:my name is|my name's|i am called|i'm called))\s+" + _CAPITALISED)
MINIMUM_NAME_LENGTH = 2  # single letters ("I", "A") are never taken for names


def _name_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    # A title in a name ("Dr Asha Rahman") stays: the name after it goes, as in the text.
    titles = {title.casefold() for title in TITLES}
    words = {
        word
        for name in names
        for word in name.split()
        if len(word) >= MINIMUM_NAME_LENGTH and word.rstrip(".").casefold() not in titles
    }
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    # A whole word, with or without a possessive ("Priya's").
    return re.compile(rf"(?<![\w\[])(?:{alternatives})(?![\w\]])", re.IGNORECASE)


def anonymiser(names: Iterable[str] = ()) -> Callable[[str], str]:
    """`anonymise` with `names` prepared once, for many excerpts."""
    pattern = _name_pattern(names)

    def anonymise_one(text: str) -> str:
        result = text
        for found, replacement in _PATTERNS:
            result = found.sub(replacement, result)
        result = _TITLED.sub(lambda m: f"{m.group(1)} {NAME}", result)
        result = _INTRODUCED.sub(lambda m: f"{m.group(1)} {NAME}", result)
        return pattern.sub(NAME, result) if pattern is not None else result

    return anonymise_one


def anonymise(text: str, names: Iterable[str] = ()) -> str:
    """`text` with identifiers and names replaced by bracketed words (see the module)."""
    return anonymiser(names)(text)
