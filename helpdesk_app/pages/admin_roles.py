"""Admin: custom roles — the list, the form (name, base role, permissions, queue limit)
and the role's members."""

from __future__ import annotations

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.components.admin_form import config_row, field_error, pick_field, text_field
from helpdesk_app.components.layout import error_callout
from helpdesk_app.components.page import page
from helpdesk_app.components.people_picker import members_panel
from helpdesk_app.state.admin_roles import AdminRolesState as A
from helpdesk_app.state.admin_roles import Check
from helpdesk_app.state.session import SessionState as S


def _box(c: Check, on_change, prefix: str) -> rx.Component:
    return rx.hstack(
        rx.checkbox(checked=c.checked, on_change=on_change, id=f"{prefix}-" + c.value),
        rx.text(c.label, size="2", as_="label", html_for=f"{prefix}-" + c.value),
        align="center")


def _form() -> rx.Component:
    err = A.form_errors
    return rx.vstack(
        rx.heading(rx.cond(A.f_id != "", S.tr["roles.edit_title"], S.tr["roles.new_title"]),
                   size="4"),
        text_field(S.tr["roles.name"], A.f_name, A.set_value("f_name"), "r-name",
                   error=err.get("name", ""), required=True),
        pick_field(S.tr["roles.base"], A.base_opts, A.f_base, A.set_value("f_base"),
                   "r-base", placeholder=S.tr["admin.choose"],
                   error=err.get("base_role", ""), required=True),
        rx.text(S.tr["roles.base_help"], size="1", color_scheme="gray"),
        rx.vstack(
            rx.text(S.tr["roles.permissions"], size="1", weight="medium"),
            rx.foreach(A.perm_checks, lambda c: _box(c, lambda v: A.toggle_perm(c.value, v),
                                                      "r-perm")),
            field_error(err.get("permissions", ""), "r-perm"),
            spacing="1", width="100%", id="r-perms"),
        rx.vstack(
            rx.hstack(rx.checkbox(checked=A.f_limit, on_change=A.set_value("f_limit"),
                                  id="r-limit"),
                      rx.text(S.tr["roles.limit"], size="2", as_="label", html_for="r-limit"),
                      align="center"),
            rx.text(S.tr["roles.limit_help"], size="1", color_scheme="gray"),
            rx.cond(A.f_limit, rx.flex(
                rx.foreach(A.queue_checks, lambda c: _box(
                    c, lambda v: A.toggle_queue(c.value, v), "r-queue")),
                gap="0.5em 1.25em", wrap="wrap", width="100%")),
            field_error(err.get("queues", ""), "r-queue"),
            spacing="1", width="100%"),
        rx.hstack(
            rx.button(S.tr["ticket.save"], on_click=A.save, id="r-save"),
            rx.cond(A.f_id != "", rx.button(S.tr["roles.delete"], on_click=A.ask_delete,
                                            id="r-delete", color_scheme="red",
                                            variant="soft")),
            spacing="3"),
        rx.cond(A.confirm_delete, rx.callout(rx.vstack(
            rx.text(S.tr["roles.confirm_delete"]),
            rx.hstack(rx.button(S.tr["roles.delete"], size="1", color_scheme="red",
                                on_click=A.delete, id="r-confirm-yes"),
                      rx.button(S.tr["queues_roles.cancel"], size="1", variant="soft",
                                on_click=A.cancel_delete, id="r-confirm-no"), spacing="2"),
            spacing="2"), color_scheme="orange", size="1", role="alertdialog")),
        rx.cond(A.f_id != "", members_panel(A, "rm"),
                rx.text(S.tr["queues.members_after_save"], size="1", color_scheme="gray")),
        spacing="3", width="100%",
    )


@page(routes.ADMIN_ROLES, title_key="page.admin_roles", roles=routes.ADMINS,
      on_load=A.on_load, max_width="1000px")
def admin_roles_page() -> rx.Component:
    return rx.vstack(
        rx.heading(S.tr["roles.title"], size="5"),
        rx.text(S.tr["roles.intro"], size="2", color_scheme="gray"),
        error_callout(A.error),
        rx.cond(A.message != "", rx.callout(A.message, color_scheme="green", size="1",
                                            id="admin-message")),
        rx.card(rx.vstack(
            rx.hstack(rx.heading(S.tr["roles.list"], size="4"), rx.spacer(),
                      rx.button(S.tr["admin.new"], size="1", on_click=A.new_role,
                                id="r-new"), width="100%"),
            rx.cond(A.rows.length() > 0,
                    rx.vstack(rx.foreach(A.rows, lambda r: config_row(
                        r.name, r.detail, A.edit_role(r.id), "r-edit-" + r.id)),
                        width="100%", spacing="0", id="r-rows"),
                    rx.text(S.tr["roles.none"], size="2", color_scheme="gray")),
            spacing="3", width="100%"), width="100%"),
        rx.card(_form(), width="100%"),
        spacing="4", width="100%",
    )
