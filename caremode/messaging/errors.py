from caremode.core.errors import DomainError


class MessageAddressError(DomainError):
    pass
