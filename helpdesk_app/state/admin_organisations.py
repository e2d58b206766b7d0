"""Admin: organisations (/admin/organisations) — the list with search and filters, and a
side panel to create or edit one, with its verified mail domains; deactivate / reactivate
(or delete one without history), each after a confirmation."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.domain import handover, organisations_admin, permissions
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.organisations_admin import OrgInput
from helpdesk_app.models import OrgKind
from helpdesk_app.state.admin_common import start_admin_page
from helpdesk_app.state.forms import CHOICE, Form
from helpdesk_app.state.session import SessionState
from helpdesk_app.state.toolkit import handler
from helpdesk_app.state.views import Opt

_FILTERS = ("f_kind", "f_active")


@dataclasses.dataclass
class OrgListRow:
    id: str = ""
    name: str = ""
    detail: str = ""  # kind · domains · people
    active: bool = True


class AdminOrganisationsState(Form, SessionState):
    form_fields: ClassVar[dict[str, object]] = {
        "o_name": str, "o_kind": CHOICE, "o_domains": str}
    message: str = ""
    error: str = ""
    form_errors: dict[str, str] = {}
    q: str = ""
    f_kind: str = ""
    f_active: str = ""  # "", "active", "inactive"
    page: int = 1
    pages: int = 1
    total: int = 0
    rows: list[OrgListRow] = []
    kind_opts: list[Opt] = []
    active_opts: list[Opt] = []
    # the side panel: "" closed, "new", "edit"
    panel: str = ""
    o_id: str = ""
    o_name: str = ""
    o_kind: str = OrgKind.CLIENT
    o_domains: str = ""
    o_active: bool = True
    o_is_provider: bool = False
    o_users: int = 0
    # a subcontractor organisation: the contracts it serves (handover suggestions)
    contract_opts: list[Opt] = []
    o_contracts: list[str] = []
    confirm: str = ""  # "", "toggle" or "delete": the question showing

    @rx.var
    def o_is_subcontractor(self) -> bool:
        return self.o_kind == OrgKind.SUBCONTRACTOR

    @handler(roles=routes.STAFF, permission=permissions.USERS_MANAGE)
    def on_load(self, db, actor: Actor):
        start_admin_page(self)
        self.panel, self.confirm, self.form_errors = "", "", {}
        self.kind_opts = [Opt(k, self._t(f"orgadmin.kind.{k}")) for k in OrgKind.ALL]
        self.active_opts = [Opt("active", self._t("directory_admin.active_only")),
                            Opt("inactive", self._t("directory_admin.inactive_only"))]
        self._load(db, actor)

    def _load(self, db, actor: Actor) -> None:
        result = organisations_admin.list_organisations(
            db, actor, self.q, kind=self.f_kind,
            active={"active": True, "inactive": False}.get(self.f_active), page=self.page)
        self.page, self.pages, self.total = result.page, result.pages, result.total
        self.rows = [OrgListRow(str(r.id), r.name, self._detail(r), r.is_active)
                     for r in result.rows]

    def _detail(self, r: organisations_admin.OrgRow) -> str:
        parts = [self._t(f"orgadmin.kind.{r.kind}")]
        if r.domains:
            parts.append(", ".join(r.domains))
        parts.append(self._t("orgadmin.people", count=r.users))
        if not r.is_active:
            parts.append(self._t("directory_admin.inactive"))
        return " · ".join(parts)

    @handler(roles=routes.STAFF, permission=permissions.USERS_MANAGE)
    def search(self, db, actor: Actor, text: str):
        self.q, self.page = str(text or "")[:200], 1
        self._load(db, actor)

    @handler(roles=routes.STAFF, permission=permissions.USERS_MANAGE)
    def set_filter(self, db, actor: Actor, name: str, value: str):
        if name not in _FILTERS:
            return
        setattr(self, name, "" if value in ("all", None) else str(value)[:40])
        self.page = 1
        self._load(db, actor)

    @handler(roles=routes.STAFF, permission=permissions.USERS_MANAGE)
    def go_page(self, db, actor: Actor, delta: int):
        self.page = max(1, self.page + int(delta))
        self._load(db, actor)

    # ---- the side panel

    def _clear_form(self) -> None:
        self.o_id = self.o_name = self.o_domains = ""
        self.o_kind, self.o_active, self.o_is_provider = OrgKind.CLIENT, True, False
        self.o_users = 0
        self.contract_opts, self.o_contracts = [], []
        self.form_errors, self.confirm, self.message, self.error = {}, "", "", ""

    @handler(roles=routes.STAFF, permission=permissions.USERS_MANAGE)
    def new_organisation(self, db, actor: Actor):
        self._clear_form()
        self.panel = "new"

    @handler(roles=routes.STAFF, permission=permissions.USERS_MANAGE)
    def edit_organisation(self, db, actor: Actor, org_id: str):
        if not str(org_id).isdigit():
            return
        r = organisations_admin.get_organisation(db, actor, int(org_id))
        self._clear_form()
        self._show(r)
        self._load_contracts(db, actor)
        self.panel = "edit"

    def _load_contracts(self, db, actor: Actor) -> None:
        if self.o_kind != OrgKind.SUBCONTRACTOR or not self.o_id.isdigit():
            self.contract_opts, self.o_contracts = [], []
            return
        self.contract_opts = [Opt(str(c.id), c.name)
                              for c in handover.contract_choices(db, actor)]
        self.o_contracts = [str(i) for i in
                            handover.assigned_contracts(db, actor, int(self.o_id))]

    @rx.event
    def toggle_contract(self, contract_id: str, on: bool):
        chosen = [c for c in self.o_contracts if c != str(contract_id)]
        if on and str(contract_id) in {o.value for o in self.contract_opts}:
            chosen.append(str(contract_id))
        self.o_contracts = chosen

    @handler(roles=routes.STAFF, permission=permissions.USERS_MANAGE)
    def save_contracts(self, db, actor: Actor):
        self.message = ""
        if not self.o_id.isdigit():
            return
        handover.assign_contracts(db, actor, int(self.o_id),
                                  [int(c) for c in self.o_contracts if c.isdigit()])
        self._load_contracts(db, actor)
        self.error, self.message = "", self._t("orgadmin.contracts_saved")

    def _show(self, r: organisations_admin.OrgRow) -> None:
        self.o_id, self.o_name, self.o_kind = str(r.id), r.name, r.kind
        self.o_domains = "\n".join(r.domains)
        self.o_active, self.o_users = r.is_active, r.users
        self.o_is_provider = r.kind == OrgKind.PROVIDER

    @rx.event
    def close_panel(self):
        self.panel, self.confirm, self.form_errors = "", "", {}

    @handler(roles=routes.STAFF, permission=permissions.USERS_MANAGE)
    def save(self, db, actor: Actor):
        self.message = ""
        data = OrgInput(name=self.o_name, kind=self.o_kind,
                        domains=organisations_admin.parse_domains(self.o_domains))
        org_id = organisations_admin.save_organisation(
            db, actor, data, int(self.o_id) if self.o_id.isdigit() else None)
        self._show(organisations_admin.get_organisation(db, actor, org_id))
        self._load_contracts(db, actor)
        self.panel, self.form_errors, self.error = "edit", {}, ""
        self.message = self._t("orgadmin.saved")
        self._load(db, actor)

    @rx.event
    def ask(self, what: str):
        if what in ("toggle", "delete"):
            self.confirm, self.message, self.error = what, "", ""

    @rx.event
    def cancel_confirm(self):
        self.confirm = ""

    @handler(roles=routes.STAFF, permission=permissions.USERS_MANAGE)
    def toggle_active(self, db, actor: Actor):
        self.confirm = ""
        if not self.o_id.isdigit():
            return
        back = organisations_admin.set_organisation_active(db, actor, int(self.o_id),
                                                           not self.o_active)
        self._show(organisations_admin.get_organisation(db, actor, int(self.o_id)))
        self.message = self._t("orgadmin.reactivated" if self.o_active
                               else "orgadmin.deactivated")
        if back:
            self.message += " " + self._t("orgadmin.tickets_back", count=back)
        self._load(db, actor)

    @handler(roles=routes.STAFF, permission=permissions.USERS_MANAGE)
    def delete(self, db, actor: Actor):
        self.confirm = ""
        if not self.o_id.isdigit():
            return
        organisations_admin.delete_organisation(db, actor, int(self.o_id))
        self._clear_form()
        self.panel, self.message = "", self._t("orgadmin.deleted")
        self._load(db, actor)
