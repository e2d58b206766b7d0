"""Admin: custom fields — list, the definition form, then (once saved) options, scopes,
per-role permissions and dependencies, each with its own Save button."""

from __future__ import annotations

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.components.admin_form import config_row, pick_field, text_field
from helpdesk_app.components.layout import SYNCED_TEXT, dropdown, error_callout
from helpdesk_app.components.page import page
from helpdesk_app.state.admin_fields import AdminFieldsState as A
from helpdesk_app.state.admin_fields import DepRow, PermRow, ScopeRow
from helpdesk_app.state.session import SessionState as S

_AREA = {**SYNCED_TEXT, "force_notify_by_enter": False}
_ROW = rx.breakpoints(initial="column", md="row")


def _err(name) -> rx.Var:
    """The message of one field (a row's field: a name built from its index)."""
    return A.form_errors.get(name, "")


def _under(child: rx.Component, error, id) -> rx.Component:
    """An unlabelled input (a row's cell, a text area) with its message under it."""
    return rx.vstack(
        child,
        rx.cond(error != "", rx.text(error, size="1", color_scheme="red",
                                     class_name="pm-field-error", id=id + "-error")),
        spacing="1", width="100%")


def _definition() -> rx.Component:
    return rx.vstack(
        rx.flex(
            text_field(S.tr["field_admin.key"], A.f_key, A.set_value("f_key"),
                       "fd-key", placeholder="kod_rozliczeniowy", error=_err("key"),
                       required=True),
            pick_field(S.tr["field_admin.type"], A.type_opts, A.f_type, A.set_value("f_type"),
                       "fd-type", error=_err("field_type"), required=True),
            text_field(S.tr["workflow.order"], A.f_order, A.set_value("f_order"),
                       "fd-order", error=_err("sort_order")),
            gap="0.75em", width="100%", direction=_ROW,
        ),
        rx.flex(
            text_field(S.tr["admin.name_pl"], A.f_name_pl, A.set_value("f_name_pl"),
                       "fd-name-pl", error=_err("name_pl"), required=True),
            text_field(S.tr["admin.name_en"], A.f_name_en, A.set_value("f_name_en"),
                       "fd-name-en", error=_err("name_en"), required=True),
            gap="0.75em", width="100%", direction=_ROW,
        ),
        rx.flex(
            text_field(S.tr["field_admin.help_pl"], A.f_help_pl,
                       A.set_value("f_help_pl"), "fd-help-pl", error=_err("help_pl")),
            text_field(S.tr["field_admin.help_en"], A.f_help_en,
                       A.set_value("f_help_en"), "fd-help-en", error=_err("help_en")),
            gap="0.75em", width="100%", direction=_ROW,
        ),
        text_field(S.tr["field_admin.default"], A.f_default, A.set_value("f_default"),
                   "fd-default", error=_err("default")),
        rx.text(S.tr["field_admin.default_help"], size="1", color_scheme="gray"),
        rx.hstack(rx.checkbox(checked=A.f_active, on_change=A.set_value("f_active"),
                              id="fd-active"),
                  rx.text(S.tr["workflow.active"], size="2", as_="label", html_for="fd-active"),
                  align="center"),
        rx.button(S.tr["field_admin.save_definition"], on_click=A.save_definition,
                  id="fd-save"),
        spacing="3", width="100%",
    )


def _section(title, help_text, *children, id: str) -> rx.Component:
    return rx.vstack(
        rx.divider(),
        rx.text(title, size="3", weight="bold"),
        rx.text(help_text, size="1", color_scheme="gray"),
        *children,
        spacing="2", width="100%", id=id,
    )


