from __future__ import annotations

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.components.layout import error_callout, lang_switch
from helpdesk_app.components.page import page
from helpdesk_app.state.session import LoginState as L
from helpdesk_app.state.session import SessionState as S


@page(routes.LOGIN, title_key="page.login", roles=routes.PUBLIC, on_load=L.on_load, layout=False)
def login_page() -> rx.Component:
    return rx.center(
        rx.card(
            rx.form(
                rx.vstack(
                    rx.hstack(rx.heading("Pomocnik", size="6"), rx.spacer(), lang_switch(),
                              width="100%"),
                    rx.text(S.tr["login.title"], size="3", color_scheme="gray"),
                    error_callout(L.error),
                    rx.text(S.tr["login.email"], as_="label", size="2", html_for="email"),
                    rx.input(id="email", name="email", type="email", default_value=L.email,
                             auto_complete="username", required=True, width="100%"),
                    rx.text(S.tr["login.password"], as_="label", size="2",
                            html_for="password"),
                    rx.input(id="password", name="password", type="password",
                             auto_complete="current-password", required=True, width="100%"),
                    rx.button(S.tr["login.submit"], id="login-submit", type="submit",
                              width="100%"),
                    rx.link(S.tr["login.forgot"], href=routes.RESET, size="2",
                            id="forgot-password"),
                    spacing="3", width="100%",
                ),
                on_submit=L.submit,
                reset_on_submit=False,
            ),
            width="100%", max_width="400px",
        ),
        min_height="100vh", padding="1em",
    )


@page(routes.HOME, title_key="", roles=routes.PUBLIC, on_load=S.check_home, layout=False)
def index_page() -> rx.Component:
    return rx.center(rx.spinner(), min_height="60vh")
