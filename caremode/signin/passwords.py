"""Password strength: zxcvbn's estimate of how guessable a password is, as a Django validator.

It runs with Django's own validators (settings.AUTH_PASSWORD_VALIDATORS) wherever a person sets
a password: the set-password link and the password change. Accounts made by the seed and the
tests are given their password directly and are not checked.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from zxcvbn import zxcvbn

# zxcvbn scores 0 (too guessable) to 4 (very unguessable); 3 is "safely unguessable:
# moderate protection from an offline slow-hash scenario" (about 10^10 guesses).
MIN_SCORE = 3
# zxcvbn slows with length; what is past this is not estimated (it only adds strength).
ESTIMATE_CHARACTERS = 100


def _user_inputs(user: Any) -> list[str]:
    if user is None:
        return []
    words = [
        getattr(user, attribute, "") or ""
        for attribute in ("username", "first_name", "last_name", "display_name", "email")
    ]
    parts = [piece for word in words for piece in word.replace("@", " ").replace(".", " ").split()]
    return [w for w in {*words, *parts} if w]


def _without(password: str, words: list[str]) -> str:
    """The password with each of the person's own words (3 letters or more) taken out."""
    rest = password
    for word in sorted(words, key=len, reverse=True):
        if len(word) >= 3:
            rest = re.sub(re.escape(word), "", rest, flags=re.IGNORECASE)
    return rest


class ZxcvbnValidator:
    """Refuses a password zxcvbn scores below `min_score`, counting the person's own names,
    username and email as words an attacker would try first."""

    def __init__(self, min_score: int = MIN_SCORE) -> None:
        self.min_score = min_score

    def validate(self, password: str, user: Any = None) -> None:
        inputs = _user_inputs(user)
        result = zxcvbn(password[:ESTIMATE_CHARACTERS], user_inputs=inputs)
        # zxcvbn misses a name followed by a separator ("asha-rahman-2026"): what is left once
        # the person's own words are taken out must be hard to guess on its own.
        rest = _without(password, inputs)
        if rest != password and result["score"] >= self.min_score:
            result = zxcvbn(rest[:ESTIMATE_CHARACTERS] or " ", user_inputs=inputs)
            result["feedback"] = {
                "warning": "It is built on your name or username.",
                "suggestions": ["Use three or four unrelated words instead."],
            }
        if result["score"] >= self.min_score:
            return
        feedback = result.get("feedback") or {}
        hints = [feedback.get("warning") or "", *(feedback.get("suggestions") or [])]
        hint = " ".join(h.strip() for h in hints if h and h.strip())
        raise ValidationError(
            "This password is too easy to guess. " + (hint or "Use three or four unrelated words."),
            code="password_too_guessable",
        )

    def get_help_text(self) -> str:
        return (
            "Your password must be hard to guess: three or four unrelated words work well, "
            "not your name, username or a keyboard pattern."
        )
