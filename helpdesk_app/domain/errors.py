"""Domain errors carry a translation key and parameters, never a hard-coded sentence."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    key = "error.generic"

    def __init__(self, key: str | None = None, **params: Any) -> None:
        self.key = key or type(self).key
        self.params = params
        super().__init__(self.key)


class NotFound(DomainError):
    key = "error.not_found"


class Forbidden(DomainError):
    key = "error.forbidden"


class Invalid(DomainError):
    key = "error.invalid"


class FormInvalid(Invalid):
    """Every problem of a form at once: field name -> (catalog key, parameters), so each
    message can stand next to its field."""

    def __init__(self, errors: dict[str, tuple[str, dict]]) -> None:
        super().__init__("form.invalid")
        self.errors = errors


class Conflict(DomainError):
    key = "error.conflict"


class AuthFailed(DomainError):
    key = "auth.invalid_credentials"
