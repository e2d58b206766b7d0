"""One ticket: header, timeline, reply/note with attachments, header edits; live.

Used by the agent page (/agent/tickets/[ticket_number]) and the client page
(/portal/tickets/[ticket_number]); what each actor gets is decided by the domain.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import ClassVar

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.domain import (
    closed_replies,
    directory,
    sla_outcome,
    ticket_seen,
    tickets,
    workflow,
)
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import Conflict, DomainError, NotFound
from helpdesk_app.i18n import format_business_minutes, format_duration
from helpdesk_app.live.bus import Change, access_topic
from helpdesk_app.models import Priority
from helpdesk_app.models.base import utcnow
from helpdesk_app.state import live
from helpdesk_app.state.forms import Form
from helpdesk_app.state.session import SessionState
from helpdesk_app.state.timeline import EventItem, Viewer, merge_pauses
from helpdesk_app.state.toolkit import handler, unit_of_work
from helpdesk_app.state.uploads import read_uploads
from helpdesk_app.state.views import Opt, options, outcome_label

REPLY_UPLOAD_ID = "reply_files"


@dataclasses.dataclass
class Header:
    id: str = ""
    number: str = ""
    subject: str = ""
    status: str = ""
    status_label: str = ""
    priority: str = ""
    priority_label: str = ""
    channel_label: str = ""
    queue_id: str = ""
    queue: str = ""
    organisation: str = ""
    requester: str = ""
    requester_email: str = ""
    assignee_id: str = ""
    assignee: str = ""
    created: str = ""
    updated: str = ""


class TicketState(Form, SessionState):
    form_fields: ClassVar[dict[str, object]] = {
        "reply_text": str, "reply_public": bool, "reply_share": bool, "f_status": str,
        "f_priority": str, "f_queue": str, "f_assignee": str, "f_type": str}

    loaded: bool = False
    not_found: str = ""
    ticket: Header = Header()
    events: list[EventItem] = []
    version: int = 0
    # header edit form; `edit_version` is the version the user started editing from
    f_status: str = ""
    f_priority: str = ""
    f_queue: str = ""
    f_assignee: str = ""
    f_contract: str = ""
    f_type: str = ""
    contract_opts: list[Opt] = []
    type_opts: list[Opt] = []
    _types_by_contract: dict = {}
    edit_dirty: bool = False
    edit_version: int = 0
    edit_message: str = ""
    conflict: str = ""
    # reply box
    reply_text: str = ""
    reply_public: bool = True
    # staff: an internal note shared with the subcontractor the ticket is handed to
    reply_share: bool = False
    handed_to: str = ""  # (staff) the subcontractor organisation the ticket is handed to
    reply_error: str = ""
    sending: bool = False
    # clients on a closed ticket: what their reply will do ("", "reopen", "follow_up"),
    # said above the box before anything is sent
    reply_outcome: str = ""
    closed_note: str = ""
    # the reader's timeline order, remembered in the browser ("oldest" | "newest")
    timeline_order: str = rx.LocalStorage("oldest", name="pomocnik_timeline_order")
    # option lists
    status_opts: list[Opt] = []
    client_status_opts: list[Opt] = []  # "confirm fixed" and the like, for clients
    _status_labels: dict = {}
    priority_opts: list[Opt] = []
    queue_opts: list[Opt] = []
    agent_opts: list[Opt] = []
    refreshed: int = 0
    # SLA (staff, and a subcontractor on a ticket handed to them): badge plus the
    # "explain" lines (a subcontractor's: the clocks only, domain sla_report)
    sla_state: str = "none"
    sla_label: str = ""
    sla_due: str = ""
    sla_lines: list[Opt] = []
    sla_paused: str = ""  # the header's total time in pausing statuses ("" when never)
    show_explain: bool = False
    _pauses: list = []  # [(start, end or None)] for the timeline, from the SLA report
    _sla_at: datetime | None = None  # the instant they were computed for
    _ticket_id: int = 0

    def _route_number(self) -> str:
        return str(self.router._page.params.get("ticket_number", "") or "")

    # ---- loading

    @handler(error="not_found")
    def on_load(self, db, actor: Actor):
        self.loaded, self.not_found, self.conflict, self.edit_message = False, "", "", ""
        self.reply_error, self.reply_text, self.reply_public = "", "", True
        self.reply_share = False
        self._ticket_id = 0
        live.unwatch(self)
        # staff and subcontractors on the agent side, clients on the portal's
        wrong_side = routes.AGENT_TICKETS if not actor.is_agent else routes.PORTAL_TICKETS
        if self.router.url.path.startswith(wrong_side):
            return rx.redirect(routes.ticket_page(self._route_number(), staff=actor.is_agent))
        # NotFound (also for a ticket this actor may not see) becomes `not_found`.
        self._ticket_id = tickets.find_by_number(db, actor, self._route_number())
        detail = tickets.get_ticket(db, actor, self._ticket_id)
        self._status_labels = workflow.labels_for(db, self.ui_lang, actor)
        if actor.is_staff:
            lang = self.ui_lang
            self.priority_opts = options(list(Priority.ALL), lang, "priority")
            self.queue_opts = [Opt(str(o.id), o.label) for o in directory.queues(db)]
            self.agent_opts = [Opt("none", self._t("ticket.unassigned"))] + [
                Opt(str(o.id), o.label) for o in directory.agents(db, actor)]
            self._load_choices(db, actor)
        self._load_sla(db, actor)  # first: the timeline shows its pause periods
        self._show(detail, reset_form=True, staff=actor.is_staff)
        self._load_status_choices(db, actor)
        self._load_reply_outcome(db, actor)
        self.loaded = True
        self._mark_seen(db, actor)
        # Clients only hear about public changes (subcontractors about all: a withdrawal
        # must close their page); the topic is the ticket they were allowed to open,
        # decided here after the access check. Staff also watch their own access topic: a
        # substitution ending takes the ticket away from a substitute's open page at once.
        topics = {f"ticket:{self._ticket_id}"}
        if actor.is_staff:
            topics.add(access_topic(actor.user_id))
        live.watch(self, topics, public_only=not actor.is_agent)
        return None

    def _load_status_choices(self, db, actor: Actor) -> None:
        views = tickets.status_choices(db, actor, self._ticket_id, self.ui_lang)
        opts = [Opt(v.key, v.label) for v in views]
        if actor.is_staff:
            self.status_opts, self.client_status_opts = opts, []
        else:
            self.status_opts, self.client_status_opts = [], opts

    def _load_reply_outcome(self, db, actor: Actor) -> None:
        self.reply_outcome = closed_replies.client_reply_outcome(db, actor, self._ticket_id)
        self.closed_note = (self._t(f"ticket.closed_{self.reply_outcome}_note",
                                    number=self.ticket.number) if self.reply_outcome else "")

    def _load_choices(self, db, actor: Actor) -> None:
        choices = tickets.classification_choices(db, actor, ticket_id=self._ticket_id)
        lang = self.ui_lang
        self.contract_opts = [Opt("none", self._t("ticket.no_contract"))] + [
            Opt(str(c.id), c.name + (" ★" if c.is_key else "")) for c in choices]
        self._types_by_contract = {
            str(c.id): [(str(t), pl if lang == "pl" else en) for t, pl, en in c.types]
            for c in choices}

    def _type_options(self) -> None:
        types = self._types_by_contract.get(self.f_contract, [])
        self.type_opts = [Opt("none", "—")] + [Opt(v, label) for v, label in types]

    def _show(self, d: tickets.TicketDetail, *, reset_form: bool, staff: bool) -> None:
        lang = self.ui_lang
        self.version = d.version
        self.handed_to = d.handed_to
        if not d.handed_to:
            self.reply_share = False
        viewer = Viewer(self._t, self._dt, lang, self._status_labels, d.names)
        items = merge_pauses(viewer, d.events, self._pauses, self._sla_at or utcnow())
        self.events = items[::-1] if self.timeline_order == "newest" else items
        if not staff:
            # What a client's page holds is what a client may see: no queue, assignee,
            # priority, channel or internal status key (the label is the public one).
            self.ticket = Header(
                id=str(d.id), number=d.number, subject=d.subject,
                status_label=self._status_labels.get(d.status, ""),
                organisation=d.organisation, requester=d.requester,
                created=self._dt(d.created_at), updated=self._dt(d.updated_at))
            return
        self.ticket = Header(
            id=str(d.id), number=d.number, subject=d.subject, status=d.status,
            status_label=self._status_labels.get(d.status, d.status),
            priority=str(d.priority),
            priority_label=self._t(f"priority.{d.priority}"),
            channel_label=self._t(f"channel.{d.channel}"), queue_id=str(d.queue_id),
            queue=d.queue, organisation=d.organisation, requester=d.requester,
            requester_email=d.requester_email,
            assignee_id=str(d.assignee_id) if d.assignee_id else "none",
            assignee=d.assignee or self._t("ticket.unassigned"),
            created=self._dt(d.created_at), updated=self._dt(d.updated_at),
        )
        if reset_form or not self.edit_dirty:
            self.f_status, self.f_priority = d.status, str(d.priority)
            self.f_queue, self.f_assignee = str(d.queue_id), self.ticket.assignee_id
            self.f_contract = str(d.contract_id) if d.contract_id else "none"
            self.f_type = str(d.ticket_type_id) if d.ticket_type_id else "none"
            self._type_options()
            self.edit_version, self.edit_dirty = d.version, False

    def _refresh(self, db, actor: Actor, *, reset_form: bool) -> None:
        db.rollback()  # a fresh read, also after a refused write in this unit of work
        try:
            detail = tickets.get_ticket(db, actor, self._ticket_id)
            self._load_sla(db, actor)
            self._show(detail, reset_form=reset_form, staff=actor.is_staff)
            self._load_status_choices(db, actor)
            self._load_reply_outcome(db, actor)
            self._mark_seen(db, actor)
        except NotFound as e:
            self._lost(actor, e)

    def _lost(self, actor: Actor, e: NotFound) -> None:
        """The ticket is gone for this viewer (withdrawn from their subcontractor, moved
        out of their queues): say so and keep nothing of it in the page."""
        self.loaded = False
        self.not_found = (self._t("handover.no_longer_handed") if actor.is_subcontractor
                          else self._err(e))
        self.ticket, self.events, self.version = Header(), [], 0
        self.status_opts, self.client_status_opts, self.sla_lines = [], [], []
        self.reply_text, self.handed_to, self.closed_note = "", "", ""
        self.sla_state, self.sla_label, self.sla_due = "none", "", ""
        self.sla_paused, self._pauses = "", []
        live.unwatch(self)

    def _mark_seen(self, db, actor: Actor) -> None:
        """An agent with the page open has seen everything on it, their own reply included
        (the agent list's unread marks, domain/ticket_seen.py)."""
        if actor.is_agent:
            ticket_seen.mark_seen(db, actor, self._ticket_id)

    def _load_sla(self, db, actor: Actor) -> None:
        self.sla_state, self.sla_label, self.sla_due, self.sla_lines = "none", "", "", []
        self.sla_paused, self._pauses, self._sla_at = "", [], None
        if not actor.is_agent:
            return
        now = utcnow()
        report = tickets.sla_report(db, actor, self._ticket_id, now)
        if report is None:
            return
        r = report.result
        self._pauses, self._sla_at = list(report.pauses), now
        if report.pauses:
            total = format_duration(sum(((end or now) - start for start, end in report.pauses),
                                        timedelta()), self.ui_lang)
            ongoing = report.pauses[-1][1] is None
            self.sla_paused = self._t("sla.paused_ongoing", duration=total) if ongoing else total
        self.sla_lines = self._explain_lines(report, staff=actor.is_staff)
        finished = sla_outcome.outcome(
            r.state, r.resolved_at, first_response_at=r.first_response_at,
            reaction_due_at=r.reaction_due_at, resolution_due_at=r.resolution_due_at)
        if finished is not None:  # the outcome, neutral, no countdown
            self.sla_state, self.sla_label = finished.state, outcome_label(finished,
                                                                           self.ui_lang)
            return
        self.sla_state, self.sla_label = r.state, self._t(f"sla.{r.state}")
        pending = [d for d in (r.reaction_due_at if r.first_response_at is None else None,
                               r.resolution_due_at) if d is not None]
        self.sla_due = min(pending).isoformat() if pending else ""

    def _duration(self, value, day_minutes: int | None = None) -> str:
        """Business time: "40 godz. (5 dni roboczych)" with the calendar's working day."""
        if value is None:
            return "—"
        return format_business_minutes(int(value.total_seconds() // 60), self.ui_lang,
                                       day_minutes)

    def _explain_lines(self, report: tickets.SlaReport, *, staff: bool) -> list[Opt]:
        r, e = report.result, report.result.explain
        type_name = report.ticket_type_pl if self.ui_lang == "pl" else report.ticket_type_en
        lines = [  # what the deadlines come from: the desk's (a subcontractor: none)
            Opt(label=self._t("sla.contract"), value=report.contract + (
                " ★ " + self._t("sla.key_contract") if report.is_key else "")),
            Opt(label=self._t("sla.type"), value=type_name or "—"),
            Opt(label=self._t("sla.calendar"), value=report.calendar),
        ] if staff else []
        if e is not None:
            start = self._dt(e.clock_start)
            if e.cutoff_applied:
                start += " " + self._t("sla.cutoff_applied", cutoff=e.cutoff.strftime("%H:%M"))
            lines += [Opt(label=self._t("sla.received"), value=self._dt(e.received_at)),
                      Opt(label=self._t("sla.clock_start"), value=start)]
        for name, clock in (("reaction", r.reaction), ("resolution", r.resolution)):
            if clock.target is None:
                continue
            lines.append(Opt(label=self._t(f"sla.clock.{name}"), value=self._t(
                "sla.clock_line", target=self._duration(clock.target, report.day_minutes),
                used=self._duration(clock.used),
                due=self._dt(clock.due_at) if clock.due_at else "—",
                state=self._t(f"sla.{clock.state}"))))
        if e is not None:
            for start, end in e.pauses:
                lines.append(Opt(label=self._t("sla.pause"), value=self._dt(start) + " – " + (
                    self._dt(end) if end else self._t("sla.now"))))
            for day, name in e.closed_days:
                lines.append(Opt(label=self._t("sla.closed_day"),
                                 value=f"{day.isoformat()} {name}"))
        return lines

    @rx.event
    def set_newest_first(self, value: bool):
        """The timeline's order; the box to reply sits at the newest end."""
        order = "newest" if value else "oldest"
        if order != self.timeline_order:
            self.timeline_order = order
            self.events = self.events[::-1]

    @rx.event
    def toggle_explain(self):
        self.show_explain = not self.show_explain

    def _live_refresh(self, changes: list[Change]) -> None:
        if not self._ticket_id:
            return
        with unit_of_work(self) as (db, actor):
            if actor is None:
                return
            self._refresh(db, actor, reset_form=False)
        self.refreshed += 1

    # ---- reply / note

    @handler(error="reply_error")  # on a refusal the typed text stays in the box
    async def send_reply(self, db, actor: Actor, files: list[rx.UploadFile]):
        # Clients can only write public replies, whatever the browser sends.
        public = self.reply_public or not actor.is_agent
        incoming = await read_uploads(files)
        outcome = closed_replies.client_reply_outcome(db, actor, self._ticket_id)
        if outcome != self.reply_outcome:
            # The ticket changed since the page said what a reply would do: say it again
            # (the typed text stays) rather than do something else than announced.
            self._refresh(db, actor, reset_form=False)
            self.reply_error = self._t("reply.outcome_changed")
            return None
        if outcome == closed_replies.FOLLOW_UP:
            number = closed_replies.open_follow_up(db, actor, self._ticket_id,
                                                   self.reply_text, incoming)
            self.reply_error, self.reply_text = "", ""
            return [rx.clear_selected_files(REPLY_UPLOAD_ID),
                    rx.redirect(routes.ticket_page(number, staff=False))]
        tickets.add_comment(db, actor, self._ticket_id, self.reply_text, public=public,
                            files=incoming, share=self.reply_share and actor.is_staff)
        self.reply_error, self.reply_text, self.reply_share = "", "", False
        self._refresh(db, actor, reset_form=False)
        return rx.clear_selected_files(REPLY_UPLOAD_ID)

    # ---- header edit with optimistic locking

    def _value_set(self, name: str) -> None:
        if name.startswith("f_"):
            self.edit_dirty, self.edit_message = True, ""

    @rx.event
    def set_f_contract(self, v: str):
        self.f_contract = str(v)
        self._type_options()
        # the new contract's first type, as the server would choose
        self.f_type = self.type_opts[1].value if len(self.type_opts) > 1 else "none"
        self._value_set("f_contract")

    @handler(error="edit_message")  # the domain refuses clients with a clear message
    def save_header(self, db, actor: Actor):
        changes = {
            "status": self.f_status,
            "priority": int(self.f_priority) if self.f_priority.isdigit() else self.f_priority,
            "queue_id": int(self.f_queue) if self.f_queue.isdigit() else None,
            "assignee_id": int(self.f_assignee) if self.f_assignee.isdigit() else None,
            "contract_id": int(self.f_contract) if self.f_contract.isdigit() else None,
            "ticket_type_id": int(self.f_type) if self.f_type.isdigit() else None,
        }
        try:
            tickets.update_ticket(db, actor, self._ticket_id, self.edit_version, changes)
        except Conflict as e:
            # Someone saved first. Show their values; keep ours in the form so the user can
            # decide, and base a second save on what they have now seen.
            self.conflict = self._err(e)
            self._refresh(db, actor, reset_form=False)
            self.edit_version = self.version
            return
        self.conflict = ""
        self.edit_message = self._t("ticket.saved")
        self._refresh(db, actor, reset_form=True)
        if not self.loaded:
            # Moved to a queue outside the actor's queue limit: a hand-off, the ticket is
            # no longer theirs to see (domain/access.py). Back to their list.
            live.unwatch(self)
            return rx.redirect(routes.AGENT)
        return None

    @handler(error="reply_error")
    def set_status_client(self, db, actor: Actor, status: str):
        """A client's "confirm fixed"-style button; the domain checks it is allowed."""
        try:
            tickets.set_status_as_client(db, actor, self._ticket_id, self.version, status)
        except DomainError as e:
            self.reply_error = self._err(e)
            self._refresh(db, actor, reset_form=False)
            return
        self.reply_error = ""
        self._refresh(db, actor, reset_form=True)

    @handler()
    def discard_edits(self, db, actor: Actor):
        self.conflict, self.edit_message = "", ""
        self._refresh(db, actor, reset_form=True)
