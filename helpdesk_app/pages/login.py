from __future__ import annotations

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.components.layout import error_callout, lang_switch
from helpdesk_app.components.page import page
from helpdesk_app.state.session import LoginState as L
from helpdesk_app.state.session import SessionState as S

# Until the page is connected a submit would be the browser's own: a GET of this URL with
# the e-mail and password in the query string (history, proxy logs). So the buttons wait.
_NOT_READY = ~rx.State.is_hydrated


def _password_step() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text(rx.cond(L.by_login, S.tr["login.email_or_login"], S.tr["login.email"]),
                    as_="label", size="2", custom_attrs={"htmlFor": "email"}),
            # with a directory the login may be a user name (jkowalski), not an address
            rx.input(id="email", name="email", type=rx.cond(L.by_login, "text", "email"),
                     default_value=L.email, auto_complete="username", required=True,
                     width="100%", input_mode="email"),
            rx.text(S.tr["login.password"], as_="label", size="2",
                    custom_attrs={"htmlFor": "password"}),
            rx.input(id="password", name="password", type="password",
                     auto_complete="current-password", required=True, width="100%"),
            rx.button(S.tr["login.submit"], id="login-submit", type="submit", width="100%",
                      disabled=_NOT_READY),
            rx.link(S.tr["login.forgot"], href=routes.RESET, size="2", id="forgot-password"),
            spacing="3", width="100%",
        ),
        on_submit=L.submit,
        reset_on_submit=False,
    )


def _code_form(label, submit_id: str) -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text(label, as_="label", size="2", custom_attrs={"htmlFor": "code"}),
            rx.input(id="code", name="code", auto_complete="one-time-code",
                     input_mode=rx.cond(L.method == "recovery", "text", "numeric"),
                     required=True, width="100%"),
            rx.button(S.tr["signin.verify"], id=submit_id, type="submit", width="100%",
                      disabled=_NOT_READY),
            spacing="2", width="100%",
        ),
        on_submit=L.submit_code,
        reset_on_submit=True,
    )


def _method_link(method: str) -> rx.Component:
    return rx.cond(
        L.methods.contains(method) & (L.method != method),
        # buttons, not links: a link would navigate (and the page's on_load start over)
        rx.button(S.tr[f"signin.use_{method}"], on_click=L.choose_method(method),
                  id=f"use-{method}", type="button", variant="ghost", size="2"),
    )


def _factor_step() -> rx.Component:
    return rx.vstack(
        rx.text(S.tr["signin.second_step"], size="3", weight="medium"),
        rx.cond(L.info != "", rx.callout(L.info, icon="mail", size="1", id="signin-info")),
        rx.match(
            L.method,
            ("totp", _code_form(S.tr["signin.totp_label"], "code-submit")),
            ("email", rx.vstack(
                rx.button(S.tr["signin.send_code"], on_click=L.send_code, id="send-code",
                          variant="outline", type="button", width="100%"),
                _code_form(S.tr["signin.email_label"], "code-submit"),
                spacing="2", width="100%")),
            _code_form(S.tr["signin.recovery_label"], "code-submit"),
        ),
        _method_link("totp"),
        _method_link("email"),
        _method_link("recovery"),
        rx.button(S.tr["signin.start_again_link"], on_click=L.start_again, id="start-again",
                  type="button", variant="ghost", color_scheme="gray", size="2"),
        spacing="3", width="100%",
    )


def _enrol_step() -> rx.Component:
    return rx.vstack(
        rx.text(S.tr["signin.enrol_required"], size="2", id="enrol-required"),
        rx.center(rx.image(src=L.qr, alt=S.tr["signin.qr_alt"], width="200px",
                           height="200px", id="enrol-qr"), width="100%"),
        rx.text(S.tr["signin.secret_label"], size="1", color_scheme="gray"),
        rx.code(L.secret, id="enrol-secret", word_break="break-all"),
        _code_form(S.tr["signin.totp_label"], "enrol-submit"),
        spacing="3", width="100%",
    )


def recovery_codes(codes) -> rx.Component:
    """Recovery codes as shown once (sign-in enrolment and the security page)."""
    return rx.vstack(
        rx.text(S.tr["signin.codes_once"], size="2", weight="medium"),
        rx.grid(rx.foreach(codes, lambda c: rx.code(c, class_name="pm-recovery-code")),
                columns="2", spacing="2", id="recovery-codes", width="100%"),
        spacing="2", width="100%",
    )


def _codes_step() -> rx.Component:
    return rx.vstack(
        recovery_codes(L.codes),
        rx.button(S.tr["signin.codes_saved"], on_click=L.codes_saved, id="codes-saved",
                  width="100%"),
        spacing="3", width="100%",
    )


@page(routes.LOGIN, title_key="page.login", roles=routes.PUBLIC, on_load=L.on_load, layout=False)
def login_page() -> rx.Component:
    return rx.center(
        rx.card(
            rx.vstack(
                rx.hstack(rx.heading("Pomocnik", size="6"), rx.spacer(), lang_switch(),
                          width="100%"),
                rx.text(S.tr["login.title"], size="3", color_scheme="gray"),
                error_callout(L.error),
                rx.match(
                    L.step,
                    ("factor", _factor_step()),
                    ("enrol", _enrol_step()),
                    ("codes", _codes_step()),
                    _password_step(),
                ),
                spacing="3", width="100%",
            ),
            width="100%", max_width="400px",
        ),
        min_height="100vh", padding="1em",
    )


@page(routes.HOME, title_key="", roles=routes.PUBLIC, on_load=S.check_home, layout=False)
def index_page() -> rx.Component:
    return rx.center(rx.spinner(), min_height="60vh")
