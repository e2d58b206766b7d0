"""Admin: statuses (list + form), then one contract's status set and transition matrix."""

from __future__ import annotations

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.components.admin_form import (
    config_row,
    field_error,
    pick_field,
    text_field,
)
from helpdesk_app.components.layout import error_callout
from helpdesk_app.components.page import page
from helpdesk_app.domain import permissions
from helpdesk_app.state.admin_workflow import AdminWorkflowState as A
from helpdesk_app.state.session import SessionState as S
from helpdesk_app.state.views import Opt


def _flag(label, checked, name: str, id: str) -> rx.Component:
    return rx.hstack(
        rx.checkbox(checked=checked, on_change=A.set_value(name), id=id),
        rx.text(label, size="2", as_="label", html_for=id),
        align="center",
    )




def _status_form() -> rx.Component:
    err = A.form_errors
    return rx.vstack(
        rx.flex(
            text_field(S.tr["workflow.key"], A.s_key, A.set_status_key,
                       "st-key", disabled=A.s_editing, placeholder="czeka_na_czesci",
                       error=err.get("key", ""), required=True),
            text_field(S.tr["admin.name_pl"], A.s_name_pl,
                       A.set_value("s_name_pl"), "st-name-pl",
                       error=err.get("name_pl", ""), required=True),
            text_field(S.tr["admin.name_en"], A.s_name_en,
                       A.set_value("s_name_en"), "st-name-en",
                       error=err.get("name_en", ""), required=True),
            gap="0.75em", width="100%", direction=rx.breakpoints(initial="column", md="row"),
        ),
        rx.text(S.tr["workflow.key_help"], size="1", color_scheme="gray"),
        rx.flex(
            pick_field(S.tr["workflow.category"], A.category_opts, A.s_category,
                       A.set_value("s_category"), "st-category",
                       error=err.get("category", ""), required=True),
            pick_field(S.tr["workflow.sla_effect"], A.sla_opts, A.s_sla,
                       A.set_value("s_sla"), "st-sla", error=err.get("sla_effect", "")),
            rx.hstack(
                pick_field(S.tr["workflow.colour"], A.colour_opts, A.s_colour,
                           A.set_value("s_colour"), "st-colour",
                           error=err.get("colour", "")),
                # the chosen colour itself, as the status badge will show it
                rx.badge(" ", color_scheme=A.s_colour, variant="solid", radius="full",
                         id="st-colour-swatch", aria_hidden="true", margin_bottom="0.6em"),
                align="end", spacing="2", width="100%"),
            text_field(S.tr["workflow.order"], A.s_order,
                       A.set_value("s_order"), "st-order", error=err.get("sort_order", "")),
            gap="0.75em", width="100%", direction=rx.breakpoints(initial="column", md="row"),
        ),
        rx.flex(
            _flag(S.tr["workflow.is_default"], A.s_default, "s_default", "st-default"),
            _flag(S.tr["workflow.sub_visible"], A.s_sub_visible, "s_sub_visible",
                  "st-sub-visible"),
            _flag(S.tr["workflow.client_may_set"], A.s_client_may_set, "s_client_may_set",
                  "st-client-may-set"),
            _flag(S.tr["workflow.closes"], A.s_closes, "s_closes", "st-closes"),
            _flag(S.tr["workflow.active"], A.s_active, "s_active", "st-active"),
            gap="1em", wrap="wrap",
        ),
        _flag(S.tr["workflow.client_visible"], A.s_client_visible, "s_client_visible",
              "st-client-visible"),
        rx.cond(~A.s_client_visible, rx.vstack(
            rx.text(S.tr["workflow.public_label_help"], size="1", color_scheme="gray"),
            rx.flex(
                text_field(S.tr["workflow.public_label_pl"], A.s_label_pl,
                      A.set_value("s_label_pl"), "st-label-pl"),
                text_field(S.tr["workflow.public_label_en"], A.s_label_en,
                      A.set_value("s_label_en"), "st-label-en"),
                gap="0.75em", width="100%",
                direction=rx.breakpoints(initial="column", md="row"),
            ),
            width="100%", spacing="1")),
        rx.button(S.tr["ticket.save"], on_click=A.save_status, id="st-save"),
        spacing="3", width="100%",
    )


