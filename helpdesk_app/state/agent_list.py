"""The agent dashboard: one page of tickets with filters, sorting, queue counts; live."""

from __future__ import annotations

import reflex as rx

from helpdesk_app.db import session_scope
from helpdesk_app.domain import directory, tickets
from helpdesk_app.domain.errors import DomainError
from helpdesk_app.live.bus import Change
from helpdesk_app.models import Channel, Priority, Status
from helpdesk_app.state import live
from helpdesk_app.state.session import SessionState
from helpdesk_app.state.views import Opt, QueueCount, RowView, options, row_view


class AgentListState(SessionState):
    rows: list[RowView] = []
    total: int = 0
    total_capped: bool = False
    page: int = 1
    page_size: int = 25
    sort: str = "priority"
    descending: bool = True
    f_status: str = "active"
    f_queue: str = ""
    f_assignee: str = ""
    f_priority: str = ""
    f_org: str = ""
    f_channel: str = ""
    f_sla: str = ""
    search: str = ""
    queue_counts: list[QueueCount] = []
    status_opts: list[Opt] = []
    priority_opts: list[Opt] = []
    channel_opts: list[Opt] = []
    sla_opts: list[Opt] = []
    queue_opts: list[Opt] = []
    agent_opts: list[Opt] = []
    org_opts: list[Opt] = []
    error: str = ""
    refreshed: int = 0  # bumps on every live refresh (lets tests and the UI see liveness)

    @rx.var
    def page_count(self) -> int:
        return max(1, -(-self.total // self.page_size))

    # ---- loading

    @rx.event
    def on_load(self):
        with session_scope() as db:
            actor = self._actor(db)
            if actor is None:
                return self._to_login()
            if not actor.is_staff:
                return rx.redirect("/portal")
            lang = self.ui_lang
            self.status_opts = [Opt("active", self._t("status.active")),
                                *options(list(Status.ALL), lang, "status")]
            self.priority_opts = options(list(Priority.ALL), lang, "priority")
            self.channel_opts = options(list(Channel.ALL), lang, "channel")
            self.sla_opts = options(list(tickets.SLA_FILTERS), lang, "list.sla")
            self.queue_opts = [Opt(str(o.id), o.label) for o in directory.queues(db)]
            self.agent_opts = [Opt("mine", self._t("list.assignee_mine")),
                               Opt("unassigned", self._t("list.assignee_unassigned"))] + [
                Opt(str(o.id), o.label) for o in directory.agents(db, actor)]
            self.org_opts = [Opt(str(o.id), o.label)
                             for o in directory.client_organisations(db, actor)]
            self._load(db, actor)
        live.watch(self, {"tickets"}, public_only=False)
        return None

    def _query(self) -> tickets.ListQuery:
        def num(v: str) -> int | None:
            return int(v) if v.isdigit() else None

        return tickets.ListQuery(
            page=self.page, page_size=self.page_size, sort=self.sort,
            descending=self.descending, status=self.f_status or None,
            queue_id=num(self.f_queue), assignee=self.f_assignee or None,
            priority=num(self.f_priority), organisation_id=num(self.f_org),
            channel=self.f_channel or None, search=self.search, sla=self.f_sla or None,
        )

    def _load(self, db, actor) -> None:
        try:
            result = tickets.list_tickets(db, actor, self._query())
        except DomainError as e:
            self.error = self._err(e)
            return
        self.error = ""
        self.rows = [row_view(r, self.ui_lang, self._dt(r.updated_at)) for r in result.rows]
        self.total = result.total
        self.total_capped = result.total_capped
        self.queue_counts = [QueueCount(str(qid), name, n)
                             for qid, name, n in tickets.queue_counts(db, actor)]

    def _reload(self):
        with session_scope() as db:
            actor = self._actor(db)
            if actor is None or not actor.is_staff:
                return self._to_login()
            self._load(db, actor)
        return None

    def _live_refresh(self, changes: list[Change]) -> None:
        with session_scope() as db:
            actor = self._actor(db)
            if actor is None or not actor.is_staff:
                return
            self._load(db, actor)
        self.refreshed += 1

    # ---- filters, sorting, paging (each re-queries one page on the server)

    def _refilter(self):
        self.page = 1
        return self._reload()

    @rx.event
    def set_f_status(self, v: str):
        self.f_status = v
        return self._refilter()

    @rx.event
    def set_f_queue(self, v: str):
        self.f_queue = "" if v == "all" else v
        return self._refilter()

    @rx.event
    def set_f_assignee(self, v: str):
        self.f_assignee = "" if v == "all" else v
        return self._refilter()

    @rx.event
    def set_f_priority(self, v: str):
        self.f_priority = "" if v == "all" else v
        return self._refilter()

    @rx.event
    def set_f_org(self, v: str):
        self.f_org = "" if v == "all" else v
        return self._refilter()

    @rx.event
    def set_f_channel(self, v: str):
        self.f_channel = "" if v == "all" else v
        return self._refilter()

    @rx.event
    def set_f_sla(self, v: str):
        self.f_sla = "" if v == "all" else v
        return self._refilter()

    @rx.event
    def set_search(self, v: str):
        self.search = v

    @rx.event
    def apply_search(self, _form: dict | None = None):
        return self._refilter()

    @rx.event
    def clear_filters(self):
        self.f_status, self.f_queue, self.f_assignee = "active", "", ""
        self.f_priority, self.f_org, self.f_channel, self.search = "", "", "", ""
        self.f_sla = ""
        return self._refilter()

    @rx.event
    def pick_queue(self, queue_id: str):
        self.f_queue = queue_id
        return self._refilter()

    @rx.event
    def sort_by(self, column: str):
        if column not in tickets.SORTS:
            return None
        if self.sort == column:
            self.descending = not self.descending
        else:
            # "due soonest" reads naturally ascending; the other columns start descending.
            self.sort, self.descending = column, column != "due"
        return self._refilter()

    @rx.event
    def next_page(self):
        if self.page < self.page_count:
            self.page += 1
            return self._reload()
        return None

    @rx.event
    def prev_page(self):
        if self.page > 1:
            self.page -= 1
            return self._reload()
        return None
