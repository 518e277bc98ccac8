"""Domain errors. They say what went wrong in domain terms; the web and API
layers translate them to HTTP (hub.web.errors)."""
from __future__ import annotations

from flask_babel import gettext as _


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    def __init__(self, message: str = ""):
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """The object does not exist, or the user may not know that it exists."""


class PermissionDenied(DomainError):
    """The user is known but may not do this."""


class Conflict(DomainError):
    """The request clashes with the current state (already decided, taken slug...)."""


class InvalidInput(DomainError):
    """Input that fails a business rule; `errors` maps field names to messages."""

    def __init__(self, errors: dict[str, str] | str):
        if isinstance(errors, str):
            errors = {"": errors}
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" if k else v for k, v in errors.items()))


def require(condition: bool, message: str | None = None) -> None:
    """Guard at the top of every service that writes: `require(can_edit(user, entry))`."""
    if not condition:
        # Translated when raised, not at import, so that it is in the language of the request.
        raise PermissionDenied(message if message is not None else _("You are not allowed to do this."))
