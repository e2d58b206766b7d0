"""Admin: the audit log (/admin/audit). A wide table scrolls inside its own box, so the
page fits a 390 px phone as well as a 1440 px screen."""

from __future__ import annotations

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.components.admin_form import pick_field, text_field
from helpdesk_app.components.layout import error_callout
from helpdesk_app.components.page import page
from helpdesk_app.state.admin_audit import AdminAuditState as A
from helpdesk_app.state.admin_audit import AuditRow
from helpdesk_app.state.session import SessionState as S

_ROW = {"direction": rx.breakpoints(initial="column", md="row"), "gap": "0.75em",
        "width": "100%", "align": rx.breakpoints(initial="stretch", md="end")}


def _filters() -> rx.Component:
    return rx.form(
        rx.flex(
            pick_field(S.tr["audit.filter.area"], A.areas, A.area, A.set_value("area"),
                       "audit-area", S.tr["audit.filter.all_areas"]),
            text_field(S.tr["audit.filter.text"], A.text, A.set_value("text"), "audit-text",
                       placeholder=S.tr["audit.filter.text_placeholder"], type="search"),
            text_field(S.tr["audit.filter.from"], A.day_from, A.set_value("day_from"),
                       "audit-from", error=A.form_errors.get("day_from", "")),
            text_field(S.tr["audit.filter.to"], A.day_to, A.set_value("day_to"), "audit-to",
                       error=A.form_errors.get("day_to", "")),
            rx.hstack(
                rx.button(S.tr["audit.filter.apply"], type="submit", id="audit-apply"),
                rx.cond(A.filtered, rx.button(S.tr["audit.filter.clear"], type="button",
                                              variant="soft", on_click=A.clear,
                                              id="audit-clear")),
                flex_shrink="0",
            ),
            **_ROW,
        ),
        on_submit=A.apply, reset_on_submit=False, width="100%",
    )


def _row(r: AuditRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(r.at, size="1", white_space="nowrap")),
        rx.table.cell(rx.text(r.actor, size="1")),
        rx.table.cell(rx.text(r.action_label, size="2", weight="medium", title=r.action)),
        rx.table.cell(rx.text(r.target, size="1")),
        rx.table.cell(rx.text(r.details, size="1", color_scheme="gray",
                              class_name="pm-audit-details")),
        rx.table.cell(rx.text(r.address, size="1", color_scheme="gray")),
        custom_attrs={"data-action": r.action}, class_name="pm-audit-row",
    )


def _table() -> rx.Component:
    head = rx.table.header(rx.table.row(*[
        rx.table.column_header_cell(S.tr[f"audit.col.{k}"])
        for k in ("at", "actor", "action", "target", "details", "address")]))
    return rx.box(
        rx.table.root(head, rx.table.body(rx.foreach(A.rows, _row)), size="1",
                      width="100%", id="audit-table"),
        overflow="auto", width="100%",
    )


def _empty() -> rx.Component:
    return rx.text(rx.cond(A.filtered, S.tr["audit.empty_filtered"], S.tr["audit.empty"]),
                   size="3", id="audit-empty", padding="2em 0", text_align="center",
                   width="100%")


def _pager() -> rx.Component:
    return rx.cond(
        A.pages > 1,
        rx.hstack(
            rx.button("←", S.tr["audit.prev"], on_click=A.go_page(A.page - 1),
                      disabled=A.page <= 1, variant="soft", id="audit-prev"),
            rx.text(S.tr["audit.page"], " ", A.page, " / ", A.pages, size="2",
                    id="audit-page"),
            rx.button(S.tr["audit.next"], "→", on_click=A.go_page(A.page + 1),
                      disabled=A.page >= A.pages, variant="soft", id="audit-next"),
            width="100%", justify="between", align="center",
        ),
    )


@page(routes.ADMIN_AUDIT, title_key="page.admin_audit", roles=routes.ADMINS,
      on_load=A.on_load, max_width="1300px")
def admin_audit_page() -> rx.Component:
    return rx.fragment(
        rx.vstack(
            rx.hstack(
                rx.heading(S.tr["audit.title"], size="5"),
                rx.spacer(),
                # a real link (styled as a button): the browser downloads with the cookie
                rx.button(rx.el.a(S.tr["audit.export"], href=A.export_href, id="audit-export",
                                  download="audit.csv"), as_child=True, variant="soft"),
                width="100%", align="center", wrap="wrap",
            ),
            rx.text(S.tr["audit.help"], size="2", color_scheme="gray"),
            _filters(),
            error_callout(A.error),
            rx.text(A.total_label, size="2", color_scheme="gray", id="audit-total"),
            rx.cond(A.rows.length() == 0, _empty(), _table()),
            _pager(),
            spacing="3", width="100%",
        )
    )
