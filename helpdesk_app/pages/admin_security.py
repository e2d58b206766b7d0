"""/admin/security: 2FA required per role, reset a user's factors, alert subscription."""

from __future__ import annotations

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.components.layout import error_callout
from helpdesk_app.components.page import page
from helpdesk_app.state.admin_security import AdminSecurityState as A
from helpdesk_app.state.admin_security import RoleRow
from helpdesk_app.state.session import SessionState as S


def _role(r: RoleRow) -> rx.Component:
    return rx.hstack(
        rx.checkbox(checked=r.required, on_change=lambda on: A.set_required(r.role, on),
                    id="req-" + r.role),
        rx.text(r.label, size="2"), align="center",
    )


@page(routes.ADMIN_SECURITY, title_key="page.admin_security", roles=routes.ADMINS,
      on_load=A.on_load, max_width="720px")
def admin_security_page() -> rx.Component:
    return rx.vstack(
        rx.heading(S.tr["signin.admin_title"], size="5"),
        error_callout(A.error),
        rx.cond(A.info != "", rx.callout(A.info, icon="check", color_scheme="green", size="1",
                                         id="admsec-info")),
        rx.card(rx.vstack(
            rx.heading(S.tr["signin.require_2fa"], size="3"),
            rx.text(S.tr["signin.require_2fa_help"], size="2", color_scheme="gray"),
            rx.foreach(A.roles, _role),
            spacing="2", width="100%"), width="100%"),
        rx.card(rx.form(rx.vstack(
            rx.heading(S.tr["signin.reset_factors"], size="3"),
            rx.text(S.tr["signin.reset_factors_help"], size="2", color_scheme="gray"),
            rx.input(id="admsec-email", name="email", type="email", width="100%",
                     placeholder="name@example.com"),
            rx.button(S.tr["signin.reset_factors"], type="submit", id="admsec-reset",
                      color_scheme="red", variant="outline"),
            spacing="2", width="100%"),
            on_submit=A.reset_factors, reset_on_submit=False), width="100%"),
        rx.card(rx.hstack(
            rx.checkbox(checked=A.subscribed, on_change=A.set_subscribed, id="admsec-subscribe"),
            rx.text(S.tr["signin.subscribe_alerts"], size="2"), align="center"), width="100%"),
        spacing="3", width="100%",
    )
