"""Who sent it. A known, active user is that user. An unknown sender from a client
organisation's verified domain becomes a client user of that organisation. Anyone else
follows POMOCNIK_MAIL_UNKNOWN_SENDER: `triage` (a client user in the "unknown senders"
organisation, the ticket goes to the triage queue), `reject` (a polite reply, queued by
domain/notification_dispatch.py like every outgoing mail; no ticket) or `quarantine` (an
admin decides)."""

from __future__ import annotations

import re

from sqlmodel import Session, col, select

from helpdesk_app.config import get_settings
from helpdesk_app.domain import directory
from helpdesk_app.domain import notification_dispatch as dispatch
from helpdesk_app.domain.auth import NO_PASSWORD
from helpdesk_app.mail.inbound.context import MailContext, Outcome, claim
from helpdesk_app.models import (
    InboundStatus,
    Organisation,
    OrganisationDomain,
    OrgKind,
    Role,
    User,
)
from helpdesk_app.models.base import utcnow

# The organisation unknown senders are filed under (policy "triage"); agents move the
# ticket to the right client when they recognise the sender.
TRIAGE_ORGANISATION = "Nieznani nadawcy / Unknown senders"
_ADDRESS = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}$")
# "!" is no argon2 hash: such an account cannot log in until someone sets a password.


def _verified_org(db: Session, domain: str) -> Organisation | None:
    """The active client organisation that verified `domain` (stored lower-cased)."""
    return db.exec(select(Organisation).join(
        OrganisationDomain, OrganisationDomain.organisation_id == Organisation.id).where(
        OrganisationDomain.domain == domain.lower(), Organisation.kind == OrgKind.CLIENT,
        col(Organisation.is_active).is_(True))).first()


def _triage_org(db: Session) -> Organisation:
    org = db.exec(select(Organisation).where(Organisation.name == TRIAGE_ORGANISATION)).first()
    if org is None:
        org = Organisation(name=TRIAGE_ORGANISATION, kind=OrgKind.CLIENT)
        db.add(org)
        db.flush()
    return org


def _new_client(db: Session, ctx: MailContext, address: str, org: Organisation) -> User:
    name = " ".join((ctx.parsed.from_name or "").split())[:200] or address.split("@")[0]
    user = User(email=address, full_name=name, password_hash=NO_PASSWORD, role=Role.CLIENT,
                organisation_id=org.id, language=_language(ctx), created_at=utcnow())
    db.add(user)
    db.flush()
    ctx.sender_created = True
    return user


def _language(ctx: MailContext) -> str:
    lang = (ctx.parsed.headers.get("content-language", "") or "").lower()[:2]
    return lang if lang in ("pl", "en") else get_settings().default_language


def reject(db: Session, ctx: MailContext, address: str) -> Outcome:
    """Refuse politely (unless the mail is automatic: never answer those) and record it."""
    outcome = Outcome(InboundStatus.REJECTED, "unknown_sender", address)
    if not ctx.no_auto_reply:
        dispatch.rejected(db, to_addr=address, language=_language(ctx),
                        recipient_name=ctx.parsed.from_name or address,
                        original_subject=ctx.parsed.subject or "",
                        in_reply_to=ctx.parsed.message_id,
                        from_addr=ctx.channel.address if ctx.channel else None)
    claim(db, ctx, outcome)
    db.commit()
    return outcome


def run(db: Session, ctx: MailContext) -> Outcome | None:
    address = (ctx.parsed.from_addr or ctx.parsed.reply_to or ctx.mail.mail_from or "")
    address = address.strip().lower()
    if not _ADDRESS.match(address):
        return Outcome(InboundStatus.QUARANTINED, "no_sender", address[:200])
    user = directory.user_by_email(db, address)
    if user is not None:
        # a deactivated person, or anyone of a deactivated organisation: an admin decides
        if not directory.account_enabled(db, user):
            return Outcome(InboundStatus.QUARANTINED, "sender_inactive", address)
        ctx.sender = user
        return None
    org = _verified_org(db, address.rsplit("@", 1)[1])
    if org is not None:
        ctx.sender = _new_client(db, ctx, address, org)
        return None
    policy = "triage" if ctx.force else ctx.settings.unknown_sender
    if policy == "reject":
        return reject(db, ctx, address)
    if policy == "quarantine":
        return Outcome(InboundStatus.QUARANTINED, "unknown_sender", address)
    ctx.sender = _new_client(db, ctx, address, _triage_org(db))
    ctx.triage = True
    return None
