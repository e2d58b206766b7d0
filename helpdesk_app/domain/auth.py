"""Accounts: argon2id passwords (or, for directory accounts, the LDAP / AD password:
domain/ldap_accounts.py) and server-side sessions with idle/absolute expiry."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam
from sqlmodel import Session, col, func, select

from helpdesk_app.config import get_settings
from helpdesk_app.domain import (
    actor_loading,
    audit,
    directory,  # (circular: directory uses auth.NO_PASSWORD)
    ldap_accounts,
    passwords,
)
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import AuthFailed, Invalid
from helpdesk_app.i18n import LANGUAGES
from helpdesk_app.models import Organisation, User, UserSession
from helpdesk_app.models.base import utcnow

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verifying against this when the e-mail is unknown keeps the timing of both paths alike.
_DUMMY_HASH = _hasher.hash("pomocnik-timing-equaliser")
# Writing last_seen_at on every event would turn every click into a DB write.
_TOUCH_EVERY = timedelta(seconds=60)
# A browser token's session, with its user and their organisation, so the checks of
# `resolve_session` find them in the session. This runs for every event and every live
# refresh of every tab: the statement is built once (building it cost more than running it).
_SESSION = (select(UserSession, User, Organisation)
            .join(User, col(User.id) == UserSession.user_id)
            .outerjoin(Organisation, col(Organisation.id) == User.organisation_id)
            .where(UserSession.token_hash == bindparam("h")))
MIN_PASSWORD_LENGTH = 8  # the default; POMOCNIK_PASSWORD_MIN_LENGTH (domain/passwords.py)
# The password hash of an account that cannot sign in with a password (created from mail
# or as a contact; an invitation sets one). argon2 refuses it like a wrong password.
NO_PASSWORD = "!"
# The browser cookie that carries the session token (pages and HTTP routes read it).
SESSION_COOKIE = "pomocnik_session"


def hash_password(password: str, *, email: str = "", name: str = "") -> str:
    """Hash a new password after the password policy (domain/passwords.py) accepted it;
    `email` / `name` are the account's, which the password may not be."""
    passwords.check(password, email=email, name=name)
    return _hasher.hash(password)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password(db: Session, email: str, password: str, *,
                   address: str | None = None) -> User:
    """The active user behind (e-mail, password), or AuthFailed — the same one whatever was
    wrong, so nobody can learn which e-mails exist (a failure is audited, with the client's
    `address`). Runs argon2: call it off the event loop (`domain/signin.py` does)."""
    email = (email or "").strip().lower()
    user = _account_for(db, email)
    if user is not None and user.ldap_directory_id is not None:
        linked = user
        user = _directory_sign_in(db, email, password, address,
                                  lambda: ldap_accounts.sign_in_linked(db, linked, password))
    elif user is None or user.password_hash == NO_PASSWORD:
        # nobody here, or a contact without a password: a directory may know them
        found = _directory_sign_in(db, email, password, address,
                                   lambda: ldap_accounts.sign_in_new(db, email, password))
        user = found or user
        if found is None:
            _verify_local(db, email, user, password, address)
    else:
        _verify_local(db, email, user, password, address)
    if user is None or not directory.account_enabled(db, user):
        _refuse(db, email, user, "inactive", address)
    if user.ldap_directory_id is None and _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
        db.add(user)
    return user


def _account_for(db: Session, login: str) -> User | None:
    """The account of an e-mail address, or of a directory login (`jkowalski`)."""
    if not login:
        return None
    user = db.exec(select(User).where(func.lower(User.email) == login)).first()
    if user is None and "@" not in login:
        user = db.exec(select(User).where(User.ldap_login == login,
                                          User.ldap_directory_id.is_not(None))).first()
    return user


def _verify_local(db: Session, email: str, user: User | None, password: str,
                  address: str | None) -> None:
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        _refuse(db, email, user, "bad_credentials", address)


def _directory_sign_in(db: Session, email: str, password: str, address: str | None,
                       attempt: Callable[[], User | None]) -> User | None:
    """Run a directory sign-in; a refusal is audited like a local one (the reason says
    whether the directory could not be asked)."""
    try:
        return attempt()
    except AuthFailed as e:
        db.rollback()
        unavailable = e.key == ldap_accounts.UNAVAILABLE
        target = _account_for(db, email)
        audit.record(db, None, "auth.sign_in.failed", label=email[:200],
                     target=audit.Target("user", target.id, target.email) if target else None,
                     details={"reason": "directory_unavailable" if unavailable
                              else "bad_credentials", "source": "ldap"}, address=address)
        db.commit()
        raise


