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


class FieldChecks:
    """Gathers a form's problems field by field, so the form can report them all at once.

    `value = checks.run("name", clean_name, raw)` calls a validator that raises `Invalid`
    and keeps its key for the field (returning None); `checks.fail(field, key)` records
    one directly; `checks.done()` raises everything as one `FormInvalid`."""

    def __init__(self) -> None:
        self.errors: dict[str, tuple[str, dict]] = {}

    def run(self, field: str, check: Any, /, *args: Any, **kwargs: Any) -> Any:
        try:
            return check(*args, **kwargs)
        except FormInvalid:
            raise
        except Invalid as e:
            self.fail(field, e.key, **e.params)
            return None

    def fail(self, field: str, key: str, /, **params: Any) -> None:
        self.errors.setdefault(field, (key, params))

    def done(self) -> None:
        if self.errors:
            raise FormInvalid(self.errors)
