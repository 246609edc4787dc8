from caremode.core.errors import DomainError


class DecisionInputError(DomainError):
    pass