def _set_editor() -> rx.Component:
    return rx.vstack(
        rx.text(S.tr["workflow.set"], size="2", weight="medium"),
        rx.text(S.tr["workflow.set_help"], size="1", color_scheme="gray"),
        rx.flex(rx.foreach(A.set_opts, lambda o: rx.hstack(
            rx.checkbox(checked=A.set_keys.contains(o.value),
                        on_change=lambda on: A.toggle_set(o.value, on),
                        custom_attrs={"data-status": o.value}, class_name="pm-set-status"),
            rx.text(o.label, size="2"), align="center")),
            gap="1em", wrap="wrap", id="wf-set"),
        field_error(A.form_errors.get("statuses", ""), "wf-set"),
        rx.button(S.tr["workflow.save_set"], on_click=A.save_set, id="wf-set-save"),
        spacing="2", width="100%",
    )


def _matrix() -> rx.Component:
    def cell(frm: Opt, to: Opt) -> rx.Component:
        pair = frm.value + ">" + to.value
        return rx.table.cell(rx.center(rx.cond(
            frm.value == to.value, rx.text("—", color_scheme="gray"),
            rx.checkbox(checked=A.trans_keys.contains(pair),
                        on_change=lambda on: A.toggle_transition(pair, on),
                        custom_attrs={"data-from": frm.value, "data-to": to.value,
                                      "aria-label": frm.label + " → " + to.label},
                        class_name="pm-transition"))))

    return rx.vstack(
        rx.text(S.tr["workflow.transitions"], size="2", weight="medium"),
        rx.text(S.tr["workflow.transitions_help"], size="1", color_scheme="gray"),
        rx.cond(
            A.uses_default,
            rx.callout(S.tr["workflow.uses_default_set"], size="1", id="wf-uses-default"),
            rx.vstack(
                rx.box(rx.table.root(
                    rx.table.header(rx.table.row(
                        rx.table.column_header_cell(S.tr["workflow.from_to"]),
                        rx.foreach(A.member_opts,
                                   lambda o: rx.table.column_header_cell(o.label)))),
                    rx.table.body(rx.foreach(A.member_opts, lambda frm: rx.table.row(
                        rx.table.row_header_cell(frm.label),
                        rx.foreach(A.member_opts, lambda to: cell(frm, to))))),
                    size="1", id="wf-matrix"), overflow_x="auto", width="100%"),
                rx.button(S.tr["workflow.save_transitions"], on_click=A.save_transitions,
                          id="wf-trans-save"),
                spacing="2", width="100%",
            ),
        ),
        spacing="2", width="100%",
    )


@page(routes.ADMIN_WORKFLOW, title_key="page.admin_workflow", roles=routes.STAFF,
      permission=permissions.CONFIG_WORKFLOW,
      on_load=A.on_load, max_width="1100px")
def admin_workflow_page() -> rx.Component:
    return rx.fragment(
        rx.vstack(
            rx.heading(S.tr["workflow.admin_title"], size="5"),
            error_callout(A.error),
            rx.cond(A.message != "", rx.callout(A.message, color_scheme="green", size="1",
                                                id="admin-message")),
            rx.card(rx.vstack(
                rx.hstack(rx.heading(S.tr["workflow.statuses"], size="4"), rx.spacer(),
                          rx.button(S.tr["admin.new"], size="1", on_click=A.new_status,
                                    id="st-new"), width="100%"),
                rx.vstack(rx.foreach(A.status_rows, lambda r: config_row(
                    r.title, r.detail, A.edit_status(r.id), "st-edit-" + r.id, active=r.active,
                    marker=rx.badge(" ", color_scheme=r.colour, variant="solid",
                                    radius="full"))), width="100%", spacing="0",
                          id="st-rows"),
                _status_form(),
                spacing="3", width="100%",
            ), width="100%"),
            rx.card(rx.vstack(
                rx.heading(S.tr["workflow.per_contract"], size="4"),
                pick_field(S.tr["sla.contract"], A.contract_opts,
                           rx.cond(A.w_contract == "", "all", A.w_contract),
                           A.choose_contract, "wf-contract", S.tr["admin.choose"],
                           error=A.form_errors.get("contract", ""), required=True),
                rx.cond(A.w_contract != "",
                        rx.vstack(
                            rx.cond(A.w_contract != "default", _set_editor()),
                            _matrix(),
                            spacing="4", width="100%")),
                spacing="3", width="100%",
            ), width="100%"),
            spacing="4", width="100%",
        )
    )
