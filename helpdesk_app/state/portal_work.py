"""/portal/work (issue 14): a client manager's summary of the work done for their
organisation — hours and billable hours per month and per ticket
(domain/reports_client.py decides who gets it and what is in it: nothing internal)."""

from __future__ import annotations

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.domain import reports_client
from helpdesk_app.domain.actor import Actor
from helpdesk_app.state.report_views import TableView, view
from helpdesk_app.state.session import SessionState
from helpdesk_app.state.toolkit import handler


class PortalWorkState(SessionState):
    months: list[TableView] = []
    tickets: list[TableView] = []
    error: str = ""

    @handler(roles=routes.CLIENTS)
    def on_load(self, db, actor: Actor):
        self.months, self.tickets, self.error = [], [], ""
        if not actor.is_client_manager:  # the page is theirs; anyone else goes back
            return rx.redirect(routes.PORTAL)
        by_month, by_ticket = reports_client.client_summary(db, actor)
        lang = self.ui_lang
        self.months = [view(by_month, lang, title=self._t("reports.table.client_months"),
                            query={}, export_path="", chart_x="period",
                            chart_series=("hours", "billable"))]
        self.tickets = [view(by_ticket, lang, title=self._t("reports.table.client_tickets"),
                             query={}, export_path="",
                             link=lambda r: routes.ticket_page(str(r[1]), staff=False))]
        return None
