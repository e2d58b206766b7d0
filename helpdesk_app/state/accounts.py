"""Public account pages: first-run setup, accepting an invitation, "forgot password" and
setting a new password from a reset link (i12-setup).

Nobody is signed in on these pages, so the handlers do not use the `handler` toolkit
(which requires an actor): each opens a bare unit of work and re-checks, on the server,
what the page is for (no user yet; a valid link). The link token is read from the URL on
every event and never kept in state. Passwords are read from the submitted form, hashed
in a worker thread (argon2 would hold up every other tab of this worker), and never
stored in state either.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import ClassVar

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.config import get_settings
from helpdesk_app.domain import invitations, password_reset, passwords, setup
from helpdesk_app.domain.errors import DomainError, FormInvalid
from helpdesk_app.state.session import LoginState, SessionState
from helpdesk_app.state.toolkit import bare_session

log = logging.getLogger(__name__)
# One thread for "forgot password" mails (rare; one at a time is plenty and bounds the work
# a flood of requests can cause).
RESET_MAILER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pomocnik-reset")


def _request_reset(email: str) -> None:
    try:
        with bare_session() as db:
            password_reset.request_reset(db, email)
    except Exception:  # logged; the visitor already has the neutral answer
        log.exception("password reset request failed")


class _AccountForm(rx.State, mixin=True):
    """What every account form page shows: a message, field errors, the "done" panel.
    A mixin (not a parent state): each page keeps its own copy of these vars."""

    error: str = ""
    form_errors: dict[str, str] = {}
    done: bool = False
    # Set on load (a language switch re-runs it), not a computed var: one that reads
    # SessionState's `ui_lang` makes every tab's event load this page's state too
    # (with Redis: one more read and unpickle each; docs/architecture.md, "Tab state").
    password_hint: str = ""

    def _load_hint(self) -> None:
        self.password_hint = self._t("account.password_hint", min=passwords.min_length())

    def _clear(self) -> None:
        self.error, self.form_errors, self.done = "", {}, False

    def _refused(self, e: DomainError) -> None:
        if isinstance(e, FormInvalid):
            self.form_errors = self._field_errors(e)
            self.error = ""
        else:
            self.form_errors = {}
            self.error = self._err(e)

    async def _prefill_login(self, email: str) -> None:
        (await self.get_state(LoginState)).email = email


class SetupState(_AccountForm, SessionState):
    provider_name: str = ""
    admin_name: str = ""
    admin_email: str = ""
    language: str = get_settings().default_language
    timezone: str = get_settings().default_timezone

    @rx.event
    def on_load(self):
        self.error, self.form_errors = "", {}
        self._load_hint()
        if self.done:
            return None
        with bare_session() as db:
            if not setup.needs_setup(db):
                return rx.redirect(routes.LOGIN)
        return None

    @rx.event
    async def submit(self, form: dict):
        value = {k: str(form.get(k, "") or "") for k in (
            "provider_name", "admin_name", "admin_email", "password", "repeat", "language",
            "timezone")}
        self.provider_name, self.admin_name = value["provider_name"], value["admin_name"]
        self.admin_email = value["admin_email"]
        self.language, self.timezone = value["language"], value["timezone"]
        data = setup.SetupForm(value["provider_name"], value["admin_name"],
                               value["admin_email"], value["password"], value["repeat"],
                               value["language"], value["timezone"])

        def work() -> str:
            with bare_session() as db:
                return setup.complete_setup(db, data).email

        try:
            email = await asyncio.to_thread(work)
        except DomainError as e:
            self._refused(e)
            return None
        self._clear()
        self.done = True
        if value["language"] in ("pl", "en"):
            self.ui_lang = value["language"]
        await self._prefill_login(email)
        return None


class _LinkPage(rx.State, mixin=True):
    """A page reached from a one-time link (/invite/<token>, /reset/<token>)."""

    _title_key: ClassVar[str] = ""
    _intro_key: ClassVar[str] = ""
    _gone_key: ClassVar[str] = ""  # the heading when the link is no good
    valid: bool = False
    title_text: str = ""
    intro_text: str = ""

    def _token(self) -> str:
        return str(self.router._page.params.get("token", "") or "")

    def _lookup(self, db, token: str):  # the account the link belongs to, or None
        raise NotImplementedError

    def _redeem(self, db, token: str, password: str, repeat: str):
        raise NotImplementedError

    @rx.event
    def on_load(self):
        self._clear()
        self._load_hint()
        with bare_session() as db:
            user = self._lookup(db, self._token())
            self.valid = user is not None
            name, email = (user.full_name, user.email) if user else ("", "")
        self.title_text = self._t(self._title_key if user else self._gone_key, name=name)
        self.intro_text = self._t(self._intro_key, email=email) if email else ""

    async def _submit(self, form: dict):
        token = self._token()
        password = str(form.get("password", "") or "")
        repeat = str(form.get("repeat", "") or "")

        def work() -> str:
            with bare_session() as db:
                return self._redeem(db, token, password, repeat).email

        try:
            email = await asyncio.to_thread(work)
        except DomainError as e:
            self._refused(e)
            if not isinstance(e, FormInvalid):
                self.valid = False  # the link is gone: the form goes with it
            return None
        self._clear()
        self.done = True
        await self._prefill_login(email)
        return None


class InviteState(_LinkPage, _AccountForm, SessionState):
    _title_key: ClassVar[str] = "invite.title"
    _intro_key: ClassVar[str] = "invite.intro"
    _gone_key: ClassVar[str] = "page.invite"

    def _lookup(self, db, token: str):
        return invitations.invitee(db, token)

    def _redeem(self, db, token: str, password: str, repeat: str):
        return invitations.accept(db, token, password, repeat)

    @rx.event
    async def submit(self, form: dict):
        return await self._submit(form)


class ResetState(_LinkPage, _AccountForm, SessionState):
    _title_key: ClassVar[str] = "reset.form_title"
    _intro_key: ClassVar[str] = "reset.form_intro"
    _gone_key: ClassVar[str] = "reset.form_title"

    def _lookup(self, db, token: str):
        return password_reset.account_for(db, token)

    def _redeem(self, db, token: str, password: str, repeat: str):
        return password_reset.complete(db, token, password, repeat)

    @rx.event
    async def submit(self, form: dict):
        return await self._submit(form)


class ResetRequestState(SessionState):
    sent: bool = False
    sent_message: str = ""  # set on load: see _AccountForm.password_hint

    @rx.event
    def on_load(self):
        self.sent = False
        self.sent_message = self._t("reset.sent",
                                    minutes=get_settings().accounts.reset_ttl_minutes)

    @rx.event
    def submit(self, form: dict):
        email = str(form.get("email", "") or "")[:320]
        # Answered at once, the mail prepared afterwards on one worker thread: neither the
        # answer nor how long it takes may tell whether the address has an account.
        RESET_MAILER.submit(_request_reset, email)
        self.sent = True
