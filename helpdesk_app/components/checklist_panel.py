"""The ticket's checklist (agents only): items with checkboxes, who/when on done items,
progress "3/8", and which required items still block resolving.

Mounting it loads the checklist of the ticket in the current route and starts the
panel's own live watch (ChecklistState.start). It is keyed by the route path, so
opening another ticket remounts it and loads that ticket's list.
"""

from __future__ import annotations

import reflex as rx

from helpdesk_app.state.checklist import ChecklistRow
from helpdesk_app.state.checklist import ChecklistState as C
from helpdesk_app.state.session import SessionState as S


def _item(item: ChecklistRow) -> rx.Component:
    return rx.hstack(
        rx.checkbox(
            checked=item.done, on_change=lambda on: C.toggle(item.id, on),
            id="check-" + item.id, custom_attrs={"data-label": item.label},
            aria_label=item.label,
        ),
        rx.vstack(
            rx.hstack(
                rx.text(item.label, size="2",
                        text_decoration=rx.cond(item.done, "line-through", "none"),
                        color=rx.cond(item.done, "var(--gray-11)", "inherit")),
                rx.cond(item.required,
                        rx.text("*", size="2", color_scheme="red",
                                title=S.tr["checklist.required"])),
                spacing="1", align="center",
            ),
            rx.cond(item.done, rx.text(
                item.done_by, " · ", item.done_when, size="1", color_scheme="gray",
                class_name="pm-check-meta")),
            spacing="0",
        ),
        align="start", width="100%", padding_y="0.2em", class_name="pm-check-item",
        custom_attrs={"data-label": item.label, "data-done": item.done},
    )


def checklist_panel() -> rx.Component:
    return rx.box(
        rx.cond(
            C.visible,
            rx.card(rx.vstack(
                rx.hstack(
                    rx.heading(S.tr["checklist.title"], size="3"),
                    rx.spacer(),
                    rx.badge(C.progress, id="checklist-progress", size="2",
                             color_scheme=rx.cond(C.done_count == C.items.length(),
                                                  "green", "gray")),
                    width="100%", align="center",
                ),
                rx.progress(value=C.percent, width="100%"),
                rx.cond(C.error != "", rx.callout(C.error, color_scheme="red", size="1",
                                                  role="alert", id="checklist-error")),
                rx.vstack(rx.foreach(C.items, _item), spacing="0", width="100%",
                          id="checklist-items"),
                rx.cond(C.blocking.length() > 0, rx.text(
                    S.tr["checklist.blocks_resolve"], size="1", color_scheme="amber",
                    id="checklist-blocking")),
                rx.el.span(C.refreshed, id="checklist-refreshed", hidden=True),
                spacing="2", width="100%",
            ), width="100%"),
        ),
        key=rx.State.router.url.path,
        on_mount=C.start,
        on_unmount=C.stop,
        id="checklist-panel",
        width="100%",
    )
