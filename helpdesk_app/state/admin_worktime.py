"""Admin: work time and billing (/admin/worktime) — activity types, the rate of each
contract, locking an invoiced period and (admins) unlocking it. The rules live in
domain/worktime_admin.py and domain/worktime_billing.py; this holds what the page shows."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.domain import dates, permissions, rating, worktime_admin, worktime_billing
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import DomainError
from helpdesk_app.domain.worktime_admin import ActivityForm, RateForm
from helpdesk_app.domain.worktime_billing import LockForm
from helpdesk_app.i18n import format_amount, format_hours
from helpdesk_app.models.base import utcnow
from helpdesk_app.state.admin_common import start_admin_page
from helpdesk_app.state.forms import CHOICE, Form
from helpdesk_app.state.session import SessionState
from helpdesk_app.state.toolkit import bare_session, handler, unit_of_work
from helpdesk_app.state.views import Opt, options

log = logging.getLogger(__name__)
BILLING = {"roles": routes.STAFF, "permission": permissions.WORKTIME_BILLING}
# the lock form's inputs: each change refreshes the preview line
LOCK_FIELDS = ("lock_kind", "lock_contract", "lock_org", "lock_from", "lock_to", "lock_ref")
_RATE_FIELDS = {"r_rate": "hourly_rate", "r_currency": "currency", "r_rounding": "rounding",
                "r_block": "rounding_minutes", "r_minimum": "minimum_visit_minutes",
                "r_after_hours": "after_hours_pct", "r_weekend": "weekend_pct",
                "r_on_site": "on_site_pct"}


@dataclasses.dataclass
class ActivityRow:
    id: str = ""
    title: str = ""
    detail: str = ""
    active: bool = True


@dataclasses.dataclass
class LockRow:
    ref: str = ""
    contract_id: str = ""
    title: str = ""
    detail: str = ""


def _id(text: str) -> int | None:
    return int(text) if text.isdigit() else None


class AdminWorktimeState(Form, SessionState):
    form_fields: ClassVar[dict[str, object]] = {
        "act_key": str, "act_name_pl": str, "act_name_en": str, "act_billable": bool,
        "act_on_site": bool, "act_order": str,
        **{name: str for name in _RATE_FIELDS}, "r_rounding": CHOICE,
        "unlock_ref": str, "unlock_contract": CHOICE, "unlock_reason": str}
    message: str = ""
    message_of: str = ""  # the section whose save `message` reports ("act", "rate")
    error: str = ""
    # the last refused form ("act", "rate", "lock", "unlock") and its fields' messages
    form_of: str = ""
    form_errors: dict[str, str] = {}
    # activity types
    activities: list[ActivityRow] = []
    act_id: str = ""
    act_key: str = ""
    act_name_pl: str = ""
    act_name_en: str = ""
    act_billable: bool = True
    act_on_site: bool = False
    act_order: str = ""
    # rates
    contract_opts: list[Opt] = []
    rounding_opts: list[Opt] = []
    rate_contract: str = ""
    r_rate: str = ""
    r_currency: str = "PLN"
    r_rounding: str = "none"
    r_block: str = ""
    r_minimum: str = ""
    r_after_hours: str = "100"
    r_weekend: str = "100"
    r_on_site: str = "100"
    rate_note: str = ""
    # re-rating a big contract in the background: entries done / to do
    rerating: bool = False
    rerate_done: int = 0
    rerate_total: int = 0
    # lock
    org_opts: list[Opt] = []
    kind_opts: list[Opt] = []
    lock_kind: str = "contract"
    lock_contract: str = ""
    lock_org: str = ""
    lock_from: str = ""
    lock_to: str = ""
    lock_ref: str = ""
    lock_preview: str = ""
    lock_confirm: bool = False  # the preview stands; "Lock" waits for "yes"
    lock_message: str = ""
    # billed periods; unlocking (admins)
    locks: list[LockRow] = []
    unlock_ref: str = ""
    unlock_contract: str = ""
    unlock_reason: str = ""
    unlock_message: str = ""

    # ---- loading

    @handler(**BILLING)
    def on_load(self, db, actor: Actor):
        start_admin_page(self)
        self.form_of, self.form_errors = "", {}
        lang = self.ui_lang
        self.contract_opts = [Opt(str(o.id), o.label)
                              for o in worktime_admin.contract_options(db, actor)]
        self.org_opts = [Opt(str(o.id), o.label)
                         for o in worktime_admin.organisation_options(db, actor)]
        self.rounding_opts = options(list(rating.ROUNDINGS), lang, "worktime_admin.rounding")
        self.kind_opts = options(["contract", "organisation"], lang, "worktime_billing.kind")
        self._new_activity()
        self._load_activities(db, actor)
        if self.rate_contract not in {o.value for o in self.contract_opts}:
            self.rate_contract = ""
        self._load_rate(db, actor)
        today = datetime.now(ZoneInfo(self.user_tz)).date()
        first, last = worktime_billing.last_month(today)
        self.lock_from, self.lock_to = dates.format_day(first, lang), dates.format_day(last, lang)
        self.lock_ref, self.lock_confirm, self.lock_message = "", False, ""
        self.unlock_ref = self.unlock_contract = self.unlock_reason = self.unlock_message = ""
        self._preview(db, actor)
        self._load_locks(db, actor)

    def _load_activities(self, db, actor: Actor) -> None:
        lang = self.ui_lang
        self.activities = [ActivityRow(
            str(a.id), a.name_pl if lang == "pl" else a.name_en,
            " · ".join(p for p in (
                a.key, self._t("worktime_admin.billable" if a.billable
                               else "worktime_admin.not_billable"),
                self._t("worktime_admin.on_site") if a.on_site else "",
                self._t("worktime_admin.used_by", count=a.entries),
                "" if a.is_active else self._t("worktime_admin.inactive")) if p),
            a.is_active) for a in worktime_admin.list_activities(db, actor)]

    def _load_locks(self, db, actor: Actor) -> None:
        lang = self.ui_lang
        self.locks = [LockRow(
            v.ref, str(v.contract_id or ""), f"{v.ref} — {v.contract or '—'}",
            self._t("worktime_billing.lock_row", count=v.entries,
                    period=f"{dates.format_day(v.day_from, lang)} – "
                           f"{dates.format_day(v.day_to, lang)}",
                    at=self._dt(v.locked_at)))
            for v in worktime_billing.recent_locks(db, actor)]

    def _start_save(self, form: str) -> None:
        """The start of a save: a refusal shows its messages by this form's fields."""
        self.message, self.error, self.form_of, self.form_errors = "", "", form, {}

    # ---- activity types

    def _new_activity(self) -> None:
        self.act_id = self.act_key = self.act_name_pl = self.act_name_en = self.act_order = ""
        self.act_billable, self.act_on_site = True, False

    @rx.event
    def new_activity(self):
        self._new_activity()
        self.form_of, self.form_errors = "", {}

    @handler(**BILLING)
    def edit_activity(self, db, actor: Actor, activity_id: str):
        found = next((a for a in worktime_admin.list_activities(db, actor)
                      if str(a.id) == activity_id), None)
        if found is None:
            return
        self.act_id, self.act_key = str(found.id), found.key
        self.act_name_pl, self.act_name_en = found.name_pl, found.name_en
        self.act_billable, self.act_on_site = found.billable, found.on_site
        self.act_order = str(found.sort_order)
        self.message = self.error = ""
        self.form_of, self.form_errors = "", {}

    @handler(**BILLING)
    def save_activity(self, db, actor: Actor):
        self._start_save("act")
        saved = worktime_admin.save_activity(db, actor, _id(self.act_id), ActivityForm(
            key=self.act_key, name_pl=self.act_name_pl, name_en=self.act_name_en,
            billable=self.act_billable, on_site=self.act_on_site, sort_order=self.act_order))
        self.act_id, self.form_of = str(saved), ""
        self.message, self.message_of = self._t("worktime_admin.activity_saved"), "act"
        self._load_activities(db, actor)

    @handler(**BILLING)
    def set_activity_active(self, db, actor: Actor, activity_id: str, active: bool):
        if activity_id.isdigit():
            worktime_admin.set_activity_active(db, actor, int(activity_id), bool(active))
            self.message = self._t("worktime_admin.activity_active" if active
                                   else "worktime_admin.activity_inactive")
            self.message_of = "act"
        self._load_activities(db, actor)

    # ---- rates

    def _load_rate(self, db, actor: Actor) -> None:
        contract_id = _id(self.rate_contract)
        if contract_id is None:
            self.rate_note = ""
            return
        info = worktime_admin.rate_info(db, actor, contract_id, self.ui_lang)
        for name, field in _RATE_FIELDS.items():
            setattr(self, name, getattr(info.form, field))
        self.rate_note = " ".join(p for p in (
            "" if info.has_rate else self._t("worktime_admin.no_rate_yet"),
            self._t("worktime_admin.rate_note", unlocked=info.unlocked, locked=info.locked))
            if p)

    @handler(**BILLING)
    def choose_contract(self, db, actor: Actor, value: str):
        self.rate_contract = "" if value in ("all", None) else str(value)
        self.message = self.error = ""
        self.form_of, self.form_errors = "", {}
        self._load_rate(db, actor)

    @handler(**BILLING)
    def save_rate(self, db, actor: Actor):
        self._start_save("rate")
        contract_id = _id(self.rate_contract)
        if contract_id is None or self.rerating:
            return None
        saved = worktime_admin.save_rule(db, actor, contract_id, RateForm(
            **{field: getattr(self, name) for name, field in _RATE_FIELDS.items()}))
        self.form_of = ""
        if saved.changed and saved.rerated > worktime_admin.RERATE_BATCH:
            # a big contract: in the background with progress, the page stays usable
            self.rerating, self.rerate_done, self.rerate_total = True, 0, saved.rerated
            return AdminWorktimeState.run_rerate(contract_id)
        if saved.changed:
            count = worktime_admin.rerate_contract(db, actor, contract_id)
            self.message = self._t("worktime_admin.rate_saved", count=count)
        else:
            self.message = self._t("worktime_admin.rate_unchanged")
        self.message_of = "rate"
        self._load_rate(db, actor)
        self._preview(db, actor)
        return None

    @rx.event(background=True)
    async def run_rerate(self, contract_id: int):
        async with self:
            with unit_of_work(self) as (_db, actor):  # the actor, checked again
                pass
            if actor is None or not self.rerating:
                self.rerating = False
                return

        def progress(done: int, total: int) -> None:
            state["done"], state["total"] = done, total

        def work() -> int:
            with bare_session() as db:  # a thread: handed the actor checked above
                return worktime_admin.rerate_contract(db, actor, contract_id, progress)

        state = {"done": 0, "total": self.rerate_total}
        task = asyncio.ensure_future(asyncio.to_thread(work))
        while not task.done():
            await asyncio.sleep(0.3)
            async with self:
                self.rerate_done, self.rerate_total = state["done"], state["total"]
        async with self:
            self.rerating, self.message_of = False, "rate"
            try:
                count = task.result()
            except DomainError as e:
                self.message, self.error = "", self._err(e)
                return
            except Exception:  # said to the admin; saving the rule again finishes it
                log.exception("re-rating contract %s failed", contract_id)
                self.message, self.error = "", self._t("error.generic")
                return
            self.message = self._t("worktime_admin.rate_saved", count=count)
            self.rerate_done = count
            with unit_of_work(self) as (db, actor):
                if actor is not None:
                    self._load_rate(db, actor)
                    self._preview(db, actor)

    # ---- lock

    def _lock_form(self) -> LockForm:
        by_contract = self.lock_kind != "organisation"
        return LockForm(contract_id=_id(self.lock_contract) if by_contract else None,
                        organisation_id=None if by_contract else _id(self.lock_org),
                        day_from=self.lock_from, day_to=self.lock_to, ref=self.lock_ref)

    def _preview_text(self, p: worktime_billing.Preview) -> str:
        lang = self.ui_lang
        if p.entries == 0:
            return self._t("worktime_billing.preview_none")
        text = self._t("worktime_billing.preview", count=p.entries,
                       worked=format_hours(p.seconds // 60, lang),
                       billed=format_hours(p.billable_minutes, lang),
                       amount=", ".join(format_amount(a, c, lang) for c, a in p.amounts))
        if p.capped:
            text += " " + self._t("worktime_billing.preview_capped", count=p.capped)
        return text

    def _preview(self, db, actor: Actor) -> None:
        """The preview line as the lock form stands; an incomplete form shows none (its
        messages wait for "Lock")."""
        try:
            self.lock_preview = self._preview_text(
                worktime_billing.preview(db, actor, self._lock_form()))
        except DomainError:
            db.rollback()
            self.lock_preview = ""

    @handler(**BILLING)
    def set_lock(self, db, actor: Actor, name: str, value: str):
        if name not in LOCK_FIELDS:
            return
        setattr(self, name, "" if value in ("all", None) else str(value))
        self.lock_confirm, self.lock_message = False, ""
        if self.form_of == "lock":
            self.form_of, self.form_errors = "", {}
        self._preview(db, actor)

    @handler(**BILLING)
    def ask_lock(self, db, actor: Actor):
        self._start_save("lock")
        self.lock_confirm, self.lock_message = False, ""
        found = worktime_billing.preview(db, actor, self._lock_form(), with_ref=True)
        self.form_of = ""
        self.lock_preview = self._preview_text(found)
        self.lock_confirm = found.entries > 0

    @rx.event
    def cancel_lock(self):
        self.lock_confirm = False

    @handler(**BILLING)
    def confirm_lock(self, db, actor: Actor):
        self._start_save("lock")
        if not self.lock_confirm:
            return
        self.lock_confirm = False
        count = worktime_billing.lock_period(db, actor, self._lock_form(), now=utcnow())
        self.form_of = ""
        self.lock_message = self._t("worktime_billing.locked", count=count,
                                    ref=" ".join(self.lock_ref.split()))
        self._preview(db, actor)
        self._load_locks(db, actor)
        self._load_rate(db, actor)

    # ---- unlock (admins only)

    @handler(roles=routes.ADMINS)
    def choose_unlock(self, db, actor: Actor, ref: str, contract_id: str):
        self.unlock_ref, self.unlock_contract = str(ref)[:80], str(contract_id)
        self.unlock_reason, self.unlock_message = "", ""
        self.form_of, self.form_errors = "", {}

    @handler(roles=routes.ADMINS)
    def unlock(self, db, actor: Actor):
        self._start_save("unlock")
        self.unlock_message = ""
        count = worktime_billing.unlock(db, actor, ref=self.unlock_ref,
                                       reason=self.unlock_reason,
                                       contract_id=_id(self.unlock_contract))
        self.form_of = ""
        self.unlock_message = self._t("worktime_billing.unlocked", count=count,
                                      ref=" ".join(self.unlock_ref.split()))
        self.unlock_ref = self.unlock_contract = self.unlock_reason = ""
        self._preview(db, actor)
        self._load_locks(db, actor)
        self._load_rate(db, actor)
