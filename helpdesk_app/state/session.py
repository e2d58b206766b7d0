"""Who is logged in, in which language. The parent of every page state.

The browser holds only a random session token, in an HttpOnly cookie that no script can
read: POST /api/session sets it once every sign-in step passed (api/session.py), and the
state reads it from the cookie header of the tab's websocket handshake (server-side only).
Every event handler resolves it again through `domain.auth.resolve_session`, so a revoked
or expired session stops working on the next click, and nothing a browser sends can claim
another identity.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json

import reflex as rx
from sqlmodel import Session

from helpdesk_app import routes
from helpdesk_app.config import get_settings
from helpdesk_app.domain import access, auth, ldap_accounts, permissions, setup, signin
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.auth import SESSION_COOKIE
from helpdesk_app.domain.errors import DomainError, FormInvalid
from helpdesk_app.i18n import CATALOGS, LANGUAGES, format_datetime, t
from helpdesk_app.state import live
from helpdesk_app.state.toolkit import bare_session, unit_of_work


def _cookie(header: str, name: str) -> str:
    """One cookie's value from a Cookie header (a malformed neighbour does not hide it)."""
    for part in (header or "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value.strip().strip('"')
    return ""


# Signs the tab in: a form POST of the claim to the cookie route (a full navigation, so
# the next page's websocket carries the new HttpOnly cookie).
_CLAIM_JS = ("(() => {{ const f = document.createElement('form'); f.method = 'POST'; "
             "f.action = {action}; const i = document.createElement('input'); "
             "i.type = 'hidden'; i.name = 'claim'; i.value = {claim}; f.appendChild(i); "
             "document.body.appendChild(f); f.submit(); }})()")
_LOGOUT_JS = "fetch({action}, {{method: 'POST', credentials: 'same-origin'}})"


def _in_thread(fn, *args):
    """Run `fn(db, *args)` in a unit of work of its own (called via asyncio.to_thread)."""
    with bare_session() as db:
        return fn(db, *args)


class SessionState(rx.State):
    ui_lang: str = rx.LocalStorage(get_settings().default_language, name="pomocnik_lang")
    user_name: str = ""
    user_role: str = ""
    user_is_manager: bool = False
    user_tz: str = get_settings().default_timezone
    # what the nav may offer (domain/permissions.py keys); every page re-checks anyway
    user_perms: list[str] = []
    _user_id: int = 0

    @rx.var
    def tr(self) -> dict[str, str]:
        """The active catalog; pages read `SessionState.tr["key"]`."""
        return CATALOGS.get(self.ui_lang, CATALOGS["pl"])

    @rx.var
    def is_staff(self) -> bool:
        return self.user_role in ("admin", "coordinator", "technician")

    @rx.var
    def is_subcontractor(self) -> bool:
        return self.user_role == "subcontractor"

    @rx.var
    def is_agent(self) -> bool:
        """Uses the agent pages: staff, and subcontractors (on tickets handed to them)."""
        return self.user_role in ("admin", "coordinator", "technician", "subcontractor")

    @rx.var
    def logged_in(self) -> bool:
        return self.user_role != ""

    @property
    def token(self) -> str:
        """The session token: the HttpOnly cookie this tab's websocket handshake carried
        (server-side only; Reflex never sends the cookie header to the browser)."""
        return _cookie(self.router.headers.cookie, SESSION_COOKIE)

    @token.setter
    def token(self, value: str) -> None:
        # What the tab's connection now counts as its cookie: "" at sign-out; tests put a
        # token here the way a browser's handshake would.
        self.rx_router_headers = dataclasses.replace(
            self.router.headers, cookie=f"{SESSION_COOKIE}={value}" if value else "")

    # ---- helpers for substates (private: not callable from the browser)

    def _actor(self, db: Session) -> Actor | None:
        """Resolve the token again; clears the identity when the session is gone."""
        # a live refresh re-checks the actor too, but is not the person's activity
        actor = auth.resolve_session(db, self.token, touch=not live.in_pass())
        if actor is None:
            self._user_id, self.user_name, self.user_role = 0, "", ""
            self.user_perms = []
            self.user_is_manager = False
            return None
        self._remember(actor)
        return actor

    def _remember(self, actor: Actor) -> None:
        self._user_id = actor.user_id
        for name, value in (("user_name", actor.full_name), ("user_role", actor.role),
                            ("user_is_manager", actor.is_client_manager),
                            ("user_tz", actor.timezone),
                            ("user_perms", sorted(permissions.effective(actor)))):
            self._set(name, value)

    def _set(self, name: str, value: object) -> None:
        """Assign only a changed value: an assignment alone would resend it to the tab
        (with every live refresh, for what a refresh recomputes)."""
        if getattr(self, name) != value:
            setattr(self, name, value)

    def _t(self, key: str, **params: object) -> str:
        return t(key, self.ui_lang, **params)

    def _err(self, error: DomainError) -> str:
        return t(error.key, self.ui_lang, **error.params)

    def _field_errors(self, error: FormInvalid) -> dict[str, str]:
        """A form's refusal as field -> message, for messages next to their fields."""
        return {k: t(key, self.ui_lang, **params) for k, (key, params) in error.errors.items()}

    def _dt(self, value) -> str:
        return format_datetime(value, self.ui_lang, self.user_tz)

    def _to_login(self) -> rx.event.EventSpec:
        return rx.redirect(routes.LOGIN)

    async def _forget_user(self) -> None:
        """Empty every user-bound substate of this tab and drop its live watches.

        Reflex state belongs to a browser tab, not to a person: without this, the next
        hydrate in the tab (the login page, or the next person signing in on a shared
        computer) would receive the previous user's rows, e-mails and notes."""
        for cls in user_states():
            (await self.get_state(cls)).reset()
        self._user_id, self.user_name, self.user_role = 0, "", ""
        self.user_is_manager = False
        self.user_perms = []
        self.user_tz = get_settings().default_timezone
        live.forget_tab(self)

    # ---- events

    @rx.event
    def enter_page(self):
        """Every page's on_load (set by the @page decorator): the roles the page declared,
        checked here on the server from the URL, then the page's own on_load."""
        rule = routes.page_rule(self.router.url.path or "/")
        if rule.roles is not routes.PUBLIC:
            with unit_of_work(self) as (_db, actor):
                if actor is None:
                    return self._to_login()
                if not access.admits(actor, rule.roles, rule.permission):
                    return rx.redirect(routes.start_page(actor.is_agent))
        return rule.on_load

    @rx.event
    def check_home(self):
        """`/`: send the visitor to their start page (first run: to the setup page)."""
        with unit_of_work(self) as (db, actor):
            if actor is None:
                return rx.redirect(routes.SETUP) if setup.needs_setup(db) else self._to_login()
            return rx.redirect(routes.start_page(actor.is_agent))

    @rx.event
    def set_language(self, lang: str):
        if lang not in LANGUAGES:
            return None
        self.ui_lang = lang
        with unit_of_work(self) as (db, actor):
            if actor is not None:
                auth.set_preferences(db, actor, language=lang)
        # Re-run the page's on_load so server-formatted labels follow the language.
        return rx.redirect(self.router.url.path or "/")

    @rx.event
    async def logout(self):
        token = self.token
        address = self.router.session.client_ip or None
        await asyncio.to_thread(_in_thread, lambda db, t: auth.logout(db, t, address=address),
                                token)
        self.token = ""
        await self._forget_user()
        # The cookie is HttpOnly: only its route can expire it (the session is already
        # revoked above, so the cookie is dead even before that answer arrives).
        end = _LOGOUT_JS.format(action=json.dumps(routes.SESSION_API + "/logout"))
        return [rx.call_script(end), rx.redirect(routes.LOGIN)]


def user_states() -> list[type[SessionState]]:
    """Every page state: all of them hold data of the person signed in."""
    out, todo = [], list(SessionState.__subclasses__())
    while todo:
        cls = todo.pop()
        out.append(cls)
        todo.extend(cls.__subclasses__())
    return out


class LoginState(SessionState):
    """The sign-in page: password, then (when needed) a second factor or the forced
    enrolment of one, then the recovery codes of a new enrolment. argon2 and the queries
    run in a worker thread so the event loop keeps serving everyone else."""

    error: str = ""
    info: str = ""
    email: str = ""
    step: str = "password"  # password / factor / enrol / codes
    method: str = "totp"  # the second factor being typed: totp / email / recovery
    methods: list[str] = []
    qr: str = ""  # forced enrolment: the QR code (data URL) and the secret as text
    secret: str = ""
    codes: list[str] = []
    # a directory (LDAP / AD) is active: people may type their directory login, not only
    # an e-mail address (issue 16)
    by_login: bool = False
    _pending: str = ""  # the pending sign-in's token, then (codes step) the claim

    @rx.event
    def set_email(self, value: str):
        self.email = str(value)

    @rx.event
    def on_load(self):
        self.error, self.info = "", ""
        self._back_to_password()
        with unit_of_work(self) as (db, actor):
            if actor is not None:
                return rx.redirect(routes.start_page(actor.is_agent))
            if setup.needs_setup(db):  # nobody could sign in: first-run setup
                return rx.redirect(routes.SETUP)
            self.by_login = bool(ldap_accounts.active_directories(db))
        return None

    def _client(self) -> signin.Client:
        return signin.Client(ip=self.router.session.client_ip or "",
                             user_agent=self.router.headers.user_agent or "")

    def _back_to_password(self) -> None:
        self.step, self.methods, self.qr, self.secret, self.codes = "password", [], "", "", []
        self._pending = ""

    async def _signed_in(self, outcome: signin.Outcome):
        # Whoever used this tab before leaves nothing behind for the new person.
        await self._forget_user()
        self.ui_lang = outcome.actor.language
        self._remember(outcome.actor)
        if outcome.recovery_codes:  # a forced enrolment: show its codes once, then go on
            self.step, self.codes, self._pending = "codes", list(outcome.recovery_codes), \
                outcome.claim
            return None
        self._back_to_password()
        return self._claim_script(outcome.claim)

    def _claim_script(self, claim: str):
        return rx.call_script(_CLAIM_JS.format(action=json.dumps(routes.SESSION_API),
                                               claim=json.dumps(claim)))

    async def _refused(self, e: DomainError):
        self.error = self._err(e)
        if e.key == signin.START_AGAIN:
            self._back_to_password()

    @rx.event
    async def submit(self, form: dict):
        email = str(form.get("email", ""))
        self.email, self.error, self.info = email, "", ""
        client = self._client()
        if signin.refused_fast(client):  # throttled: answered without a query or argon2
            self.error = self._t("auth.invalid_credentials")
            return None
        try:
            outcome = await asyncio.to_thread(_in_thread, signin.sign_in, email,
                                              str(form.get("password", "")), client)
        except DomainError as e:
            # One neutral message whatever was wrong; the typed e-mail stays in the form.
            self.error = self._err(e)
            return None
        if outcome.claim:
            return await self._signed_in(outcome)
        self._pending = outcome.pending
        if outcome.must_enrol:
            enrolment = await asyncio.to_thread(_in_thread, signin.enrolment, outcome.pending)
            self.step, self.qr, self.secret = "enrol", enrolment.qr_svg_data_url, enrolment.secret
        else:
            self.step, self.methods = "factor", list(outcome.methods)
            self.method = outcome.methods[0]
        return None

    @rx.event
    def choose_method(self, method: str):
        if method in self.methods:
            self.method, self.error, self.info = method, "", ""

    @rx.event
    async def send_code(self):
        self.error, self.info = "", ""
        try:
            await asyncio.to_thread(_in_thread, signin.send_email_code, self._pending)
        except DomainError as e:
            return await self._refused(e)
        self.method, self.info = "email", self._t("signin.code_sent")
        return None

    @rx.event
    async def submit_code(self, form: dict):
        self.error, self.info = "", ""
        code = str(form.get("code", ""))
        try:
            if self.step == "enrol":
                outcome = await asyncio.to_thread(_in_thread, signin.finish_enrolment,
                                                  self._pending, code, self._client())
            else:
                outcome = await asyncio.to_thread(_in_thread, signin.second_step,
                                                  self._pending, self.method, code,
                                                  self._client())
        except DomainError as e:
            return await self._refused(e)
        return await self._signed_in(outcome)

    @rx.event
    def start_again(self):
        self.error, self.info = "", ""
        self._back_to_password()

    @rx.event
    def codes_saved(self):
        claim = self._pending if self.step == "codes" else ""
        self._back_to_password()
        return self._claim_script(claim) if claim else None
