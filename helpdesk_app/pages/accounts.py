"""Public account pages (i12-setup): first-run setup, invitation, forgotten password."""

from __future__ import annotations

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.components.admin_form import field_error, field_label
from helpdesk_app.components.layout import error_callout, lang_switch
from helpdesk_app.components.page import page
from helpdesk_app.state.accounts import InviteState, ResetRequestState, ResetState, SetupState
from helpdesk_app.state.session import SessionState as S


def _card(*children: rx.Component, max_width: str = "420px") -> rx.Component:
    return rx.center(
        rx.card(
            rx.vstack(
                rx.hstack(rx.heading("Pomocnik", size="6"), rx.spacer(), lang_switch(),
                          width="100%"),
                *children,
                spacing="3", width="100%",
            ),
            width="100%", max_width=max_width,
        ),
        min_height="100vh", padding="1em",
    )


def _input(state, name: str, label_key: str, id: str, *, type: str = "text",
           default=None, auto_complete: str = "off") -> rx.Component:
    kw = {} if default is None else {"default_value": default}
    return rx.vstack(
        field_label(S.tr[label_key], id, required=True),
        rx.input(id=id, name=name, type=type, auto_complete=auto_complete, width="100%",
                 **kw),
        field_error(state.form_errors.get(name, ""), id),
        spacing="1", width="100%",
    )


def _passwords(state) -> list[rx.Component]:
    return [
        _input(state, "password", "account.new_password", "new-password", type="password",
               auto_complete="new-password"),
        rx.text(state.password_hint, size="1", color_scheme="gray"),
        _input(state, "repeat", "account.repeat_password", "repeat-password",
               type="password", auto_complete="new-password"),
    ]


def _to_login(text_key: str) -> rx.Component:
    return rx.vstack(
        rx.callout(S.tr[text_key], icon="check", color_scheme="green", role="status",
                   id="account-done"),
        rx.link(rx.button(S.tr["account.to_login"], id="to-login", width="100%"),
                href=routes.LOGIN, width="100%"),
        spacing="3", width="100%",
    )


@page(routes.SETUP, title_key="page.setup", roles=routes.PUBLIC, on_load=SetupState.on_load,
      layout=False)
def setup_page() -> rx.Component:
    st = SetupState
    form = rx.form(
        rx.vstack(
            rx.text(S.tr["setup.intro"], size="2", color_scheme="gray"),
            error_callout(st.error),
            _input(st, "provider_name", "setup.provider_name", "setup-provider",
                   default=st.provider_name, auto_complete="organization"),
            _input(st, "admin_name", "setup.admin_name", "setup-name", default=st.admin_name,
                   auto_complete="name"),
            _input(st, "admin_email", "setup.admin_email", "setup-email", type="email",
                   default=st.admin_email, auto_complete="username"),
            *_passwords(st),
            rx.vstack(
                field_label(S.tr["setup.language"], "setup-language"),
                rx.el.select(
                    rx.el.option(S.tr["lang.pl"], value="pl"),
                    rx.el.option(S.tr["lang.en"], value="en"),
                    id="setup-language", name="language", default_value=st.language,
                    class_name="rt-reset rt-SelectTrigger rt-r-size-2 rt-variant-surface",
                    width="100%",
                ),
                field_error(st.form_errors.get("language", ""), "setup-language"),
                spacing="1", width="100%",
            ),
            _input(st, "timezone", "setup.timezone", "setup-timezone", default=st.timezone),
            rx.button(S.tr["setup.submit"], id="setup-submit", type="submit", width="100%"),
            spacing="3", width="100%",
        ),
        on_submit=st.submit, reset_on_submit=False, width="100%",
    )
    return _card(rx.heading(S.tr["setup.title"], size="4"),
                 rx.cond(st.done, _to_login("setup.done"), form), max_width="520px")


def _link_page(state, *, submit_key: str, invalid: rx.Component) -> rx.Component:
    form = rx.form(
        rx.vstack(
            rx.text(state.intro_text, size="2", color_scheme="gray"),
            error_callout(state.error),
            *_passwords(state),
            rx.button(S.tr[submit_key], id="password-submit", type="submit", width="100%"),
            spacing="3", width="100%",
        ),
        on_submit=state.submit, reset_on_submit=False, width="100%",
    )
    gone = rx.vstack(
        rx.callout(rx.cond(state.error != "", state.error, S.tr["account.link_invalid"]),
                   icon="triangle_alert", color_scheme="red", role="alert", id="link-invalid"),
        invalid,
        spacing="3", width="100%",
    )
    return _card(rx.heading(state.title_text, size="4", id="account-heading"),
                 rx.cond(state.done, _to_login("account.done"),
                         rx.cond(state.valid, form, gone)))


@page(routes.INVITE_PAGE, title_key="page.invite", roles=routes.PUBLIC,
      on_load=InviteState.on_load, layout=False)
def invite_page() -> rx.Component:
    st = InviteState
    return _link_page(
        st,
        submit_key="invite.submit",
        invalid=rx.text(S.tr["invite.invalid"], size="2"),
    )


@page(routes.RESET_PAGE, title_key="page.reset_password", roles=routes.PUBLIC,
      on_load=ResetState.on_load, layout=False)
def reset_password_page() -> rx.Component:
    st = ResetState
    return _link_page(
        st,
        submit_key="reset.form_submit",
        invalid=rx.link(S.tr["reset.request_new"], href=routes.RESET, id="request-new"),
    )


@page(routes.RESET, title_key="page.reset", roles=routes.PUBLIC,
      on_load=ResetRequestState.on_load, layout=False)
def reset_request_page() -> rx.Component:
    st = ResetRequestState
    form = rx.form(
        rx.vstack(
            rx.text(S.tr["reset.intro"], size="2", color_scheme="gray"),
            rx.text(S.tr["reset.email"], as_="label", size="2", html_for="reset-email"),
            rx.input(id="reset-email", name="email", type="email", auto_complete="username",
                     required=True, width="100%"),
            rx.button(S.tr["reset.submit"], id="reset-submit", type="submit", width="100%"),
            spacing="3", width="100%",
        ),
        on_submit=st.submit, reset_on_submit=False, width="100%",
    )
    sent = rx.callout(st.sent_message, icon="mail", color_scheme="green", role="status",
                      id="reset-sent")
    return _card(
        rx.heading(S.tr["reset.title"], size="4"),
        rx.cond(st.sent, sent, form),
        rx.link(S.tr["reset.back"], href=routes.LOGIN, size="2", id="back-to-login"),
    )
