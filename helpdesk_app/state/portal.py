"""The client panel: my (or my organisation's) tickets, look-up by number; live."""

from __future__ import annotations

import reflex as rx

from helpdesk_app.db import session_scope
from helpdesk_app.domain import tickets, workflow
from helpdesk_app.domain.errors import DomainError
from helpdesk_app.live.bus import Change
from helpdesk_app.state import live
from helpdesk_app.state.session import SessionState
from helpdesk_app.state.views import ClientRowView, client_row_view


class PortalState(SessionState):
    rows: list[ClientRowView] = []
    total: int = 0
    page: int = 1
    show_closed: bool = False
    lookup: str = ""
    lookup_error: str = ""
    refreshed: int = 0

    @rx.event
    def on_load(self):
        self.lookup_error = ""
        with session_scope() as db:
            actor = self._actor(db)
            if actor is None:
                return self._to_login()
            if actor.is_staff:
                return rx.redirect("/agent")
            self._load(db, actor)
            org = actor.organisation_id
        # Public changes of this organisation's tickets; the page re-queries through the
        # access policy, so a plain client still sees only their own.
        live.watch(self, {f"org:{org}"}, public_only=True)
        return None

    def _load(self, db, actor) -> None:
        q = tickets.ListQuery(page=self.page, page_size=20, sort="updated",
                              status=None if self.show_closed else "active")
        result = tickets.list_tickets(db, actor, q)
        labels = workflow.labels(db, self.ui_lang, for_client=True)
        self.rows = [client_row_view(r, self._dt(r.updated_at), labels) for r in result.rows]
        self.total = result.total

    def _live_refresh(self, changes: list[Change]) -> None:
        with session_scope() as db:
            actor = self._actor(db)
            if actor is None:
                return
            self._load(db, actor)
        self.refreshed += 1

    @rx.event
    def toggle_closed(self, value: bool):
        self.show_closed = bool(value)
        self.page = 1
        with session_scope() as db:
            actor = self._actor(db)
            if actor is None:
                return self._to_login()
            self._load(db, actor)
        return None

    @rx.event
    def set_lookup(self, v: str):
        self.lookup = v

    @rx.event
    def find(self, _form: dict | None = None):
        with session_scope() as db:
            actor = self._actor(db)
            if actor is None:
                return self._to_login()
            try:
                ticket_id = tickets.find_by_number(db, actor, self.lookup)
                number = tickets.get_ticket(db, actor, ticket_id).number
            except DomainError as e:
                self.lookup_error = self._err(e)
                return None
        self.lookup_error = ""
        return rx.redirect(f"/portal/tickets/{number}")
