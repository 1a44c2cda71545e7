"""Typed outcomes a domain operation can report; the presentation picks the text."""

from dataclasses import dataclass
from datetime import datetime


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


class TooSoon(NotAllowed):
    """Allowed again later (a rate limit); `until` is when (an aware datetime)."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"too soon, allowed again at {until.isoformat()}")
        self.until = until


class LimitReached(DomainError):
    """An abuse limit is reached; the citizen may try again after `retry_after` seconds."""

    def __init__(self, code: str, retry_after: int) -> None:
        super().__init__(code)
        self.code = code
        self.retry_after = retry_after


@dataclass(frozen=True)
class RowError:
    """One problem in an imported file: where (line, field) and what."""

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


class ImportFailed(DomainError):
    """An imported file is not valid; nothing was changed."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} problem(s)")
        self.errors = errors
