"""Typed outcomes a domain operation can report; the presentation picks the text."""


class DomainError(Exception):
    """Base of every expected, user-facing failure of a domain operation."""


class NotFound(DomainError):
    """The thing asked for does not exist (or is not visible to the asker)."""


class NotAllowed(DomainError):
    """The asker may not do this."""


class InvalidValue(DomainError):
    """A value is out of bounds; `code` says which rule, `limit` the bound if any."""

    def __init__(self, code: str, limit: int | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.limit = limit
