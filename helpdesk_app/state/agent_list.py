"""The agent dashboard: one page of tickets with filters, sorting, queue counts; live.
Bulk actions: tick rows (or "all matching the filter"), pick a change, apply it in the
background with progress, then see what succeeded and why the rest did not; coordinators
also hand the selection to a subcontractor.

Subcontractors get this page too, for the tickets handed to them (the access policy):
search, status, custom-field filters, sorting (by SLA deadline too) and paging, each row
with its SLA countdown; no queues, assignees, channels, SLA filters or bulk changes (those
handlers stay staff-only; their rows: views.subcontractor_row_view)."""

from __future__ import annotations

import asyncio
from typing import ClassVar

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.domain import (
    bulk,
    directory,
    fields,
    handover,
    queues_admin,
    substitutions,
    tickets,
    workflow,
)
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import DomainError
from helpdesk_app.live.bus import (
    ACCESS_CHANGE,
    RESYNC,
    SEEN_CHANGE,
    Change,
    access_topic,
    seen_topic,
)
from helpdesk_app.models import Channel, Priority
from helpdesk_app.state import agent_list_reads as reads
from helpdesk_app.state import live
from helpdesk_app.state.forms import Form
from helpdesk_app.state.interned import interned
from helpdesk_app.state.session import SessionState
from helpdesk_app.state.toolkit import bare_session, handler, unit_of_work
from helpdesk_app.state.views import (
    BulkFailureView,
    Opt,
    QueueCount,
    RowView,
    options,
    row_view,
    subcontractor_row_view,
)

# change kinds that redraw the list whatever its rows: the agent's unread marks or access,
# or a resync after missed changes (the probe's fingerprint has no unread marks)
_PERSONAL = frozenset({SEEN_CHANGE, ACCESS_CHANGE, RESYNC})


# How many failures the result panel lists (the count always covers all of them).
FAILURES_SHOWN = 200
NO_CHANGE = "all"  # the action bar dropdowns' "no change" placeholder value


