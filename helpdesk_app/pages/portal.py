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
                rx.text(r.subject, size="3", weight="medium", class_name="pm-portal-subject"),
                rx.hstack(rx.text(r.requester, size="1", color_scheme="gray"), rx.spacer(),
                          rx.text(r.updated, size="1", color_scheme="gray"), width="100%",
                          wrap="wrap"),
                spacing="1", width="100%",
            ),
            width="100%", class_name="pm-row", custom_attrs={"data-number": r.number},
        ),
        href=routes.PORTAL_TICKETS + r.number, underline="none", width="100%",
    )


def _search() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.input(placeholder=S.tr["portal.lookup"], value=P.lookup,
                     on_change=P.set_value("lookup"), id="lookup", name="lookup",
                     type="search", width="100%", min_width="0", **SYNCED_TEXT),
            rx.button(S.tr["portal.find"], type="submit", id="lookup-go"),
            width="100%",
        ),
        on_submit=P.find, reset_on_submit=False, width="100%",
    )


def _filters() -> rx.Component:
    def item(value: str) -> rx.Component:
        return rx.segmented_control.item(S.tr[f"portal.filter.{value}"], value=value,
                                         id=f"filter-{value}")

    return rx.hstack(
        rx.segmented_control.root(item("active"), item("closed"), item("all"),
                                  value=P.status_filter, on_change=P.set_filter,
                                  id="portal-filter", size="1"),
        rx.text(P.total_label, size="2", color_scheme="gray", id="portal-total"),
        width="100%", align="center", justify="between", wrap="wrap",
    )


def _search_note() -> rx.Component:
    return rx.cond(
        P.search != "",
        rx.callout(
            rx.hstack(
                rx.text(S.tr["portal.filtered_by"], " „", rx.el.b(P.search), "”", size="2"),
                rx.button(S.tr["portal.clear_search"], on_click=P.clear_search,
                          variant="ghost", size="1", id="search-clear"),
                wrap="wrap", align="center",
            ),
            icon="search", size="1", color_scheme="blue", id="search-note", width="100%",
        ),
    )


def _pager() -> rx.Component:
    return rx.cond(
        P.pages > 1,
        rx.hstack(
            rx.button("←", S.tr["portal.prev"], on_click=P.go_page(P.page - 1),
                      disabled=P.page <= 1, variant="soft", id="page-prev"),
            rx.text(S.tr["portal.page"], " ", P.page, " / ", P.pages, size="2",
                    id="page-info"),
            rx.button(S.tr["portal.next"], "→", on_click=P.go_page(P.page + 1),
                      disabled=P.page >= P.pages, variant="soft", id="page-next"),
            width="100%", justify="between", align="center",
        ),
    )


def _empty() -> rx.Component:
    return rx.cond(
        P.rows.length() == 0,
        rx.vstack(
            rx.text(P.empty_message, size="3", id="portal-empty"),
            rx.cond(
                P.search != "",
                rx.button(S.tr["portal.clear_search"], on_click=P.clear_search,
                          variant="soft", id="empty-clear"),
                rx.link(rx.button(S.tr["nav.new_ticket"], variant="soft"),
                        href=routes.PORTAL_NEW),
            ),
            align="center", spacing="3", padding="2em 0", width="100%",
        ),
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
                rx.cond(S.user_is_manager, rx.link(S.tr["portal.work_link"],
                                                   href=routes.PORTAL_WORK, id="portal-work-link",
                                                   size="2")),
                rx.link(rx.button(S.tr["nav.new_ticket"], id="portal-new"), href=routes.PORTAL_NEW),
                width="100%", align="center", wrap="wrap",
            ),
            _search(),
            error_callout(P.lookup_error),
            _search_note(),
            _filters(),
            rx.vstack(rx.foreach(P.rows, _card), width="100%", spacing="2", id="portal-list"),
            _empty(),
            _pager(),
            rx.el.span(P.refreshed, id="live-refreshed", hidden=True),
            spacing="3", width="100%", class_name="pm-portal",
        )
    )
