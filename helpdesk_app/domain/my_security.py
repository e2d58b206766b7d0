"""The user's own security page: change the password (with the current one), see the open
sessions (device, address, last seen) and end one or all others.

Security events (one function each, for the audit log): `change_password`, `end_session`,
`end_other_sessions`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from helpdesk_app.domain import audit, auth
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import FieldChecks, NotFound
from helpdesk_app.models import User, UserSession
from helpdesk_app.models.base import utcnow


def _own(actor: Actor) -> audit.Target:
    return audit.Target("user", actor.user_id, actor.email)


def change_password(db: Session, actor: Actor, current: str, new: str, repeat: str,
                    *, keep_token: str | None) -> int:
    """A new password, given the current one; every other session of the user ends.
    Returns how many sessions ended. Runs argon2: call off the event loop. Commits."""
    user = db.get(User, actor.user_id)
    if user is None:
        raise NotFound()
    checks = FieldChecks()
    if not auth.verify_user_password(db, user, current):
        checks.fail("current", "signin.wrong_password")
    new_hash = checks.run("new", auth.hash_password, new or "")
    if new_hash is not None and new != repeat:
        checks.fail("repeat", "signin.passwords_differ")
    checks.done()
    user.password_hash = new_hash
    db.add(user)
    ended = auth.end_sessions(db, user.id, keep_token=keep_token)
    audit.record(db, actor, "auth.password.changed", target=_own(actor),
                 details={"sessions_ended": ended})
    db.commit()
    return ended


@dataclass(frozen=True)
class SessionView:
    id: int
    user_agent: str
    client_ip: str
    created_at: datetime
    last_seen_at: datetime
    current: bool


def list_sessions(db: Session, actor: Actor, current_token: str | None) -> list[SessionView]:
    """The actor's open (not revoked, not expired) sessions, most recent first."""
    current_id = auth.session_id_of(db, current_token)
    rows = db.exec(select(UserSession).where(
        UserSession.user_id == actor.user_id, col(UserSession.revoked).is_(False),
        UserSession.expires_at > utcnow()).order_by(col(UserSession.last_seen_at).desc())
    ).all()
    return [SessionView(r.id, r.user_agent, r.client_ip, r.created_at, r.last_seen_at,
                        r.id == current_id) for r in rows]


def end_session(db: Session, actor: Actor, session_id: int) -> None:
    """Sign out one of the actor's own sessions (another user's id: NotFound). Commits."""
    row = db.get(UserSession, session_id)
    if row is None or row.user_id != actor.user_id:
        raise NotFound()
    if not row.revoked:
        audit.record(db, actor, "auth.sessions.ended", target=_own(actor), details={"count": 1})
    row.revoked = True
    db.add(row)
    db.commit()


def end_other_sessions(db: Session, actor: Actor, keep_token: str | None) -> int:
    """Sign out everywhere else. Commits."""
    ended = auth.end_sessions(db, actor.user_id, keep_token=keep_token)
    audit.record(db, actor, "auth.sessions.ended", target=_own(actor),
                 details={"count": ended, "others": True})
    db.commit()
    return ended


def device_label(user_agent: str) -> str:
    """A short, human name for a browser's user agent ("Firefox on Windows")."""
    ua = user_agent or ""
    browser = next((name for key, name in (
        ("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"), ("Safari/", "Safari")) if key in ua), "")
    system = next((name for key, name in (
        ("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"),
        ("Mac OS X", "macOS"), ("Linux", "Linux")) if key in ua), "")
    if browser and system:
        return f"{browser} / {system}"
    return browser or system or ua[:60]
