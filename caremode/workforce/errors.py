from caremode.core.errors import DomainError


class WorkforceError(DomainError):
    """A training, digital support or wellbeing rule was broken; the message says why."""
