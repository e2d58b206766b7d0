"""/settings/security: the signed-in user's own password, second factors, recovery codes
and open sessions. Always the actor's own account: ids come from the session, never from
the browser (a session id sent by the browser is checked against the actor).

argon2 (password checks, the new hash) runs in a worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import dataclasses

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.domain import my_security, two_factor
from helpdesk_app.domain.actor import Actor
from helpdesk_app.models import FactorKind, User
from helpdesk_app.state.session import SessionState
from helpdesk_app.state.toolkit import handler


@dataclasses.dataclass
class SessionRow:
    id: str = ""
    device: str = ""
    address: str = ""
    last_seen: str = ""
    current: bool = False


class SecurityState(SessionState):
    error: str = ""
    info: str = ""
    form_errors: dict[str, str] = {}
    loaded: bool = False
    totp_on: bool = False
    email_on: bool = False
    required: bool = False
    recovery_left: int = 0
    enrolling: bool = False
    qr: str = ""
    secret: str = ""
    codes: list[str] = []  # new recovery codes, shown once
    sessions: list[SessionRow] = []
    # typed to confirm a factor change; backend-only, emptied after each use
    _factor_password: str = ""

    def _load(self, db, actor: Actor) -> None:
        user = db.get(User, actor.user_id)
        st = two_factor.status(db, user)
        self.totp_on, self.email_on = st.totp, st.email
        self.required, self.recovery_left = st.required, st.recovery_left
        self.sessions = [SessionRow(
            id=str(v.id), device=my_security.device_label(v.user_agent) or "?",
            address=v.client_ip or "?", last_seen=self._dt(v.last_seen_at), current=v.current)
            for v in my_security.list_sessions(db, actor, self.token)]
        self.loaded = True

    def _used_password(self) -> str:
        password, self._factor_password = self._factor_password, ""
        return password

    @handler(roles=routes.ANYONE)
    def on_load(self, db, actor: Actor):
        self.error, self.info, self.form_errors, self.codes = "", "", {}, []
        # (_factor_password is not emptied here: a password typed before the page's
        # on_load ran would be lost; it is emptied after each use)
        self.enrolling, self.qr, self.secret = False, "", ""
        self._load(db, actor)

    @rx.event
    def set_factor_password(self, value: str):
        self._factor_password = str(value)

    # ---- password

    @handler(roles=routes.ANYONE)
    async def change_password(self, db, actor: Actor, form: dict):
        self.error, self.info, self.form_errors = "", "", {}
        ended = await asyncio.to_thread(
            my_security.change_password, db, actor, str(form.get("current", "")),
            str(form.get("new", "")), str(form.get("repeat", "")), keep_token=self.token)
        self._load(db, actor)
        self.info = self._t("signin.password_changed", count=ended)
        return rx.set_value("sec-current", "")

    # ---- factors

    @handler(roles=routes.ANYONE)
    async def start_totp(self, db, actor: Actor):
        self.error, self.info, self.codes = "", "", []
        enrolment = await asyncio.to_thread(two_factor.start_totp, db, actor,
                                            self._used_password())
        self.enrolling, self.qr, self.secret = True, enrolment.qr_svg_data_url, enrolment.secret
        return rx.set_value("sec-factor-password", "")

    @handler(roles=routes.ANYONE)
    def confirm_totp(self, db, actor: Actor, form: dict):
        self.error, self.info = "", ""
        self.codes = two_factor.confirm_totp(db, actor, str(form.get("code", "")))
        self.enrolling, self.qr, self.secret = False, "", ""
        self.info = self._t("signin.totp_on")
        self._load(db, actor)

    @rx.event
    def cancel_totp(self):
        self.enrolling, self.qr, self.secret = False, "", ""

    @handler(roles=routes.ANYONE)
    async def enable_email(self, db, actor: Actor):
        self.error, self.info = "", ""
        self.codes = await asyncio.to_thread(two_factor.enable_email, db, actor,
                                             self._used_password())
        self.info = self._t("signin.email_on")
        self._load(db, actor)
        return rx.set_value("sec-factor-password", "")

    @handler(roles=routes.ANYONE)
    async def disable(self, db, actor: Actor, kind: str):
        self.error, self.info, self.codes = "", "", []
        if kind not in FactorKind.ALL:
            return None
        await asyncio.to_thread(two_factor.disable_factor, db, actor, self._used_password(),
                                kind)
        self.info = self._t("signin.factor_off")
        self._load(db, actor)
        return rx.set_value("sec-factor-password", "")

    @handler(roles=routes.ANYONE)
    async def new_codes(self, db, actor: Actor):
        self.error, self.info = "", ""
        self.codes = await asyncio.to_thread(two_factor.regenerate_recovery_codes, db, actor,
                                             self._used_password())
        self._load(db, actor)
        return rx.set_value("sec-factor-password", "")

    # ---- sessions

    @handler(roles=routes.ANYONE)
    def end_session(self, db, actor: Actor, session_id: str):
        self.error, self.info = "", ""
        if not str(session_id).isdigit():
            return None
        my_security.end_session(db, actor, int(session_id))
        self.info = self._t("signin.session_ended")
        self._load(db, actor)
        return None

    @handler(roles=routes.ANYONE)
    def end_others(self, db, actor: Actor):
        self.error, self.info = "", ""
        ended = my_security.end_other_sessions(db, actor, self.token)
        self.info = self._t("signin.others_ended", count=ended)
        self._load(db, actor)
