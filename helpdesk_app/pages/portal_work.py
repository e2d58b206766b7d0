"""/portal/work: the client manager's summary of work done for their organisation."""

from __future__ import annotations

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.components.layout import error_callout
from helpdesk_app.components.page import page
from helpdesk_app.components.report_table import report_table
from helpdesk_app.state.portal_work import PortalWorkState as W
from helpdesk_app.state.session import SessionState as S


@page(routes.PORTAL_WORK, title_key="page.portal_work", roles=routes.CLIENTS,
      on_load=W.on_load, max_width="900px")
def portal_work_page() -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.link("← ", S.tr["ticket.back"], href=routes.PORTAL, size="2"),
                  width="100%"),
        rx.heading(S.tr["portal.work_title"], size="5"),
        rx.text(S.tr["portal.work_help"], size="2", color_scheme="gray"),
        error_callout(W.error),
        rx.foreach(W.months, report_table),
        rx.foreach(W.tickets, report_table),
        spacing="3", width="100%", id="portal-work")
