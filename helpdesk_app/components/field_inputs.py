"""Inputs for custom fields, one per field type, rendered from a `FieldRow`.

`field_input(field, on_change, on_toggle, prefix=...)` gives the label (with a required
marker), the control, the help text and the field's own error under it. Controls are
plain HTML ones (select, checkboxes) so phones show their native pickers; dates are text
in the user's format (31.12.2026 / 31/12/2026, domain/dates.py), since a native date input
follows the browser's locale; numbers are text inputs with a numeric keyboard so "12,5"
can be typed.

Element ids: `<prefix>-<key>` on the control (`<prefix>-<key>-<option>` on each box of a
multi-select), `<prefix>-error-<key>` on the error; the wrapper has class `pm-cf` and
`data-key` / `data-required` attributes.
"""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from helpdesk_app.components.layout import SYNCED_TEXT
from helpdesk_app.models import FieldType
from helpdesk_app.state.session import SessionState as S
from helpdesk_app.state.ticket_fields import FieldRow
from helpdesk_app.state.views import Opt

OnChange = Callable[..., rx.event.EventSpec]

_TEXT_INPUTS: dict[str, tuple[dict, str]] = {  # kind -> (props, on-screen keyboard)
    FieldType.SHORT_TEXT: ({"type": "text", "max_length": 250}, "text"),
    FieldType.NUMBER: ({"type": "text"}, "numeric"),
    FieldType.DECIMAL: ({"type": "text"}, "decimal"),
    # Text in the user's format: a native date input would follow the browser's locale
    # (mm/dd/yyyy in an English browser) whatever the page's language.
    FieldType.DATE: ({"type": "text", "placeholder": S.tr["date.placeholder"]}, "text"),
    FieldType.DATETIME: ({"type": "text", "placeholder": S.tr["datetime.placeholder"]}, "text"),
    FieldType.EMAIL: ({"type": "email", "max_length": 320}, "email"),
    FieldType.URL: ({"type": "url", "placeholder": "https://"}, "url"),
}


def _control_id(prefix: str, field: FieldRow) -> rx.Var:
    return prefix + "-" + field.key


def _aria(field: FieldRow, **extra) -> dict:
    return {"custom_attrs": {"aria-invalid": field.error != "",
                             "aria-required": field.required, **extra}}


def _text_input(field: FieldRow, on_change: OnChange, prefix: str, kind: str) -> rx.Component:
    props, keyboard = _TEXT_INPUTS[kind]
    extra = {"inputMode": keyboard} if keyboard else {}
    return rx.input(
        value=field.value, on_change=lambda v: on_change(field.key, v),
        id=_control_id(prefix, field), width="100%", **props, **SYNCED_TEXT,
        **_aria(field, **extra),
    )


def _long_text(field: FieldRow, on_change: OnChange, prefix: str) -> rx.Component:
    return rx.text_area(
        value=field.value, on_change=lambda v: on_change(field.key, v),
        id=_control_id(prefix, field), rows="3", width="100%", max_length=2000,
        **{**SYNCED_TEXT, "force_notify_by_enter": False}, **_aria(field),
    )


def _select(field: FieldRow, on_change: OnChange, prefix: str) -> rx.Component:
    return rx.el.select(
        rx.el.option(S.tr["admin.choose"], value=""),
        rx.foreach(field.options, lambda o: rx.el.option(o.label, value=o.value)),
        value=field.value, on_change=lambda v: on_change(field.key, v),
        id=_control_id(prefix, field), class_name="pm-select", style={"width": "100%"},
        **_aria(field),
    )


def _multi(field: FieldRow, on_toggle: OnChange, prefix: str) -> rx.Component:
    def box(o: Opt) -> rx.Component:
        return rx.el.label(
            rx.checkbox(checked=field.chosen.contains(o.value),
                        on_change=lambda on: on_toggle(field.key, o.value, on),
                        id=_control_id(prefix, field) + "-" + o.value,
                        custom_attrs={"data-value": o.value}),
            rx.text(o.label, size="2"),
            display="flex", align_items="center", gap="0.4em", min_height="2em",
        )

    return rx.flex(rx.foreach(field.options, box), id=_control_id(prefix, field),
                   role="group", gap="0.25em 1em", wrap="wrap")


def _checkbox(field: FieldRow, on_change: OnChange, prefix: str) -> rx.Component:
    return rx.box(
        rx.checkbox(checked=field.checked, on_change=lambda on: on_change(field.key, on),
                    id=_control_id(prefix, field), size="3",
                    custom_attrs={"aria-label": field.label}),
        min_height="2em", display="flex", align_items="center",
    )


def _control(field: FieldRow, on_change: OnChange, on_toggle: OnChange,
             prefix: str) -> rx.Component:
    return rx.match(
        field.kind,
        (FieldType.LONG_TEXT, _long_text(field, on_change, prefix)),
        (FieldType.DROPDOWN, _select(field, on_change, prefix)),
        (FieldType.USER, _select(field, on_change, prefix)),
        (FieldType.MULTI_SELECT, _multi(field, on_toggle, prefix)),
        (FieldType.CHECKBOX, _checkbox(field, on_change, prefix)),
        *[(kind, _text_input(field, on_change, prefix, kind)) for kind in _TEXT_INPUTS],
        _text_input(field, on_change, prefix, FieldType.SHORT_TEXT),
    )


def _read_only(field: FieldRow, prefix: str) -> rx.Component:
    return rx.text(rx.cond(field.text != "", field.text, "—"), size="2",
                   id=_control_id(prefix, field), class_name="pm-cf-value")


def field_input(field: FieldRow, on_change: OnChange, on_toggle: OnChange, *,
                prefix: str = "cf") -> rx.Component:
    """One field: label + required marker, control (or its value when read-only), help,
    inline error. `on_change(key, value)`; `on_toggle(key, option, checked)` for
    multi-select boxes."""
    label = rx.hstack(
        rx.text(field.label, size="2", weight="medium"),
        rx.cond(field.required & field.editable,
                rx.text("*", size="2", color_scheme="red", title=S.tr["fields.required"],
                        class_name="pm-cf-required")),
        spacing="1", align="center",
    )
    return rx.vstack(
        label,
        rx.cond(field.editable, _control(field, on_change, on_toggle, prefix),
                _read_only(field, prefix)),
        rx.cond((field.help != "") & field.editable,
                rx.text(field.help, size="1", color_scheme="gray", class_name="pm-cf-help")),
        rx.cond(field.error != "",
                rx.text(field.error, size="1", color_scheme="red", role="alert",
                        id=prefix + "-error-" + field.key, class_name="pm-cf-error")),
        spacing="1", width="100%", class_name="pm-cf", key=field.key,
        custom_attrs={"data-key": field.key, "data-required": field.required},
    )


def field_inputs(rows, on_change: OnChange, on_toggle: OnChange, *,
                 prefix: str = "cf") -> rx.Component:
    """All visible fields of a form, one column on phones, two from tablet width."""
    return rx.grid(
        rx.foreach(rows, lambda f: field_input(f, on_change, on_toggle, prefix=prefix)),
        columns=rx.breakpoints(initial="1", sm="2"), gap="0.75em 1em", width="100%",
        id=prefix + "-fields",
    )
