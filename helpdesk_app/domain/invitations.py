"""Invitations: an admin sends a user a one-time link to set their password
(`{base_url}/invite/{token}`); the acceptance page sets it (account_tokens.redeem).
Audited: "user.invited" (the admin), "user.invitation_accepted" (the invitee)."""

from __future__ import annotations

from sqlmodel import Session

from helpdesk_app import routes
from helpdesk_app.domain import access, account_tokens, audit
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import Invalid, NotFound
from helpdesk_app.models import TokenPurpose, User
from helpdesk_app.models.base import utcnow


def send_invitation(db: Session, actor: Actor, user_id: int) -> None:
    """Queue an invitation mail to the user (user managers, access.require_account_manager);
    commits. Earlier invitation links of the user stop working: the newest mail counts."""
    access.require_account_manager(actor)
    user = db.get(User, user_id)
    if user is None:
        raise NotFound("account.user_not_found")
    access.require_account_manager(actor, user.role)
    if not account_tokens.account_usable(db, user):
        raise Invalid("account.invite_inactive")
    now = utcnow()
    account_tokens.close_open(db, user.id, now=now)
    token = account_tokens.issue(db, user, TokenPurpose.INVITE, created_by=actor.user_id,
                                 now=now)
    queued = account_tokens.mail_link(
        db, user, "invitation", routes.INVITE, token,
        expires_at=now + account_tokens.ttl(TokenPurpose.INVITE), inviter=actor.full_name,
        is_auto=False)
    if not queued:
        db.rollback()
        raise Invalid("account.invite_unmailable")
    audit.record(db, actor, "user.invited", target=audit.Target("user", user.id, user.email))
    db.commit()


def invitee(db: Session, token: str) -> User | None:
    """Whose invitation this link is, while it is valid (the page greets them)."""
    return account_tokens.lookup(db, token, TokenPurpose.INVITE)


def accept(db: Session, token: str, password: str, repeat: str) -> User:
    """Set the invitee's password; commits. See account_tokens.redeem for the errors."""
    return account_tokens.redeem(db, token, TokenPurpose.INVITE, password, repeat,
                                 audit_action="user.invitation_accepted")
