"""The client panel, designed for a 390×844 phone first."""

from __future__ import annotations

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.components.layout import SYNCED_TEXT, error_callout
from helpdesk_app.components.page import page
from helpdesk_app.state.portal import PortalState as P
from helpdesk_app.state.session import SessionState as S
from helpdesk_app.state.views import ClientRowView


def _card(r: ClientRowView) -> rx.Component:
    return rx.link(
        rx.card(
            rx.vstack(
                rx.hstack(rx.text(r.number, size="1", weight="bold", class_name="pm-number"),
                          rx.spacer(), rx.badge(r.status_label, variant="soft"), width="100%"),
                rx.text(r.subject, size="3", weight="medium"),
                rx.hstack(rx.text(r.requester, size="1", color_scheme="gray"), rx.spacer(),
                          rx.text(r.updated, size="1", color_scheme="gray"), width="100%"),
                spacing="1", width="100%",
            ),
            width="100%", class_name="pm-row", custom_attrs={"data-number": r.number},
        ),
        href=routes.PORTAL_TICKETS + r.number, underline="none", width="100%",
    )


@page(routes.PORTAL, title_key="page.portal", roles=routes.CLIENTS,
      on_load=P.on_load, max_width="720px")
def portal_page() -> rx.Component:
    return rx.fragment(
        rx.vstack(
            rx.hstack(
                rx.heading(rx.cond(S.user_is_manager, S.tr["portal.org_tickets"],
                                   S.tr["portal.my_tickets"]), size="5"),
                rx.spacer(),
                rx.link(rx.button(S.tr["nav.new_ticket"], id="portal-new"), href=routes.PORTAL_NEW),
                width="100%", align="center",
            ),
            rx.form(
                rx.hstack(
                    rx.input(placeholder=S.tr["portal.lookup"], value=P.lookup,
                             on_change=P.set_value("lookup"), id="lookup", name="lookup",
                             width="100%", **SYNCED_TEXT),
                    rx.button(S.tr["portal.find"], type="submit", id="lookup-go"),
                    width="100%",
                ),
                on_submit=P.find, reset_on_submit=False, width="100%",
            ),
            error_callout(P.lookup_error),
            rx.hstack(
                rx.switch(checked=P.show_closed, on_change=P.toggle_closed, id="show-closed"),
                rx.text(S.tr["portal.show_closed"], size="2"),
                align="center",
            ),
            rx.vstack(rx.foreach(P.rows, _card), width="100%", spacing="2", id="portal-list"),
            rx.cond(P.rows.length() == 0, rx.text(S.tr["list.empty"])),
            rx.el.span(P.refreshed, id="live-refreshed", hidden=True),
            spacing="3", width="100%",
        )
    )
