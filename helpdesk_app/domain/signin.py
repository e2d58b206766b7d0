"""The sign-in use case: throttling, password, second factor (or forced enrolment), the
session, login alerts. Plain Python; the functions that run argon2 or query the database
are called off the event loop (`asyncio.to_thread`) by the login state.

1. `refused_fast` (memory only, on the event loop): a throttled client address is answered
   at once, without a query or argon2.
2. `sign_in`: account throttle (skipped for a device the account already knows), password;
   then a session, or a pending sign-in when a second step is needed: the user has a factor,
   or their role requires one and they have none (forced enrolment before anything else).
3. `second_step` (TOTP / e-mail code / recovery code) or `finish_enrolment`.
4. Every step passed: the outcome carries a one-time claim, and `claim` (called by the
   HTTP route POST /api/session, from the same address and browser) opens the session
   whose token only ever travels in the HttpOnly cookie.
Every refusal of step 2 is the same neutral AuthFailed, whether the e-mail is unknown, the
password wrong or the client throttled.

Audit: a wrong password is logged by `auth.check_password`, a wrong second-step code here
(`_wrong`: "auth.sign_in.failed", step "second_factor"), a forced enrolment as
"auth.two_factor.enabled", the session itself by `auth.open_session`. (A client refused by
the throttle before its password is checked is not logged: that would let a flood fill
the log.)
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, delete, func, select

from helpdesk_app.domain import (
    actor_loading,
    audit,
    auth,
    directory,
    ldap_accounts,
    login_alerts,
    throttle,
    two_factor,
)
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import AuthFailed, Invalid
from helpdesk_app.models import FactorKind, PendingLogin, User
from helpdesk_app.models.base import utcnow

PENDING_TTL = timedelta(minutes=5)
MAX_STEP_ATTEMPTS = 5  # wrong second-step codes before the password is needed again
EMAIL_CODE_TTL = timedelta(minutes=10)
CLAIM_TTL = timedelta(minutes=10)  # room to write the recovery codes down first
MAX_EMAIL_CODES = 3  # codes mailed per pending sign-in
RECOVERY = "recovery"
START_AGAIN = "signin.start_again"


@dataclass(frozen=True)
class Client:
    ip: str = ""
    user_agent: str = ""


@dataclass(frozen=True)
class Outcome:
    claim: str = ""  # every step passed: exchange it for the session (see `claim`)
    actor: Actor | None = None
    pending: str = ""  # a second step is needed: the pending sign-in's token
    methods: tuple[str, ...] = ()  # totp / email / recovery
    must_enrol: bool = False
    recovery_codes: tuple[str, ...] = ()  # after a forced enrolment, shown once


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def refused_fast(client: Client) -> bool:
    """Whether the client address is throttled (no database, no argon2). A refused attempt
    counts: an address that ignores the delay only makes it longer (up to the cap)."""
    if throttle.by_ip.wait(client.ip) > 0:
        throttle.by_ip.fail(client.ip)
        return True
    return False


def _fail(db: Session, email: str, client: Client) -> AuthFailed:
    throttle.by_ip.fail(client.ip)
    throttle.by_account.fail(throttle.account_key(email))
    login_alerts.after_failed_attempt(db, email)
    return AuthFailed()


def _account_throttled(db: Session, email: str, client: Client) -> bool:
    if throttle.by_account.wait(throttle.account_key(email)) <= 0:
        return False
    # A device this account signed in from before is not slowed down by attempts
    # elsewhere: an attacker cannot lock the owner out.
    user = db.exec(select(User).where(func.lower(User.email) == throttle.account_key(email))
                   ).first()
    return user is None or not login_alerts.is_known_device(db, user.id, client.ip,
                                                            client.user_agent)


def _finish(db: Session, user: User, client: Client, codes: tuple[str, ...] = (),
            row: PendingLogin | None = None) -> Outcome:
    """Every step passed: the (pending) record becomes a one-time claim. Commits."""
    claim = secrets.token_urlsafe(32)
    row = row or PendingLogin(user_id=user.id, client_ip=client.ip[:64],
                              user_agent=client.user_agent[:300])
    row.token_hash, row.ready, row.expires_at = _hash(claim), True, utcnow() + CLAIM_TTL
    row.email_code_hash, row.email_code_expires_at, row.enrol_secret = "", None, ""
    db.add(row)
    db.commit()
    throttle.by_account.forget(throttle.account_key(user.email))
    return Outcome(claim=claim, actor=actor_loading.load(db, user), recovery_codes=codes)


def claim(db: Session, token: str, client: Client) -> tuple[str, Actor]:
    """Exchange a claim (once, within CLAIM_TTL, from the address and browser that signed
    in) for a new session: returns (session token for the HttpOnly cookie, actor)."""
    row = db.exec(select(PendingLogin).where(PendingLogin.token_hash == _hash(token or ""))
                  ).first() if token else None
    if row is None or not row.ready:
        raise AuthFailed(START_AGAIN)
    user = db.get(User, row.user_id)
    db.delete(row)  # single use, whatever happens next
    if (utcnow() >= row.expires_at or user is None or not directory.account_enabled(db, user)
            or row.client_ip != client.ip[:64] or row.user_agent != client.user_agent[:300]):
        db.commit()
        raise AuthFailed(START_AGAIN)
    login_alerts.after_sign_in(db, user, client.ip, client.user_agent)
    token = auth.open_session(db, user, client_ip=client.ip, user_agent=client.user_agent)
    return token, actor_loading.load(db, user)


def _methods(factors: dict) -> tuple[str, ...]:
    return (*(k for k in FactorKind.ALL if k in factors), RECOVERY)


def sign_in(db: Session, email: str, password: str, client: Client) -> Outcome:
    """Step one (runs argon2: call off the event loop)."""
    if refused_fast(client):
        raise AuthFailed()
    if _account_throttled(db, email, client):
        # counted too (the delay grows to its cap; the address soon gets refused from
        # memory); never for a device the account knows
        throttle.by_account.fail(throttle.account_key(email))
        throttle.by_ip.fail(client.ip)
        raise AuthFailed()
    try:
        user = auth.check_password(db, email, password, address=client.ip or None)
    except AuthFailed as e:
        db.rollback()
        if e.key == ldap_accounts.UNAVAILABLE:
            raise  # the directory could not be asked: not the person's failure
        raise _fail(db, email, client) from None
    factors = two_factor.confirmed_factors(db, user.id)
    must_enrol = not factors and two_factor.required_for(db, user.role)
    if not factors and not must_enrol:
        return _finish(db, user, client)
    token = secrets.token_urlsafe(32)
    db.exec(delete(PendingLogin).where(PendingLogin.user_id == user.id,  # left-overs
                                       PendingLogin.expires_at < utcnow()))
    db.add(PendingLogin(token_hash=_hash(token), user_id=user.id,
                        expires_at=utcnow() + PENDING_TTL, must_enrol=must_enrol,
                        enrol_secret=two_factor.new_totp_secret() if must_enrol else "",
                        client_ip=client.ip[:64], user_agent=client.user_agent[:300]))
    db.commit()
    return Outcome(pending=token, methods=() if must_enrol else _methods(factors),
                   must_enrol=must_enrol)


def _pending(db: Session, token: str) -> tuple[PendingLogin, User]:
    row = db.exec(select(PendingLogin).where(PendingLogin.token_hash == _hash(token or ""))
                  ).first() if token else None
    if row is None or row.ready:
        raise AuthFailed(START_AGAIN)
    user = db.get(User, row.user_id)
    if utcnow() >= row.expires_at or user is None or not directory.account_enabled(db, user):
        db.delete(row)
        db.commit()
        raise AuthFailed(START_AGAIN)
    return row, user


def _wrong(db: Session, row: PendingLogin, user: User, client: Client) -> AuthFailed | Invalid:
    throttle.by_account.fail(throttle.account_key(user.email))
    row.attempts += 1
    audit.record(db, None, "auth.sign_in.failed", label=user.email,
                 target=audit.Target("user", user.id, user.email),
                 details={"step": "second_factor"}, address=client.ip or None)
    if row.attempts >= MAX_STEP_ATTEMPTS:
        db.delete(row)
        db.commit()
        login_alerts.after_failed_attempt(db, user.email)
        return AuthFailed(START_AGAIN)
    db.add(row)
    db.commit()
    return Invalid("signin.wrong_code")


def second_step(db: Session, token: str, method: str, code: str, client: Client) -> Outcome:
    """Step two: a TOTP code (replay refused), the e-mail code or a recovery code."""
    row, user = _pending(db, token)
    if row.must_enrol:
        raise AuthFailed(START_AGAIN)
    ok = False
    if method == FactorKind.TOTP:
        ok = two_factor.check_totp(db, user.id, code)
    elif method == FactorKind.EMAIL:
        digits = "".join(ch for ch in (code or "") if ch.isdigit())
        ok = (bool(row.email_code_hash) and row.email_code_expires_at is not None
              and utcnow() < row.email_code_expires_at
              and FactorKind.EMAIL in two_factor.confirmed_factors(db, user.id)
              and hmac.compare_digest(row.email_code_hash, _hash(digits)))
    elif method == RECOVERY:
        ok = two_factor.use_recovery_code(db, user.id, code)
    if not ok:
        db.rollback()
        raise _wrong(db, row, user, client)
    # single use: the pending sign-in (and its e-mail code) becomes the claim
    return _finish(db, user, client, row=row)


def send_email_code(db: Session, token: str) -> None:
    """Mail a fresh 6-digit code (valid EMAIL_CODE_TTL, single use); an earlier one stops
    working."""
    row, user = _pending(db, token)
    if row.must_enrol or FactorKind.EMAIL not in two_factor.confirmed_factors(db, user.id):
        raise Invalid("signin.no_email_factor")
    if row.email_codes_sent >= MAX_EMAIL_CODES:
        raise Invalid("signin.too_many_codes")
    code = f"{secrets.randbelow(1_000_000):06d}"
    row.email_codes_sent += 1
    row.email_code_hash = _hash(code)
    row.email_code_expires_at = utcnow() + EMAIL_CODE_TTL
    row.expires_at = max(row.expires_at, row.email_code_expires_at)
    db.add(row)
    login_alerts.send_sign_in_code(db, user, code, int(EMAIL_CODE_TTL.total_seconds() // 60))
    db.commit()


def enrolment(db: Session, token: str) -> two_factor.TotpEnrolment:
    """Forced enrolment: the QR code and secret of the pending sign-in."""
    row, user = _pending(db, token)
    if not row.must_enrol:
        raise AuthFailed(START_AGAIN)
    return two_factor.totp_enrolment(row.enrol_secret, user.email)


def finish_enrolment(db: Session, token: str, code: str, client: Client) -> Outcome:
    """Forced enrolment: the first code from the app stores the factor and signs in; the
    outcome carries the first recovery codes (shown once)."""
    row, user = _pending(db, token)
    if not row.must_enrol:
        raise AuthFailed(START_AGAIN)
    step = two_factor.totp_step(row.enrol_secret, code, 0)
    if step is None:
        raise _wrong(db, row, user, client)
    codes = two_factor.save_enrolled_totp(db, user.id, row.enrol_secret, step)
    audit.record(db, Actor.from_user(user), "auth.two_factor.enabled",
                 target=audit.Target("user", user.id, user.email),
                 details={"factor": FactorKind.TOTP}, address=client.ip or None)
    return _finish(db, user, client, tuple(codes), row=row)
