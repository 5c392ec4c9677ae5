"""Domain errors raised by operations; the web layer maps each to an API.md error."""
from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base class: `code` and `status` follow API.md "Errors"."""

    code = "invalid"
    status = 422

    def __init__(self, message: str = "", **extra: Any) -> None:
        super().__init__(message or self.__class__.__doc__ or self.code)
        self.message = message or (self.__class__.__doc__ or self.code).strip()
        self.extra = extra

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        body.update(self.extra)
        return body


class InvalidInput(DomainError):
    """The input is not valid."""

    def __init__(self, fields: dict[str, str], message: str = "The input is not valid.") -> None:
        super().__init__(message, fields=fields)
        self.fields = fields


class NotFound(DomainError):
    """Not found."""

    code, status = "not_found", 404


class Unauthorized(DomainError):
    """Authentication is required."""

    code, status = "unauthorized", 401


class Forbidden(DomainError):
    """You may not do this."""

    code, status = "forbidden", 403


class Conflict(DomainError):
    """This clashes with existing data."""

    code, status = "conflict", 409


class SlotUnavailable(DomainError):
    """This time is no longer available."""

    code, status = "slot_unavailable", 409

    def __init__(self, alternatives: list | None = None,
                 message: str = "This time is no longer available.") -> None:
        super().__init__(message, alternatives=alternatives or [])
        self.alternatives = alternatives or []


class TooLate(DomainError):
    """The cancellation cut-off has passed."""

    code, status = "too_late", 422
