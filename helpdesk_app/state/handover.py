"""The handover panel on the agent ticket page (/agent/tickets/[ticket_number]).

A separate state, like the checklist panel: its `on_mount` calls `start`, which checks the
session, finds the route's ticket through the access policy and watches that ticket in its
own live slot ("handover"). Coordinators and admins hand the ticket to a subcontractor
(the subcontractors serving the ticket's contract offered first) or withdraw it; other
staff see to whom it is handed; the subcontractor it is handed to accepts or returns it.
The ticket id is decided here on the server (backend-only `_ticket_id`), never taken from
the browser; every action is checked again by domain/handover.py.
"""

from __future__ import annotations

from typing import ClassVar

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.domain import handover
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import DomainError
from helpdesk_app.live.bus import Change
from helpdesk_app.state import live
from helpdesk_app.state.forms import CHOICE, Form
from helpdesk_app.state.session import SessionState
from helpdesk_app.state.ticket_panel import open_panel
from helpdesk_app.state.toolkit import handler, unit_of_work
from helpdesk_app.state.views import Opt

SLOT = "handover"  # this panel's watch slot, beside the page's


def _int(value: str) -> int | None:
    return int(value) if str(value).isdigit() else None


class HandoverPanelState(Form, SessionState):
    form_fields: ClassVar[dict[str, object]] = {
        "h_person": CHOICE, "h_note": str, "r_note": str}

    visible: bool = False
    can_hand: bool = False  # a coordinator or admin: hand over / withdraw
    mine: bool = False  # the subcontractor the ticket is handed to
    handed: bool = False
    h_state: str = ""  # handed / accepted
    org_name: str = ""
    person: str = ""
    note: str = ""
    by: str = ""
    when: str = ""
    # the form (coordinators): subcontractor, optional person, note
    org_opts: list[Opt] = []
    person_opts: list[Opt] = []
    h_org: str = ""
    h_person: str = ""
    h_note: str = ""
    r_note: str = ""  # the subcontractor's reason when returning it
    confirm: str = ""  # "", "withdraw" or "return": the question showing
    error: str = ""
    message: str = ""
    refreshed: int = 0
    _ticket_id: int = 0

    def _route_number(self) -> str:
        return str(self.router._page.params.get("ticket_number", "") or "")

    def _clear(self) -> None:
        self.visible = self.can_hand = self.mine = self.handed = False
        self.h_state = self.org_name = self.person = self.note = self.by = self.when = ""
        self.org_opts, self.person_opts = [], []
        self.h_org = self.h_person = self.h_note = self.r_note = self.confirm = ""
        self.error = self.message = ""
        self._ticket_id = 0

    def _load(self, db, actor: Actor) -> None:
        view = handover.current(db, actor, self._ticket_id)
        self.can_hand = actor.role in handover.COORDINATING
        self.handed = view is not None
        self.mine = actor.is_subcontractor and view is not None
        self.visible = self.can_hand or self.handed
        if view is not None:
            self.h_state, self.org_name, self.person = view.state, view.organisation, view.person
            self.note, self.by, self.when = view.note, view.created_by, self._dt(view.created_at)
        else:
            self.h_state = self.org_name = self.person = self.note = self.by = self.when = ""
        if self.can_hand and not self.handed:
            mark = self._t("handover.suggested")
            choices = handover.choices(db, actor, [self._ticket_id])
            self.org_opts = [Opt(str(c.id), f"{c.name} ({mark})" if c.suggested else c.name)
                             for c in choices]
            known = {o.value for o in self.org_opts}
            if self.h_org not in known:  # the first suggestion, or nothing chosen
                first = next((c for c in choices if c.suggested), None)
                self.h_org = str(first.id) if first else ""
                self.h_person = ""
            self._load_people(db, actor)
        else:
            self.org_opts, self.person_opts = [], []

    def _load_people(self, db, actor: Actor) -> None:
        org_id = _int(self.h_org)
        self.person_opts = [Opt(str(p.id), p.name)
                            for p in handover.people(db, actor, org_id)] if org_id else []
        if self.h_person not in {o.value for o in self.person_opts}:
            self.h_person = ""

    # ---- events

    @rx.event
    def start(self):
        """The panel mounted: load the route's ticket's panel and watch the ticket."""
        open_panel(self, SLOT)

    @rx.event
    def stop(self):
        live.unwatch(self, slot=SLOT)

    @handler(roles=routes.COORDINATION)
    def pick_org(self, db, actor: Actor, value: str):
        self.h_org = "" if value in ("all", None) else str(value)
        self.h_person, self.error = "", ""
        self._load_people(db, actor)

    @handler(roles=routes.COORDINATION)
    def hand_over(self, db, actor: Actor):
        self.error = self.message = ""
        org_id = _int(self.h_org)
        if not self._ticket_id or org_id is None:
            self.error = self._t("handover.org_invalid")
            return
        result = handover.hand_over(db, actor, [self._ticket_id], org_id,
                                    _int(self.h_person), self.h_note)
        if result.failures:
            f = result.failures[0]
            self.error = self._t(f.key, **f.params)
        else:
            self.h_note, self.message = "", self._t("handover.done")
        self._load(db, actor)

    @rx.event
    def ask(self, what: str):
        if what in ("withdraw", "return"):
            self.confirm, self.error, self.message = what, "", ""

    @rx.event
    def cancel_confirm(self):
        self.confirm = ""

    @handler(roles=routes.COORDINATION)
    def withdraw(self, db, actor: Actor):
        self.confirm, self.error, self.message = "", "", ""
        handover.withdraw(db, actor, self._ticket_id, self.r_note)
        self.r_note, self.message = "", self._t("handover.withdrawn_done")
        self._load(db, actor)

    @handler(roles=routes.SUBCONTRACTORS)
    def accept(self, db, actor: Actor):
        self.error = self.message = ""
        handover.accept(db, actor, self._ticket_id)
        self._load(db, actor)

    @handler(roles=routes.SUBCONTRACTORS)
    def give_back(self, db, actor: Actor):
        """Return the ticket: it is no longer theirs to see, so back to their list."""
        self.confirm = self.error = ""
        handover.return_ticket(db, actor, self._ticket_id, self.r_note)
        self._clear()
        live.unwatch(self, slot=SLOT)
        return rx.redirect(routes.AGENT)

    def _live_refresh(self, changes: list[Change]) -> None:
        if not self._ticket_id:
            return
        with unit_of_work(self) as (db, actor):
            if actor is None:
                self._clear()
                return
            try:
                self._load(db, actor)
            except DomainError:  # no longer theirs to see (withdrawn): nothing stays
                self._clear()
                live.unwatch(self, slot=SLOT)
                return
        self.refreshed += 1
