from caremode.core.errors import DomainError


class ContactInPastError(DomainError):
    pass


class ModeNotOfferedError(DomainError):
    pass


class CarerNotConsentedError(DomainError):
    pass


class ServiceUserDischargedError(DomainError):
    pass


class ClinicianUnavailableError(DomainError):
    pass


class OutcomeAlreadyRecordedError(DomainError):
    pass


class OutcomeTooEarlyError(DomainError):
    pass


class OutsideWorkingHoursError(DomainError):
    pass


class ContactAlreadySettledError(DomainError):
    pass


class HandoverError(DomainError):
    pass
