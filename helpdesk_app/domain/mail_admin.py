"""What admins do with the mail channel, in one place: inbound addresses (and their IMAP
mailboxes), the mail log with its quarantine (the raw download; `reopen_quarantined`, the
domain's half of "retry" / "create ticket anyway" - mail/inbound/admin_actions.py then
runs the pipeline again), the outbox (the list, "send again").

Admins only; every function re-checks the actor (access.require_admin).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from helpdesk_app.config import RELAY_SECURITY
from helpdesk_app.domain import access, audit
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import FieldChecks, Invalid, NotFound
from helpdesk_app.models import (
    Contract,
    InboundMail,
    InboundStatus,
    MailChannel,
    OutboundMail,
    OutboundStatus,
    Queue,
    Ticket,
)
from helpdesk_app.models.base import utcnow

_ADDRESS = re.compile(r"^[^@\s<>]{1,64}@[^@\s<>]{1,255}$")
LIST_MAX = 200
OUTBOX_LIST_MAX = 500


# --------------------------------------------------------------------------- channels


@dataclass
class ChannelData:
    address: str
    name: str = ""
    queue_id: int | None = None
    contract_id: int | None = None
    is_active: bool = True
    imap_host: str = ""
    imap_port: int = 993
    imap_security: str = "ssl"
    imap_username: str = ""
    imap_password: str | None = None  # None: keep the stored one
    imap_folder: str = "INBOX"
    imap_processed_folder: str = "Processed"
    imap_quarantine_folder: str = "Quarantine"


@dataclass(frozen=True)
class ChannelView:
    id: int
    address: str
    name: str
    queue_id: int | None
    contract_id: int | None
    is_active: bool
    imap_host: str
    imap_port: int
    imap_security: str
    imap_username: str
    has_password: bool  # the password itself never leaves the server
    imap_folder: str
    imap_processed_folder: str
    imap_quarantine_folder: str
    imap_last_error: str
    imap_polled_at: datetime | None


def _view(c: MailChannel) -> ChannelView:
    return ChannelView(
        id=c.id, address=c.address, name=c.name, queue_id=c.queue_id, contract_id=c.contract_id,
        is_active=c.is_active, imap_host=c.imap_host, imap_port=c.imap_port,
        imap_security=c.imap_security, imap_username=c.imap_username,
        has_password=bool(c.imap_password), imap_folder=c.imap_folder,
        imap_processed_folder=c.imap_processed_folder,
        imap_quarantine_folder=c.imap_quarantine_folder, imap_last_error=c.imap_last_error,
        imap_polled_at=c.imap_polled_at)


def list_channels(db: Session, actor: Actor) -> list[ChannelView]:
    access.require_admin(actor)
    return [_view(c) for c in db.exec(select(MailChannel).order_by(col(MailChannel.address)))]


def _folder(value: str, key: str) -> str:
    value = " ".join((value or "").split())
    if not value or len(value) > 200:
        raise Invalid("mail.folder_invalid", folder=key)
    return value


def save_channel(db: Session, actor: Actor, channel_id: int | None, data: ChannelData) -> int:
    """Create (`channel_id` None) or change an inbound address. Commits; returns its id."""
    access.require_admin(actor)
    checks = FieldChecks()  # every field's problem at once, next to its field
    address = (data.address or "").strip().lower()
    if not _ADDRESS.match(address) or len(address) > 320:
        checks.fail("address", "mail.address_invalid")
    else:
        other = db.exec(select(MailChannel).where(MailChannel.address == address)).first()
        if other is not None and other.id != channel_id:
            checks.fail("address", "mail.address_taken")
    if data.queue_id is not None:
        queue = db.get(Queue, data.queue_id)
        if queue is None or not queue.is_active:
            checks.fail("queue", "ticket.queue_invalid")
    if data.contract_id is not None and db.get(Contract, data.contract_id) is None:
        checks.fail("contract", "ticket.contract_invalid")
    if not 0 < int(data.imap_port) < 65536:
        checks.fail("imap_port", "mail.imap_port_invalid")
    host = (data.imap_host or "").strip()
    if host:
        if data.imap_security not in RELAY_SECURITY:
            checks.fail("imap_security", "mail.imap_security_invalid")
        if not data.imap_username.strip():
            checks.fail("imap_username", "mail.imap_username_required")
        seen: set[str] = set()
        for f in ("imap_folder", "imap_processed_folder", "imap_quarantine_folder"):
            folder = checks.run(f, _folder, getattr(data, f), f)
            if folder is not None and folder in seen:
                checks.fail(f, "mail.folders_must_differ")
            seen.add(folder)
    checks.done()
    before: dict | None = None
    if channel_id is None:
        channel = MailChannel(address=address)
    else:
        channel = db.get(MailChannel, channel_id)
        if channel is None:
            raise NotFound("mail.channel_not_found")
        before = audit.snapshot(channel, _CHANNEL_AUDITED)
    old_password = channel.imap_password
    channel.address = address
    channel.name = " ".join((data.name or "").split())[:120]
    channel.queue_id, channel.contract_id = data.queue_id, data.contract_id
    channel.is_active = bool(data.is_active)
    channel.imap_host = host[:200]
    channel.imap_port = int(data.imap_port)
    channel.imap_security = data.imap_security
    channel.imap_username = data.imap_username.strip()[:320]
    if data.imap_password is not None:
        channel.imap_password = data.imap_password[:500]
    channel.imap_folder = data.imap_folder.strip() or "INBOX"
    channel.imap_processed_folder = data.imap_processed_folder.strip() or "Processed"
    channel.imap_quarantine_folder = data.imap_quarantine_folder.strip() or "Quarantine"
    db.add(channel)
    db.flush()
    details = audit.changes(before, channel, _CHANNEL_AUDITED)
    if channel.imap_password != old_password:  # that it changed, never the value
        details["credentials_changed"] = ["imap_password"]
    audit.record_change(
        db, actor, "config.mail.channel.updated" if before else "config.mail.channel.created",
        target=audit.Target("mail_channel", channel.id, address), details=details)
    db.commit()
    return channel.id


# What the audit log compares (the IMAP password is only noted as changed).
_CHANNEL_AUDITED = ("address", "name", "queue_id", "contract_id", "is_active", "imap_host",
                    "imap_port", "imap_security", "imap_username", "imap_folder",
                    "imap_processed_folder", "imap_quarantine_folder")


# --------------------------------------------------------------------------- mail log


@dataclass(frozen=True)
class InboundRow:
    id: int
    received_at: datetime
    source: str
    mail_from: str
    subject: str
    size: int
    status: str
    reason: str
    detail: str
    attempts: int
    ticket_number: str


def list_inbound(db: Session, actor: Actor, *, status: str | None = None,
                 limit: int = 100) -> list[InboundRow]:
    """The newest received messages (optionally of one status: the quarantine)."""
    access.require_admin(actor)
    if status is not None and status not in InboundStatus.ALL:
        raise Invalid("mail.status_invalid")
    query = (select(InboundMail.id, InboundMail.received_at, InboundMail.source,
                    InboundMail.mail_from, InboundMail.subject, InboundMail.size,
                    InboundMail.status, InboundMail.reason, InboundMail.detail,
                    InboundMail.attempts, Ticket.number)
             .outerjoin(Ticket, col(Ticket.id) == col(InboundMail.ticket_id)))
    if status is not None:
        query = query.where(InboundMail.status == status)
    rows = db.exec(query.order_by(col(InboundMail.id).desc())
                   .limit(max(1, min(limit, LIST_MAX)))).all()
    return [InboundRow(id=r[0], received_at=r[1], source=r[2], mail_from=r[3], subject=r[4],
                       size=r[5], status=r[6], reason=r[7], detail=r[8], attempts=r[9],
                       ticket_number=r[10] or "") for r in rows]


def raw_message(db: Session, actor: Actor, mail_id: int) -> bytes:
    """The message exactly as received (for download as .eml)."""
    access.require_admin(actor)
    mail = db.get(InboundMail, mail_id)
    if mail is None or not mail.raw:  # empty: removed by the retention rule (issue 16)
        raise NotFound("mail.not_found")
    return mail.raw


def reopen_quarantined(db: Session, actor: Actor, mail_id: int, *,
                       force: bool = False) -> None:
    """A quarantined message back to `received`, with a fresh attempt budget (commits):
    the domain's half of "retry" / "create ticket anyway" (`force`, for the audit log).
    The mail side runs the pipeline on it next (mail/inbound/admin_actions.py): domain/
    never calls into mail/inbound."""
    access.require_admin(actor)
    result = db.execute(update(InboundMail)
                        .where(InboundMail.id == mail_id,
                               InboundMail.status == InboundStatus.QUARANTINED)
                        .values(status=InboundStatus.RECEIVED, attempts=0, reason="",
                                detail="", processed_at=None))
    if result.rowcount != 1:
        db.rollback()
        if db.get(InboundMail, mail_id) is None:
            raise NotFound("mail.not_found")
        raise Invalid("mail.not_quarantined")
    mail = db.get(InboundMail, mail_id)
    audit.record(db, actor, "mail.quarantine.created_anyway" if force
                 else "mail.quarantine.retried",
                 target=audit.Target("inbound_mail", mail_id,
                                     f"{mail.mail_from}: {mail.subject}" if mail else ""))
    db.commit()


# --------------------------------------------------------------------------- outbox


@dataclass(frozen=True)
class OutboxRow:
    id: int
    to_addr: str
    subject: str
    kind: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str
    created_at: datetime
    sent_at: datetime | None
    ticket_id: int | None


def list_outbox(db: Session, actor: Actor, *, status: str | None = None,
                limit: int = 100) -> list[OutboxRow]:
    """The newest outbox mail (optionally of one status)."""
    access.require_admin(actor)
    query = select(OutboundMail.id, OutboundMail.to_addr, OutboundMail.subject,
                   OutboundMail.kind, OutboundMail.status, OutboundMail.attempts,
                   OutboundMail.next_attempt_at, OutboundMail.last_error,
                   OutboundMail.created_at, OutboundMail.sent_at, OutboundMail.ticket_id)
    if status is not None:
        if status not in OutboundStatus.ALL:
            raise Invalid()
        query = query.where(OutboundMail.status == status)
    rows = db.exec(query.order_by(col(OutboundMail.id).desc())
                   .limit(max(1, min(limit, OUTBOX_LIST_MAX)))).all()
    return [OutboxRow(*row) for row in rows]


def retry_outbox(db: Session, actor: Actor, mail_id: int) -> None:
    """Send a failed (or waiting) mail again from a clean slate, now. Commits."""
    access.require_admin(actor)
    # Fresh from the database (the worker changes rows behind this session's back) and
    # locked, so a send finishing right now is seen rather than overwritten.
    row = db.get(OutboundMail, mail_id, populate_existing=True, with_for_update=True)
    if row is None:
        raise NotFound()
    if row.status == OutboundStatus.SENT:
        raise Invalid()
    audit.record(db, actor, "mail.outbox.retried",
                 target=audit.Target("outbound_mail", row.id, f"{row.to_addr}: {row.subject}"),
                 details={"status": [row.status, OutboundStatus.PENDING],
                          "attempts": [row.attempts, 0]})
    row.status = OutboundStatus.PENDING
    row.attempts = 0
    row.next_attempt_at = utcnow()
    row.last_error = ""
    db.add(row)
    db.commit()
