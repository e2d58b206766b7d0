"""Admin: directory sign-in — LDAP / AD servers, tests, the sync and its dry run."""

from __future__ import annotations

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.components.admin_form import field_error, field_label, pick_field, text_field
from helpdesk_app.components.layout import SYNCED_TEXT, error_callout
from helpdesk_app.components.page import page
from helpdesk_app.state.admin_ldap import BIND_PASSWORD_INPUT, TEST_PASSWORD_INPUT, DirectoryRow
from helpdesk_app.state.admin_ldap import AdminLdapState as A
from helpdesk_app.state.session import SessionState as S

_ROW = {"direction": rx.breakpoints(initial="column", md="row"), "gap": "0.75em",
        "width": "100%"}


def _field(name: str, label_key: str, value, id: str, error: str = "", **kw) -> rx.Component:
    return text_field(S.tr[label_key], value, A.set_value(name), id,
                      error=A.form_errors.get(error, "") if error else None, **kw)


def _area(name: str, label_key: str, help_key: str, value, id: str, error: str,
          rows: str, placeholder: str = "") -> rx.Component:
    return rx.vstack(
        field_label(S.tr[label_key], id),
        rx.text(S.tr[help_key], size="1", color_scheme="gray"),
        rx.text_area(value=value, on_change=A.set_value(name), id=id, rows=rows, width="100%",
                     placeholder=placeholder,
                     **{**SYNCED_TEXT, "force_notify_by_enter": False}),
        field_error(A.form_errors.get(error, ""), id),
        spacing="1", width="100%")


def _password(label_key: str, id: str, on_change, placeholder) -> rx.Component:
    return rx.vstack(
        rx.text(S.tr[label_key], size="1", weight="medium", as_="label",
                custom_attrs={"htmlFor": id}),
        # Uncontrolled: what is typed goes to the server, nothing comes back.
        rx.input(type="password", on_change=on_change, id=id, width="100%",
                 auto_complete="new-password", placeholder=placeholder),
        spacing="1", width="100%")


def _row(r: DirectoryRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(r.name, weight="medium")),
        rx.table.cell(r.hosts),
        rx.table.cell(r.security),
        rx.table.cell(rx.text(r.user_base, size="1")),
        rx.table.cell(rx.cond(r.active, S.tr["mail_admin.yes"], S.tr["mail_admin.no"])),
        rx.table.cell(rx.vstack(rx.text(rx.cond(r.synced != "", r.synced, "—"), size="1"),
                                rx.text(r.sync_summary, size="1", color_scheme="gray"),
                                spacing="0")),
        rx.table.cell(rx.button(S.tr["admin.edit"], size="1", variant="soft",
                                on_click=A.edit_directory(r.id), id="ld-edit-" + r.id)),
        class_name="pm-ldap-row", custom_attrs={"data-name": r.name})


def _list() -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(rx.heading(S.tr["ldap_admin.directories"], size="4"), rx.spacer(),
                  rx.button(S.tr["admin.new"], size="1", on_click=A.new_directory,
                            id="ld-new"), width="100%"),
        rx.text(S.tr["ldap_admin.help"], size="1", color_scheme="gray"),
        rx.cond(A.rows.length() > 0,
                rx.box(rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(
                        S.tr[k] if k else "") for k in (
                        "admin.name", "ldap_admin.hosts", "ldap_admin.security",
                        "ldap_admin.user_base", "mail_admin.active", "ldap_admin.last_sync",
                        "")])),
                    rx.table.body(rx.foreach(A.rows, _row)), size="1", width="100%",
                    id="ld-rows"), overflow="auto", width="100%"),
                rx.text(S.tr["ldap_admin.none"], size="2", color_scheme="gray", id="ld-none")),
        spacing="3", width="100%"), width="100%")


def _connection() -> rx.Component:
    return rx.vstack(
        rx.flex(_field("l_name", "admin.name", A.l_name, "ld-name", "name", required=True),
                _field("l_position", "ldap_admin.position", A.l_position, "ld-position",
                       input_mode="numeric"), **_ROW),
        rx.flex(
            _area("l_hosts", "ldap_admin.hosts", "ldap_admin.hosts_help", A.l_hosts,
                  "ld-hosts", "hosts", "2", "dc1.uczelnia.pl\ndc2.uczelnia.pl:389"),
            rx.vstack(
                pick_field(S.tr["ldap_admin.security"], A.security_opts, A.l_security,
                           A.set_value("l_security"), "ld-security",
                           error=A.form_errors.get("security", "")),
                _field("l_timeout", "ldap_admin.timeout", A.l_timeout, "ld-timeout",
                       "timeout_seconds", input_mode="numeric"),
                spacing="2", width="100%"),
            **_ROW),
        _area("l_ca", "ldap_admin.ca", "ldap_admin.ca_help", A.l_ca, "ld-ca", "ca_cert_pem",
              "3", "-----BEGIN CERTIFICATE-----"),
        rx.flex(
            _field("l_bind_dn", "ldap_admin.bind_dn", A.l_bind_dn, "ld-bind-dn", "bind_dn",
                   placeholder="cn=helpdesk,ou=services,dc=uczelnia,dc=pl",
                   auto_complete="off"),
            rx.vstack(
                _password("ldap_admin.bind_password", BIND_PASSWORD_INPUT, A.set_bind_password,
                          rx.cond(A.l_has_password, S.tr["mail_admin.password_kept"], "")),
                field_error(A.form_errors.get("bind_password", ""), BIND_PASSWORD_INPUT),
                rx.cond(A.l_has_password, rx.hstack(
                    rx.checkbox(checked=A.l_clear_password,
                                on_change=A.set_value("l_clear_password"), id="ld-clear-pw"),
                    rx.text(S.tr["ldap_admin.clear_password"], size="1", as_="label",
                            custom_attrs={"htmlFor": "ld-clear-pw"}), align="center")),
                rx.cond(~A.secrets_ready, rx.text(S.tr["secrets.no_key"], size="1",
                                                  color_scheme="orange", id="ld-no-key")),
                spacing="1", width="100%"),
            **_ROW),
        spacing="3", width="100%")


