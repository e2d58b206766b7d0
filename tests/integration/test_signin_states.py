"""The sign-in page and the security pages driven as the browser does (crafted events
included): two steps, recovery codes shown once, throttled answers, own sessions only."""

from __future__ import annotations

import re

import pyotp
import pytest
import reflex as rx
from sqlmodel import delete, select
from state_support import DEMO_PASSWORD, call_handler, state_for

from helpdesk_app.db import session_scope
from helpdesk_app.domain import auth, signin, throttle, two_factor
from helpdesk_app.domain.actor import Actor
from helpdesk_app.models import PendingLogin, RecoveryCode, SecurityPolicy, User, UserFactor
from helpdesk_app.state.admin_security import AdminSecurityState
from helpdesk_app.state.security_settings import SecurityState
from helpdesk_app.state.session import LoginState

AGENT = "anna.nowak@pomocnik.example"
CLIENT = "ewa.lewandowska@wodociagi-lodz.example"
ADMIN = "admin@pomocnik.example"


@pytest.fixture(autouse=True)
def _fresh_security(demo_db):
    """The demo database is shared by the module: each test leaves it as it found it."""
    throttle.reset()
    yield
    throttle.reset()
    with session_scope() as db:
        for table in (UserFactor, RecoveryCode, PendingLogin, SecurityPolicy):
            db.exec(delete(table))
        for user in db.exec(select(User)).all():
            if not auth.verify_user_password(db, user, DEMO_PASSWORD):
                user.password_hash = auth.hash_password(DEMO_PASSWORD)
                db.add(user)
        db.commit()


def _actor(email: str) -> Actor:
    with session_scope() as db:
        return Actor.from_user(db.exec(select(User).where(User.email == email)).one())


def _login_state():
    return state_for(LoginState, None)


def _totp_for(email: str) -> str:
    with session_scope() as db:
        enrolment = two_factor.start_totp(db, _actor(email), DEMO_PASSWORD)
        two_factor.confirm_totp(db, _actor(email), pyotp.TOTP(enrolment.secret).now())
        return enrolment.secret


def _claim_in(result) -> str:
    """The claim the page's script would POST to /api/session (None: no script)."""
    found = re.search(r"i\.value = \"([\w-]+)\"", str(result))
    return found.group(1) if found else ""


def _session_from(result) -> Actor | None:
    """What the cookie route would do with the page's claim (the state's client is empty
    in-process, so the claim matches an empty address and browser)."""
    with session_scope() as db:
        token, _actor = signin.claim(db, _claim_in(result), signin.Client())
        return auth.resolve_session(db, token)


def _next_code(email: str, secret: str) -> str:
    with session_scope() as db:
        row = db.exec(select(UserFactor).where(UserFactor.user_id == _actor(email).user_id)
                      ).one()
        return pyotp.TOTP(secret).generate_otp(row.last_step + 1)


def test_login_with_totp_takes_two_steps(demo_db):
    secret = _totp_for(AGENT)
    login = _login_state()
    call_handler(LoginState, "submit", login, {"email": AGENT, "password": DEMO_PASSWORD})
    assert login.step == "factor" and login.user_role == ""
    assert login.methods == ["totp", "recovery"]
    result = call_handler(LoginState, "submit_code", login, {"code": "000000"})
    assert login.error and not _claim_in(result)
    result = call_handler(LoginState, "submit_code", login, {"code": _next_code(AGENT, secret)})
    assert login.user_role == "technician"
    assert _session_from(result).email == AGENT


def test_a_crafted_method_cannot_skip_the_second_step(demo_db):
    _totp_for(AGENT)
    login = _login_state()
    call_handler(LoginState, "submit", login, {"email": AGENT, "password": DEMO_PASSWORD})
    call_handler(LoginState, "choose_method", login, "email")  # not one of this user's
    assert login.method == "totp"
    assert not _claim_in(call_handler(LoginState, "submit_code", login, {"code": ""}))


def test_a_throttled_client_gets_the_neutral_message(demo_db):
    login = _login_state()
    for n in range(10):
        call_handler(LoginState, "submit", login, {"email": f"x{n}@nowhere.example",
                                                   "password": "guess-guess"})
    result = call_handler(LoginState, "submit", login, {"email": AGENT,
                                                        "password": DEMO_PASSWORD})
    assert not _claim_in(result) and login.error.startswith("Nieprawidłowy e-mail lub hasło")


