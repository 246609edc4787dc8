"""Errors the feedback services raise for a person to read (each names its field)."""

from __future__ import annotations

from caremode.core.errors import DomainError


class FeedbackLinkError(DomainError):
    """The questionnaire cannot be answered: unknown, used, expired or withdrawn."""


class FeedbackAnswerError(DomainError):
    """An answer that is not one of the question's answers, or a required one missing."""


class CarerInputError(DomainError):
    """The carer's invitation or concern cannot be taken: consent, link or text."""