def _options() -> rx.Component:
    return rx.cond(A.has_options, _section(
        S.tr["field_admin.options"], S.tr["field_admin.options_help"],
        _under(rx.text_area(value=A.f_options, on_change=A.set_value("f_options"),
                            id="fd-options", rows="6", width="100%",
                            placeholder="drukarka | Drukarka | Printer\nlaptop | Laptop | Laptop",
                            **_AREA),
               _err("options"), "fd-options"),
        rx.cond(A.inactive_options != "",
                rx.text(S.tr["field_admin.inactive_options"], " ", A.inactive_options,
                        size="1", color_scheme="gray", id="fd-inactive-options")),
        rx.button(S.tr["field_admin.save_options"], on_click=A.save_options,
                  id="fd-options-save"),
        id="fd-options-section",
    ))


def _scopes() -> rx.Component:
    def row(r: ScopeRow, i) -> rx.Component:
        n = i.to(str)
        at = "scopes." + n
        return rx.vstack(
            rx.flex(
                _under(dropdown(A.contract_opts, rx.cond(r.contract == "", "all", r.contract),
                                lambda v: A.set_scope(i, "contract", v),
                                id="fd-scope-contract-" + n,
                                placeholder=S.tr["field_admin.any_contract"]),
                       _err(at + ".contract"), "fd-scope-contract-" + n),
                _under(dropdown(A.ticket_type_opts,
                                rx.cond(r.ticket_type == "", "all", r.ticket_type),
                                lambda v: A.set_scope(i, "ticket_type", v),
                                id="fd-scope-type-" + n,
                                placeholder=S.tr["field_admin.any_type"]),
                       _err(at + ".ticket_type"), "fd-scope-type-" + n),
                _under(dropdown(A.required_opts, r.required_on,
                                lambda v: A.set_scope(i, "required_on", v),
                                id="fd-scope-required-" + n),
                       _err(at + ".required_on"), "fd-scope-required-" + n),
                rx.button("×", size="1", variant="soft", color_scheme="red",
                          on_click=A.remove_scope(i), aria_label=S.tr["field_admin.remove"]),
                gap="0.5em", width="100%", align="start", direction=_ROW,
            ),
            _under(rx.fragment(), _err(at), "fd-scope-" + n),  # the row as a whole
            spacing="1", width="100%", class_name="pm-scope-row",
        )

    return _section(
        S.tr["field_admin.scopes"], S.tr["field_admin.scopes_help"],
        rx.foreach(A.scope_rows, row),
        rx.hstack(
            rx.button(S.tr["field_admin.add_row"], size="1", variant="soft",
                      on_click=A.add_scope, id="fd-scope-add"),
            rx.button(S.tr["field_admin.save_scopes"], on_click=A.save_scopes,
                      id="fd-scopes-save"),
            spacing="3"),
        id="fd-scopes-section",
    )


def _permissions() -> rx.Component:
    def row(r: PermRow, i) -> rx.Component:
        return rx.table.row(
            rx.table.row_header_cell(r.label),
            rx.table.cell(rx.checkbox(checked=r.view,
                                      on_change=lambda on: A.set_permission(i, "view", on),
                                      custom_attrs={"data-role": r.role, "data-perm": "view"},
                                      class_name="pm-perm")),
            rx.table.cell(rx.checkbox(checked=r.edit,
                                      on_change=lambda on: A.set_permission(i, "edit", on),
                                      custom_attrs={"data-role": r.role, "data-perm": "edit"},
                                      class_name="pm-perm")),
        )

    return _section(
        S.tr["field_admin.permissions"], S.tr["field_admin.permissions_help"],
        rx.table.root(
            rx.table.header(rx.table.row(
                rx.table.column_header_cell(S.tr["field_admin.role"]),
                rx.table.column_header_cell(S.tr["field_admin.can_view"]),
                rx.table.column_header_cell(S.tr["field_admin.can_edit"]))),
            rx.table.body(rx.foreach(A.perm_rows, row)),
            size="1", id="fd-perms"),
        _under(rx.fragment(), _err("permissions"), "fd-perms"),
        rx.button(S.tr["field_admin.save_permissions"], on_click=A.save_permissions,
                  id="fd-perms-save"),
        id="fd-perms-section",
    )


