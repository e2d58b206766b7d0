"""Admin: personal data (RODO) — export, erasure, retention."""

from __future__ import annotations

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.components.admin_form import text_field
from helpdesk_app.components.layout import error_callout
from helpdesk_app.components.page import page
from helpdesk_app.state.admin_privacy import AdminPrivacyState as A
from helpdesk_app.state.session import SessionState as S


def _find() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading(S.tr["privacy.person"], size="4"),
        rx.flex(
            text_field(S.tr["privacy.email"], A.p_email, A.set_value("p_email"), "pv-email",
                       placeholder="jan.kowalski@firma.pl", auto_complete="off"),
            rx.button(S.tr["privacy.find"], on_click=A.find, id="pv-find", align_self="end"),
            gap="0.75em", width="100%", direction=rx.breakpoints(initial="column", md="row")),
        rx.cond(A.p_id != "", rx.vstack(
            rx.text(A.p_name, " · ", A.p_address, weight="medium", id="pv-person"),
            rx.text(A.p_role, " · ", A.p_org, " · ",
                    rx.cond(A.p_active, S.tr["privacy.active"], S.tr["privacy.inactive"]),
                    size="1", color_scheme="gray"),
            spacing="1")),
        rx.cond(A.erased != "", rx.callout(A.message, icon="circle_check",
                                           color_scheme="green", id="pv-erased")),
        spacing="3", width="100%"), width="100%")


def _export() -> rx.Component:
    job = A.export
    return rx.card(rx.vstack(
        rx.heading(S.tr["privacy.export"], size="4"),
        rx.text(S.tr["privacy.export_help"], size="1", color_scheme="gray"),
        rx.flex(
            rx.button(S.tr["privacy.export_start"], on_click=A.start_export, id="pv-export",
                      disabled=job.running | (A.p_id == "")),
            rx.cond(job.running, rx.progress(
                value=rx.cond(job.total > 0, job.done * 100 / job.total, 0), width="10em",
                id="pv-export-progress")),
            rx.cond(job.href != "", rx.link(S.tr["reports.download"], href=job.href,
                                            id="pv-export-download", reload_document=True,
                                            download="")),
            rx.cond(job.error != "", rx.text(job.error, color_scheme="red", size="1")),
            gap="0.75em", align="center", wrap="wrap"),
        spacing="3", width="100%"), width="100%")


def _erasure() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading(S.tr["privacy.erasure"], size="4"),
        rx.text(S.tr["privacy.erasure_help"], size="1", color_scheme="gray"),
        rx.button(S.tr["privacy.preview"], on_click=A.preview_erasure, variant="soft",
                  id="pv-preview", disabled=A.p_id == ""),
        rx.cond(A.plan_lines.length() > 0, rx.vstack(
            rx.box(rx.foreach(A.plan_lines, lambda line: rx.text(line, size="1")),
                   id="pv-plan"),
            text_field(S.tr["privacy.confirm"], A.p_confirm, A.set_value("p_confirm"),
                       "pv-confirm", auto_complete="off"),
            rx.button(S.tr["privacy.erase"], color_scheme="red", on_click=A.erase,
                      id="pv-erase"),
            spacing="2", width="100%")),
        spacing="3", width="100%"), width="100%")


def _retention() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading(S.tr["privacy.retention"], size="4"),
        rx.foreach(A.retention_lines, lambda line: rx.text(line, size="2")),
        rx.text(S.tr["privacy.retention_help"], size="1", color_scheme="gray"),
        spacing="2", width="100%", id="pv-retention"), width="100%")


@page(routes.ADMIN_PRIVACY, title_key="page.admin_privacy", roles=routes.ADMINS,
      on_load=A.on_load, max_width="1000px")
def admin_privacy_page() -> rx.Component:
    return rx.vstack(
        rx.heading(S.tr["privacy.title"], size="5"),
        error_callout(A.error),
        _find(), _export(), _erasure(), _retention(),
        spacing="4", width="100%")
