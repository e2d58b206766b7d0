"""The work-time panel on the agent ticket page (issue 14): the ticket's totals, the
person's timer and the entries, with a form to log or change one.

A separate state like the checklist panel (state/ticket_panel.open_panel): it finds the
route's ticket through the access policy on mount and watches the ticket and the person's
own timer topic in its own live slot, so a start or stop in another tab shows here at
once. Every handler goes through the domain, which re-checks the actor; entry ids from
the browser are checked there too.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import ClassVar

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.domain import dates, worktime, worktime_timer
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import DomainError
from helpdesk_app.i18n import format_business_minutes
from helpdesk_app.live.bus import Change, timer_topic
from helpdesk_app.models.base import utcnow
from helpdesk_app.state import live
from helpdesk_app.state.forms import CHOICE, Form
from helpdesk_app.state.report_views import cell
from helpdesk_app.state.session import SessionState
from helpdesk_app.state.ticket_panel import open_panel
from helpdesk_app.state.toolkit import handler, unit_of_work
from helpdesk_app.state.views import Opt

SLOT = "work"


@dataclasses.dataclass
class WorkRow:
    id: str = ""
    who: str = ""
    day: str = ""
    span: str = ""  # "08:00–09:30" or "" for a duration
    duration: str = ""
    activity: str = ""
    description: str = ""
    billable: bool = True
    flags: str = ""  # "on site · after hours"
    amount: str = ""  # staff: what it bills
    capped: bool = False
    locked: bool = False
    lock_ref: str = ""
    can_change: bool = False


class WorkState(Form, SessionState):
    form_fields: ClassVar[dict[str, object]] = {
        "f_day": str, "f_start": str, "f_end": str, "f_duration": str, "f_activity": CHOICE,
        "f_description": str, "f_billable": bool, "f_on_site": bool, "f_after_hours": bool,
        "f_worker": CHOICE}

    visible: bool = False
    can_log: bool = False
    manages: bool = False
    show_money: bool = False
    rows: list[WorkRow] = []
    total: str = ""
    billable_total: str = ""
    amount_total: str = ""
    # the person's timer
    timer_here: bool = False  # on this ticket
    timer_running: bool = False
    timer_elsewhere: str = ""  # "your timer runs on <the other ticket>"
    timer_since_ms: int = 0  # for the browser's clock: worked = base + (now - since)
    timer_base_s: int = 0
    timer_text: str = ""  # worked so far, as of the last load
    # the form
    form_open: bool = False
    f_id: str = ""  # the entry being changed ("" = a new one)
    f_day: str = ""
    f_start: str = ""
    f_end: str = ""
    f_duration: str = ""
    f_activity: str = ""
    f_description: str = ""
    f_billable: bool = True
    f_on_site: bool = False
    f_after_hours: bool = False
    f_worker: str = ""
    activity_opts: list[Opt] = []
    worker_opts: list[Opt] = []
    form_errors: dict[str, str] = {}
    confirm_delete: str = ""
    message: str = ""
    error: str = ""
    refreshed: int = 0
    _ticket_id: int = 0
    _activity_defaults: dict[str, list[bool]] = {}
    _views: list = []  # the entries as last loaded (backend only)

    # ---- helpers

    def _route_number(self) -> str:
        return str(self.router._page.params.get("ticket_number", "") or "")

    def _clear(self) -> None:
        self.visible = self.can_log = self.form_open = False
        self.rows, self.form_errors, self.message, self.error = [], {}, "", ""
        self.timer_here = self.timer_running = False
        self.timer_elsewhere, self.confirm_delete = "", ""
        self._ticket_id = 0

    def _extra_topics(self, actor: Actor) -> set[str]:
        return {timer_topic(actor.user_id)}

    def _hours(self, seconds: int) -> str:
        return format_business_minutes(int(seconds) // 60, self.ui_lang)

    def _load(self, db, actor: Actor) -> None:
        lang = self.ui_lang
        self.visible = actor.is_agent
        self.manages = worktime.manages(actor)
        self.show_money = actor.is_staff
        views = self._views = worktime.entries_for(db, actor, self._ticket_id, lang)
        self.can_log = worktime.can_log(db, actor, self._ticket_id)
        self.rows = [self._row(v) for v in views]
        totals = worktime.totals_for(db, actor, self._ticket_id)
        self.total = self._hours(totals.seconds)
        self.billable_total = format_business_minutes(totals.billable_minutes, lang)
        self.amount_total = cell("money", totals.amount_minor, lang, totals.currency) \
            if actor.is_staff else ""
        kinds = worktime.activity_types(db)
        self.activity_opts = [Opt(str(a.id), a.name_pl if lang == "pl" else a.name_en)
                              for a in kinds]
        self._activity_defaults = {str(a.id): [a.billable, a.on_site] for a in kinds}
        self.worker_opts = [Opt(str(i), name) for i, name in
                            worktime.workers(db, actor, self._ticket_id)] \
            if self.manages else []
        self._load_timer(db, actor)

    def _row(self, v: worktime.EntryView) -> WorkRow:
        lang = self.ui_lang
        span = ""
        if v.started_at and v.ended_at:
            span = f"{self._clock(v.started_at)}–{self._clock(v.ended_at)}"
        flags = [self._t(k) for k, on in (("worktime.on_site", v.on_site),
                                          ("worktime.after_hours", v.after_hours)) if on]
        return WorkRow(
            id=str(v.id), who=v.user_name, day=dates.format_day(v.work_date, lang), span=span,
            duration=self._hours(v.seconds), activity=v.activity, description=v.description,
            billable=v.billable, flags=" · ".join(flags),
            amount=cell("money", v.amount_minor, lang, v.currency) if self.show_money else "",
            capped=v.capped, locked=v.locked, lock_ref=v.lock_ref, can_change=v.can_change)

    def _clock(self, value: datetime) -> str:
        return self._dt(value)[-5:]

    def _load_timer(self, db, actor: Actor) -> None:
        now = utcnow()
        view = worktime_timer.current(db, actor, now)
        self.timer_here = view is not None and view.ticket_id == self._ticket_id
        self.timer_elsewhere = self._t("worktime.running_elsewhere", number=view.number) \
            if view is not None and not self.timer_here else ""
        self.timer_running = bool(view and view.running)
        self.timer_base_s = view.worked_seconds if view else 0
        self.timer_since_ms = int(view.running_since.timestamp() * 1000) \
            if view and view.running_since else 0
        seconds = view.seconds_at(now) if view else 0
        self.timer_text = f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"

    def _reload(self) -> None:
        with unit_of_work(self) as (db, actor):
            if actor is None or not actor.is_agent or not self._ticket_id:
                self._clear()
                return
            try:
                self._load(db, actor)
            except DomainError:
                self._clear()

    def _live_refresh(self, changes: list[Change]) -> None:
        if self._ticket_id:
            self._reload()
            self.refreshed += 1

    def _value_set(self, name: str) -> None:
        if name == "f_activity" and self.f_activity in self._activity_defaults:
            self.f_billable, self.f_on_site = self._activity_defaults[self.f_activity]

    # ---- mount

    @rx.event
    def start(self):
        open_panel(self, SLOT)

    @rx.event
    def stop(self):
        live.unwatch(self, slot=SLOT)

    # ---- the form

    def _blank_form(self) -> None:
        self.f_id, self.f_start, self.f_end, self.f_duration = "", "", "", ""
        self.f_day = dates.format_day(datetime.now(UTC).date(), self.ui_lang)
        self.f_activity, self.f_description, self.f_worker = "", "", ""
        self.f_billable, self.f_on_site, self.f_after_hours = True, False, False
        self.form_errors, self.error = {}, ""

    @rx.event
    def open_add(self):
        self._blank_form()
        self.form_open, self.message = True, ""

    @rx.event
    def close_form(self):
        self.form_open, self.form_errors, self.error = False, {}, ""

    @handler(roles=routes.AGENTS)
    def open_edit(self, db, actor: Actor, entry_id: str):
        view = next((v for v in worktime.entries_for(db, actor, self._ticket_id, self.ui_lang)
                     if str(v.id) == str(entry_id) and v.can_change), None)
        if view is None:
            self.error = self._t("worktime.not_found")
            return
        self._fill(view)

    def _fill(self, view: worktime.EntryView) -> None:
        self._blank_form()
        self.f_id, self.f_day = str(view.id), dates.format_day(view.work_date, self.ui_lang)
        if view.started_at and view.ended_at and not view.capped:
            self.f_start, self.f_end = self._clock(view.started_at), self._clock(view.ended_at)
        else:
            self.f_duration = f"{view.seconds // 3600}:{view.seconds // 60 % 60:02d}"
        self.f_activity = str(view.activity_type_id or "")
        self.f_description = view.description
        self.f_billable, self.f_on_site = view.billable, view.on_site
        self.f_after_hours = view.after_hours
        self.form_open, self.message = True, ""

    def _form(self) -> worktime.EntryForm:
        return worktime.EntryForm(
            day=self.f_day, start=self.f_start, end=self.f_end,
            duration="" if self.f_start or self.f_end else self.f_duration,
            activity_type_id=int(self.f_activity) if self.f_activity.isdigit() else None,
            description=self.f_description, billable=self.f_billable,
            on_site=self.f_on_site, after_hours=self.f_after_hours,
            user_id=int(self.f_worker) if self.f_worker.isdigit() else None)

    @handler(roles=routes.AGENTS)
    def save(self, db, actor: Actor):
        self.form_errors, self.error, self.message = {}, "", ""
        if self.f_id.isdigit():
            worktime.edit_entry(db, actor, int(self.f_id), self._form())
            self.message = self._t("worktime.changed")
        else:
            worktime.add_entry(db, actor, self._ticket_id, self._form())
            self.message = self._t("worktime.saved")
        self.form_open = False
        self._load(db, actor)

    @rx.event
    def ask_delete(self, entry_id: str):
        self.confirm_delete = str(entry_id)

    @rx.event
    def cancel_delete(self):
        self.confirm_delete = ""

    @handler(roles=routes.AGENTS)
    def delete(self, db, actor: Actor):
        entry_id, self.confirm_delete, self.message = self.confirm_delete, "", ""
        if not entry_id.isdigit():
            return
        worktime.delete_entry(db, actor, int(entry_id))
        self.message = self._t("worktime.removed")
        if self.f_id == entry_id:
            self.form_open = False
        self._load(db, actor)

    # ---- the timer

    @handler(roles=routes.AGENTS)
    def timer_start(self, db, actor: Actor):
        self.error, self.message = "", ""
        worktime_timer.start(db, actor, self._ticket_id)
        self._load(db, actor)

    @handler(roles=routes.AGENTS)
    def timer_pause(self, db, actor: Actor):
        self.error = ""
        worktime_timer.pause(db, actor)
        self._load(db, actor)

    @handler(roles=routes.AGENTS)
    def timer_stop(self, db, actor: Actor):
        """Stop and log; the new entry opens in the form for its description."""
        self.error, self.message = "", ""
        entry_id = worktime_timer.stop(db, actor)
        self._load(db, actor)
        if entry_id is None:
            self.message = self._t("worktime.too_short")
            return
        written = next((v for v in self._views if v.id == entry_id and v.can_change), None)
        if written is not None:
            self._fill(written)
        self.message = self._t("worktime.stopped",
                               duration=self._hours(written.seconds if written else 0))

    @handler(roles=routes.AGENTS)
    def timer_discard(self, db, actor: Actor):
        worktime_timer.discard(db, actor)
        self._load(db, actor)
