"""/settings/substitutions (issue 13): my absences and the ones I stand in for; plan,
change, cancel. Coordinators and admins pick whose absence it is. The rules live in
domain/substitutions.py; this holds what the page shows. Dates are typed in the user's
format and time zone (text inputs, like every date in the app: domain/dates.py)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from helpdesk_app import routes
from helpdesk_app.domain import dates, substitution_cover, substitutions
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import Invalid
from helpdesk_app.i18n import format_datetime
from helpdesk_app.live.bus import Change, access_topic
from helpdesk_app.models.base import utcnow
from helpdesk_app.state import live
from helpdesk_app.state.forms import CHOICE, Form
from helpdesk_app.state.session import SessionState
from helpdesk_app.state.toolkit import handler, unit_of_work
from helpdesk_app.state.views import Opt


@dataclasses.dataclass
class SubstitutionRow:
    id: str = ""
    absent: str = ""
    substitute: str = ""
    period: str = ""
    note: str = ""
    state: str = ""
    state_label: str = ""
    keeps: bool = False
    can_change: bool = False
    active: bool = False


class SubstitutionsState(Form, SessionState):
    form_fields: ClassVar[dict[str, object]] = {
        "f_absent": CHOICE, "f_substitute": CHOICE, "f_starts": str, "f_ends": str,
        "f_note": str, "f_keeps": bool}

    rows: list[SubstitutionRow] = []
    status_line: str = ""  # "away from … to …, substituted by …"
    covering_line: str = ""  # "you are substituting for …"
    tz_note: str = ""
    when_placeholder: str = ""
    absent_opts: list[Opt] = []
    substitute_opts: list[Opt] = []
    is_manager: bool = False
    f_id: str = ""  # the substitution being changed ("" = a new one)
    f_absent: str = ""
    f_substitute: str = ""
    f_starts: str = ""
    f_ends: str = ""
    f_note: str = ""
    f_keeps: bool = False
    form_errors: dict[str, str] = {}
    message: str = ""
    error: str = ""
    refreshed: int = 0

    @handler(roles=routes.STAFF)
    def on_load(self, db, actor: Actor):
        self.message = self.error = ""
        absent, substitutes = substitutions.people(db, actor)
        self.absent_opts = [Opt(str(o.id), o.label) for o in absent]
        self.substitute_opts = [Opt(str(o.id), o.label) for o in substitutes]
        self.is_manager = substitutions.is_manager(actor)
        self.tz_note = self._t("substitutions.timezone", tz=actor.timezone)
        example = dates.format_wall_time(datetime(2026, 12, 31, 14, 30), self.ui_lang)
        self.when_placeholder = self._t("substitutions.when_placeholder", example=example)
        self._clear_form(actor)
        self._load(db, actor)
        # a substitution of mine starting or ending (the scheduler) updates the page
        live.watch(self, {access_topic(actor.user_id)}, public_only=False)

    def _clear_form(self, actor: Actor) -> None:
        self.f_id, self.f_absent, self.f_substitute = "", str(actor.user_id), ""
        self.f_starts = self.f_ends = self.f_note = ""
        self.f_keeps = False
        self.form_errors = {}

    def _when(self, value: datetime) -> str:
        return format_datetime(value, self.ui_lang, self.user_tz)

    def _load(self, db, actor: Actor) -> None:
        now = utcnow()
        self.rows = [SubstitutionRow(
            id=str(v.id), absent=v.absent, substitute=v.substitute,
            period=f"{self._when(v.starts_at)} – {self._when(v.ends_at)}", note=v.note,
            state=v.state, state_label=self._t(f"substitutions.state.{v.state}"),
            keeps=v.keeps_notifications, can_change=v.can_change, active=v.state == "active")
            for v in substitutions.list_for(db, actor, now)]
        status = substitutions.away_status(db, actor.user_id, now)
        self.status_line = "" if status is None else self._t(
            "substitutions.away_now" if status.active else "substitutions.away_next",
            start=self._when(status.starts_at), end=self._when(status.ends_at),
            name=status.substitute)
        covered = substitution_cover.covering(db, actor.user_id, now)
        names = substitutions.names(db, covered)
        self.covering_line = self._t("substitutions.covering_now", names=", ".join(
            names[i] for i in sorted(covered, key=lambda i: names.get(i, "")))) \
            if covered else ""

    def _live_refresh(self, changes: list[Change]) -> None:
        with unit_of_work(self) as (db, actor):
            if actor is None or not actor.is_staff:
                return
            self._load(db, actor)
        self.refreshed += 1

    def _form(self) -> substitutions.SubstitutionForm:
        def num(value: str) -> int | None:
            return int(value) if value.isdigit() else None

        return substitutions.SubstitutionForm(
            absent_id=num(self.f_absent), substitute_id=num(self.f_substitute),
            starts=self.f_starts, ends=self.f_ends, note=self.f_note,
            keeps_notifications=self.f_keeps)

    @handler(roles=routes.STAFF)
    def save(self, db, actor: Actor):
        self.message, self.error, self.form_errors = "", "", {}
        if self.f_id.isdigit():
            substitutions.edit(db, actor, int(self.f_id), self._form())
        else:
            substitutions.create(db, actor, self._form())
        self._clear_form(actor)
        self.message = self._t("substitutions.saved")
        self._load(db, actor)

    @handler(roles=routes.STAFF)
    def edit_row(self, db, actor: Actor, substitution_id: str):
        view = next((v for v in substitutions.list_for(db, actor)
                     if str(v.id) == str(substitution_id) and v.can_change), None)
        if view is None:  # not one this actor may change (any id a browser sends)
            raise Invalid("substitution.not_found")
        self.message, self.error, self.form_errors = "", "", {}
        self.f_id, self.f_absent = str(view.id), str(view.absent_id)
        self.f_substitute, self.f_note = str(view.substitute_id), view.note
        self.f_keeps = view.keeps_notifications
        lang = self.ui_lang
        self.f_starts = dates.format_wall_time(_local(view.starts_at, self.user_tz), lang)
        self.f_ends = dates.format_wall_time(_local(view.ends_at, self.user_tz), lang)

    @handler(roles=routes.STAFF)
    def discard(self, db, actor: Actor):
        self._clear_form(actor)

    @handler(roles=routes.STAFF)
    def cancel_row(self, db, actor: Actor, substitution_id: str):
        if not str(substitution_id).isdigit():
            return
        self.message, self.error = "", ""
        substitutions.cancel(db, actor, int(substitution_id))
        if self.f_id == str(substitution_id):
            self._clear_form(actor)
        self.message = self._t("substitutions.cancelled_msg")
        self._load(db, actor)


def _local(value: datetime, tz: str) -> datetime:
    return value.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
