"""Admin: custom fields (/admin/fields) — definition, options, scopes, per-role permissions
and dependencies, each saved by its own domain function (domain/fields.py validates)."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.domain import contracts, fields
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.fields import (
    DependencyInput,
    Effect,
    FieldDefinition,
    FieldInput,
    PermissionInput,
    ScopeInput,
)

# The form's text formats are parsed by the domain (one place of validation); re-exported
# for the page's tests.
from helpdesk_app.domain.fields_admin import (  # noqa: F401
    parse_options,
    parse_options_map,
    split_values,
)
from helpdesk_app.models import FieldType, RequiredOn, Role
from helpdesk_app.state.admin_common import start_admin_page
from helpdesk_app.state.forms import Form
from helpdesk_app.state.session import SessionState
from helpdesk_app.state.toolkit import handler
from helpdesk_app.state.views import Opt

# The roles the permission grid shows; rows stored for other roles are kept as they are.
GRID_ROLES = (Role.ADMIN, Role.COORDINATOR, Role.TECHNICIAN, Role.CLIENT, Role.SUBCONTRACTOR)


@dataclasses.dataclass
class FieldRow:
    id: str = ""
    title: str = ""
    detail: str = ""
    active: bool = True


@dataclasses.dataclass
class ScopeRow:
    contract: str = ""  # "" = any contract
    ticket_type: str = ""  # "" = any type
    required_on: str = RequiredOn.NEVER


@dataclasses.dataclass
class PermRow:
    role: str = ""
    label: str = ""
    view: bool = False
    edit: bool = False


@dataclasses.dataclass
class DepRow:
    source: str = ""  # key of field A
    effect: str = Effect.SHOW
    when: str = ""  # "a, b" (show / require)
    options_map: str = ""  # lines "A value: b1, b2" (options)


def format_options(options) -> str:
    return "\n".join(f"{o.value} | {o.label_pl} | {o.label_en}" for o in options if o.is_active)


def format_options_map(options_map: dict[str, list[str]]) -> str:
    return "\n".join(f"{k}: {', '.join(v)}" for k, v in options_map.items())


def default_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class AdminFieldsState(Form, SessionState):
    form_fields: ClassVar[dict[str, object]] = {
        **dict.fromkeys(("f_key", "f_name_pl", "f_name_en", "f_type", "f_help_pl", "f_help_en",
                         "f_default", "f_order", "f_options"), str),
        "f_active": bool}
    message: str = ""
    error: str = ""
    # field -> its message, shown under the field; row sections use "scopes.0.contract",
    # "deps.1.values" (see domain/fields_admin.py)
    form_errors: dict[str, str] = {}
    rows: list[FieldRow] = []
    type_opts: list[Opt] = []
    contract_opts: list[Opt] = []
    ticket_type_opts: list[Opt] = []
    required_opts: list[Opt] = []
    effect_opts: list[Opt] = []
    source_opts: list[Opt] = []
    # definition
    f_id: str = ""
    f_key: str = ""
    f_name_pl: str = ""
    f_name_en: str = ""
    f_type: str = FieldType.SHORT_TEXT
    f_help_pl: str = ""
    f_help_en: str = ""
    f_default: str = ""
    f_order: str = "0"
    f_active: bool = True
    # sections of a saved field
    f_options: str = ""
    inactive_options: str = ""  # deactivated values, shown under the editor
    scope_rows: list[ScopeRow] = []
    perm_rows: list[PermRow] = []
    dep_rows: list[DepRow] = []

    _defs: dict = {}

    @rx.var
    def has_options(self) -> bool:
        return self.f_type in (FieldType.DROPDOWN, FieldType.MULTI_SELECT)

    # ---- loading

    @handler(roles=routes.ADMINS)
    def on_load(self, db, actor: Actor):
        start_admin_page(self)
        self._load(db, actor)
        if not self.f_id:
            self._blank()

    def _load(self, db, actor: Actor) -> None:
        en = self.ui_lang == "en"
        defs = fields.list_definitions(db, actor)
        self._defs = {str(d.id): d for d in defs}
        self.rows = [FieldRow(str(d.id), f"{d.name_en if en else d.name_pl} ({d.key})",
                              self._summary(d), d.is_active) for d in defs]
        self.type_opts = [Opt(t, self._t(f"field_type.{t}")) for t in FieldType.ALL]
        self.required_opts = [Opt(r, self._t(f"field_admin.required.{r}"))
                              for r in RequiredOn.ALL]
        self.effect_opts = [Opt(e, self._t(f"field_admin.effect.{e}")) for e in Effect.ALL]
        self.source_opts = [Opt(d.key, f"{d.name_en if en else d.name_pl} ({d.key})")
                            for d in defs if str(d.id) != self.f_id]
        self.contract_opts = [Opt(str(c.id), f"{c.organisation} — {c.name}")
                              for c in contracts.list_contracts(db, actor)]
        self.ticket_type_opts = [Opt(str(t.id), f"{t.contract} — {t.name_en if en else t.name_pl}")
                                 for t in contracts.list_ticket_types(db, actor)]

    def _summary(self, d: FieldDefinition) -> str:
        parts = [self._t(f"field_type.{d.field_type}")]
        if d.field_type in fields.OPTION_TYPES:
            parts.append(self._t("field_admin.summary_options",
                                 count=sum(1 for o in d.options if o.is_active)))
        required = {s.required_on for s in d.scopes} - {RequiredOn.NEVER}
        parts.append(self._t("field_admin.summary_scopes", count=len(d.scopes)))
        parts += [self._t(f"field_admin.required.{r}") for r in sorted(required)]
        roles = [self._t(f"field_admin.role.{r}") + ":"
                 + ("E" if d.permissions[r][1] else "V" if d.permissions[r][0] else "—")
                 for r in GRID_ROLES]
        parts.append(" ".join(roles))
        if d.dependencies:
            parts.append(self._t("field_admin.summary_deps", count=len(d.dependencies)))
        if not d.is_active:
            parts.append(self._t("workflow.flag.inactive"))
        return " · ".join(parts)

    def _blank(self) -> None:
        self.f_id = self.f_key = self.f_name_pl = self.f_name_en = ""
        self.f_type, self.f_help_pl, self.f_help_en = FieldType.SHORT_TEXT, "", ""
        self.f_default, self.f_order, self.f_active = "", "0", True
        self.f_options = self.inactive_options = ""
        self.scope_rows, self.dep_rows = [], []
        self.form_errors = {}
        self.perm_rows = [PermRow(r, self._t(f"field_admin.role.{r}"), r in Role.STAFF,
                                  r in Role.STAFF) for r in GRID_ROLES]

    def _show(self, d: FieldDefinition) -> None:
        self.f_id, self.f_key, self.f_name_pl, self.f_name_en = (
            str(d.id), d.key, d.name_pl, d.name_en)
        self.f_type, self.f_help_pl, self.f_help_en = d.field_type, d.help_pl, d.help_en
        self.f_default, self.f_order = default_text(d.default), str(d.sort_order)
        self.f_active = d.is_active
        self.form_errors = {}
        self._show_sections(d)

    def _show_sections(self, d: FieldDefinition) -> None:
        self.f_options = format_options(d.options)
        self.inactive_options = ", ".join(o.value for o in d.options if not o.is_active)
        self.scope_rows = [ScopeRow(str(s.contract_id or ""), str(s.ticket_type_id or ""),
                                    s.required_on) for s in d.scopes]
        self.perm_rows = [PermRow(r, self._t(f"field_admin.role.{r}"), *d.permissions[r])
                          for r in GRID_ROLES]
        self.dep_rows = [DepRow(str(x.depends_on), x.effect, ", ".join(x.when_values),
                                format_options_map(x.options_map)) for x in d.dependencies]

    def _reload(self, db, actor: Actor, section_only: bool = False) -> None:
        self.error, self.message, self.form_errors = "", self._t("ticket.saved"), {}
        self._load(db, actor)
        d = self._defs.get(self.f_id)
        if d is not None:  # show what was stored (trimmed, canonical)
            if section_only:
                self._show_sections(d)
            else:
                self._show(d)

    # ---- definition

    @handler(roles=routes.ADMINS)
    def new_field(self, db, actor: Actor):
        self._blank()
        self.message = self.error = ""
        self._load(db, actor)

    @rx.event
    def edit_field(self, field_id: str):
        d = self._defs.get(str(field_id))
        if d is None:
            return
        self._show(d)
        self.message = self.error = ""
        en = self.ui_lang == "en"
        self.source_opts = [Opt(x.key, f"{x.name_en if en else x.name_pl} ({x.key})")
                            for x in self._defs.values() if x.id != d.id]

    def _field_id(self) -> int | None:
        return int(self.f_id) if self.f_id.isdigit() else None

    @handler(roles=routes.ADMINS)
    def save_definition(self, db, actor: Actor):
        self.message = ""  # on a refusal the form keeps its text and shows the error
        data = FieldInput(
            key=self.f_key, name_pl=self.f_name_pl, name_en=self.f_name_en,
            field_type=self.f_type, help_pl=self.f_help_pl, help_en=self.f_help_en,
            default=self.f_default if self.f_default.strip() else None,
            sort_order=self.f_order, is_active=self.f_active)
        saved = fields.save_field(db, actor, data, self._field_id())
        self.f_id = str(saved)
        self._reload(db, actor)

    # ---- options

    @handler(roles=routes.ADMINS)
    def save_options(self, db, actor: Actor):
        self._save_section(db, actor, lambda fid: fields.save_options(
            db, actor, fid, self.f_options))

    # ---- scopes

    @rx.event
    def add_scope(self):
        self.scope_rows = [*self.scope_rows, ScopeRow()]

    @rx.event
    def remove_scope(self, index: int):
        i = int(index)
        self.scope_rows = [r for n, r in enumerate(self.scope_rows) if n != i]
        self._forget_errors("scopes.")  # they name rows by position

    @rx.event
    def set_scope(self, index: int, name: str, value: str):
        i = int(index)
        if not 0 <= i < len(self.scope_rows) or name not in ("contract", "ticket_type",
                                                               "required_on"):
            return
        rows = list(self.scope_rows)
        rows[i] = dataclasses.replace(rows[i], **{name: "" if value == "all" else str(value)})
        self.scope_rows = rows

    @handler(roles=routes.ADMINS)
    def save_scopes(self, db, actor: Actor):
        scopes = [ScopeInput(int(r.contract) if r.contract.isdigit() else None,
                             int(r.ticket_type) if r.ticket_type.isdigit() else None,
                             r.required_on or RequiredOn.NEVER) for r in self.scope_rows]
        self._save_section(db, actor,
                           lambda fid: fields.save_scopes(db, actor, fid, scopes))

    # ---- permissions

    @rx.event
    def set_permission(self, index: int, which: str, on: bool):
        i = int(index)
        if not 0 <= i < len(self.perm_rows) or which not in ("view", "edit"):
            return
        rows = list(self.perm_rows)
        row = dataclasses.replace(rows[i], **{which: bool(on)})
        if which == "edit" and on:  # editing implies seeing
            row.view = True
        if which == "view" and not on:
            row.edit = False
        rows[i] = row
        self.perm_rows = rows

    @handler(roles=routes.ADMINS)
    def save_permissions(self, db, actor: Actor):
        def save(fid) -> None:
            d = self._defs.get(self.f_id)
            shown = {r.role for r in self.perm_rows}
            perms = [PermissionInput(r.role, r.view, r.edit) for r in self.perm_rows
                     if r.role in GRID_ROLES]
            if d is not None:  # rows of roles the grid does not show stay as stored
                perms += [PermissionInput(role, *d.permissions[role])
                          for role in d.explicit_roles if role not in shown]
            fields.save_permissions(db, actor, fid, perms)

        self._save_section(db, actor, save)

    # ---- dependencies

    @rx.event
    def add_dependency(self):
        self.dep_rows = [*self.dep_rows, DepRow()]

    @rx.event
    def remove_dependency(self, index: int):
        i = int(index)
        self.dep_rows = [r for n, r in enumerate(self.dep_rows) if n != i]
        self._forget_errors("deps.")  # they name rows by position

    @rx.event
    def set_dependency(self, index: int, name: str, value: str):
        i = int(index)
        if not 0 <= i < len(self.dep_rows) or name not in ("source", "effect", "when",
                                                             "options_map"):
            return
        rows = list(self.dep_rows)
        rows[i] = dataclasses.replace(rows[i], **{name: "" if value == "all" else str(value)})
        self.dep_rows = rows

    @handler(roles=routes.ADMINS)
    def save_dependencies(self, db, actor: Actor):
        def save(fid) -> None:
            deps = [DependencyInput(  # the domain parses and checks the texts
                depends_on=r.source or None, effect=r.effect,
                when_values=r.when if r.effect != Effect.OPTIONS else [],
                options_map=r.options_map if r.effect == Effect.OPTIONS else {})
                for r in self.dep_rows]
            fields.save_dependencies(db, actor, fid, deps)

        self._save_section(db, actor, save)

    def _forget_errors(self, prefix: str) -> None:
        self.form_errors = {k: v for k, v in self.form_errors.items()
                            if not k.startswith(prefix)}

    def _save_section(self, db, actor: Actor, save) -> None:
        """Save one section of the field being edited (`save(field_id)`), then reload the
        section; a refusal propagates to the handler (the form keeps its input)."""
        fid = self._field_id()
        if fid is None:
            return
        self.message = ""
        save(fid)
        self._reload(db, actor, section_only=True)
