"""Errors monitoring raises for a person to read, each naming the field at fault."""

from caremode.core.errors import DomainError


class AssessmentAnswerError(DomainError):
    """An answer out of range, or a question the measure does not have."""


class PersonDischargedError(DomainError):
    """Check-ins and scores are not taken for someone no longer on a caseload."""


class ScoreContactError(DomainError):
    """A score recorded during a contact must name a contact of this person that took place."""


class WarningSignError(DomainError):
    """An early-warning sign with a part missing or too long, already in the plan or retired."""
