from caremode.core.errors import DomainError


class RoomError(DomainError):
    """A room cannot do what was asked; the message says why in plain words."""


class PassNotValidError(RoomError):
    pass


class PassInUseElsewhereError(PassNotValidError):
    """The link was opened on another browser: its holder may re-open it here after a check
    (`rooms.reopening`). `pass_id` names the pass, for the check page only."""

    def __init__(self, message: str, *, pass_id: int, field: str | None = "token") -> None:
        super().__init__(message, field=field)
        self.pass_id = pass_id
