"""Building blocks the admin pages share: labelled inputs and the list rows with Edit."""

from __future__ import annotations

import reflex as rx

from helpdesk_app.components.layout import SYNCED_TEXT, dropdown
from helpdesk_app.state.session import SessionState as S


def field_label(label, id: str, required: bool = False) -> rx.Component:
    """A field's label; a required field's label ends with a red ` *`."""
    mark = [rx.el.span(" *", class_name="pm-required", aria_hidden="true")] if required else []
    # `html_for` on rx.text lands in its css; the attribute has to be passed as is
    return rx.text(label, *mark, size="1", weight="medium", as_="label",
                   custom_attrs={"htmlFor": id})


def field_error(error, id: str) -> rx.Component:
    """The field's own message under it (`<id>-error`), shown only when there is one."""
    return rx.cond(error != "", rx.text(error, size="1", color_scheme="red",
                                        class_name="pm-field-error", id=f"{id}-error"))


def _with_error(error, id: str) -> list[rx.Component]:
    return [] if error is None else [field_error(error, id)]


def text_field(label, value, on_change, id: str, *, error=None, required=False,
               **kw) -> rx.Component:
    """A labelled input; `error` (a message var) shows under it, `required` marks the label."""
    return rx.vstack(
        field_label(label, id, required),
        rx.input(value=value, on_change=on_change, id=id, width="100%", **SYNCED_TEXT, **kw),
        *_with_error(error, id),
        spacing="1", width="100%",
    )


def pick_field(label, opts, value, on_change, id: str,
               placeholder=None, *, error=None, required=False) -> rx.Component:
    """A labelled dropdown; an empty value shows the placeholder ("all") entry."""
    return rx.vstack(
        field_label(label, id, required),
        dropdown(opts, rx.cond(value == "", "all", value), on_change, id=id,
                 placeholder=placeholder),
        *_with_error(error, id),
        spacing="1", width="100%",
    )


def config_row(title, detail, on_edit, button_id, *, active=True,
               marker: rx.Component | None = None) -> rx.Component:
    """One configured item in an admin list: title, summary, Edit; greyed when retired."""
    return rx.hstack(
        *([marker] if marker is not None else []),
        rx.vstack(rx.text(title, weight="medium", size="2",
                          color=rx.cond(active, "inherit", "var(--gray-10)")),
                  rx.text(detail, size="1", color_scheme="gray"), spacing="0"),
        rx.spacer(),
        rx.button(S.tr["admin.edit"], size="1", variant="soft", on_click=on_edit,
                  id=button_id),
        width="100%", padding_y="0.3em", border_bottom="1px solid var(--gray-4)",
        align="center", class_name="pm-config-row", custom_attrs={"data-title": title},
    )
