"""The checklist panel on the agent ticket page (/agent/tickets/[ticket_number]).

A separate state, like the notification bell: the panel's `on_mount` calls `start`,
which checks the session, finds the ticket of the current route through the access
policy and watches that ticket's topic in its own live slot ("checklist"), next to the
ticket page's own watch. The ticket id is decided here on the server (backend-only
`_ticket_id`), never taken from the browser; item ids that arrive with `toggle` are
checked by the domain to belong to that ticket.

Clients never see checklists: for them the panel stays empty and `toggle` is refused by
the domain even when called directly. A subcontractor sees and ticks the checklist of a
ticket handed to them (domain/checklists.py).
"""

from __future__ import annotations

import dataclasses

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.domain import checklists
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import DomainError
from helpdesk_app.live.bus import Change
from helpdesk_app.state import live
from helpdesk_app.state.session import SessionState
from helpdesk_app.state.ticket_panel import open_panel
from helpdesk_app.state.toolkit import handler, unit_of_work

SLOT = "checklist"  # this panel's watch slot, beside the page's


@dataclasses.dataclass
class ChecklistRow:
    id: str = ""
    label: str = ""
    required: bool = False
    done: bool = False
    done_by: str = ""
    done_when: str = ""


class ChecklistState(SessionState):
    items: list[ChecklistRow] = []
    visible: bool = False  # a staff member looking at a ticket that has a checklist
    blocking: list[str] = []  # required open items that block resolving (rule on)
    error: str = ""
    refreshed: int = 0  # bumps on every live refresh (lets tests see liveness)
    _ticket_id: int = 0

    @rx.var
    def done_count(self) -> int:
        return sum(1 for i in self.items if i.done)

    @rx.var
    def progress(self) -> str:
        return f"{sum(1 for i in self.items if i.done)}/{len(self.items)}"

    @rx.var
    def percent(self) -> int:
        total = len(self.items)
        return round(100 * sum(1 for i in self.items if i.done) / total) if total else 0

    # ---- helpers

    def _route_number(self) -> str:
        return str(self.router._page.params.get("ticket_number", "") or "")

    def _clear(self) -> None:
        self.items, self.visible, self.blocking, self.error = [], False, [], ""
        self._ticket_id = 0

    def _load(self, db, actor: Actor) -> None:
        lang = self.ui_lang
        views = checklists.items_for(db, actor, self._ticket_id)
        self.items = [ChecklistRow(
            id=str(v.id), label=v.label(lang), required=v.required, done=v.done,
            done_by=v.done_by, done_when=self._dt(v.done_at) if v.done_at else "",
        ) for v in views]
        self.blocking = checklists.unfinished_required(db, self._ticket_id, lang)
        self.visible = bool(views)

    # ---- events

    @rx.event
    def start(self):
        """The panel mounted: load the route's ticket's panel and watch the ticket."""
        open_panel(self, SLOT)

    @rx.event
    def stop(self):
        """The panel unmounted (another page opened): stop watching."""
        live.unwatch(self, slot=SLOT)

    # Anyone signed in reaches the domain, which refuses clients (no checklists for them).
    @handler(roles=routes.ANYONE)
    def toggle(self, db, actor: Actor, item_id: str, done: bool):
        self.error = ""
        try:
            checklists.set_done(db, actor, self._ticket_id, item_id, bool(done))
        except DomainError as e:  # shown, and the list reloaded to what is stored
            db.rollback()
            self.error = self._err(e)
        try:
            if actor.is_agent and self._ticket_id:
                self._load(db, actor)
        except DomainError:
            self._clear()

    def _live_refresh(self, changes: list[Change]) -> None:
        if not self._ticket_id:
            return
        with unit_of_work(self) as (db, actor):
            if actor is None or not actor.is_agent:
                self._clear()
                return
            try:
                self._load(db, actor)
            except DomainError:
                self._clear()
                return
        self.refreshed += 1
