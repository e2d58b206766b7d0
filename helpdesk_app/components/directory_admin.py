"""Pieces the organisation and user admin pages share: the search box and filters above
a list, the rows, the pager, the side panel next to the list and the confirmation."""

from __future__ import annotations

import reflex as rx

from helpdesk_app.components.layout import dropdown
from helpdesk_app.state.session import SessionState as S


def search_box(value, on_change, id: str, placeholder) -> rx.Component:
    """Searches as one types (debounced): every word must match."""
    return rx.input(value=value, on_change=on_change, id=id, placeholder=placeholder,
                    type="search", debounce_timeout=300, width="100%", min_width="0")


def filter_select(opts, value, on_change, id: str, placeholder) -> rx.Component:
    return rx.box(dropdown(opts, rx.cond(value == "", "all", value), on_change, id=id,
                           placeholder=placeholder),
                  min_width="9em", flex="1 1 9em", max_width="100%")


def item_row(title, subtitle, detail, active, on_click, id: str) -> rx.Component:
    """One organisation or person: a button-like row that opens it in the side panel;
    a deactivated one is greyed."""
    return rx.box(
        rx.text(title, weight="medium", size="2",
                color=rx.cond(active, "inherit", "var(--gray-10)")),
        rx.cond(subtitle != "", rx.text(subtitle, size="1", color_scheme="gray")),
        rx.text(detail, size="1", color_scheme="gray"),
        on_click=on_click, id=id, role="button", tab_index=0, cursor="pointer",
        width="100%", padding="0.4em 0.3em", border_bottom="1px solid var(--gray-4)",
        overflow_wrap="anywhere", class_name="pm-dir-row", _hover={"background": "var(--gray-3)"},
        custom_attrs={"data-title": title},
    )


def pager(page, pages, total_label, on_prev, on_next, prefix: str) -> rx.Component:
    return rx.hstack(
        rx.text(total_label, size="2", color_scheme="gray", id=f"{prefix}-total"),
        rx.spacer(),
        rx.cond(pages > 1, rx.hstack(
            rx.button("←", on_click=on_prev, disabled=page <= 1, variant="soft", size="1",
                      id=f"{prefix}-prev", aria_label=S.tr["directory_admin.prev"]),
            rx.text(page, " / ", pages, size="2", id=f"{prefix}-page"),
            rx.button("→", on_click=on_next, disabled=page >= pages, variant="soft", size="1",
                      id=f"{prefix}-next", aria_label=S.tr["directory_admin.next"]),
            align="center", spacing="2")),
        width="100%", align="center", wrap="wrap",
    )


def confirm_box(question, yes_label, on_yes, on_no, id: str, *, danger=True) -> rx.Component:
    """The question asked before a deactivation: nothing happens until "yes"."""
    return rx.callout.root(
        rx.vstack(
            rx.text(question, size="2"),
            rx.hstack(
                rx.button(yes_label, on_click=on_yes, id=f"{id}-yes", size="1",
                          color_scheme="red" if danger else "green"),
                rx.button(S.tr["directory_admin.cancel"], on_click=on_no, id=f"{id}-no",
                          size="1", variant="soft"),
                spacing="2", wrap="wrap"),
            spacing="2"),
        color_scheme="amber", size="1", id=id, role="alertdialog", width="100%",
    )


def two_panes(listing: rx.Component, panel: rx.Component, panel_open) -> rx.Component:
    """The list and, when open, the side panel: side by side on wide screens, the panel
    first (where the eye is) on phones."""
    return rx.flex(
        rx.box(listing, flex="3 1 0", min_width="0", width="100%"),
        rx.cond(panel_open, rx.box(panel, flex="2 1 0", min_width="0", width="100%")),
        direction=rx.breakpoints(initial="column-reverse", md="row"),
        gap="1em", width="100%", align="start",
    )
