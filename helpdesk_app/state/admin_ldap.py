"""Admin: directory sign-in (/admin/ldap) — LDAP / AD servers, "test connection",
"test a login", and the sync with its dry run.

Thin over domain/ldap_admin.py and domain/ldap_sync.py (they validate and re-check that
the actor is an admin). Passwords typed here (the bind password, the tested person's)
live only in backend vars: they never travel back to a browser.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.domain import directory, ldap_admin, ldap_sync
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import DomainError
from helpdesk_app.domain.ldap_admin import DirectoryData
from helpdesk_app.models import LdapSecurity, Role
from helpdesk_app.state.admin_common import start_admin_page
from helpdesk_app.state.forms import CHOICE, Form
from helpdesk_app.state.session import SessionState
from helpdesk_app.state.toolkit import handler
from helpdesk_app.state.views import Opt

BIND_PASSWORD_INPUT = "ld-bind-password"
TEST_PASSWORD_INPUT = "ld-test-password"
_TEXT = ("l_name", "l_hosts", "l_ca", "l_timeout", "l_bind_dn", "l_user_base",
         "l_user_filter", "l_login_attr", "l_email_attr", "l_first_attr", "l_last_attr",
         "l_phone_attr", "l_dept_attr", "l_group_base", "l_mappings", "l_position", "t_login")


@dataclasses.dataclass
class DirectoryRow:
    id: str = ""
    name: str = ""
    hosts: str = ""
    security: str = ""
    user_base: str = ""
    active: bool = True
    synced: str = ""  # when the last sync ran, and what it did
    sync_summary: str = ""


class AdminLdapState(Form, SessionState):
    form_fields: ClassVar[dict[str, object]] = {
        **dict.fromkeys(_TEXT, str), "l_security": CHOICE, "l_default_role": CHOICE,
        "l_default_org": CHOICE, "l_active": bool, "l_clear_password": bool}
    message: str = ""
    error: str = ""
    form_errors: dict[str, str] = {}
    rows: list[DirectoryRow] = []
    security_opts: list[Opt] = []
    role_opts: list[Opt] = []
    org_opts: list[Opt] = []
    secrets_ready: bool = False  # POMOCNIK_SECRETS_KEY is set: a password can be stored
    # the form (l_id "": a new directory)
    l_id: str = ""
    l_name: str = ""
    l_hosts: str = ""
    l_security: str = LdapSecurity.STARTTLS
    l_ca: str = ""
    l_timeout: str = "5"
    l_bind_dn: str = ""
    l_has_password: bool = False
    l_clear_password: bool = False
    l_user_base: str = ""
    l_user_filter: str = "(objectClass=person)"
    l_login_attr: str = "uid"
    l_email_attr: str = "mail"
    l_first_attr: str = "givenName"
    l_last_attr: str = "sn"
    l_phone_attr: str = "telephoneNumber"
    l_dept_attr: str = "departmentNumber"
    l_group_base: str = ""
    l_mappings: str = ""
    l_default_role: str = Role.CLIENT
    l_default_org: str = ""
    l_active: bool = True
    l_position: str = "0"
    # "test connection" / "test a login" / sync: what came back
    t_login: str = ""
    test_ok: bool = False
    test_title: str = ""
    test_lines: list[str] = []
    _l_password: str = ""
    _t_password: str = ""

    # ---- loading

    @handler(roles=routes.ADMINS)
    def on_load(self, db, actor: Actor):
        start_admin_page(self)
        self._load(db, actor)
        self._fill(None, db, actor)
        return self._clear_passwords()

    def _load(self, db, actor: Actor) -> None:
        from helpdesk_app.domain import secrets_box

        self.secrets_ready = secrets_box.available()
        self.security_opts = [Opt(s, self._t(f"ldap_admin.security.{s}"))
                              for s in LdapSecurity.ALL]
        self.role_opts = [Opt(r, self._t(f"ldap_admin.role.{r}")) for r in ldap_admin.ROLES]
        self.org_opts = [Opt(str(o.id), o.label)
                         for o in directory.client_organisations(db, actor)]
        self.rows = [DirectoryRow(
            id=str(v.id), name=v.name, hosts=v.hosts.replace("\n", ", "),
            security=self._t(f"ldap_admin.security.{v.security}"), user_base=v.user_base,
            active=v.is_active, synced=self._dt(v.last_sync_at),
            sync_summary=self._summary(v.last_sync_report))
            for v in ldap_admin.list_directories(db, actor)]

    def _summary(self, report: dict) -> str:
        if not report:
            return ""
        return self._t("ldap_admin.sync_summary", **{k: report.get(k, 0) for k in (
            "created", "updated", "deactivated", "unchanged")})

    def _clear_passwords(self) -> list:
        self._l_password = self._t_password = ""
        return [rx.set_value(BIND_PASSWORD_INPUT, ""), rx.set_value(TEST_PASSWORD_INPUT, "")]

    # ---- the form

    def _fill(self, data: DirectoryData | None, db, actor: Actor,
              has_password: bool = False) -> None:
        d = data or DirectoryData(name="", hosts="", user_base="")
        self.l_name, self.l_hosts, self.l_security = d.name, d.hosts, d.security
        self.l_ca, self.l_timeout = d.ca_cert_pem, str(d.timeout_seconds)
        self.l_bind_dn = d.bind_dn
        self.l_user_base, self.l_user_filter = d.user_base, d.user_filter
        self.l_login_attr, self.l_email_attr = d.login_attr, d.email_attr
        self.l_first_attr, self.l_last_attr = d.first_name_attr, d.last_name_attr
        self.l_phone_attr, self.l_dept_attr = d.phone_attr, d.department_attr
        self.l_group_base, self.l_mappings = d.group_base, d.mappings
        self.l_default_role = d.default_role
        self.l_default_org = str(d.default_organisation_id or "")
        self.l_active, self.l_position = d.is_active, str(d.position)
        self.l_has_password, self.l_clear_password = has_password, False
        self.form_errors, self.test_title, self.test_lines = {}, "", []

    def _data(self) -> DirectoryData:
        def number(text: str, default: int) -> int:
            text = (text or "").strip()
            return int(text) if text.lstrip("-").isdigit() else default

        return DirectoryData(
            name=self.l_name, hosts=self.l_hosts, user_base=self.l_user_base,
            security=self.l_security or LdapSecurity.STARTTLS, ca_cert_pem=self.l_ca,
            timeout_seconds=number(self.l_timeout, 0), bind_dn=self.l_bind_dn,
            bind_password=self._l_password or None, clear_password=self.l_clear_password,
            user_filter=self.l_user_filter, login_attr=self.l_login_attr,
            email_attr=self.l_email_attr, first_name_attr=self.l_first_attr,
            last_name_attr=self.l_last_attr, phone_attr=self.l_phone_attr,
            department_attr=self.l_dept_attr, group_base=self.l_group_base,
            mappings=self.l_mappings, default_role=self.l_default_role or Role.CLIENT,
            default_organisation_id=int(self.l_default_org) if self.l_default_org.isdigit()
            else None, is_active=self.l_active, position=number(self.l_position, 0))

    def _current_id(self) -> int | None:
        return int(self.l_id) if self.l_id.isdigit() else None

    @rx.event
    def set_bind_password(self, value: str):
        self._l_password = str(value)

    @rx.event
    def set_test_password(self, value: str):
        self._t_password = str(value)

    @handler(roles=routes.ADMINS)
    def new_directory(self, db, actor: Actor):
        self.l_id, self.message, self.error = "", "", ""
        self._fill(None, db, actor)
        return self._clear_passwords()

    @handler(roles=routes.ADMINS)
    def edit_directory(self, db, actor: Actor, directory_id: str):
        wanted = int(directory_id) if str(directory_id).isdigit() else 0
        data = ldap_admin.form_of(db, actor, wanted)
        has = next((r for r in ldap_admin.list_directories(db, actor) if r.id == wanted), None)
        self.l_id, self.message, self.error = str(wanted), "", ""
        self._fill(data, db, actor, has_password=bool(has and has.has_password))
        return self._clear_passwords()

    @handler(roles=routes.ADMINS, toast=True)  # a refusal keeps what was typed
    def save_directory(self, db, actor: Actor):
        saved = ldap_admin.save_directory(db, actor, self._current_id(), self._data())
        self.l_id = str(saved)
        self._load(db, actor)
        self._fill(ldap_admin.form_of(db, actor, saved), db, actor, has_password=any(
            r.id == saved and r.has_password for r in ldap_admin.list_directories(db, actor)))
        self.error, self.message = "", self._t("ldap_admin.saved")
        return [*self._clear_passwords(), rx.toast.success(self.message)]

    # ---- tests and sync (a failure is the result, not a toast: the admin reads it here)

    def _failed(self, e: DomainError) -> None:
        self.test_ok, self.test_title, self.test_lines = False, self._err(e), []
        if hasattr(e, "errors"):  # FormInvalid: the messages go under their fields
            self.form_errors = self._field_errors(e)

    @handler(roles=routes.ADMINS)
    def test_connection(self, db, actor: Actor):
        self.form_errors = {}
        try:
            people = ldap_admin.check_connection(db, actor, self._current_id(), self._data())
        except DomainError as e:
            return self._failed(e)
        self.test_ok, self.test_lines = True, []
        self.test_title = self._t("ldap_admin.connection_ok", people=people)
        return None

    @handler(roles=routes.ADMINS)
    def test_login(self, db, actor: Actor):
        self.form_errors = {}
        try:
            found = ldap_admin.check_login(db, actor, self._current_id(), self._data(),
                                           self.t_login, self._t_password)
        except DomainError as e:
            return self._failed(e)
        finally:
            self._t_password = ""
        self.test_ok = found.allowed
        self.test_title = self._t("ldap_admin.login_ok" if found.allowed
                                  else "ldap_admin.login_not_allowed", name=found.name)
        self.test_lines = [
            f"DN: {found.dn}", f"{self._t('ldap_admin.email')}: {found.email or '—'}",
            f"{self._t('ldap_admin.groups')}: {', '.join(found.groups) or '—'}",
            f"{self._t('ldap_admin.would_be')}: {self._t('ldap_admin.role.' + found.role)}"
            + (f", {found.organisation}" if found.organisation else "")
            + (f", {', '.join(found.queues)}" if found.queues else "")]
        return rx.set_value(TEST_PASSWORD_INPUT, "")

    @handler(roles=routes.ADMINS)
    def preview_sync(self, db, actor: Actor):
        return self._sync(db, actor, dry_run=True)

    @handler(roles=routes.ADMINS, toast=True)
    def run_sync(self, db, actor: Actor):
        return self._sync(db, actor, dry_run=False)

    def _sync(self, db, actor: Actor, *, dry_run: bool):
        wanted = self._current_id()
        if wanted is None:
            return None
        try:
            report = ldap_sync.sync_directory(db, actor, wanted, dry_run=dry_run)
        except DomainError as e:
            return self._failed(e)
        self.test_ok = True
        self.test_title = self._t("ldap_admin.sync_preview" if dry_run else "ldap_admin.synced",
                                  **report.counts())
        self.test_lines = report.lines(self._t)
        self._load(db, actor)
        return None if dry_run else rx.toast.success(self.test_title)
