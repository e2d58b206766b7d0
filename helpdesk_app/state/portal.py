"""The client panel: my (or my organisation's) tickets - paged, with a total, search by
subject or number and open / closed / all filters, all answered by the domain through the
access policy; a full ticket number jumps straight to the ticket; live."""

from __future__ import annotations

from typing import ClassVar

import reflex as rx
from babel import Locale

from helpdesk_app import routes
from helpdesk_app.domain import tickets, workflow
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.numbering import normalise_number
from helpdesk_app.live.bus import Change
from helpdesk_app.state import live
from helpdesk_app.state.forms import Form
from helpdesk_app.state.session import SessionState
from helpdesk_app.state.toolkit import handler, unit_of_work
from helpdesk_app.state.views import ClientRowView, client_row_view

PAGE_SIZE = 20
# the portal's filters -> ListQuery.status
FILTERS: dict[str, str | None] = {"active": "active", "closed": tickets.INACTIVE, "all": None}
SEARCH_MAX = 100


class PortalState(Form, SessionState):
    form_fields: ClassVar[dict[str, object]] = {"lookup": str}

    rows: list[ClientRowView] = []
    total: int = 0
    total_label: str = ""  # "34 zgłoszenia"
    page: int = 1
    pages: int = 1
    status_filter: str = "active"
    search: str = ""  # the search the list shows ("" none); `lookup` is what is typed
    empty_message: str = ""
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
        q = tickets.ListQuery(page=self.page, page_size=PAGE_SIZE, sort="updated",
                              status=FILTERS.get(self.status_filter, "active"),
                              search=self.search)
        result = tickets.list_tickets(db, actor, q)
        self.pages = max(1, -(-result.total // PAGE_SIZE))
        if self.page > self.pages:  # fewer tickets than when the page was chosen
            self.page = self.pages
            result = tickets.list_tickets(db, actor, tickets.ListQuery(
                page=self.page, page_size=PAGE_SIZE, sort=q.sort, status=q.status,
                search=q.search))
        labels = workflow.labels(db, self.ui_lang, for_client=True)
        self.rows = [client_row_view(r, self._dt(r.updated_at), labels) for r in result.rows]
        self.total = result.total
        form = Locale.parse("pl" if self.ui_lang == "pl" else "en").plural_form(result.total)
        self.total_label = self._t(f"portal.count.{form}", n=result.total)
        self.empty_message = (self._t("portal.empty_search", q=self.search) if self.search
                              else self._t(f"portal.empty_{self.status_filter}"))

    def _live_refresh(self, changes: list[Change]) -> None:
        with unit_of_work(self) as (db, actor):
            if actor is None or actor.is_staff:
                return
            self._load(db, actor)
        self.refreshed += 1

    @handler(roles=routes.CLIENTS)
    def set_filter(self, db, actor: Actor, value: str | list[str]):
        # (the segmented control's on_change is typed str | list[str]; it sends one str)
        if isinstance(value, str) and value in FILTERS:
            self.status_filter, self.page = value, 1
        self._load(db, actor)

    @handler(roles=routes.CLIENTS)
    def go_page(self, db, actor: Actor, page: int):
        self.page = max(1, min(int(page), self.pages))
        self._load(db, actor)

    @handler(roles=routes.CLIENTS, error="lookup_error")
    def find(self, db, actor: Actor, _form: dict | None = None):
        """A whole ticket number opens that ticket; any other text searches the list
        (subject, or the end of a number) over every status."""
        text = " ".join((self.lookup or "").split())[:SEARCH_MAX]
        self.lookup_error = ""
        if normalise_number(text):
            ticket_id = tickets.find_by_number(db, actor, text)
            number = tickets.get_ticket(db, actor, ticket_id).number
            return rx.redirect(routes.ticket_page(number, staff=False))
        self.search, self.page = text, 1
        if text:
            self.status_filter = "all"  # "where is my printer ticket?" - closed ones too
        self._load(db, actor)
        return None

    @handler(roles=routes.CLIENTS)
    def clear_search(self, db, actor: Actor):
        self.search, self.lookup, self.lookup_error, self.page = "", "", "", 1
        self._load(db, actor)
