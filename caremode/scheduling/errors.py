from caremode.core.errors import DomainError


class ContactInPastError(DomainError):
    pass


class ModeNotOfferedError(DomainError):
    pass


class CarerNotConsentedError(DomainError):
    pass


class InterpreterNotArrangedError(DomainError):
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


class SlotAlreadyBookedError(ClinicianUnavailableError):
    """The clinician or the person already has a contact then, or someone has just booked it."""


class ContactTimeNotAllowedError(DomainError):
    """Beyond the booking horizon, or off the diary's 5-minute grid (diary.start_problem)."""


class DurationNotAllowedError(DomainError):
    pass


class OutcomeCorrectionError(DomainError):
    pass
