from caremode.core.errors import DomainError


class AccessNeedAlreadyRecordedError(DomainError):
    pass


class ConsentAlreadyRevokedError(DomainError):
    pass


class ConsentScopeMissingError(DomainError):
    pass
