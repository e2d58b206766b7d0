"""Login alerts by e-mail (through the outbox, in the recipient's language): a sign-in from
a new device or address, and failed attempts on an account (at most one mail per
`FAILED_DEBOUNCE` per account). Admins may subscribe to every user's alerts.

Security events: `after_sign_in`, `after_failed_attempt` (the sign-in itself is audited
by domain/auth.py and domain/signin.py), `set_admin_subscription` (audited here);
`send_sign_in_code` sends the e-mail sign-in code.
"""

from __future__ import annotations

import hashlib
import html
from datetime import timedelta

from sqlmodel import Session, func, select

from helpdesk_app.domain import audit
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import Forbidden
from helpdesk_app.i18n import format_datetime, t
from helpdesk_app.mail.outbound import outbox
from helpdesk_app.mail.outbound.templates import Rendered
from helpdesk_app.models import (
    FailedLoginAlert,
    KnownDevice,
    Role,
    SecurityAlertSubscription,
    User,
)
from helpdesk_app.models.base import utcnow

FAILED_THRESHOLD = 3  # failures before the first alert
FAILED_DEBOUNCE = timedelta(minutes=30)


def fingerprint(client_ip: str, user_agent: str) -> str:
    return hashlib.sha256(f"{client_ip}\x00{user_agent}".encode()).hexdigest()


def is_known_device(db: Session, user_id: int, client_ip: str, user_agent: str) -> bool:
    return db.exec(select(KnownDevice.id).where(
        KnownDevice.user_id == user_id,
        KnownDevice.fingerprint == fingerprint(client_ip, user_agent))).first() is not None


def _render(kind: str, lang: str, **params: object) -> Rendered:
    subject = t(f"signin.mail.{kind}.subject", lang, **params)
    text = t(f"signin.mail.{kind}.text", lang, **params)
    escaped = {k: html.escape(str(v)) for k, v in params.items()}
    body = t(f"signin.mail.{kind}.text", lang, **escaped)
    paragraphs = "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in body.split("\n\n"))
    return Rendered(subject=subject, text=text,
                    html=f'<div style="font-family:sans-serif;max-width:600px">{paragraphs}</div>')


def _queue(db: Session, to: User, kind: str, **params: object) -> None:
    outbox.enqueue(db, to_addr=to.email, to_name=to.full_name, user_id=to.id,
                   rendered=_render(kind, to.language, **params), kind=f"signin_{kind}",
                   capped=False)


def _admins_subscribed(db: Session, except_id: int) -> list[User]:
    rows = db.exec(select(User).join(SecurityAlertSubscription,
                                     SecurityAlertSubscription.user_id == User.id)
                   .where(User.role == Role.ADMIN, User.is_active == True,  # noqa: E712
                          User.id != except_id)).all()
    return list(rows)


def _alert(db: Session, user: User, kind: str, **params: object) -> None:
    _queue(db, user, kind, **params)
    for admin in _admins_subscribed(db, user.id):
        _queue(db, admin, "admin_" + kind, account=user.email, **params)


def after_sign_in(db: Session, user: User, client_ip: str, user_agent: str) -> None:
    """Remember the device; alert when it is new for an account that had others (the very
    first sign-in has nothing to compare with). The caller commits."""
    fp = fingerprint(client_ip, user_agent)
    now = utcnow()
    row = db.exec(select(KnownDevice).where(KnownDevice.user_id == user.id,
                                            KnownDevice.fingerprint == fp)).first()
    if row is not None:
        row.last_seen_at = now
        db.add(row)
        return
    had_any = db.exec(select(func.count()).select_from(KnownDevice).where(
        KnownDevice.user_id == user.id)).one()
    db.add(KnownDevice(user_id=user.id, fingerprint=fp, first_seen_at=now, last_seen_at=now))
    if had_any:
        _alert(db, user, "new_device", address=client_ip or "?", browser=user_agent or "?",
               when=format_datetime(now, user.language, user.timezone))


def after_failed_attempt(db: Session, email: str) -> None:
    """Count a failed sign-in on the account (if it exists) and alert, debounced. Commits."""
    email = (email or "").strip().lower()
    user = db.exec(select(User).where(func.lower(User.email) == email)).first() if email else None
    if user is None or not user.is_active:
        return
    row = db.get(FailedLoginAlert, user.id) or FailedLoginAlert(user_id=user.id)
    row.failures += 1
    now = utcnow()
    if row.failures >= FAILED_THRESHOLD and (
            row.last_sent_at is None or now - row.last_sent_at >= FAILED_DEBOUNCE):
        _alert(db, user, "failed", count=row.failures,
               when=format_datetime(now, user.language, user.timezone))
        row.failures, row.last_sent_at = 0, now
    db.add(row)
    db.commit()


def send_sign_in_code(db: Session, user: User, code: str, minutes: int) -> None:
    """The one-time sign-in code by e-mail. The caller commits."""
    _queue(db, user, "code", code=code, minutes=minutes)


def is_subscribed(db: Session, actor: Actor) -> bool:
    return db.get(SecurityAlertSubscription, actor.user_id) is not None


def set_admin_subscription(db: Session, actor: Actor, on: bool) -> None:
    """Admin: receive (or stop receiving) every user's login alerts. Commits."""
    if actor.role != Role.ADMIN:
        raise Forbidden()
    row = db.get(SecurityAlertSubscription, actor.user_id)
    if on and row is None:
        db.add(SecurityAlertSubscription(user_id=actor.user_id))
    elif not on and row is not None:
        db.delete(row)
    if bool(on) != (row is not None):
        audit.record(db, actor, "config.security.login_alerts.updated",
                     target=audit.Target("user", actor.user_id, actor.email),
                     details={"subscribed": [row is not None, bool(on)]})
    db.commit()
