"""Admin: users (/admin/users) — the paged list with search and filters, and a side panel
to create or edit one person and deactivate / reactivate them (with a confirmation)."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.config import get_settings
from helpdesk_app.domain import (
    invitations,
    organisations_admin,
    permissions,
    substitutions,
    two_factor,
    users_admin,
)
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.users_admin import UserFilter, UserInput
from helpdesk_app.i18n import LANGUAGES
from helpdesk_app.models import Role
from helpdesk_app.state.admin_common import start_admin_page
from helpdesk_app.state.forms import CHOICE, Form
from helpdesk_app.state.session import SessionState
from helpdesk_app.state.toolkit import handler
from helpdesk_app.state.views import Opt

_FILTERS = ("f_role", "f_org", "f_active")


@dataclasses.dataclass
class UserListRow:
    id: str = ""
    name: str = ""
    email: str = ""
    detail: str = ""  # role · organisation · flags
    active: bool = True


class AdminUsersState(Form, SessionState):
    form_fields: ClassVar[dict[str, object]] = {
        "u_name": str, "u_email": str, "u_role": CHOICE, "u_org": CHOICE, "u_manager": bool,
        "u_lang": CHOICE, "u_tz": str}
    message: str = ""
    error: str = ""
    form_errors: dict[str, str] = {}
    # the list
    q: str = ""
    f_role: str = ""
    f_org: str = ""
    f_active: str = ""  # "", "active", "inactive"
    page: int = 1
    pages: int = 1
    total: int = 0
    rows: list[UserListRow] = []
    role_opts: list[Opt] = []
    org_opts: list[Opt] = []
    active_opts: list[Opt] = []
    lang_opts: list[Opt] = []
    # the side panel: "" closed, "new", "edit"
    panel: str = ""
    u_id: str = ""
    u_name: str = ""
    u_email: str = ""
    u_role: str = Role.CLIENT
    u_org: str = ""
    u_manager: bool = False
    u_lang: str = "pl"
    u_tz: str = "Europe/Warsaw"
    u_active: bool = True
    u_status: str = ""  # "no password yet", "organisation deactivated"
    u_has_password: bool = False  # no: "Send invitation" is the way in
    u_has_2fa: bool = False  # yes: "Reset 2FA" (a lost phone)
    u_away: str = ""  # "away from … to …, substituted by …" (issue 13)
    confirm: bool = False  # the deactivate/reactivate question is showing

    # ---- loading

    @handler(roles=routes.STAFF, permission=permissions.USERS_MANAGE)
    def on_load(self, db, actor: Actor):
        start_admin_page(self)
        self.panel, self.confirm, self.form_errors = "", False, {}
        self._options(db, actor)
        self._load(db, actor)

    def _options(self, db, actor: Actor) -> None:
        # a user manager who is not an admin cannot grant the admin role (access.py)
        grantable = Role.ALL if actor.role == Role.ADMIN else [
            r for r in Role.ALL if r != Role.ADMIN]
        self.role_opts = [Opt(r, self._t(f"useradmin.role.{r}")) for r in grantable]
        self.org_opts = [
            Opt(str(o.id), f"{o.name} ({self._t('orgadmin.kind.' + o.kind)})"
                + ("" if o.is_active else " — " + self._t("directory_admin.inactive")))
            for o in organisations_admin.all_organisations(db, actor)]
        self.active_opts = [Opt("active", self._t("directory_admin.active_only")),
                            Opt("inactive", self._t("directory_admin.inactive_only"))]
        self.lang_opts = [Opt(code, self._t(f"useradmin.language.{code}"))
                          for code in LANGUAGES]

    def _load(self, db, actor: Actor) -> None:
        flt = UserFilter(
            text=self.q, role=self.f_role,
            organisation_id=int(self.f_org) if self.f_org.isdigit() else None,
            active={"active": True, "inactive": False}.get(self.f_active), page=self.page)
        result = users_admin.list_users(db, actor, flt)
        self.page, self.pages, self.total = result.page, result.pages, result.total
        self.rows = [UserListRow(str(r.id), r.full_name, r.email, self._detail(r), r.is_active)
                     for r in result.rows]

    def _detail(self, r: users_admin.UserRow) -> str:
        parts = [self._t(f"useradmin.role.{r.role}"), r.organisation]
        if r.is_client_manager:
            parts.append(self._t("useradmin.manager_short"))
        if not r.has_password:
            parts.append(self._t("useradmin.no_password_short"))
        if not r.is_active:
            parts.append(self._t("directory_admin.inactive"))
        elif not r.organisation_active:
            parts.append(self._t("useradmin.org_inactive_short"))
        return " · ".join(parts)

    # ---- list: search, filters, paging

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
        settings = get_settings()
        self.u_id = self.u_name = self.u_email = self.u_org = self.u_status = ""
        self.u_away = ""
        self.u_role, self.u_manager, self.u_active = Role.CLIENT, False, True
        self.u_lang, self.u_tz = settings.default_language, settings.default_timezone
        self.form_errors, self.confirm = {}, False
        self.message = self.error = ""

    @handler(roles=routes.STAFF, permission=permissions.USERS_MANAGE)
    def new_user(self, db, actor: Actor):
        self._clear_form()
        if self.f_org:  # adding people to the organisation being looked at
            self.u_org = self.f_org
        self.panel = "new"

    @handler(roles=routes.STAFF, permission=permissions.USERS_MANAGE)
    def edit_user(self, db, actor: Actor, user_id: str):
        if not str(user_id).isdigit():
            return
        r = users_admin.get_user(db, actor, int(user_id))
        self._clear_form()
        self._show(r)
        self.u_has_2fa = bool(two_factor.confirmed_factors(db, r.id))
        away = substitutions.away_status(db, r.id)
        self.u_away = "" if away is None else self._t(
            "substitutions.away_other", start=self._dt(away.starts_at),
            end=self._dt(away.ends_at), name=away.substitute)
        self.panel = "edit"

    def _show(self, r: users_admin.UserRow) -> None:
        self.u_id, self.u_name, self.u_email, self.u_role = str(r.id), r.full_name, r.email, r.role
        self.u_org, self.u_manager = str(r.organisation_id), r.is_client_manager
        self.u_lang, self.u_tz, self.u_active = r.language, r.timezone, r.is_active
        self.u_has_password = r.has_password
        notes = []
        if not r.has_password:
            notes.append(self._t("useradmin.no_password"))
        if not r.organisation_active:
            notes.append(self._t("useradmin.org_inactive"))
        self.u_status = " ".join(notes)

    @rx.event
    def close_panel(self):
        self.panel, self.confirm, self.form_errors = "", False, {}

    @handler(roles=routes.STAFF, permission=permissions.USERS_MANAGE)
    def save(self, db, actor: Actor):
        self.message = ""  # on a refusal the form keeps what was typed
        data = UserInput(
            full_name=self.u_name, email=self.u_email, role=self.u_role,
            organisation_id=int(self.u_org) if self.u_org.isdigit() else None,
            is_client_manager=self.u_manager, language=self.u_lang, timezone=self.u_tz.strip())
        if self.u_id.isdigit():
            users_admin.update_user(db, actor, int(self.u_id), data)
            user_id = int(self.u_id)
        else:
            user_id = users_admin.create_user(db, actor, data)
        self._show(users_admin.get_user(db, actor, user_id))
        self.u_has_2fa = bool(two_factor.confirmed_factors(db, user_id))
        self.panel, self.form_errors, self.error = "edit", {}, ""
        self.message = self._t("useradmin.saved")
        self._load(db, actor)

    @rx.event
    def ask_toggle_active(self):
        self.confirm, self.message, self.error = True, "", ""

    @rx.event
    def cancel_confirm(self):
        self.confirm = False

    @handler(roles=routes.STAFF, permission=permissions.USERS_MANAGE)
    def toggle_active(self, db, actor: Actor):
        self.confirm = False
        if not self.u_id.isdigit():
            return
        users_admin.set_user_active(db, actor, int(self.u_id), not self.u_active)
        self._show(users_admin.get_user(db, actor, int(self.u_id)))
        self.message = self._t("useradmin.reactivated" if self.u_active
                               else "useradmin.deactivated")
        self._load(db, actor)

    # ---- access: the invitation mail (a first password) and a lost second factor

    @handler(roles=routes.STAFF, permission=permissions.USERS_MANAGE)
    def send_invite(self, db, actor: Actor):
        self.message = self.error = ""
        if not self.u_id.isdigit():
            return
        invitations.send_invitation(db, actor, int(self.u_id))
        self.message = self._t("useradmin.invited", email=self.u_email)

    @handler(roles=routes.STAFF, permission=permissions.USERS_MANAGE)
    def reset_2fa(self, db, actor: Actor):
        self.message = self.error = ""
        if not self.u_id.isdigit():
            return
        two_factor.reset_user_factors(db, actor, int(self.u_id))
        self.u_has_2fa = False
        self.message = self._t("useradmin.factors_reset")
