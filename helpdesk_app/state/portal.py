"""The client panel: my (or my organisation's) tickets, look-up by number; live."""

from __future__ import annotations

from typing import ClassVar

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.domain import tickets, workflow
from helpdesk_app.domain.actor import Actor
from helpdesk_app.live.bus import Change
from helpdesk_app.state import live
from helpdesk_app.state.forms import Form
from helpdesk_app.state.session import SessionState
from helpdesk_app.state.toolkit import handler, unit_of_work
from helpdesk_app.state.views import ClientRowView, client_row_view


class PortalState(Form, SessionState):
    form_fields: ClassVar[dict[str, object]] = {"lookup": str}

    rows: list[ClientRowView] = []
    total: int = 0
    page: int = 1
    show_closed: bool = False
    lookup: str = ""
    lookup_error: str = ""
    refreshed: int = 0

    @handler(roles=routes.CLIENTS)
    def on_load(self, db, actor: Actor):
        self.lookup_error = ""
        self._load(db, actor)
        # Public changes of this organisation's tickets; the page re-queries through the
        # access policy, so a plain client still sees only their own.
        live.watch(self, {f"org:{actor.organisation_id}"}, public_only=True)

    def _load(self, db, actor) -> None:
        q = tickets.ListQuery(page=self.page, page_size=20, sort="updated",
                              status=None if self.show_closed else "active")
        result = tickets.list_tickets(db, actor, q)
        labels = workflow.labels(db, self.ui_lang, for_client=True)
        self.rows = [client_row_view(r, self._dt(r.updated_at), labels) for r in result.rows]
        self.total = result.total

    def _live_refresh(self, changes: list[Change]) -> None:
        with unit_of_work(self) as (db, actor):
            if actor is None or actor.is_staff:
                return
            self._load(db, actor)
        self.refreshed += 1

    @handler(roles=routes.CLIENTS)
    def toggle_closed(self, db, actor: Actor, value: bool):
        self.show_closed = bool(value)
        self.page = 1
        self._load(db, actor)

    @handler(roles=routes.CLIENTS, error="lookup_error")
    def find(self, db, actor: Actor, _form: dict | None = None):
        ticket_id = tickets.find_by_number(db, actor, self.lookup)
        number = tickets.get_ticket(db, actor, ticket_id).number
        self.lookup_error = ""
        return rx.redirect(routes.ticket_page(number, staff=False))
