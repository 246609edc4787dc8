"""Links that are their own key: single use and expiring by their owner's rules, and stored only
as a hash.

Video-room passes, check-in links, feedback questionnaires and carers' invitations all make
their tokens here, so "256 random bits, SHA-256 stored, the token only in the message" is one
rule. The owner keeps the hash, the expiry and the "used" mark on its own row.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings

TOKEN_BYTES = 32  # 256 bits


@dataclass(frozen=True)
class NewLink:
    token: str  # exists only here and in the message that carries it: never stored
    token_hash: str

    def url(self, path: str) -> str:
        """The link's address: `path` is the page's path with `{token}` in it."""
        return f"{settings.CAREMODE_BASE_URL}{path.format(token=self.token)}"


def hash_token(token: str) -> str:
    """The SHA-256 hex digest stored in place of a link's token."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_link() -> NewLink:
    """A fresh random token and its hash."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return NewLink(token=token, token_hash=hash_token(token))
