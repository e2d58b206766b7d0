"""One-time account links (invitation, password reset): issue, look up, redeem.

The token (32 random bytes, URL-safe) exists only in the mail; the table keeps its
SHA-256. A token is valid until it expires (`POMOCNIK_INVITE_TTL_HOURS`,
`POMOCNIK_RESET_TTL_MINUTES`), is used, or the account gets a password another way.
Redeeming sets the password through the policy, closes every other open link of the
account (any purpose: a password was just chosen, older links to choose one are stale)
and ends the account's sessions (someone who knew the old password is signed out).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from helpdesk_app.config import get_settings
from helpdesk_app.domain import audit, auth
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import FieldChecks, Invalid
from helpdesk_app.models import AccountToken, Organisation, TokenPurpose, User
from helpdesk_app.models.base import utcnow


def token_hash(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


def ttl(purpose: str) -> timedelta:
    accounts = get_settings().accounts
    if purpose == TokenPurpose.INVITE:
        return timedelta(hours=accounts.invite_ttl_hours)
    if purpose == TokenPurpose.RESET:
        return timedelta(minutes=accounts.reset_ttl_minutes)
    raise ValueError(f"unknown token purpose {purpose!r}")


def account_usable(db: Session, user: User | None) -> bool:
    """Active user in an active organisation (the flag exists once the directory has it)."""
    if user is None or not user.is_active:
        return False
    org = db.get(Organisation, user.organisation_id)
    return org is not None and getattr(org, "is_active", True)


def issue(db: Session, user: User, purpose: str, *, created_by: int | None = None,
          now: datetime | None = None) -> str:
    """A new link token for `user` (the caller commits, in the transaction that queues the
    mail carrying it). Returns the token itself: it is stored nowhere else."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    db.add(AccountToken(purpose=purpose, token_hash=token_hash(token), user_id=user.id,
                        created_at=now, expires_at=now + ttl(purpose), created_by=created_by))
    db.flush()
    return token


def _open_row(db: Session, token: str, purpose: str, now: datetime) -> AccountToken | None:
    if not token or len(token) > 200:
        return None
    row = db.exec(select(AccountToken).where(AccountToken.token_hash == token_hash(token),
                                             AccountToken.purpose == purpose)).first()
    if row is None or row.used_at is not None or now >= row.expires_at:
        return None
    return row


def lookup(db: Session, token: str, purpose: str, *, now: datetime | None = None) -> User | None:
    """The account a still valid link belongs to (the page shows its form), else None."""
    row = _open_row(db, token, purpose, now or utcnow())
    if row is None:
        return None
    user = db.get(User, row.user_id)
    return user if account_usable(db, user) else None


def close_open(db: Session, user_id: int, *, now: datetime | None = None,
               except_id: int | None = None) -> int:
    """Close every open link of the account (the caller commits). Returns how many."""
    stmt = update(AccountToken).where(col(AccountToken.user_id) == user_id,
                                      col(AccountToken.used_at).is_(None))
    if except_id is not None:
        stmt = stmt.where(col(AccountToken.id) != except_id)
    return db.execute(stmt.values(used_at=now or utcnow())).rowcount or 0


def redeem(db: Session, token: str, purpose: str, password: str, repeat: str, *,
           now: datetime | None = None, audit_action: str | None = None) -> User:
    """Set the account's password from a link; commits. Raises `Invalid("account.link_invalid")`
    for an unknown, used or expired link (the same answer for each), `FormInvalid` for a
    password the policy refuses (the link stays usable). `audit_action`: the audit entry
    written with the new password (the account holder as the actor: the link proved it)."""
    now = now or utcnow()
    row = _open_row(db, token, purpose, now)
    user = db.get(User, row.user_id) if row is not None else None
    if row is None or not account_usable(db, user):
        raise Invalid("account.link_invalid")
    checks = FieldChecks()
    hashed = checks.run("password", auth.hash_password, password or "", email=user.email,
                        name=user.full_name)
    if (password or "") != (repeat or ""):
        checks.fail("repeat", "account.password_mismatch")
    checks.done()
    # Single use even when two tabs submit at once: only one UPDATE finds it open.
    won = db.execute(update(AccountToken).where(col(AccountToken.id) == row.id,
                                                col(AccountToken.used_at).is_(None))
                     .values(used_at=now)).rowcount
    if won != 1:
        db.rollback()
        raise Invalid("account.link_invalid")
    user.password_hash = hashed
    db.add(user)
    close_open(db, user.id, now=now, except_id=row.id)
    ended = auth.end_sessions(db, user.id)
    if audit_action:
        audit.record(db, Actor.from_user(user), audit_action,
                     target=audit.Target("user", user.id, user.email),
                     details={"sessions_ended": ended} if ended else None)
    db.commit()
    return user


def provider_name(db: Session) -> str:
    """The service provider's name (first provider organisation), for mails and pages."""
    from helpdesk_app.models import OrgKind

    org = db.exec(select(Organisation).where(Organisation.kind == OrgKind.PROVIDER)
                  .order_by(col(Organisation.id))).first()
    return org.name if org is not None else "Pomocnik"


def mail_link(db: Session, user: User, kind: str, link_path: str, token: str, *,
              expires_at: datetime, inviter: str = "", is_auto: bool) -> bool:
    """Queue the mail carrying a link (outbox, the caller's transaction) in the
    recipient's language. Returns False when the outbox refused it (bad address, cap)."""
    from helpdesk_app.i18n import format_datetime
    from helpdesk_app.mail.outbound import account_templates, outbox

    rendered = account_templates.render(kind, user.language, {
        "name": user.full_name, "email": user.email, "provider": provider_name(db),
        "inviter": inviter, "expires": format_datetime(expires_at, user.language, user.timezone),
        "link_url": f"{get_settings().base_url}{link_path}{token}",
    })
    queued = outbox.enqueue(db, to_addr=user.email, rendered=rendered, kind=kind,
                            is_auto=is_auto, user_id=user.id, to_name=user.full_name)
    return queued is not None
