"""Custom fields in forms: the shared form logic and the ticket page's fields panel.

One implementation of the rules: every change a user makes re-runs
`domain.fields.evaluate` on the server, over the field views the domain built for this
actor and this (contract, ticket type); `fields.save_values` runs the very same function
at save. The browser only renders `FieldRow`s: which fields are visible now, which are
required, which options a dependent dropdown offers, and the error of each field.

- `FieldForm`: plain data held in a backend-only var of a page state (the new-ticket form
  and the panel here); it knows the views, the typed-in values, what the user touched and
  the errors the server returned at save.
- `TicketFieldsState`: the panel on the ticket page (agents, and clients for the fields
  opened to them). Like the checklist panel it finds the route's ticket itself through the
  access policy and watches that ticket's topic in its own live slot ("fields"); a live
  refresh takes the stored values but keeps what the user is editing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import reflex as rx

from helpdesk_app.domain import dates, directory, fields, tickets
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import Conflict, DomainError
from helpdesk_app.domain.fields import FieldValuesInvalid, FieldView
from helpdesk_app.i18n import t
from helpdesk_app.live.bus import Change
from helpdesk_app.models import FieldType
from helpdesk_app.state import live
from helpdesk_app.state.session import SessionState
from helpdesk_app.state.toolkit import handler, unit_of_work
from helpdesk_app.state.views import Opt

SLOT = "fields"  # the panel's watch slot, beside the page's
# What a browser may send for one field (far above every field's own limit, which the
# domain enforces with a proper message): keeps a crafted event from bloating the state.
RAW_MAX = 10_000
CHOICES_MAX = 200


@dataclasses.dataclass
class FieldRow:
    """One field as a form shows it right now."""

    key: str = ""
    kind: str = ""  # FieldType.*
    label: str = ""
    help: str = ""
    required: bool = False
    editable: bool = True
    value: str = ""  # text-like inputs, dropdown and user (the option value / user id)
    chosen: list[str] = dataclasses.field(default_factory=list)  # multi-select
    checked: bool = False  # checkbox
    text: str = ""  # read-only display text
    options: list[Opt] = dataclasses.field(default_factory=list)  # allowed now
    error: str = ""  # translated message, "" when none is shown


# --------------------------------------------------------------------------- form values


def form_value(view: FieldView, raw: Any, *, tz: str = "UTC") -> Any:
    """What the form holds for a field: list[str] (multi-select), bool (checkbox) or str.
    Accepts what an input sends as well as JSON defaults / typed values."""
    if view.field_type == FieldType.MULTI_SELECT:
        if isinstance(raw, str):
            raw = raw.split(",")
        if not isinstance(raw, (list, tuple, set, frozenset)):
            return []
        out = [str(v)[:RAW_MAX] for v in raw if v is not None and str(v).strip()]
        return list(dict.fromkeys(out))[:CHOICES_MAX]
    if view.field_type == FieldType.CHECKBOX:
        if isinstance(raw, bool):
            return raw
        return str(raw).strip().lower() in ("true", "1", "on", "yes", "tak")
    if raw is None:
        return ""
    if view.field_type == FieldType.DATETIME and not isinstance(raw, str | datetime):
        return ""
    if view.field_type == FieldType.DATETIME:
        # A stored / default instant is shown in the user's zone, as datetime-local wants.
        try:
            value = fields.parse_value(FieldType.DATETIME, raw, tz=tz)
        except DomainError:
            return str(raw)[:RAW_MAX]
        if value is None:
            return ""
        return value.astimezone(fields._zone(tz)).strftime("%Y-%m-%dT%H:%M")
    if isinstance(raw, (list, tuple, dict)):
        return ""
    return str(fields.to_json(raw))[:RAW_MAX]


@dataclasses.dataclass
class FieldForm:
    """The state of a custom-fields form; plain data (kept in a backend-only var)."""

    views: list[FieldView] = dataclasses.field(default_factory=list)
    values: dict[str, Any] = dataclasses.field(default_factory=dict)
    loaded: dict[str, Any] = dataclasses.field(default_factory=dict)  # edit: stored values
    touched: set[str] = dataclasses.field(default_factory=set)
    server_errors: dict[str, tuple[str, dict[str, Any]]] = dataclasses.field(
        default_factory=dict)
    show_all: bool = False  # after a refused submit every error shows, not only touched ones
    moment: str = "create"
    tz: str = "UTC"
    read_only: dict[str, str] = dataclasses.field(default_factory=dict)  # key -> display text
    editable: set[str] | None = None  # None: the views' can_edit decides
    extra_rows: list[FieldRow] = dataclasses.field(default_factory=list)  # out of scope

    def view(self, key: str) -> FieldView | None:
        return next((v for v in self.views if v.key == key), None)

    def can_edit(self, key: str) -> bool:
        view = self.view(key)
        if view is None or not view.can_edit:
            return False
        return self.editable is None or key in self.editable

    def evaluation(self) -> fields.Evaluation:
        return fields.evaluate(self.views, self.values, moment=self.moment, tz=self.tz)

    def set(self, key: str, raw: Any) -> bool:
        """A user's change; False (and nothing changes) for a field they may not edit."""
        view = self.view(key)
        if view is None or not self.can_edit(key):
            return False
        self.values[key] = form_value(view, raw, tz=self.tz)
        self.touched.add(key)
        self.server_errors.pop(key, None)
        return True

    def toggle(self, key: str, option: str, on: bool) -> bool:
        view = self.view(key)
        if view is None or view.field_type != FieldType.MULTI_SELECT:
            return False
        chosen = [v for v in form_value(view, self.values.get(key)) if v != option]
        if on:
            chosen.append(str(option))
        return self.set(key, chosen)

    def reload(self, views: Sequence[FieldView], stored: Mapping[str, Any], *,
               keep_edits: bool, rebase: bool = False) -> None:
        """New views / stored values (a live refresh, a contract or type change). With
        `keep_edits` what the user changed stays; everything else takes the new value.
        An edited field keeps the value its edit started from in `loaded` (what the save
        reports as seen, so a change made meanwhile is a conflict), unless `rebase`: after
        a conflict the user has been shown the other value, and may save over it."""
        edited = {k: v for k, v in self.values.items()
                  if k in self.touched and v != self.loaded.get(k)} if keep_edits else {}
        started_from = {k: self.loaded.get(k) for k in edited}
        self.views = list(views)
        self.loaded = {v.key: form_value(v, stored.get(v.key), tz=self.tz) for v in views}
        if not rebase:
            self.loaded.update({k: v for k, v in started_from.items() if k in self.loaded})
        keys = {v.key for v in views}
        self.values = {**self.loaded, **{k: v for k, v in edited.items() if k in keys}}
        self.touched = set(edited) & keys
        self.server_errors = {k: e for k, e in self.server_errors.items() if k in self.touched}
        if not keep_edits:
            self.show_all = False

    def payload(self, *, only_changed: bool) -> dict[str, Any]:
        """The values to save: fields this actor may edit that are visible now (a hidden
        field's value is neither validated nor saved), at edit only the changed ones."""
        ev = self.evaluation()
        out = {}
        for v in self.views:
            state = ev.fields.get(v.key)
            if state is None or not state.visible or not self.can_edit(v.key):
                continue
            value = self.values.get(v.key, form_value(v, None))
            if only_changed and (v.key not in self.touched
                                 or value == self.loaded.get(v.key, form_value(v, None))):
                continue
            # At create an empty field is left out (no "☐ → ☐" events, no empty rows),
            # unless it has a default the user cleared: then the empty value is meant.
            if not only_changed and value in ("", [], False) and v.default is None:
                continue
            out[v.key] = value
        return out

    def seen(self, keys: Iterable[str]) -> dict[str, Any]:
        """The values the user's edits of `keys` started from."""
        return {k: self.loaded.get(k) for k in keys}

    def refused(self, error: FieldValuesInvalid) -> None:
        self.server_errors = dict(error.errors)
        self.show_all = True

    def rows(self, lang: str, *, users: Iterable[Opt] = ()) -> list[FieldRow]:
        """The visible fields, in order, with what each shows now."""
        ev = self.evaluation()
        user_opts = list(users)
        out: list[FieldRow] = []
        for v in self.views:
            state = ev.fields[v.key]
            if not state.visible:
                continue
            raw = self.values.get(v.key, form_value(v, None))
            if v.field_type in (FieldType.DATE, FieldType.DATETIME) and isinstance(raw, str):
                raw = dates.localise_input(raw, lang)  # held in ISO, shown as the user types
            error = ""
            shown = self.server_errors.get(v.key)
            if shown is None and state.error and (self.show_all or v.key in self.touched):
                shown = (state.error, dict(state.error_params))
            if shown is not None:
                error = t(shown[0], lang, **shown[1])
            allowed = set(state.options or ())
            options = [Opt(o.value, o.label(lang)) for o in v.options if o.value in allowed]
            if v.field_type == FieldType.USER:
                options = user_opts
            out.append(FieldRow(
                key=v.key, kind=v.field_type, label=v.name(lang), help=v.help(lang),
                required=state.required, editable=self.can_edit(v.key),
                value=raw if isinstance(raw, str) else "",
                chosen=list(raw) if isinstance(raw, list) else [],
                checked=raw is True,
                text=self.read_only.get(v.key, _plain_text(v, raw, lang)),
                options=options, error=error,
            ))
        return out + list(self.extra_rows)