def _people() -> rx.Component:
    return rx.vstack(
        rx.flex(_field("l_user_base", "ldap_admin.user_base", A.l_user_base, "ld-user-base",
                       "user_base", required=True, placeholder="ou=people,dc=uczelnia,dc=pl"),
                _field("l_user_filter", "ldap_admin.user_filter", A.l_user_filter,
                       "ld-user-filter", "user_filter"), **_ROW),
        rx.flex(
            _field("l_login_attr", "ldap_admin.login_attr", A.l_login_attr, "ld-login-attr",
                   "login_attr", required=True),
            _field("l_email_attr", "ldap_admin.email_attr", A.l_email_attr, "ld-email-attr",
                   "email_attr", required=True),
            _field("l_first_attr", "ldap_admin.first_attr", A.l_first_attr, "ld-first-attr",
                   "first_name_attr"),
            **_ROW),
        rx.flex(
            _field("l_last_attr", "ldap_admin.last_attr", A.l_last_attr, "ld-last-attr",
                   "last_name_attr"),
            _field("l_phone_attr", "ldap_admin.phone_attr", A.l_phone_attr, "ld-phone-attr",
                   "phone_attr"),
            _field("l_dept_attr", "ldap_admin.dept_attr", A.l_dept_attr, "ld-dept-attr",
                   "department_attr"),
            **_ROW),
        _field("l_group_base", "ldap_admin.group_base", A.l_group_base, "ld-group-base",
               "group_base", placeholder="ou=groups,dc=uczelnia,dc=pl"),
        _area("l_mappings", "ldap_admin.mappings", "ldap_admin.mappings_help", A.l_mappings,
              "ld-mappings", "mappings", "4",
              "cn=helpdesk,ou=groups,dc=uczelnia,dc=pl -> technician | queues: Service Desk"),
        rx.flex(
            pick_field(S.tr["ldap_admin.default_role"], A.role_opts, A.l_default_role,
                       A.set_value("l_default_role"), "ld-default-role",
                       error=A.form_errors.get("default_role", "")),
            pick_field(S.tr["ldap_admin.default_org"], A.org_opts, A.l_default_org,
                       A.set_value("l_default_org"), "ld-default-org",
                       S.tr["ldap_admin.no_org"],
                       error=A.form_errors.get("default_organisation_id", "")),
            **_ROW),
        rx.hstack(rx.checkbox(checked=A.l_active, on_change=A.set_value("l_active"),
                              id="ld-active"),
                  rx.text(S.tr["ldap_admin.active"], size="2", as_="label",
                          custom_attrs={"htmlFor": "ld-active"}), align="center"),
        spacing="3", width="100%")


def _result() -> rx.Component:
    return rx.cond(A.test_title != "", rx.callout(
        rx.vstack(rx.text(A.test_title, weight="medium"),
                  rx.foreach(A.test_lines, lambda line: rx.text(line, size="1")),
                  spacing="1"),
        icon=rx.cond(A.test_ok, "circle_check", "triangle_alert"),
        color_scheme=rx.cond(A.test_ok, "green", "red"), id="ld-result", width="100%",
        custom_attrs={"data-ok": A.test_ok.to_string()}))


def _tests() -> rx.Component:
    return rx.vstack(
        rx.heading(S.tr["ldap_admin.tests"], size="3"),
        rx.flex(
            _field("t_login", "ldap_admin.test_login_name", A.t_login, "ld-test-login",
                   auto_complete="off"),
            _password("ldap_admin.test_password", TEST_PASSWORD_INPUT, A.set_test_password,
                      ""),
            **_ROW),
        rx.flex(
            rx.button(S.tr["ldap_admin.test_connection"], variant="soft",
                      on_click=A.test_connection, id="ld-test-connection"),
            rx.button(S.tr["ldap_admin.test_login"], variant="soft", on_click=A.test_login,
                      id="ld-test-login-btn"),
            rx.cond(A.l_id != "", rx.fragment(
                rx.button(S.tr["ldap_admin.preview_sync"], variant="soft",
                          on_click=A.preview_sync, id="ld-preview-sync"),
                rx.button(S.tr["ldap_admin.run_sync"], color_scheme="orange",
                          on_click=A.run_sync, id="ld-run-sync"))),
            gap="0.5em", wrap="wrap"),
        _result(),
        spacing="3", width="100%")


def _form() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading(rx.cond(A.l_id == "", S.tr["ldap_admin.new"], S.tr["ldap_admin.edit"]),
                   size="4"),
        _connection(),
        rx.divider(),
        _people(),
        rx.button(S.tr["ticket.save"], on_click=A.save_directory, id="ld-save"),
        rx.divider(),
        _tests(),
        spacing="4", width="100%", id="ld-form"), width="100%")


@page(routes.ADMIN_LDAP, title_key="page.admin_ldap", roles=routes.ADMINS,
      on_load=A.on_load, max_width="1300px")
def admin_ldap_page() -> rx.Component:
    return rx.vstack(
        rx.heading(S.tr["ldap_admin.title"], size="5"),
        error_callout(A.error),
        _list(),
        _form(),
        spacing="4", width="100%")
