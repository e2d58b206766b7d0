"""Admin: custom roles — name, base role, permission checkboxes, queue limit and members
(/admin/roles). Rules in domain/custom_roles.py; assigning a role to a person happens
here (not on the user form), through `custom_roles.assign`."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.domain import custom_roles, permissions, queues_admin
from helpdesk_app.domain.actor import Actor
from helpdesk_app.state.admin_common import start_admin_page
from helpdesk_app.state.forms import CHOICE, Form
from helpdesk_app.state.session import SessionState
from helpdesk_app.state.toolkit import handler
from helpdesk_app.state.views import Opt


@dataclasses.dataclass
class RoleRow:
    id: str = ""
    name: str = ""
    detail: str = ""


@dataclasses.dataclass
class Check:
    value: str = ""
    label: str = ""
    checked: bool = False


class AdminRolesState(Form, SessionState):
    form_fields: ClassVar[dict[str, object]] = {"f_name": str, "f_base": CHOICE,
                                                "f_limit": bool}
    message: str = ""
    error: str = ""
    form_errors: dict[str, str] = {}
    rows: list[RoleRow] = []
    base_opts: list[Opt] = []
    f_id: str = ""
    f_name: str = ""
    f_base: str = ""
    f_limit: bool = False
    perm_checks: list[Check] = []
    queue_checks: list[Check] = []
    confirm_delete: bool = False
    members: list[Opt] = []
    people_query: str = ""
    people_found: list[Opt] = []

    @handler(roles=routes.ADMINS)
    def on_load(self, db, actor: Actor):
        start_admin_page(self)
        self.base_opts = [Opt(r, self._t(f"roles.base.{r}")) for r in permissions.BASE_ROLES]
        self._fill(db, actor, None)
        self._load(db, actor)

    def _load(self, db, actor: Actor) -> None:
        queues = {q.id: q.name for q in queues_admin.list_queues(db, actor)}
        rows = []
        for v in custom_roles.list_roles(db, actor):
            parts = [self._t(f"roles.base.{v.base_role}")]
            parts += [self._t(f"roles.perm.{p}") for p in v.permissions]
            if v.limit_to_queues:
                names = ", ".join(queues.get(q, "?") for q in v.queue_ids)
                parts.append(self._t("roles.limited_to", queues=names or
                                     self._t("roles.own_queues")))
            parts.append(self._t("queues.member_count", count=v.members))
            rows.append(RoleRow(str(v.id), v.name, " · ".join(parts)))
        self.rows = rows

    def _fill(self, db, actor: Actor, view: custom_roles.RoleView | None) -> None:
        """The form for `view` (None: a new role, starting from the technician's rights)."""
        base = view.base_role if view else permissions.BASE_ROLES[0]
        granted = set(view.permissions) if view else set(permissions.BUILTIN[base])
        chosen = set(view.queue_ids) if view else set()
        self.f_id = str(view.id) if view else ""
        self.f_name, self.f_base = (view.name if view else ""), base
        self.f_limit = view.limit_to_queues if view else False
        self.perm_checks = [Check(p, self._t(f"roles.perm.{p}"), p in granted)
                            for p in permissions.PERMISSIONS]
        self.queue_checks = [Check(str(q.id), q.name, q.id in chosen)
                             for q in queues_admin.list_queues(db, actor)]
        self.confirm_delete = False
        self.form_errors = {}
        self.people_query, self.people_found = "", []
        self.members = ([Opt(str(o.id), o.label)
                         for o in custom_roles.members(db, actor, view.id)] if view else [])

    @handler(roles=routes.ADMINS)
    def new_role(self, db, actor: Actor):
        self._fill(db, actor, None)
        self.message = self.error = ""

    @handler(roles=routes.ADMINS)
    def edit_role(self, db, actor: Actor, role_id: str):
        view = next((v for v in custom_roles.list_roles(db, actor) if str(v.id) == role_id),
                    None)
        if view is not None:
            self._fill(db, actor, view)
            self.message = self.error = ""

    @rx.event
    def toggle_perm(self, key: str, checked: bool):
        # unknown keys change nothing here; the domain refuses them on save anyway
        self.perm_checks = [dataclasses.replace(c, checked=bool(checked))
                            if c.value == key else c for c in self.perm_checks]

    @rx.event
    def toggle_queue(self, queue_id: str, checked: bool):
        self.queue_checks = [dataclasses.replace(c, checked=bool(checked))
                             if c.value == queue_id else c for c in self.queue_checks]

    @handler(roles=routes.ADMINS)
    def save(self, db, actor: Actor):
        self.message = ""
        saved = custom_roles.save_role(
            db, actor, int(self.f_id) if self.f_id.isdigit() else None,
            name=self.f_name, base_role=self.f_base,
            granted=[c.value for c in self.perm_checks if c.checked],
            limit_to_queues=self.f_limit,
            queue_ids=[int(c.value) for c in self.queue_checks
                       if c.checked and c.value.isdigit()])
        self.f_id = str(saved)
        self.error, self.message, self.form_errors = "", self._t("roles.saved"), {}
        self._load(db, actor)
        self._load_members(db, actor)

    @rx.event
    def ask_delete(self):
        self.confirm_delete = self.f_id != ""

    @rx.event
    def cancel_delete(self):
        self.confirm_delete = False

    @handler(roles=routes.ADMINS)
    def delete(self, db, actor: Actor):
        if not self.f_id.isdigit():
            return
        custom_roles.delete_role(db, actor, int(self.f_id))
        self._fill(db, actor, None)
        self._load(db, actor)
        self.error, self.message = "", self._t("roles.deleted")

    # ---- members

    def _load_members(self, db, actor: Actor) -> None:
        self.members = ([Opt(str(o.id), o.label)
                         for o in custom_roles.members(db, actor, int(self.f_id))]
                        if self.f_id.isdigit() else [])

    @handler(roles=routes.ADMINS)
    def find_people(self, db, actor: Actor, text: str):
        self.people_query = str(text)[:200]
        taken = {m.value for m in self.members}
        self.people_found = ([Opt(str(o.id), o.label)
                              for o in queues_admin.find_staff(db, actor, self.people_query)
                              if str(o.id) not in taken]
                             if self.people_query.strip() else [])

    @handler(roles=routes.ADMINS)
    def add_member(self, db, actor: Actor, user_id: str):
        if not (self.f_id.isdigit() and user_id.isdigit()):
            return
        custom_roles.assign(db, actor, int(user_id), int(self.f_id))
        self.people_found = [p for p in self.people_found if p.value != user_id]
        self._load_members(db, actor)
        self._load(db, actor)

    @handler(roles=routes.ADMINS)
    def remove_member(self, db, actor: Actor, user_id: str):
        if not user_id.isdigit() or user_id not in {m.value for m in self.members}:
            return
        custom_roles.assign(db, actor, int(user_id), None)
        self._load_members(db, actor)
        self._load(db, actor)