class AgentListState(Form, SessionState):
    # the search box and the bulk action bar's choices (applied by their own buttons)
    form_fields: ClassVar[dict[str, object]] = {
        "search": str, "b_status": str, "b_assignee": str, "b_queue": str, "b_priority": str,
        "b_sub": str}

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
    # one custom-field filter (and optional sort by that field)
    f_field: str = ""
    f_field_value: str = ""
    field_opts: list[Opt] = []
    field_value_opts: list[Opt] = []  # the chosen field's choices (dropdowns, checkboxes)
    _field_types: dict = {}
    _field_choices: dict = {}
    search: str = ""
    shown_search: str = ""  # the search the shown rows were found with (the list's note)
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
    # substitutions (issue 13): whom the agent stands in for now ("" = nobody); the
    # "Substituting for …" view is the assignee filter tickets.COVERING
    covering_label: str = ""
    covering_chip: str = ""
    _agents: list = []  # the assignee filter's people, read on load
    _fingerprint: int = 0  # of the rows and counts last shown (live refreshes skip equal)

    # ---- bulk selection, kept on the server: ticket id -> the version the agent saw
    # (the browser only sends "tick row X"; an id that is not on the shown page is ignored,
    # and every id still goes through the domain checks when the change is applied).
    _selected: dict[int, int] = {}
    _page_versions: dict[int, int] = {}  # the shown rows' versions, read with the rows
    selected_count: int = 0
    page_selected: list[str] = []  # ids of the shown rows that are selected (checkboxes)
    all_matching: bool = False  # the selection is "all matching the filter"
    selection_capped: bool = False
    # the action bar
    b_status: str = NO_CHANGE
    b_assignee: str = NO_CHANGE
    b_queue: str = NO_CHANGE
    b_priority: str = NO_CHANGE
    bulk_status_opts: list[Opt] = []
    bulk_assignee_opts: list[Opt] = []
    # the run and its result
    bulk_running: bool = False
    bulk_done: int = 0
    bulk_total: int = 0
    bulk_ran: bool = False
    bulk_ok: int = 0
    bulk_failed: int = 0
    bulk_failures: list[BulkFailureView] = []
    bulk_error: str = ""
    _pending_bulk: dict = {}  # set only by apply_bulk, never from the browser
    # handing the selection to a subcontractor (coordinators)
    handover_open: bool = False
    sub_opts: list[Opt] = []
    b_sub: str = ""

    @rx.var
    def page_all_selected(self) -> bool:
        return bool(self.rows) and len(self.page_selected) == len(self.rows)

    @rx.var
    def page_count(self) -> int:
        return max(1, -(-self.total // self.page_size))

    # ---- loading

    @handler(roles=routes.AGENTS)
    def on_load(self, db, actor: Actor):
        lang = self.ui_lang
        # Every status ever defined (retired ones too: old tickets may still have them);
        # a subcontractor only those visible to subcontractors.
        self.status_opts = [Opt("active", self._t("status.active"))] + [
            Opt(k, workflow.label(st, lang, for_client=False))
            for k, st in workflow.all_statuses(db).items()
            if actor.is_staff or st.subcontractor_visible]  # (so: their own names)
        self._load_field_filters(db, actor)
        self._clear_selection()
        self.bulk_ran, self.bulk_error, self.handover_open = False, "", False
        if not actor.is_staff:  # a subcontractor: the rest is the desk's business
            self.priority_opts, self.channel_opts, self.sla_opts = [], [], []
            self.queue_opts, self.agent_opts, self.org_opts = [], [], []
            self.bulk_status_opts, self.bulk_assignee_opts, self.queue_counts = [], [], []
            self.f_queue = self.f_assignee = self.f_priority = self.f_org = ""
            self.f_channel = self.f_sla = ""
        else:
            self._load_staff_options(db, actor)
        self._load(db, actor)
        # ticket changes, this agent's own "opened a ticket" (unread marks) and what they
        # may see changing (a substitution of theirs starting or ending)
        live.watch(self, {"tickets", seen_topic(actor.user_id), access_topic(actor.user_id)},
                   public_only=False)

    def _load_staff_options(self, db, actor: Actor) -> None:
        lang = self.ui_lang
        self.priority_opts = options(list(Priority.ALL), lang, "priority")
        self.channel_opts = options(list(Channel.ALL), lang, "channel")
        self.sla_opts = options(list(tickets.SLA_FILTERS), lang, "list.sla")
        # only the queues whose tickets the actor may list (custom role's queue limit)
        # (the lists every tab shows alike are held once per process: state/interned.py)
        self.queue_opts = interned([Opt(str(o.id), o.label)
                                    for o in queues_admin.visible_queues(db, actor)])
        agents = directory.agents(db, actor)
        self._agents = interned([(str(o.id), o.label) for o in agents])
        self.org_opts = interned([Opt(str(o.id), o.label)
                                  for o in directory.client_organisations(db, actor)])
        # Every active status: each ticket's own set and transitions are checked per
        # ticket by the workflow when the change is applied.
        self.bulk_status_opts = interned([
            Opt(k, workflow.label(st, lang, for_client=False))
            for k, st in workflow.all_statuses(db).items() if st.is_active])
        self.bulk_assignee_opts = interned([Opt("none", self._t("bulk.unassign"))] + [
            Opt(str(o.id), o.label) for o in agents])

    def _query(self) -> tickets.ListQuery:
        def num(v: str) -> int | None:
            return int(v) if v.isdigit() else None

        return tickets.ListQuery(
            page=self.page, page_size=self.page_size, sort=self.sort,
            descending=self.descending, status=self.f_status or None,
            queue_id=num(self.f_queue), assignee=self.f_assignee or None,
            priority=num(self.f_priority), organisation_id=num(self.f_org),
            channel=self.f_channel or None, search=self.search, sla=self.f_sla or None,
            field_filters=self._field_filters(),
            field_sort=self.f_field or None,
        )

    def _sync_covering(self, db, actor: Actor) -> None:
        """The "Substituting for …" filter exists while the agent covers somebody."""
        covered = substitutions.names(db, actor.covering_ids)
        self._set("covering_label", ", ".join(sorted(covered.values())))
        if not covered and self.f_assignee == tickets.COVERING:
            self.f_assignee = ""  # the substitution ended: back to every ticket
        self._set("covering_chip", self._t("list.assignee_covering", names=self.covering_label)
                  if covered else "")
        head = (("mine", self._t("list.assignee_mine")),
                ("unassigned", self._t("list.assignee_unassigned")))
        if covered:
            head += ((tickets.COVERING, self.covering_chip),)
        self._set("agent_opts", reads.agent_opts(head, self._agents))

    def _away_marks(self, db, rows: list[tickets.TicketRow]) -> dict[int, str]:
        """assignee id -> "away until …, substituted by …" for the page's assignees."""
        assignees = frozenset(r.assignee_id for r in rows if r.assignee_id)
        away, names = reads.away(db, assignees)
        if not away:
            return {}
        return {uid: self._t("list.away_mark", end=self._dt(a.ends_at),
                             name=names.get(a.substitute_id, ""))
                for uid, a in away.items()}

    def _load(self, db, actor, *, quiet: bool = False, same_counts: bool = False) -> bool:
        """Read the page. `quiet` (a live refresh for somebody else's change): stop when the
        fresh page and counts are what the tab already shows — no variable changes, so the
        tab is sent nothing. `same_counts` (the agent sorted, paged or filtered): keep the
        queue counts shown. Returns whether the page was redrawn."""
        if actor.is_staff:  # a subcontractor has no assignee filter (nor substitutes)
            self._sync_covering(db, actor)
        query = self._query()
        shown = ([(int(q.value), q.label, q.count) for q in self.queue_counts]
                 if same_counts and actor.is_staff and self.queue_counts else None)
        try:
            result, counts, fingerprint = reads.page(db, actor, query, shown)
        except DomainError as e:
            self._set("error", self._err(e))
            live.leave_probe(self, None)  # every change refreshes it fully
            return True
        # later passes check this first, without the tab's lock (see state/live.py)
        live.leave_probe(self, live.Probe(
            fingerprint, lambda probe_db: reads.page(probe_db, actor, query)[2],
            always=_PERSONAL, shown=frozenset(r.id for r in result.rows)))
        if quiet and fingerprint == self._fingerprint and not self.error:
            return False
        self._fingerprint = fingerprint
        self._set("error", "")
        self._set("shown_search", self.search.strip())
        labels = live.shared(("status_labels", self.ui_lang, actor.is_client,
                              actor.is_subcontractor),
                             lambda: workflow.labels_for(db, self.ui_lang, actor))
        unread = reads.unread(db, actor, [r.id for r in result.rows])
        away = self._away_marks(db, result.rows) if actor.is_staff else {}
        rows = [row_view(r, self.ui_lang, self._dt(r.updated_at), labels=labels,
                         unread=r.id in unread, away=away.get(r.assignee_id, ""))
                for r in result.rows]
        # a subcontractor's rows: the SLA countdown, not the desk's queue, assignee, channel
        self._set("rows", rows if actor.is_staff else [subcontractor_row_view(r) for r in rows])
        self._page_versions = bulk.row_versions(result.rows) if actor.is_staff else {}
        self._sync_selection()
        self._set("total", result.total)
        self._set("total_capped", result.total_capped)
        self._set("queue_counts", [QueueCount(str(qid), name, n) for qid, name, n in counts])
        return True

    def _live_refresh(self, changes: list[Change]) -> None:
        with unit_of_work(self) as (db, actor):
            if actor is None or not actor.is_agent:
                return
            # the agent's own unread marks or access changed: redraw whatever the rows say
            personal = any(c.kind in _PERSONAL for c in changes)
            if not self._load(db, actor, quiet=not personal):
                return  # nothing on this tab changed: it is sent nothing
        self.refreshed += 1

    # ---- filters, sorting, paging (each re-queries one page on the server)

    def _refilter(self, db, actor: Actor) -> None:
        # A selection belongs to the filter it was made under.
        self.page = 1
        self._clear_selection()
        self._load(db, actor, same_counts=True)

    # The list's filter dropdowns; "all" is the dropdowns' "any" entry.
    _FILTERS = ("f_status", "f_queue", "f_assignee", "f_priority", "f_org", "f_channel",
                "f_sla")

    @handler(roles=routes.AGENTS)
    def set_filter(self, db, actor: Actor, name: str, value: str):
        if name not in self._FILTERS:  # a crafted event cannot set anything else
            return
        if not actor.is_staff and name != "f_status":  # subcontractors: status only
            return
        setattr(self, name, "" if value == "all" else value)
        self._refilter(db, actor)

    @handler(roles=routes.AGENTS)
    def apply_search(self, db, actor: Actor, _form: dict | None = None):
        self._refilter(db, actor)

    @handler(roles=routes.AGENTS)
    def clear_search(self, db, actor: Actor):
        """Drop only the search text; the other filters stay."""
        self.search = ""
        self._refilter(db, actor)

    @handler(roles=routes.AGENTS)
    def clear_filters(self, db, actor: Actor):
        self.f_status, self.f_queue, self.f_assignee = "active", "", ""
        self.f_priority, self.f_org, self.f_channel, self.search = "", "", "", ""
        self.f_sla = ""
        self.f_field = self.f_field_value = ""
        self.field_value_opts = []
        if self.sort == "field":
            self.sort = "priority"
        self._refilter(db, actor)

    @handler(roles=routes.STAFF)
    def pick_queue(self, db, actor: Actor, queue_id: str):
        self.f_queue = queue_id
        self._refilter(db, actor)

    def _load_field_filters(self, db, actor) -> None:
        self._field_types, self._field_choices = {}, {}
        self.field_opts = []
        for f in fields.filterable_fields(db, actor):
            self.field_opts.append(Opt(f.key, f.name_pl if self.ui_lang == "pl" else f.name_en))
            self._field_types[f.key] = f.field_type
            self._field_choices[f.key] = [
                (v, pl if self.ui_lang == "pl" else en) for v, pl, en in f.options]

    def _field_filters(self) -> list:
        ftype = self._field_types.get(self.f_field)
        parsed = fields.quick_filter(ftype, self.f_field_value) if ftype else None
        return [(self.f_field, *parsed)] if parsed else []

    @handler(roles=routes.AGENTS)
    def set_field_filter(self, db, actor: Actor, key: str):
        key = "" if key == "all" else key
        if key and key not in self._field_types:  # only fields this agent may view
            return
        self.f_field, self.f_field_value = key, ""
        ftype = self._field_types.get(key)
        if ftype == "checkbox":
            self.field_value_opts = [Opt("true", self._t("list.yes")),
                                     Opt("false", self._t("list.no"))]
        else:
            self.field_value_opts = [Opt(v, label)
                                     for v, label in self._field_choices.get(key, [])]
        if not key and self.sort == "field":
            self.sort = "priority"
        self._refilter(db, actor)

    @handler(roles=routes.AGENTS)
    def set_field_value(self, db, actor: Actor, value: str):
        self.f_field_value = "" if value == "all" else value
        self._refilter(db, actor)

    @handler(roles=routes.AGENTS)
    def sort_by(self, db, actor: Actor, column: str):
        if column not in tickets.SORTS or (column == "field" and not self.f_field):
            return
        if self.sort == column:
            self.descending = not self.descending
        else:
            # "due soonest" reads naturally ascending; the other columns start descending.
            self.sort, self.descending = column, column != "due"
        self._refilter(db, actor)

    @handler(roles=routes.AGENTS)
    def next_page(self, db, actor: Actor):
        if self.page < self.page_count:
            self.page += 1
            self._load(db, actor, same_counts=True)

    @handler(roles=routes.AGENTS)
    def prev_page(self, db, actor: Actor):
        if self.page > 1:
            self.page -= 1
            self._load(db, actor, same_counts=True)

    # ---- bulk selection

    def _sync_selection(self) -> None:
        self._set("selected_count", len(self._selected))
        # (nothing selected, the usual case: no walk through the rows' state proxies)
        self._set("page_selected", [r.id for r in self.rows if int(r.id) in self._selected]
                  if self._selected else [])

    def _clear_selection(self) -> None:
        self._selected = {}
        self.all_matching = self.selection_capped = False
        self._sync_selection()

    @rx.event
    def toggle_row(self, ticket_id: str, on: bool):
        tid = int(ticket_id) if str(ticket_id).isdigit() else 0
        if tid not in self._page_versions or self.bulk_running:
            return  # only rows this tab shows, with the version it showed them at
        selected = dict(self._selected)
        if on:
            selected[tid] = self._page_versions[tid]
        else:
            selected.pop(tid, None)
        self._selected = selected
        self.all_matching = False
        self._sync_selection()

    @rx.event
    def toggle_page(self, on: bool):
        if self.bulk_running:
            return
        selected = dict(self._selected)
        for tid, version in self._page_versions.items():
            if on:
                selected[tid] = version
            else:
                selected.pop(tid, None)
        self._selected = selected
        self.all_matching = False
        self._sync_selection()

    @handler(roles=routes.STAFF)
    def select_all_matching(self, db, actor: Actor):
        if self.bulk_running:
            return
        # versions as of now: an edit made after this click is a conflict later
        chosen = bulk.selection_for(db, actor, self._query())
        self._selected = dict(chosen)
        self.all_matching = True
        self.selection_capped = len(chosen) >= bulk.SELECTION_CAP
        self._sync_selection()

    @rx.event
    def clear_selection(self):
        if not self.bulk_running:
            self._clear_selection()

    # ---- the action bar

    def _bulk_change(self) -> dict:
        """The chosen change; values are passed on as typed, the domain validates them."""
        change: dict = {}
        if self.b_status != NO_CHANGE:
            change["status"] = self.b_status
        if self.b_assignee != NO_CHANGE:
            change["assignee_id"] = (None if self.b_assignee == "none"
                                     else int(self.b_assignee) if self.b_assignee.isdigit()
                                     else -1)
        if self.b_queue != NO_CHANGE:
            change["queue_id"] = int(self.b_queue) if self.b_queue.isdigit() else -1
        if self.b_priority != NO_CHANGE:
            change["priority"] = int(self.b_priority) if self.b_priority.isdigit() else -1
        return change

    @handler(roles=routes.STAFF, error="bulk_error")
    def apply_bulk(self, _db, _actor: Actor):
        if self.bulk_running:
            return None
        change = self._bulk_change()
        if not self._selected:
            self.bulk_error = self._t("bulk.nothing_selected")
            return None
        if not change:
            self.bulk_error = self._t("bulk.nothing_to_change")
            return None
        self.bulk_error = ""
        self._pending_bulk = {"selection": list(self._selected.items()), "change": change}
        return AgentListState.run_bulk

    @rx.event(background=True)
    async def run_bulk(self):
        async with self:
            pending, self._pending_bulk = self._pending_bulk, {}
            if not pending or self.bulk_running:
                return
            with unit_of_work(self) as (_db, actor):
                pass
            if actor is None or not actor.is_staff:
                return
            self.bulk_running, self.bulk_ran = True, False
            self.bulk_done, self.bulk_total = 0, len(pending["selection"])
        progress = {"done": 0, "total": len(pending["selection"])}

        def report(done: int, total: int) -> None:
            progress.update(done=done, total=total)

        def work() -> bulk.BulkResult:
            # the domain re-checks the actor (bulk edit permission; coordinators hand over)
            with bare_session() as db:
                if "handover_org" in pending:
                    return handover.hand_over(db, actor, pending["selection"],
                                              pending["handover_org"], progress=report)
                return bulk.apply(db, actor, pending["selection"], pending["change"],
                                  progress=report)

        # The run is in a thread: 500 ticket updates must not block this worker's loop.
        task = asyncio.ensure_future(asyncio.to_thread(work))
        while not task.done():
            await asyncio.sleep(0.25)
            async with self:
                self.bulk_done, self.bulk_total = progress["done"], progress["total"]
        result: bulk.BulkResult | None = None
        failure: Exception | None = None
        try:
            result = task.result()
        except Exception as exc:  # surfaced to the agent; the tickets done so far stay done
            failure = exc
        async with self:
            self.bulk_running, self.bulk_ran = False, True
            if isinstance(failure, DomainError):
                self.bulk_error = self._err(failure)
            elif failure is not None:
                self.bulk_error = self._t("bulk.failed", error=str(failure)[:200])
            else:
                self.bulk_error = ""
            if result is None:
                self.bulk_ok, self.bulk_failed, self.bulk_failures = 0, 0, []
                return
            self.bulk_done = self.bulk_total = result.total
            self.bulk_ok, self.bulk_failed = result.succeeded, len(result.failures)
            self.bulk_failures = [
                BulkFailureView(f.number or f"#{f.ticket_id}", self._failure_text(f))
                for f in result.failures[:FAILURES_SHOWN]]
            self._clear_selection()
            with unit_of_work(self) as (db, actor):
                if actor is not None and actor.is_staff:
                    self._load(db, actor)

    # ---- handing the selection to a subcontractor (coordinators and admins)

    @handler(roles=routes.COORDINATION, error="bulk_error")
    def open_handover(self, db, actor: Actor):
        """The subcontractors, those serving the selected tickets' contracts first."""
        mark = self._t("handover.suggested")
        self.sub_opts = [Opt(str(c.id), f"{c.name} ({mark})" if c.suggested else c.name)
                         for c in handover.choices(db, actor, list(self._selected))]
        self.b_sub = self.sub_opts[0].value if self.sub_opts else ""
        self.handover_open, self.bulk_error = True, ""

    @rx.event
    def close_handover(self):
        self.handover_open = False

    @handler(roles=routes.COORDINATION, error="bulk_error")
    def apply_handover(self, db, actor: Actor):
        if self.bulk_running:
            return
        if not self._selected:
            self.bulk_error = self._t("bulk.nothing_selected")
            return
        if not self.b_sub.isdigit():
            self.bulk_error = self._t("handover.org_invalid")
            return
        # the same background run as a bulk edit: progress, then what went through and why
        # the rest did not
        self.bulk_error, self.handover_open = "", False
        self._pending_bulk = {"selection": list(self._selected),
                              "handover_org": int(self.b_sub)}
        return AgentListState.run_bulk

    def _failure_text(self, f: bulk.BulkFailure) -> str:
        if f.reason == "conflict":  # the single-edit text talks about "your edit"
            return self._t("bulk.conflict")
        return self._t(f.key, **f.params)

    @rx.event
    def dismiss_bulk_result(self):
        self.bulk_ran, self.bulk_error = False, ""
        self.bulk_failures = []
