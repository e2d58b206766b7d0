""""Forgot password": a one-time link by mail (`{base_url}/reset/{token}`) to the account
behind an e-mail address, and the page that sets the new password.

The request always gets the same answer, whether the address belongs to an account or
not, so the form cannot tell anyone which addresses exist; a mail goes only to an active
account (also one created from mail without a password: this is how it is claimed).
Reset mails are automatic mail, capped per address by the outbox (`POMOCNIK_MAIL_AUTO_
REPLY_CAP` per window), so the form cannot be used to flood someone's mailbox.

Audited (the log is for admins only, so it may say what the form never does): a request
for an active account ("auth.password.reset_requested", anonymous, as the address typed;
`mailed: false` when the outbox refused the mail), and the new password being set
("auth.password.reset", by the account holder). A request for an unknown address writes
nothing.
"""

from __future__ import annotations

import logging

from sqlmodel import Session, func, select

from helpdesk_app import routes
from helpdesk_app.domain import account_tokens, audit
from helpdesk_app.models import TokenPurpose, User
from helpdesk_app.models.base import utcnow

log = logging.getLogger(__name__)
_EMAIL_MAX = 320


def request_reset(db: Session, email: str) -> None:
    """Queue a reset link for the active account with this address, if any; commits.
    Returns nothing on purpose: the caller's answer must not depend on the outcome."""
    email = (email or "").strip().lower()
    if not email or len(email) > _EMAIL_MAX or "@" not in email:
        return
    user = db.exec(select(User).where(func.lower(User.email) == email)).first()
    if not account_tokens.account_usable(db, user):
        return
    now = utcnow()
    token = account_tokens.issue(db, user, TokenPurpose.RESET, now=now)
    target = audit.Target("user", user.id, user.email)
    if not account_tokens.mail_link(db, user, "password_reset", routes.RESET_LINK, token,
                                    expires_at=now + account_tokens.ttl(TokenPurpose.RESET),
                                    is_auto=True):
        log.warning("password reset for user %s not mailed (outbox refused)", user.id)
        db.rollback()
        audit.record(db, None, "auth.password.reset_requested", label=email, target=target,
                     details={"mailed": False})
        db.commit()
        return
    audit.record(db, None, "auth.password.reset_requested", label=email, target=target)
    db.commit()


def account_for(db: Session, token: str) -> User | None:
    """Whose reset link this is, while it is valid."""
    return account_tokens.lookup(db, token, TokenPurpose.RESET)


def complete(db: Session, token: str, password: str, repeat: str) -> User:
    """Set the new password; commits. See account_tokens.redeem for the errors."""
    return account_tokens.redeem(db, token, TokenPurpose.RESET, password, repeat,
                                 audit_action="auth.password.reset")
