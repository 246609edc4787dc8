"""Errors monitoring raises for a person to read, each naming the field at fault."""

from caremode.core.errors import DomainError


class AssessmentAnswerError(DomainError):
    """An answer out of range, or a question the measure does not have."""


class PersonDischargedError(DomainError):
    """Check-ins and scores are not taken for someone no longer on a caseload."""


class ScoreContactError(DomainError):
    """A score recorded during a contact must name a contact of this person that took place."""


# Check-ins (schedules, links, the person's answers).


class CheckInScheduleError(DomainError):
    """A check-in schedule that cannot be agreed: no measure, or a channel with no address."""


class CheckInLinkError(DomainError):
    """A check-in that can no longer be answered: unknown, used, expired, withdrawn, or the
    person has been discharged."""


class CheckInAnswerError(DomainError):
    """An answer to a check-in that is not one of its questions (a warning sign not theirs)."""


class WarningSignError(DomainError):
    """An early-warning sign with a part missing or too long, already in the plan or retired."""
