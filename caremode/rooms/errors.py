from caremode.core.errors import DomainError


class RoomError(DomainError):
    """A room cannot do what was asked; the message says why in plain words."""


class PassNotValidError(RoomError):
    pass
