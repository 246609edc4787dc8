"""The pseudonym every analysis file uses for a person, so that files written apart join."""

from __future__ import annotations

import hashlib
import hmac


def pseudonym(nhs_number: str, key: str) -> str:
    """A stable pseudonym: HMAC-SHA256 of the NHS number under the trust's key, 16 hex digits.

    The same key (`EXTRACT_PSEUDONYM_KEY`) gives the same pseudonym in `caremode extract` and
    `caremode mhsds_export`, so their files join on it; without the key it cannot be reversed.
    """
    return hmac.new(key.encode(), nhs_number.encode(), hashlib.sha256).hexdigest()[:16]
