"""The one setter convention for form inputs.

A page state mixes in `Form`, lists its editable vars in
`form_fields: ClassVar[dict[str, object]]` (name -> str, bool or CHOICE; the ClassVar
annotation keeps Reflex from turning the table into a state var) and binds inputs with
`on_change=State.set_value("name")`. Any other name a browser sends is refused; values
are coerced to the declared kind.
"""

from __future__ import annotations

import logging
from typing import ClassVar

import reflex as rx

log = logging.getLogger(__name__)

# A dropdown's value: its placeholder entry ("all") means "none chosen".
CHOICE = "choice"


class Form(rx.State, mixin=True):
    form_fields: ClassVar[dict[str, object]] = {}

    def _value_set(self, name: str) -> None:
        """Hook: a page reacts to an edited input (e.g. marks its form as changed)."""

    @rx.event
    def set_value(self, name: str, value: str | bool | None):
        """Set one of this page's `form_fields`; any other name is refused."""
        kind = type(self).form_fields.get(name)
        if kind is None:
            log.warning("refused set_value of %r on %s", name, type(self).__name__)
            return
        if kind is bool:
            value = bool(value)
        elif kind == CHOICE:
            value = "" if value in ("all", None) else str(value)
        else:
            value = "" if value is None else str(value)
        setattr(self, name, value)
        self._value_set(name)
