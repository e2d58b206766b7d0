"""The bell in the top bar (staff and clients): unread count, link to the notifications
page (/agent/notifications or /portal/notifications).

Mounting it starts the bell's live watch (NotificationState.start), so the count follows
new notifications on whatever page is open.
"""

from __future__ import annotations

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.state.notifications import NotificationState as N
from helpdesk_app.state.session import SessionState as S


def notification_bell() -> rx.Component:
    label = S.tr["nav.notifications"]
    return rx.cond(
        S.logged_in,
        rx.link(
            rx.box(
                rx.icon("bell", size=20, color="var(--gray-12)"),
                rx.badge(
                    N.unread_label, id="notif-count", color_scheme="red", variant="solid",
                    radius="full", size="1", class_name="pm-notif-count",
                    custom_attrs={"data-unread": N.unread},
                    # The element stays in the page at 0 (tests read it); it is just hidden.
                    display=rx.cond(N.unread > 0, "inline-flex", "none"),
                    position="absolute", top="-0.55em", right="-0.8em",
                ),
                position="relative", display="inline-flex", align_items="center",
            ),
            href=rx.cond(S.is_agent, routes.AGENT_NOTIFICATIONS, routes.PORTAL_NOTIFICATIONS),
            id="nav-notifications", title=label,
            aria_label=label, underline="none", color="inherit",
            on_mount=N.start,
        ),
    )
