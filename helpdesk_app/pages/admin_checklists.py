"""Admin: checklist templates per ticket type — list on top, the form below."""

from __future__ import annotations

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.components.admin_form import (
    config_row,
    field_error,
    field_label,
    pick_field,
    text_field,
)
from helpdesk_app.components.layout import SYNCED_TEXT, error_callout
from helpdesk_app.components.page import page
from helpdesk_app.state.admin_checklists import AdminChecklistsState as A
from helpdesk_app.state.session import SessionState as S


def _form() -> rx.Component:
    err = A.form_errors
    return rx.vstack(
        pick_field(S.tr["ticket.type"], A.type_opts, A.f_type, A.set_value("f_type"),
                   "cl-type", placeholder=S.tr["admin.choose"],
                   error=err.get("type", ""), required=True),
        rx.flex(
            text_field(S.tr["admin.name_pl"], A.f_name_pl, A.set_value("f_name_pl"),
                       "cl-name-pl", error=err.get("name_pl", ""), required=True),
            text_field(S.tr["admin.name_en"], A.f_name_en, A.set_value("f_name_en"),
                       "cl-name-en", error=err.get("name_en", ""), required=True),
            gap="0.75em", width="100%", direction=rx.breakpoints(initial="column", md="row"),
        ),
        rx.vstack(
            field_label(S.tr["checklist.items"], "cl-items", required=True),
            rx.text(S.tr["checklist.items_help"], size="1", color_scheme="gray"),
            rx.text_area(value=A.f_items, on_change=A.set_value("f_items"),
                         id="cl-items", rows="10", width="100%",
                         placeholder="* Sprawdzić zasilanie | Check the power supply\n"
                                     "Zdjęcia urządzenia | Photos of the device",
                         **{**SYNCED_TEXT, "force_notify_by_enter": False}),
            field_error(err.get("items", ""), "cl-items"),
            spacing="1", width="100%",
        ),
        rx.hstack(rx.checkbox(checked=A.f_required_before_resolve,
                              on_change=A.set_value("f_required_before_resolve"),
                              id="cl-before-resolve"),
                  rx.text(S.tr["checklist.before_resolve"], size="2", as_="label",
                          html_for="cl-before-resolve"),
                  align="center"),
        rx.hstack(rx.checkbox(checked=A.f_active, on_change=A.set_value("f_active"),
                              id="cl-active"),
                  rx.text(S.tr["checklist.active"], size="2", as_="label",
                          html_for="cl-active"),
                  align="center"),
        rx.hstack(
            rx.button(S.tr["ticket.save"], on_click=A.save, id="cl-save"),
            rx.cond(A.f_id != "", rx.button(
                S.tr["checklist.delete"], on_click=A.delete, id="cl-delete",
                color_scheme="red", variant="soft")),
            spacing="3",
        ),
        spacing="3", width="100%",
    )


@page(routes.ADMIN_CHECKLISTS, title_key="page.admin_checklists", roles=routes.ADMINS,
      on_load=A.on_load, max_width="1000px")
def admin_checklists_page() -> rx.Component:
    return rx.fragment(
        rx.vstack(
            rx.heading(S.tr["checklist.admin_title"], size="5"),
            error_callout(A.error),
            rx.cond(A.message != "", rx.callout(A.message, color_scheme="green", size="1",
                                                id="admin-message")),
            rx.card(rx.vstack(
                rx.hstack(rx.heading(S.tr["checklist.templates"], size="4"), rx.spacer(),
                          rx.button(S.tr["admin.new"], size="1", on_click=A.new_template,
                                    id="cl-new"), width="100%"),
                rx.cond(A.rows.length() > 0,
                        rx.vstack(rx.foreach(A.rows, lambda r: config_row(
                            r.title, r.detail, A.edit_template(r.id), "cl-edit-" + r.id,
                            active=r.active)), width="100%", spacing="0",
                                  id="cl-rows"),
                        rx.text(S.tr["checklist.none"], size="2", color_scheme="gray")),
                _form(),
                spacing="3", width="100%",
            ), width="100%"),
            spacing="4", width="100%",
        )
    )
