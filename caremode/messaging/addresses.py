"""Check and normalise the addresses messages go to. Pure."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

UK_MOBILE = re.compile(r"^(?:\+44|0044|0)7\d{9}$")


def normalise_uk_mobile(number: str) -> str:
    """`+447700900123` from any common way of writing a UK mobile number, else ValueError."""
    compact = re.sub(r"[\s\-().]", "", number)
    if not UK_MOBILE.match(compact):
        raise ValueError(f"{number!r} is not a UK mobile number, like 07700 900123")
    return "+44" + compact[-10:]


def normalise_email(address: str) -> str:
    try:
        validate_email(address)
    except ValidationError:
        raise ValueError(f"{address!r} is not an email address, like name@example.com") from None
    return address.strip().lower()