def _plain_text(view: FieldView, raw: Any, lang: str) -> str:
    """Display text of a form value for a read-only field (no database at hand)."""
    if view.field_type in fields.OPTION_TYPES:
        labels = {o.value: o.label(lang) for o in view.options}
        chosen = raw if isinstance(raw, list) else [raw] if raw else []
        return ", ".join(labels.get(c, c) for c in chosen)
    if view.field_type == FieldType.CHECKBOX:
        return "☑" if raw is True else "☐"
    return raw if isinstance(raw, str) else ""


def user_options(db, actor: Actor, views: Sequence[FieldView]) -> list[Opt]:
    """Staff for user pickers (agents only: clients never get the roster)."""
    if not actor.is_staff or not any(v.field_type == FieldType.USER for v in views):
        return []
    return [Opt(str(o.id), o.label) for o in directory.agents(db, actor)]


# --------------------------------------------------------------------------- the ticket panel


class TicketFieldsState(SessionState):
    rows: list[FieldRow] = []
    visible: bool = False  # the actor sees at least one field of this ticket
    can_save: bool = False  # at least one field is editable for this actor
    dirty: bool = False
    message: str = ""
    error: str = ""
    refreshed: int = 0  # bumps on every live refresh (lets tests see liveness)
    user_opts: list[Opt] = []
    _ticket_id: int = 0
    _form: FieldForm = FieldForm(moment="edit")

    def _route_number(self) -> str:
        return str(self.router._page.params.get("ticket_number", "") or "")

    def _clear(self) -> None:
        self.rows, self.visible, self.can_save, self.dirty = [], False, False, False
        self.message, self.error = "", ""
        self._ticket_id = 0
        self._form = FieldForm(moment="edit")

    def _load(self, db, actor: Actor, *, keep_edits: bool, rebase: bool = False) -> None:
        views, _ = fields.form_fields(db, actor, self._ticket_id)
        current = fields.values_for(db, actor, self._ticket_id)
        form = self._form
        form.tz, form.moment = actor.timezone, "edit"
        by_key = {c.key: c for c in current}
        form.reload(views, {c.key: c.value for c in current}, keep_edits=keep_edits,
                    rebase=rebase)
        form.editable = {c.key for c in current if c.can_edit}
        form.read_only = {c.key: c.text for c in current}
        lang = self.ui_lang
        form.extra_rows = [FieldRow(key=c.key, kind=c.field_type,
                                    label=c.name_en if lang == "en" else c.name_pl,
                                    editable=False, text=c.text)
                           for c in current if not c.in_scope]
        self.user_opts = user_options(db, actor, views)
        self._form = form
        self.visible = bool(by_key)
        self.can_save = bool(form.editable)
        self._show()

    def _show(self) -> None:
        form = self._form
        self.rows = form.rows(self.ui_lang, users=self.user_opts)
        self.dirty = bool(form.payload(only_changed=True))

    # ---- events

    @handler()
    def start(self, db, actor: Actor):
        """The panel mounted: load the fields of the route's ticket and watch it."""
        self._clear()
        try:
            self._ticket_id = tickets.find_by_number(db, actor, self._route_number())
            self._load(db, actor, keep_edits=False)
        except DomainError:
            self._clear()
            live.unwatch(self, slot=SLOT)
            return
        live.watch(self, {f"ticket:{self._ticket_id}"}, public_only=not actor.is_agent,
                   slot=SLOT)

    @rx.event
    def stop(self):
        live.unwatch(self, slot=SLOT)

    @rx.event
    def set_field(self, key: str, value: Any):
        self.message = ""
        form = self._form
        if form.set(str(key), value):
            self._form = form
            self._show()

    @rx.event
    def toggle_option(self, key: str, option: str, on: bool):
        self.message = ""
        form = self._form
        if form.toggle(str(key), str(option), bool(on)):
            self._form = form
            self._show()

    @rx.event
    def discard(self):
        form = self._form
        form.values = dict(form.loaded)
        form.touched, form.server_errors, form.show_all = set(), {}, False
        self._form = form
        self.error, self.message = "", ""
        self._show()

    @handler()  # a refusal shows in `error`; the edits stay in the form
    def save(self, db, actor: Actor):
        self.error, self.message = "", ""
        form = self._form
        if not self._ticket_id:
            return
        payload = form.payload(only_changed=True)
        if not payload:
            self.message = self._t("fields.no_change")
            return
        try:
            fields.save_values(db, actor, self._ticket_id, payload, moment="edit",
                               seen=form.seen(payload))
        except FieldValuesInvalid as e:
            form.refused(e)
            self._form = form
            self.error = self._err(e)
            self._show()
            return
        except Conflict as e:
            # Someone saved this field first: say so (with their value), keep ours in the
            # form, and base a second save on what has now been shown.
            db.rollback()
            self.error = self._err(e)
            self._load(db, actor, keep_edits=True, rebase=True)
            return
        try:
            self._load(db, actor, keep_edits=False)
        except DomainError:
            self._clear()
            return
        self.message = self._t("ticket.saved")

    def _live_refresh(self, changes: list[Change]) -> None:
        if not self._ticket_id:
            return
        with unit_of_work(self) as (db, actor):
            if actor is None:
                self._clear()
                return
            try:
                self._load(db, actor, keep_edits=True)
            except DomainError:
                self._clear()
                return
        self.refreshed += 1