def open_session(db: Session, user: User, *, client_ip: str = "", user_agent: str = "") -> str:
    """A new session for a user who passed every sign-in step; returns the browser token.
    Commits."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    absolute = timedelta(hours=get_settings().session_absolute_hours)
    db.add(UserSession(token_hash=_token_hash(token), user_id=user.id, created_at=now,
                       last_seen_at=now, expires_at=now + absolute,
                       client_ip=client_ip[:64], user_agent=user_agent[:300]))
    # Audit: a successful sign-in (commits with the new session).
    audit.record(db, Actor.from_user(user), "auth.sign_in.succeeded",
                 target=audit.Target("user", user.id, user.email), address=client_ip or None)
    db.commit()
    return token


def _refuse(db: Session, email: str, user: User | None, reason: str,
            address: str | None) -> NoReturn:
    """A failed sign-in: logged (as the e-mail typed, never the password), then refused."""
    # Audit: a failed sign-in; the actor is anonymous, the account (if any) the target.
    audit.record(db, None, "auth.sign_in.failed", label=email[:200],
                 target=audit.Target("user", user.id, user.email) if user else None,
                 details={"reason": reason}, address=address)
    db.commit()
    raise AuthFailed()


def login(db: Session, email: str, password: str, *,
          address: str | None = None) -> tuple[str, Actor]:
    """Check credentials and open a session at once (one-step: scripts, tests). The sign-in
    page goes through `domain/signin.py` (throttling, second factor, alerts)."""
    user = check_password(db, email, password, address=address)
    return open_session(db, user, client_ip=address or ""), actor_loading.load(db, user)


def verify_user_password(db: Session, user: User, password: str) -> bool:
    """Whether `password` is this user's (re-authentication before a security change)."""
    try:
        return _hasher.verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False


def session_id_of(db: Session, token: str | None) -> int | None:
    """The id of the session row behind a browser token (to mark "this session")."""
    if not token:
        return None
    return db.exec(select(UserSession.id).where(
        UserSession.token_hash == _token_hash(token))).first()


def resolve_session(db: Session, token: str | None, *, touch: bool = True) -> Actor | None:
    """The actor behind a browser token, or None when it is unknown, revoked or expired.
    `touch=False`: not the person's own action (a live refresh pushed to an open tab), so
    it does not count as activity and an idle session still expires."""
    if not token:
        return None
    found = db.exec(_SESSION, params={"h": _token_hash(token)}).first()
    row = found[0] if found is not None else None
    if row is None or row.revoked:
        return None
    now = utcnow()
    idle = timedelta(minutes=get_settings().session_idle_minutes)
    if now >= row.expires_at or now - row.last_seen_at >= idle:
        row.revoked = True
        db.add(row)
        db.commit()
        return None
    user = db.get(User, row.user_id)
    if user is None or not directory.account_enabled(db, user):
        return None
    if touch and now - row.last_seen_at >= _TOUCH_EVERY:
        row.last_seen_at = now
        db.add(row)
        db.commit()
    return actor_loading.load(db, user)


def logout(db: Session, token: str | None, *, address: str | None = None) -> None:
    if not token:
        return
    row = db.exec(select(UserSession).where(UserSession.token_hash == _token_hash(token))).first()
    if row is not None and not row.revoked:
        row.revoked = True
        db.add(row)
        user = db.get(User, row.user_id)
        if user is not None:
            # Audit: a sign-out (commits with the revoked session).
            audit.record(db, Actor.from_user(user), "auth.sign_out",
                         target=audit.Target("user", user.id, user.email), address=address)
        db.commit()


def end_sessions(db: Session, user_id: int, *, keep_token: str | None = None) -> int:
    """Revoke the user's open sessions (deactivation, a new password, "sign out all others"),
    except the one behind `keep_token`. Returns how many ended; the caller commits."""
    keep = _token_hash(keep_token) if keep_token else None
    rows = db.exec(select(UserSession).where(UserSession.user_id == user_id,
                                             UserSession.revoked == False)).all()  # noqa: E712
    ended = 0
    for row in rows:
        if row.token_hash != keep:
            row.revoked = True
            db.add(row)
            ended += 1
    return ended


def set_preferences(db: Session, actor: Actor, *, language: str | None = None,
                    timezone: str | None = None) -> Actor:
    """Store the user's language / time zone on the account so it follows them."""
    user = db.get(User, actor.user_id)
    if user is None:
        raise AuthFailed()
    if language is not None:
        if language not in LANGUAGES:
            raise Invalid("prefs.unknown_language")
        user.language = language
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise Invalid("prefs.unknown_timezone") from None
        user.timezone = timezone
    db.add(user)
    db.commit()
    return actor_loading.load(db, user)


def password_matches(password_hash: str, password: str) -> bool:
    """Whether `password` is the one behind `password_hash` (no session, no rehash): for
    checks such as "do the demo accounts still have the published password"."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
