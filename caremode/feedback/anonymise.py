"""Excerpts shown or exported behind a theme, with what could name someone taken out (pure).

An excerpt keeps no link to the person who wrote it, but free text can still name them or
someone else: "Dr Patel rang me on 07700 900123". Before an excerpt is shown on the themes page
or written by `caremode themes_export` it goes through `anonymise`, which replaces

- email addresses, web links, UK postcodes, telephone numbers, NHS numbers and any other run of
  six or more digits (a hospital or case number) with a bracketed word;
- a title followed by a name ("Dr Patel", "nurse Jo") with "[name]";
- any capitalised word that is the given or family name of someone CareMode holds (staff, service
  users, carers: `selectors.known_names`) with "[name]".

It errs towards taking out too much ("Will" as a name is removed even when it means the verb at
the start of a sentence). It cannot find every identifying detail in free text, which is why
excerpts are also shown only for groups of at least 5 (TH7, docs/clinical-safety.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

NAME = "[name]"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE), "[email]"),
    (re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE), "[link]"),
    (
        re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[ABD-HJLNP-UW-Z]{2}\b", re.IGNORECASE),
        "[postcode]",
    ),
    # UK telephone numbers: +44 or 0, then 9 or 10 more digits, spaces or hyphens between.
    (re.compile(r"(?:\+44\s?\(?0?\)?|\b0)\d(?:[\s-]?\d){8,9}\b"), "[phone]"),
    # NHS numbers (3-3-4) and any other long number.
    (re.compile(r"\b\d{3}[\s-]?\d{3}[\s-]?\d{4}\b"), "[number]"),
    (re.compile(r"\d{6,}"), "[number]"),
)
_TITLE = re.compile(
    r"\b(?i:Dr|Doctor|Mr|Mrs|Ms|Miss|Mx|Prof|Professor|Nurse|Sister|Matron)\.?\s+"
    r"[A-Z][\w'\u2019-]*(?:\s+[A-Z][\w'\u2019-]*)?"
)
_POSSESSIVE = re.compile(r"['\u2019]s$")
_WORD = re.compile(r"\b[A-Z][\w'\u2019-]*\b")
MINIMUM_NAME_LENGTH = 2  # single letters ("I", "A") are never taken for names


def _title_to_name(match: re.Match[str]) -> str:
    title = match.group(0).split()[0]
    return f"{title} {NAME}"


def anonymiser(names: Iterable[str] = ()) -> Callable[[str], str]:
    """`anonymise` with `names` prepared once, for many excerpts."""
    known = frozenset(n.casefold() for n in names if len(n) >= MINIMUM_NAME_LENGTH)

    def name_or_word(match: re.Match[str]) -> str:
        word = match.group(0)
        return NAME if _POSSESSIVE.sub("", word).casefold() in known else word

    def anonymise_one(text: str) -> str:
        result = text
        for pattern, replacement in _PATTERNS:
            result = pattern.sub(replacement, result)
        result = _TITLE.sub(_title_to_name, result)
        return _WORD.sub(name_or_word, result) if known else result

    return anonymise_one


def anonymise(text: str, names: Iterable[str] = ()) -> str:
    """`text` with identifiers and names replaced by bracketed words (see the module)."""
    return anonymiser(names)(text)