def test_required_role_is_forced_to_enrol_and_sees_codes_once(demo_db):
    with session_scope() as db:
        two_factor.set_role_required(db, _actor(ADMIN), "client", True)
    login = _login_state()
    call_handler(LoginState, "submit", login, {"email": CLIENT, "password": DEMO_PASSWORD})
    assert login.step == "enrol" and login.qr.startswith("data:image/svg+xml")
    code = pyotp.TOTP(login.secret).now()
    result = call_handler(LoginState, "submit_code", login, {"code": code})
    assert login.step == "codes" and len(login.codes) == 10 and not _claim_in(result)
    result = call_handler(LoginState, "codes_saved", login)
    assert login.codes == [] and _session_from(result).email == CLIENT


def test_security_page_changes_password_and_keeps_this_session(demo_db):
    page = state_for(SecurityState, CLIENT)
    other = state_for(SecurityState, CLIENT)
    call_handler(SecurityState, "on_load", page)
    assert len(page.sessions) >= 2 and sum(s.current for s in page.sessions) == 1
    call_handler(SecurityState, "change_password", page,
                 {"current": "wrong", "new": "brand-new-pass", "repeat": "brand-new-pass"})
    assert "current" in page.form_errors
    call_handler(SecurityState, "change_password", page,
                 {"current": DEMO_PASSWORD, "new": "brand-new-pass",
                  "repeat": "brand-new-pass"})
    assert page.form_errors == {} and page.info
    with session_scope() as db:
        assert auth.resolve_session(db, page.token) is not None
        assert auth.resolve_session(db, other.token) is None


def test_security_page_sets_up_totp_with_the_password(demo_db):
    page = state_for(SecurityState, CLIENT)
    call_handler(SecurityState, "on_load", page)
    call_handler(SecurityState, "set_factor_password", page, "not-it")
    call_handler(SecurityState, "start_totp", page)
    assert page.error and not page.enrolling
    call_handler(SecurityState, "set_factor_password", page, DEMO_PASSWORD)
    call_handler(SecurityState, "start_totp", page)
    assert page.enrolling and page.secret
    call_handler(SecurityState, "confirm_totp", page, {"code": pyotp.TOTP(page.secret).now()})
    assert page.totp_on and len(page.codes) == 10 and page.recovery_left == 10
    assert page.secret == ""  # never shown again


def test_a_crafted_session_id_of_someone_else_ends_nothing(demo_db):
    theirs = state_for(SecurityState, AGENT)
    mine = state_for(SecurityState, CLIENT)
    with session_scope() as db:
        their_id = auth.session_id_of(db, theirs.token)
    call_handler(SecurityState, "end_session", mine, str(their_id))
    assert mine.error
    with session_scope() as db:
        assert auth.resolve_session(db, theirs.token) is not None


def test_admin_security_page_is_for_admins_only(demo_db):
    page = state_for(AdminSecurityState, AGENT)
    result = call_handler(AdminSecurityState, "set_required", page, "client", True)
    assert isinstance(result, rx.event.EventSpec)  # sent to their start page
    with session_scope() as db:
        assert not two_factor.required_for(db, "client")
    admin = state_for(AdminSecurityState, ADMIN)
    call_handler(AdminSecurityState, "on_load", admin)
    call_handler(AdminSecurityState, "set_required", admin, "client", True)
    assert [r.role for r in admin.roles if r.required] == ["client"]
    call_handler(AdminSecurityState, "reset_factors", admin, {"email": "nobody@x.example"})
    assert admin.error


def test_security_page_switches_email_codes_on_and_off(demo_db):
    page = state_for(SecurityState, CLIENT)
    call_handler(SecurityState, "on_load", page)
    call_handler(SecurityState, "set_factor_password", page, DEMO_PASSWORD)
    call_handler(SecurityState, "enable_email", page)
    assert page.error == "" and page.email_on and len(page.codes) == 10
    call_handler(SecurityState, "set_factor_password", page, DEMO_PASSWORD)
    call_handler(SecurityState, "disable", page, "email")
    assert page.error == "" and not page.email_on and page.recovery_left == 0
