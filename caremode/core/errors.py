"""The base of every domain error that a service raises for a person to read."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the service was broken; the message is written for the person who broke it.

    `field` names the form field (or input column) at fault, when there is one.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
