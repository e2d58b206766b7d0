"""Admin: users — search and filters over a paged list, a side panel for one person."""

from __future__ import annotations

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.components.admin_form import pick_field, text_field
from helpdesk_app.components.directory_admin import (
    confirm_box,
    filter_select,
    item_row,
    pager,
    search_box,
    two_panes,
)
from helpdesk_app.components.layout import error_callout
from helpdesk_app.components.page import page
from helpdesk_app.domain import permissions
from helpdesk_app.state.admin_users import AdminUsersState as A
from helpdesk_app.state.session import SessionState as S


def _toolbar() -> rx.Component:
    return rx.vstack(
        search_box(A.q, A.search, "user-search", S.tr["useradmin.search"]),
        rx.flex(
            filter_select(A.role_opts, A.f_role, A.set_filter("f_role"), "user-filter-role",
                          S.tr["useradmin.all_roles"]),
            filter_select(A.org_opts, A.f_org, A.set_filter("f_org"), "user-filter-org",
                          S.tr["useradmin.all_organisations"]),
            filter_select(A.active_opts, A.f_active, A.set_filter("f_active"),
                          "user-filter-active", S.tr["directory_admin.active_any"]),
            gap="0.5em", width="100%", wrap="wrap"),
        spacing="2", width="100%",
    )


def _listing() -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(rx.heading(S.tr["useradmin.people"], size="4"), rx.spacer(),
                  rx.button(S.tr["useradmin.new"], size="2", on_click=A.new_user,
                            id="user-new"), width="100%", align="center"),
        _toolbar(),
        rx.cond(
            A.rows.length() > 0,
            rx.vstack(rx.foreach(A.rows, lambda r: item_row(
                r.name, r.email, r.detail, r.active, A.edit_user(r.id), "user-row-" + r.id)),
                spacing="0", width="100%", id="user-rows"),
            rx.text(rx.cond((A.q != "") | (A.f_role != "") | (A.f_org != "")
                            | (A.f_active != ""),
                            S.tr["useradmin.none_found"], S.tr["useradmin.none"]),
                    size="2", color_scheme="gray", id="user-empty", padding_y="1em"),
        ),
        pager(A.page, A.pages, S.tr["directory_admin.total"] + " " + A.total.to_string(),
              A.go_page(-1), A.go_page(1), "user-pager"),
        spacing="3", width="100%"), width="100%")


def _panel() -> rx.Component:
    err = A.form_errors
    return rx.card(rx.vstack(
        rx.hstack(
            rx.heading(rx.cond(A.panel == "new", S.tr["useradmin.new_title"], A.u_name),
                       size="4", id="user-panel-title"),
            rx.spacer(),
            rx.button(rx.icon("x", size=16), variant="ghost", size="1", on_click=A.close_panel,
                      id="user-close", aria_label=S.tr["directory_admin.close"]),
            width="100%", align="start"),
        rx.cond(A.u_status != "", rx.text(A.u_status, size="1", color_scheme="amber",
                                          id="user-status")),
        rx.cond(A.u_away != "", rx.text(A.u_away, size="1", color_scheme="blue",
                                        id="user-away")),
        rx.cond((A.panel == "edit") & ~A.u_active,
                rx.badge(S.tr["directory_admin.inactive"], color_scheme="gray",
                         id="user-inactive-badge")),
        text_field(S.tr["useradmin.name"], A.u_name, A.set_value("u_name"), "user-name",
                   error=err.get("full_name", ""), required=True),
        text_field(S.tr["useradmin.email"], A.u_email, A.set_value("u_email"), "user-email",
                   error=err.get("email", ""), required=True, type="email"),
        pick_field(S.tr["useradmin.role"], A.role_opts, A.u_role, A.set_value("u_role"),
                   "user-role", placeholder=S.tr["directory_admin.choose"],
                   error=err.get("role", ""), required=True),
        pick_field(S.tr["useradmin.organisation"], A.org_opts, A.u_org, A.set_value("u_org"),
                   "user-org", placeholder=S.tr["directory_admin.choose"],
                   error=err.get("organisation", ""), required=True),
        rx.vstack(
            rx.hstack(rx.checkbox(checked=A.u_manager, on_change=A.set_value("u_manager"),
                                  id="user-manager", disabled=A.u_role != "client"),
                      rx.text(S.tr["useradmin.manager"], size="2", as_="label",
                              html_for="user-manager"), align="center"),
            rx.text(S.tr["useradmin.manager_help"], size="1", color_scheme="gray"),
            rx.cond(err.get("is_client_manager", "") != "",
                    rx.text(err.get("is_client_manager", ""), size="1", color_scheme="red",
                            id="user-manager-error")),
            spacing="1", width="100%"),
        rx.flex(
            pick_field(S.tr["useradmin.language"], A.lang_opts, A.u_lang, A.set_value("u_lang"),
                       "user-lang", error=err.get("language", ""), required=True),
            text_field(S.tr["useradmin.timezone"], A.u_tz, A.set_value("u_tz"), "user-tz",
                       error=err.get("timezone", ""), required=True,
                       placeholder="Europe/Warsaw"),
            gap="0.75em", width="100%", direction=rx.breakpoints(initial="column", sm="row")),
        rx.cond(A.panel == "new", rx.text(S.tr["useradmin.new_help"], size="1",
                                          color_scheme="gray")),
        rx.hstack(
            rx.button(S.tr["directory_admin.save"], on_click=A.save, id="user-save"),
            rx.cond((A.panel == "edit") & A.u_active, rx.button(
                rx.cond(A.u_has_password, S.tr["useradmin.invite_again"],
                        S.tr["useradmin.invite"]),
                on_click=A.send_invite, id="user-invite", variant="soft")),
            rx.cond((A.panel == "edit") & A.u_has_2fa, rx.button(
                S.tr["useradmin.reset_2fa"], on_click=A.reset_2fa, id="user-reset-2fa",
                variant="soft", color_scheme="amber")),
            rx.cond((A.panel == "edit") & ~A.confirm, rx.button(
                rx.cond(A.u_active, S.tr["useradmin.deactivate"], S.tr["useradmin.reactivate"]),
                on_click=A.ask_toggle_active, id="user-toggle", variant="soft",
                color_scheme=rx.cond(A.u_active, "red", "green"))),
            spacing="3", wrap="wrap"),
        rx.cond(A.confirm, confirm_box(
            rx.cond(A.u_active, S.tr["useradmin.confirm_deactivate"],
                    S.tr["useradmin.confirm_reactivate"]),
            rx.cond(A.u_active, S.tr["useradmin.deactivate"], S.tr["useradmin.reactivate"]),
            A.toggle_active, A.cancel_confirm, "user-confirm")),
        spacing="3", width="100%", id="user-panel"), width="100%")


@page(routes.ADMIN_USERS, title_key="page.admin_users", roles=routes.STAFF,
      permission=permissions.USERS_MANAGE,
      on_load=A.on_load, max_width="1200px")
def admin_users_page() -> rx.Component:
    return rx.vstack(
        rx.heading(S.tr["useradmin.title"], size="5"),
        error_callout(A.error),
        rx.cond(A.message != "", rx.callout(A.message, color_scheme="green", size="1",
                                            id="admin-message")),
        two_panes(_listing(), _panel(), A.panel != ""),
        spacing="4", width="100%",
    )