def _dependencies() -> rx.Component:
    def row(r: DepRow, i) -> rx.Component:
        n = i.to(str)
        at = "deps." + n
        return rx.vstack(
            rx.flex(
                _under(dropdown(A.source_opts, rx.cond(r.source == "", "all", r.source),
                                lambda v: A.set_dependency(i, "source", v),
                                id="fd-dep-source-" + n,
                                placeholder=S.tr["field_admin.source"]),
                       _err(at + ".source"), "fd-dep-source-" + n),
                _under(dropdown(A.effect_opts, r.effect,
                                lambda v: A.set_dependency(i, "effect", v),
                                id="fd-dep-effect-" + n),
                       _err(at + ".effect"), "fd-dep-effect-" + n),
                rx.button("×", size="1", variant="soft", color_scheme="red",
                          on_click=A.remove_dependency(i),
                          aria_label=S.tr["field_admin.remove"]),
                gap="0.5em", width="100%", align="start", direction=_ROW,
            ),
            _under(rx.cond(
                r.effect == "options",
                rx.text_area(value=r.options_map, id="fd-dep-map-" + n, rows="3",
                             on_change=lambda v: A.set_dependency(i, "options_map", v),
                             placeholder=S.tr["field_admin.map_placeholder"], width="100%",
                             **_AREA),
                rx.input(value=r.when, id="fd-dep-when-" + n,
                         on_change=lambda v: A.set_dependency(i, "when", v),
                         placeholder=S.tr["field_admin.when_placeholder"], width="100%",
                         **SYNCED_TEXT),
            ), _err(at + ".values"), "fd-dep-values-" + n),
            spacing="1", width="100%", padding_y="0.4em",
            border_bottom="1px solid var(--gray-4)", class_name="pm-dep-row",
        )

    return _section(
        S.tr["field_admin.dependencies"], S.tr["field_admin.dependencies_help"],
        rx.foreach(A.dep_rows, row),
        rx.hstack(
            rx.button(S.tr["field_admin.add_row"], size="1", variant="soft",
                      on_click=A.add_dependency, id="fd-dep-add"),
            rx.button(S.tr["field_admin.save_dependencies"], on_click=A.save_dependencies,
                      id="fd-deps-save"),
            spacing="3"),
        id="fd-deps-section",
    )


@page(routes.ADMIN_FIELDS, title_key="page.admin_fields", roles=routes.ADMINS,
      on_load=A.on_load, max_width="1100px")
def admin_fields_page() -> rx.Component:
    return rx.fragment(
        rx.vstack(
            rx.heading(S.tr["field_admin.title"], size="5"),
            error_callout(A.error),
            rx.cond(A.message != "", rx.callout(A.message, color_scheme="green", size="1",
                                                id="admin-message")),
            rx.card(rx.vstack(
                rx.hstack(rx.heading(S.tr["field_admin.fields"], size="4"), rx.spacer(),
                          rx.button(S.tr["admin.new"], size="1", on_click=A.new_field,
                                    id="fd-new"), width="100%"),
                rx.cond(A.rows.length() > 0,
                        rx.vstack(rx.foreach(A.rows, lambda r: config_row(
                            r.title, r.detail, A.edit_field(r.id), "fd-edit-" + r.id,
                            active=r.active)), width="100%", spacing="0",
                                  id="fd-rows"),
                        rx.text(S.tr["field_admin.none"], size="2", color_scheme="gray")),
                _definition(),
                rx.cond(A.f_id != "",
                        rx.vstack(_options(), _scopes(), _permissions(), _dependencies(),
                                  spacing="4", width="100%"),
                        rx.text(S.tr["field_admin.save_first"], size="1",
                                color_scheme="gray")),
                spacing="3", width="100%",
            ), width="100%"),
            spacing="4", width="100%",
        )
    )
