"""Admin: business calendars, contracts and ticket types (SLA configuration)."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import ClassVar

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.domain import (
    access,
    calendar_config,
    calendars,
    contracts,
    dates,
    directory,
    permissions,
    sla,
    sla_recompute,
)
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.calendar_config import CalendarInput
from helpdesk_app.domain.contracts import ContractInput, TicketTypeInput
from helpdesk_app.domain.errors import FieldChecks, Invalid
from helpdesk_app.i18n import format_business_minutes
from helpdesk_app.models import EscalationAction, Priority
from helpdesk_app.models.base import utcnow
from helpdesk_app.state.admin_common import start_admin_page
from helpdesk_app.state.forms import CHOICE, Form
from helpdesk_app.state.session import SessionState
from helpdesk_app.state.toolkit import bare_session, handler, unit_of_work
from helpdesk_app.state.views import Opt, options

WEEKDAYS = 7


@dataclasses.dataclass
class ConfigRow:
    id: str = ""
    title: str = ""
    detail: str = ""


def _minutes(text: str, field_name: str) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise Invalid("admin.minutes_format", field=field_name, value=text[:20])
    return int(text)


class AdminSlaState(Form, SessionState):
    form_fields: ClassVar[dict[str, object]] = {
        "cal_name": str, "cal_tz": str, "cal_country": str, "cal_cutoff": str,
        "cal_closed": str, "cal_always": bool,
        "con_name": str, "con_from": str, "con_to": str, "con_calendar": CHOICE,
        "con_queue": CHOICE, "con_escalation": CHOICE, "con_escalation_queue": CHOICE,
        "con_key": bool,
        "tt_contract": CHOICE, "tt_name_pl": str, "tt_name_en": str, "tt_reaction": str,
        "tt_resolution": str, "tt_warning": str, "tt_requires_entry": bool}
    message: str = ""
    error: str = ""
    # the last refused form ("cal", "con", "tt") and its fields' messages
    form_of: str = ""
    form_errors: dict[str, str] = {}
    calendars: list[ConfigRow] = []
    contract_rows: list[ConfigRow] = []
    type_rows: list[ConfigRow] = []
    calendar_opts: list[Opt] = []
    org_opts: list[Opt] = []
    queue_opts: list[Opt] = []
    contract_opts: list[Opt] = []
    escalation_opts: list[Opt] = []
    priority_opts: list[Opt] = []
    # calendar form
    cal_id: str = ""
    cal_name: str = ""
    cal_tz: str = "Europe/Warsaw"
    cal_always: bool = False
    cal_country: str = "PL"
    cal_cutoff: str = ""
    cal_windows: list[str] = ["8:00-16:00"] * 5 + ["", ""]
    cal_closed: str = ""
    # contract form
    con_id: str = ""
    con_org: str = ""
    con_name: str = ""
    con_from: str = ""
    con_to: str = ""
    con_calendar: str = ""
    con_key: bool = False
    con_queue: str = ""
    con_escalation: str = EscalationAction.NONE
    con_escalation_queue: str = ""
    con_contacts: list[str] = []
    contact_opts: list[Opt] = []
    # ticket type form
    tt_id: str = ""
    tt_contract: str = ""
    tt_name_pl: str = ""
    tt_name_en: str = ""
    tt_reaction: str = ""
    tt_resolution: str = ""
    tt_warning: str = "75"
    tt_requires_entry: bool = False  # resolving needs a work entry (issue 14)
    tt_prio_reaction: list[str] = [""] * 4
    tt_prio_resolution: list[str] = [""] * 4

    # recompute of open tickets after a change, shown as a progress bar
    recompute_running: bool = False
    recompute_done: int = 0
    recompute_total: int = 0
    recompute_message: str = ""
    _pending_recompute: dict = {}  # set only by the save handlers, never from the browser

    _cal_views: dict = {}
    _con_views: dict = {}
    _type_views: dict = {}

    # ---- loading

    @handler(roles=routes.STAFF, permission=permissions.CONFIG_SLA)
    def on_load(self, db, actor: Actor):
        start_admin_page(self)
        self._load(db, actor)

    def _load(self, db, actor: Actor) -> None:
        lang = self.ui_lang
        cals = calendar_config.list_calendars(db, actor)
        cons = contracts.list_contracts(db, actor)
        types = contracts.list_ticket_types(db, actor)
        self._cal_views = {str(c.id): c for c in cals}
        self._con_views = {str(c.id): c for c in cons}
        self._type_views = {str(t.id): t for t in types}
        self.calendars = [ConfigRow(str(c.id), c.name, self._calendar_summary(c)) for c in cals]
        self.contract_rows = [ConfigRow(
            str(c.id), f"{c.organisation} — {c.name}" + (" ★" if c.is_key else ""),
            f"{dates.format_day(c.valid_from, lang)} … {dates.format_day(c.valid_to, lang) or '∞'}"
            f" · {c.calendar} · {self._t('escalation.' + c.escalation_action)}"
            + (f" · {c.contacts}" if c.contacts else ""))
            for c in cons]
        # business time as hours and the calendar's working days, not "2400 min"
        day = {str(c.id): calendars.working_day_minutes(sla.spec_for_calendar(db, c.id))
               for c in cals}
        day_of = {cid: day.get(str(c.calendar_id)) for cid, c in self._con_views.items()}

        def shown(minutes: int | None, contract_id: int) -> str:
            return (format_business_minutes(minutes, lang, day_of.get(str(contract_id)))
                    if minutes else "—")

        self.type_rows = [ConfigRow(
            str(t.id), f"{t.contract}: {t.name_pl if lang == 'pl' else t.name_en}",
            self._t("admin.type_summary", reaction=shown(t.reaction_minutes, t.contract_id),
                    resolution=shown(t.resolution_minutes, t.contract_id),
                    warning=t.warning_percent)
            + (" · " + self._t("worktime.requires_entry") if t.requires_work_entry else ""))
            for t in types]
        self.calendar_opts = [Opt(str(c.id), c.name) for c in cals]
        self.org_opts = [Opt(str(o.id), o.label)
                         for o in directory.client_organisations(db, actor)]
        self.queue_opts = [Opt(str(o.id), o.label) for o in directory.queues(db)]
        self.contract_opts = [Opt(str(c.id), f"{c.organisation} — {c.name}") for c in cons]
        self.escalation_opts = options(list(EscalationAction.ALL), lang, "escalation")
        self.priority_opts = options(list(Priority.ALL), lang, "priority")

    def _calendar_summary(self, c: calendar_config.CalendarView) -> str:
        if c.always_open:
            hours = "24/7"
        else:
            names = self._t("admin.weekdays").split(",")
            hours = "; ".join(f"{names[d]} {w}" for d, w in sorted(c.windows.items()))
        extra = [c.timezone]
        if c.cutoff:
            extra.append(self._t("admin.cutoff_short", cutoff=c.cutoff))
        if c.holiday_country:
            extra.append(self._t("admin.holidays_short", country=c.holiday_country))
        return f"{hours} · {', '.join(extra)}"

    def _saved(self, db, actor: Actor, **changed: int):
        """After a save: reload the lists and recompute the open tickets that depend on
        the changed calendar / contract / type in the background, with progress."""
        self.error, self.message = "", self._t("ticket.saved")
        self.form_of, self.form_errors = "", {}
        self._load(db, actor)
        self._pending_recompute = changed
        return AdminSlaState.recompute_affected

    @rx.event(background=True)
    async def recompute_affected(self):
        async with self:
            with unit_of_work(self) as (_db, actor):
                pass
            target, self._pending_recompute = self._pending_recompute, {}
            if (actor is None or not access.has(actor, permissions.CONFIG_SLA) or not target
                    or self.recompute_running):
                return
            self.recompute_running, self.recompute_done, self.recompute_total = True, 0, 0
            self.recompute_message = ""
        progress = {"done": 0, "total": 0}

        def work() -> int:
            # Off the event loop and outside the state's lock: a plain session, no actor
            # (the admin was checked above; the recompute is the system's own work).
            with bare_session() as db:
                return sla_recompute.recompute_after_change(
                    db, utcnow(), progress=lambda d, t: progress.update(done=d, total=t),
                    **target)

        # The recompute runs in a thread: it must not block this worker's event loop.
        task = asyncio.ensure_future(asyncio.to_thread(work))
        while not task.done():
            await asyncio.sleep(0.25)
            async with self:
                self.recompute_done, self.recompute_total = progress["done"], progress["total"]
        try:
            count = task.result()
        except Exception as exc:  # surfaced to the admin; the next save retries
            async with self:
                self.recompute_running = False
                self.recompute_message = self._t("admin.recompute_failed", error=str(exc)[:200])
            return
        async with self:
            self.recompute_running = False
            self.recompute_done = self.recompute_total = progress["total"]
            self.recompute_message = self._t("admin.recomputed", count=count)

    # ---- calendar form

    @rx.event
    def set_cal_window(self, weekday: int, value: str):
        if 0 <= int(weekday) < WEEKDAYS:
            self.cal_windows[int(weekday)] = value

    @rx.event
    def edit_calendar(self, cal_id: str):
        c = self._cal_views.get(cal_id)
        if c is None:
            return
        self.cal_id, self.cal_name, self.cal_tz = cal_id, c.name, c.timezone
        self.cal_always, self.cal_country, self.cal_cutoff = (
            c.always_open, c.holiday_country, c.cutoff)
        self.cal_windows = [c.windows.get(d, "") for d in range(WEEKDAYS)]
        self.cal_closed = c.closed_dates
        self.message = self.error = ""
        self.form_of, self.form_errors = "", {}

    @rx.event
    def new_calendar(self):
        self.cal_id, self.cal_name, self.cal_tz, self.cal_always = "", "", "Europe/Warsaw", False
        self.cal_country, self.cal_cutoff, self.cal_closed = "PL", "", ""
        self.cal_windows = ["8:00-16:00"] * 5 + ["", ""]
        self.form_of, self.form_errors = "", {}

    @handler(roles=routes.STAFF, permission=permissions.CONFIG_SLA)
    def save_calendar(self, db, actor: Actor):
        self.message, self.form_of = "", "cal"  # a refused form keeps its text
        checks = FieldChecks()  # what does not parse is reported with the rest
        data = CalendarInput(
            name=self.cal_name, timezone=self.cal_tz.strip(),
            windows=checks.run("windows", calendar_config.parse_windows,
                               dict(enumerate(self.cal_windows))) or [],
            always_open=self.cal_always,
            holiday_country=self.cal_country.strip().upper() or None,
            closed_dates=checks.run("closed_dates", calendar_config.parse_closed_dates,
                                    self.cal_closed) or [],
            cutoff=checks.run("cutoff", calendar_config.parse_time, self.cal_cutoff,
                              field_name="cut-off"),
        )
        saved = calendar_config.save_calendar(db, actor, data,
                                              int(self.cal_id) if self.cal_id else None,
                                              checks=checks)
        self.cal_id = str(saved)
        return self._saved(db, actor, calendar_id=saved)

    # ---- contract form

    @handler(roles=routes.STAFF, permission=permissions.CONFIG_SLA)
    def set_con_org(self, db, actor: Actor, value: str):
        """Another organisation: its people become the contact choices."""
        self.con_org = "" if value in ("all", None) else str(value)
        self.con_contacts = []
        self._load_people(db, actor)

    def _load_people(self, db, actor: Actor) -> None:
        people = (contracts.organisation_people(db, actor, int(self.con_org))
                  if self.con_org.isdigit() else [])
        self.contact_opts = [Opt(str(uid), name) for uid, name in people]

    @rx.event
    def toggle_contact(self, user_id: str, on: bool):
        chosen = [c for c in self.con_contacts if c != user_id]
        self.con_contacts = [*chosen, user_id] if on else chosen

    @handler(roles=routes.STAFF, permission=permissions.CONFIG_SLA)
    def edit_contract(self, db, actor: Actor, con_id: str):
        c = self._con_views.get(con_id)
        if c is None:
            return
        self.con_id, self.con_org, self.con_name = con_id, str(c.organisation_id), c.name
        self.con_from = dates.format_day(c.valid_from, self.ui_lang)
        self.con_to = dates.format_day(c.valid_to, self.ui_lang)
        self.con_calendar, self.con_key = str(c.calendar_id), c.is_key
        self.con_queue = str(c.default_queue_id) if c.default_queue_id else ""
        self.con_escalation = c.escalation_action
        self.con_escalation_queue = str(c.escalation_queue_id) if c.escalation_queue_id else ""
        self.con_contacts = [str(uid) for uid in c.contact_ids]
        self.message = self.error = ""
        self.form_of, self.form_errors = "", {}
        self._load_people(db, actor)

    @rx.event
    def new_contract(self):
        self.con_id = self.con_org = self.con_name = self.con_from = self.con_to = ""
        self.con_calendar = self.con_queue = self.con_escalation_queue = ""
        self.con_key, self.con_escalation = False, EscalationAction.NONE
        self.con_contacts, self.contact_opts = [], []
        self.form_of, self.form_errors = "", {}

    @handler(roles=routes.STAFF, permission=permissions.CONFIG_SLA)
    def save_contract(self, db, actor: Actor):
        self.message, self.form_of = "", "con"
        data = ContractInput(
            organisation_id=int(self.con_org) if self.con_org.isdigit() else 0,
            name=self.con_name, valid_from=dates.parse_day(self.con_from),
            valid_to=dates.parse_day(self.con_to),
            calendar_id=int(self.con_calendar) if self.con_calendar.isdigit() else None,
            is_key=self.con_key,
            default_queue_id=int(self.con_queue) if self.con_queue.isdigit() else None,
            escalation_action=self.con_escalation or EscalationAction.NONE,
            escalation_queue_id=(int(self.con_escalation_queue)
                                 if self.con_escalation_queue.isdigit() else None),
            contact_ids=[int(c) for c in self.con_contacts if c.isdigit()],
        )
        saved = contracts.save_contract(db, actor, data,
                                        int(self.con_id) if self.con_id else None)
        self.con_id = str(saved)
        return self._saved(db, actor, contract_id=saved)

    # ---- ticket type form

    @rx.event
    def set_tt_prio(self, kind: str, index: int, value: str):
        target = self.tt_prio_reaction if kind == "reaction" else self.tt_prio_resolution
        if 0 <= int(index) < len(Priority.ALL):
            target[int(index)] = value

    @rx.event
    def edit_type(self, type_id: str):
        t = self._type_views.get(type_id)
        if t is None:
            return
        self.tt_id, self.tt_contract = type_id, str(t.contract_id)
        self.tt_name_pl, self.tt_name_en = t.name_pl, t.name_en
        self.tt_reaction = str(t.reaction_minutes or "")
        self.tt_resolution = str(t.resolution_minutes or "")
        self.tt_warning = str(t.warning_percent)
        self.tt_requires_entry = t.requires_work_entry
        self.tt_prio_reaction = [str((t.per_priority.get(p) or (None, None))[0] or "")
                                 for p in Priority.ALL]
        self.tt_prio_resolution = [str((t.per_priority.get(p) or (None, None))[1] or "")
                                   for p in Priority.ALL]
        self.message = self.error = ""
        self.form_of, self.form_errors = "", {}

    @rx.event
    def new_type(self):
        self.tt_id = self.tt_contract = self.tt_name_pl = self.tt_name_en = ""
        self.tt_reaction = self.tt_resolution = ""
        self.tt_warning = "75"
        self.tt_requires_entry = False
        self.tt_prio_reaction, self.tt_prio_resolution = [""] * 4, [""] * 4
        self.form_of, self.form_errors = "", {}

    @handler(roles=routes.STAFF, permission=permissions.CONFIG_SLA)
    def save_type(self, db, actor: Actor):
        self.message, self.form_of = "", "tt"
        checks = FieldChecks()  # what does not parse is reported with the rest
        per_priority = {}
        for i, p in enumerate(Priority.ALL):
            label = self._t(f"priority.{p}")
            r = checks.run(f"priority_{p}", contracts.parse_minutes,
                           self.tt_prio_reaction[i], label)
            s = checks.run(f"priority_{p}", contracts.parse_minutes,
                           self.tt_prio_resolution[i], label)
            if r is not None or s is not None:
                per_priority[p] = (r, s)
        warning = checks.run("warning", _minutes, self.tt_warning, "%") or 75
        data = TicketTypeInput(
            contract_id=int(self.tt_contract) if self.tt_contract.isdigit() else 0,
            name_pl=self.tt_name_pl, name_en=self.tt_name_en,
            reaction_minutes=checks.run("reaction", contracts.parse_minutes, self.tt_reaction,
                                        self._t("sla.clock.reaction")),
            resolution_minutes=checks.run("resolution", contracts.parse_minutes,
                                          self.tt_resolution, self._t("sla.clock.resolution")),
            warning_percent=warning, per_priority=per_priority,
            requires_work_entry=self.tt_requires_entry,
        )
        saved = contracts.save_ticket_type(db, actor, data,
                                           int(self.tt_id) if self.tt_id else None,
                                           checks=checks)
        self.tt_id = str(saved)
        return self._saved(db, actor, ticket_type_id=saved)
