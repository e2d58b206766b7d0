"""/agent/notifications and /portal/notifications: the newest notifications of the
logged-in user (the route's on_load sends staff and clients to their own); live."""

from __future__ import annotations

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.components.page import page
from helpdesk_app.state.notifications import NotificationItem
from helpdesk_app.state.notifications import NotificationState as N
from helpdesk_app.state.session import SessionState as S


def _item(n: NotificationItem) -> rx.Component:
    return rx.hstack(
        rx.box(width="0.5em", height="0.5em", border_radius="50%", flex_shrink="0",
               background=rx.cond(n.read, "transparent", "var(--accent-9)")),
        rx.vstack(
            rx.cond(n.href != "",
                    rx.link(n.text, href=n.href, class_name="pm-notif-text"),
                    rx.text(n.text, class_name="pm-notif-text")),
            rx.text(n.created, size="1", color="var(--gray-11)"),
            spacing="0", align="start", min_width="0", flex="1",
        ),
        rx.spacer(),
        rx.cond(
            n.read,
            rx.fragment(),
            rx.button(S.tr["notifications.mark_read"], size="1", variant="soft",
                      on_click=N.mark_read(n.id), class_name="pm-notif-mark"),
        ),
        align="center", spacing="3", width="100%", padding_y="0.5em", wrap="wrap",
        border_bottom="1px solid var(--gray-4)",
        font_weight=rx.cond(n.read, "normal", "bold"),
        class_name="pm-notif",
        custom_attrs={"data-id": n.id, "data-kind": n.kind, "data-number": n.number,
                      "data-read": rx.cond(n.read, "true", "false")},
    )


# Both routes admit anyone signed in: each on_load sends staff and clients to their own.
@page(routes.AGENT_NOTIFICATIONS, title_key="page.notifications", roles=routes.ANYONE,
      on_load=N.on_load, max_width="900px")
@page(routes.PORTAL_NOTIFICATIONS, title_key="page.notifications", roles=routes.ANYONE,
      on_load=N.on_load_portal, max_width="900px")
def notifications_page() -> rx.Component:
    return rx.fragment(
        rx.vstack(
            rx.hstack(
                rx.heading(S.tr["notifications.title"], size="5"),
                rx.badge(N.unread_label, variant="surface", id="notif-page-unread"),
                rx.spacer(),
                rx.button(S.tr["notifications.mark_all_read"], variant="soft",
                          on_click=N.mark_all_read, disabled=N.unread == 0,
                          id="notif-mark-all", max_width="100%",
                          style={"white_space": "normal", "height": "auto",
                                 "min_height": "var(--space-6)"}),
                align="center", width="100%", wrap="wrap",
            ),
            rx.box(rx.foreach(N.items, _item), width="100%", id="notif-list"),
            rx.cond(N.loaded & (N.items.length() == 0),
                    rx.text(S.tr["notifications.empty"], id="notif-empty")),
            rx.el.span(N.refreshed, id="notif-refreshed", hidden=True),
            width="100%", spacing="3",
        ),
    )
