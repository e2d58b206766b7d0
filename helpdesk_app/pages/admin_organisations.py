"""Admin: organisations — search and filters over the list, a side panel for one."""

from __future__ import annotations

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.components.admin_form import field_error, field_label, pick_field, text_field
from helpdesk_app.components.directory_admin import (
    confirm_box,
    filter_select,
    item_row,
    pager,
    search_box,
    two_panes,
)
from helpdesk_app.components.layout import SYNCED_TEXT, error_callout
from helpdesk_app.components.page import page
from helpdesk_app.domain import permissions
from helpdesk_app.state.admin_organisations import AdminOrganisationsState as A
from helpdesk_app.state.session import SessionState as S


def _listing() -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(rx.heading(S.tr["orgadmin.list"], size="4"), rx.spacer(),
                  rx.button(S.tr["orgadmin.new"], size="2", on_click=A.new_organisation,
                            id="org-new"), width="100%", align="center"),
        search_box(A.q, A.search, "org-search", S.tr["orgadmin.search"]),
        rx.flex(
            filter_select(A.kind_opts, A.f_kind, A.set_filter("f_kind"), "org-filter-kind",
                          S.tr["orgadmin.all_kinds"]),
            filter_select(A.active_opts, A.f_active, A.set_filter("f_active"),
                          "org-filter-active", S.tr["directory_admin.active_any"]),
            gap="0.5em", width="100%", wrap="wrap"),
        rx.cond(
            A.rows.length() > 0,
            rx.vstack(rx.foreach(A.rows, lambda r: item_row(
                r.name, "", r.detail, r.active, A.edit_organisation(r.id), "org-row-" + r.id)),
                spacing="0", width="100%", id="org-rows"),
            rx.text(rx.cond((A.q != "") | (A.f_kind != "") | (A.f_active != ""),
                            S.tr["orgadmin.none_found"], S.tr["orgadmin.none"]),
                    size="2", color_scheme="gray", id="org-empty", padding_y="1em"),
        ),
        pager(A.page, A.pages, S.tr["directory_admin.total"] + " " + A.total.to_string(),
              A.go_page(-1), A.go_page(1), "org-pager"),
        spacing="3", width="100%"), width="100%")


def _contracts() -> rx.Component:
    """A subcontractor: the contracts it serves (the handover form suggests it first)."""
    return rx.vstack(
        rx.text(S.tr["orgadmin.contracts"], weight="bold", size="2"),
        rx.text(S.tr["orgadmin.contracts_help"], size="1", color_scheme="gray"),
        rx.cond(
            A.contract_opts.length() > 0,
            rx.vstack(rx.foreach(A.contract_opts, lambda o: rx.hstack(
                rx.checkbox(checked=A.o_contracts.contains(o.value),
                            on_change=lambda on: A.toggle_contract(o.value, on),
                            id="org-contract-" + o.value),
                rx.text(o.label, size="2"), align="center")),
                spacing="1", width="100%", id="org-contracts"),
            rx.text(S.tr["orgadmin.contracts_none"], size="2", color_scheme="gray"),
        ),
        rx.button(S.tr["orgadmin.contracts_save"], on_click=A.save_contracts, size="2",
                  variant="soft", id="org-contracts-save"),
        spacing="2", width="100%", id="org-contracts-box")


def _panel() -> rx.Component:
    err = A.form_errors
    toggle_label = rx.cond(A.o_active, S.tr["orgadmin.deactivate"], S.tr["orgadmin.reactivate"])
    return rx.card(rx.vstack(
        rx.hstack(
            rx.heading(rx.cond(A.panel == "new", S.tr["orgadmin.new_title"], A.o_name),
                       size="4", id="org-panel-title"),
            rx.spacer(),
            rx.button(rx.icon("x", size=16), variant="ghost", size="1", on_click=A.close_panel,
                      id="org-close", aria_label=S.tr["directory_admin.close"]),
            width="100%", align="start"),
        rx.cond((A.panel == "edit") & ~A.o_active,
                rx.badge(S.tr["directory_admin.inactive"], color_scheme="gray",
                         id="org-inactive-badge")),
        text_field(S.tr["orgadmin.name"], A.o_name, A.set_value("o_name"), "org-name",
                   error=err.get("name", ""), required=True),
        pick_field(S.tr["orgadmin.kind"], A.kind_opts, A.o_kind, A.set_value("o_kind"),
                   "org-kind", placeholder=S.tr["directory_admin.choose"],
                   error=err.get("kind", ""), required=True),
        rx.vstack(
            field_label(S.tr["orgadmin.domains"], "org-domains"),
            rx.text(S.tr["orgadmin.domains_help"], size="1", color_scheme="gray"),
            rx.text_area(value=A.o_domains, on_change=A.set_value("o_domains"),
                         id="org-domains", rows="3", width="100%", placeholder="firma.pl",
                         **{**SYNCED_TEXT, "force_notify_by_enter": False}),
            field_error(err.get("domains", ""), "org-domains"),
            spacing="1", width="100%"),
        rx.cond(A.panel == "edit", rx.text(S.tr["orgadmin.people_label"], " ", A.o_users,
                                           size="2", color_scheme="gray", id="org-users")),
        rx.cond((A.panel == "edit") & (A.o_kind == "subcontractor"), _contracts()),
        rx.hstack(
            rx.button(S.tr["directory_admin.save"], on_click=A.save, id="org-save"),
            rx.cond((A.panel == "edit") & ~A.o_is_provider & (A.confirm == ""),
                    rx.button(toggle_label, on_click=A.ask("toggle"), id="org-toggle",
                              variant="soft", color_scheme=rx.cond(A.o_active, "red", "green"))),
            rx.cond((A.panel == "edit") & ~A.o_is_provider & (A.o_users == 0)
                    & (A.confirm == ""),
                    rx.button(S.tr["orgadmin.delete"], on_click=A.ask("delete"), id="org-delete",
                              variant="ghost", color_scheme="red")),
            spacing="3", wrap="wrap"),
        rx.cond(A.o_is_provider, rx.text(S.tr["orgadmin.provider_note"], size="1",
                                         color_scheme="gray")),
        rx.cond(A.confirm == "toggle", confirm_box(
            rx.cond(A.o_active,
                    rx.cond(A.o_is_subcontractor,
                            S.tr["orgadmin.confirm_deactivate"] + " "
                            + S.tr["orgadmin.confirm_deactivate_sub"],
                            S.tr["orgadmin.confirm_deactivate"]),
                    S.tr["orgadmin.confirm_reactivate"]),
            toggle_label, A.toggle_active, A.cancel_confirm, "org-confirm")),
        rx.cond(A.confirm == "delete", confirm_box(
            S.tr["orgadmin.confirm_delete"], S.tr["orgadmin.delete"], A.delete,
            A.cancel_confirm, "org-confirm-delete")),
        spacing="3", width="100%", id="org-panel"), width="100%")


@page(routes.ADMIN_ORGANISATIONS, title_key="page.admin_organisations",
      roles=routes.STAFF, permission=permissions.USERS_MANAGE,
      on_load=A.on_load, max_width="1200px")
def admin_organisations_page() -> rx.Component:
    return rx.vstack(
        rx.heading(S.tr["orgadmin.title"], size="5"),
        error_callout(A.error),
        rx.cond(A.message != "", rx.callout(A.message, color_scheme="green", size="1",
                                            id="admin-message")),
        two_panes(_listing(), _panel(), A.panel != ""),
        spacing="4", width="100%",
    )
