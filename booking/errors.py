"""Domain errors raised by operations; the web layer maps each to an API.md error.

A domain error's message is English source text and doubles as a msgid: JSON answers carry it
as it is (API.md), HTML pages show it translated (booking.web.errors). So operations raise with
a literal message, `NotFound("No such service.")`, which `make i18n` extracts (the class names
are extraction keywords, see the Makefile); values go in `params` for %(name)s placeholders,
`Conflict("The address '%(slug)s' is taken.", {"slug": slug})`, never into an f-string.
"""
from __future__ import annotations

from typing import Any


def N_(message: str) -> str:
    """Marks `message` for extraction without translating it (Babel's default no-op keyword):
    for text defined outside a request and translated where it is shown."""
    return message


class DomainError(Exception):
    """Base class: `code` and `status` follow API.md "Errors"."""

    code = "invalid"
    status = 422
    default_message = N_("This request cannot be carried out.")

    def __init__(self, message: str = "", params: dict[str, Any] | None = None, **extra: Any) -> None:
        # `message` stays a literal msgid; the values of its %(name)s placeholders come in
        # `params`, so a page can translate the text first and fill in the values after.
        self.template = message or self.default_message
        self.params = params or {}
        self.message = self.template % self.params if self.params else self.template
        super().__init__(self.message)
        self.extra = extra

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        body.update(self.extra)
        return body


class InvalidInput(DomainError):
    """Fields with what is wrong with each (API.md 422 `fields`)."""

    default_message = N_("The input is not valid.")

    def __init__(self, fields: dict[str, str], message: str = "") -> None:
        super().__init__(message, fields=fields)
        self.fields = fields


class NotFound(DomainError):
    """No such item in the caller's business (another business's id is not found either)."""

    code, status = "not_found", 404
    default_message = N_("Not found.")


class Unauthorized(DomainError):
    """No or no valid credentials."""

    code, status = "unauthorized", 401
    default_message = N_("Authentication is required.")


class Forbidden(DomainError):
    """Known caller, not allowed."""

    code, status = "forbidden", 403
    default_message = N_("You may not do this.")


class Conflict(DomainError):
    """The change clashes with the current state."""

    code, status = "conflict", 409
    default_message = N_("This clashes with existing data.")


class SlotUnavailable(DomainError):
    """The asked time is taken or outside the rules; `alternatives` are the nearest free slots."""

    code, status = "slot_unavailable", 409
    default_message = N_("This time is no longer available.")

    def __init__(self, alternatives: list | None = None, message: str = "") -> None:
        super().__init__(message, alternatives=alternatives or [])
        self.alternatives = alternatives or []


class TooLate(DomainError):
    """A change after the business's cancellation cut-off."""

    code, status = "too_late", 422
    default_message = N_("The cancellation cut-off has passed.")
