"""/settings/security: change password, second factors, recovery codes, my sessions.
Phone-friendly: one column of cards, the sessions as stacked rows."""

from __future__ import annotations

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.components.layout import error_callout
from helpdesk_app.components.page import page
from helpdesk_app.pages.login import recovery_codes
from helpdesk_app.state.security_settings import SecurityState as P
from helpdesk_app.state.security_settings import SessionRow
from helpdesk_app.state.session import SessionState as S


def _field(label_key: str, name: str, auto: str) -> rx.Component:
    return rx.vstack(
        rx.text(S.tr[label_key], as_="label", size="2", html_for="sec-" + name),
        rx.input(id="sec-" + name, name=name, type="password", auto_complete=auto,
                 width="100%"),
        rx.cond(P.form_errors.contains(name),
                rx.text(P.form_errors[name], size="1", color_scheme="red",
                        class_name="pm-field-error", id=f"sec-{name}-error")),
        spacing="1", width="100%",
    )


def _password_card() -> rx.Component:
    return rx.card(rx.form(
        rx.vstack(
            rx.heading(S.tr["signin.change_password"], size="3"),
            _field("signin.current_password", "current", "current-password"),
            _field("signin.new_password", "new", "new-password"),
            _field("signin.repeat_password", "repeat", "new-password"),
            rx.button(S.tr["signin.change_password"], type="submit", id="sec-change"),
            spacing="2", width="100%",
        ),
        on_submit=P.change_password, reset_on_submit=False,
    ), width="100%")


def _state_line(on, label_key: str, test_id: str) -> rx.Component:
    return rx.hstack(
        rx.text(S.tr[label_key], size="2", weight="medium"),
        rx.badge(rx.cond(on, S.tr["signin.on"], S.tr["signin.off"]),
                 color_scheme=rx.cond(on, "green", "gray"), id=test_id),
        align="center", wrap="wrap",
    )


def _enrolment() -> rx.Component:
    return rx.vstack(
        rx.text(S.tr["signin.scan_qr"], size="2"),
        rx.image(src=P.qr, alt=S.tr["signin.qr_alt"], width="200px", height="200px",
                 id="sec-qr"),
        rx.text(S.tr["signin.secret_label"], size="1", color_scheme="gray"),
        rx.code(P.secret, id="sec-secret", word_break="break-all"),
        rx.form(
            rx.hstack(
                rx.input(id="sec-code", name="code", auto_complete="one-time-code",
                         input_mode="numeric", placeholder="123456", width="10em"),
                rx.button(S.tr["signin.verify"], type="submit", id="sec-confirm"),
                rx.button(S.tr["signin.cancel"], type="button", variant="outline",
                          on_click=P.cancel_totp),
                wrap="wrap",
            ),
            on_submit=P.confirm_totp, reset_on_submit=True,
        ),
        spacing="2", width="100%",
    )


def _factors_card() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading(S.tr["signin.two_factor"], size="3"),
        rx.cond(P.required, rx.text(S.tr["signin.required_for_you"], size="2",
                                    color_scheme="amber")),
        rx.text(S.tr["signin.confirm_with_password"], as_="label", size="2",
                html_for="sec-factor-password"),
        rx.input(id="sec-factor-password", type="password", auto_complete="current-password",
                 on_change=P.set_factor_password, width="100%", max_width="20em"),
        _state_line(P.totp_on, "signin.totp", "sec-totp-state"),
        rx.cond(
            P.totp_on,
            rx.button(S.tr["signin.disable"], on_click=P.disable("totp"), id="sec-totp-off",
                      variant="outline", color_scheme="red", size="1"),
            rx.cond(P.enrolling, _enrolment(),
                    rx.button(S.tr["signin.set_up_totp"], on_click=P.start_totp,
                              id="sec-totp-on", size="1")),
        ),
        _state_line(P.email_on, "signin.email_factor", "sec-email-state"),
        rx.cond(
            P.email_on,
            rx.button(S.tr["signin.disable"], on_click=P.disable("email"), id="sec-email-off",
                      variant="outline", color_scheme="red", size="1"),
            rx.button(S.tr["signin.enable_email"], on_click=P.enable_email, id="sec-email-on",
                      size="1"),
        ),
        rx.hstack(
            rx.text(S.tr["signin.recovery_left"], size="2"),
            rx.text(P.recovery_left, size="2", weight="bold", id="sec-recovery-left"),
            rx.button(S.tr["signin.new_codes"], on_click=P.new_codes, id="sec-new-codes",
                      size="1", variant="outline", disabled=~(P.totp_on | P.email_on)),
            align="center", wrap="wrap",
        ),
        rx.cond(P.codes.length() > 0, recovery_codes(P.codes)),
        spacing="3", width="100%",
    ), width="100%")


def _session(r: SessionRow) -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.hstack(rx.text(r.device, size="2", weight="medium"),
                      rx.cond(r.current, rx.badge(S.tr["signin.this_session"],
                                                  color_scheme="green")),
                      wrap="wrap"),
            rx.text(r.address + " · " + S.tr["signin.last_seen"] + " " + r.last_seen,
                    size="1", color_scheme="gray"),
            spacing="0", min_width="0",
        ),
        rx.spacer(),
        rx.cond(~r.current, rx.button(S.tr["signin.sign_out_this"], size="1",
                                      variant="outline", on_click=P.end_session(r.id))),
        class_name="pm-session-row", custom_attrs={"data-session": r.id},
        align="center", gap="2", wrap="wrap", width="100%",
        border_bottom="1px solid var(--gray-4)", padding_y="0.4em",
    )


def _sessions_card() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading(S.tr["signin.my_sessions"], size="3"),
        rx.vstack(rx.foreach(P.sessions, _session), spacing="0", width="100%",
                  id="sec-sessions"),
        rx.button(S.tr["signin.sign_out_others"], on_click=P.end_others, id="sec-end-others",
                  variant="outline", size="1"),
        spacing="2", width="100%",
    ), width="100%")


@page(routes.SETTINGS_SECURITY, title_key="page.security_settings", roles=routes.ANYONE,
      on_load=P.on_load, max_width="720px")
def security_settings_page() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading(S.tr["signin.security_title"], size="5"),
            rx.cond(S.user_role == "admin",
                    rx.link(S.tr["nav.admin_security"], href=routes.ADMIN_SECURITY,
                            id="sec-admin-link", size="2")),
            justify="between", align="center", width="100%", wrap="wrap"),
        error_callout(P.error),
        rx.cond(P.info != "", rx.callout(P.info, icon="check", color_scheme="green", size="1",
                                         id="sec-info")),
        _password_card(),
        _factors_card(),
        _sessions_card(),
        spacing="3", width="100%",
    )
