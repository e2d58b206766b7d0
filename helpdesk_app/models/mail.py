"""The e-mail channel: inbound addresses (and the IMAP mailboxes behind them), every
received message kept raw before processing, and the outbox every sent mail goes through."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from helpdesk_app.models.base import UTCDateTime, utcnow


class MailChannel(SQLModel, table=True):
    """An address the helpdesk receives mail on, and where that mail goes.

    Mail reaches it through the built-in SMTP listener (any address whose `address`
    matches a recipient) or, when `imap_host` is set, by polling that mailbox."""

    __tablename__ = "mail_channel"

    id: int | None = Field(default=None, primary_key=True)
    address: str = Field(max_length=320, unique=True)  # lower case
    name: str = Field(default="", max_length=120)
    queue_id: int | None = Field(default=None, foreign_key="queue.id")
    contract_id: int | None = Field(default=None, foreign_key="contract.id")
    is_active: bool = Field(default=True)
    imap_host: str = Field(default="", max_length=200)  # empty: no IMAP polling
    imap_port: int = Field(default=993)
    imap_security: str = Field(default="ssl", max_length=10)  # ssl / starttls / none
    imap_username: str = Field(default="", max_length=320)
    imap_password: str = Field(default="", max_length=500)
    imap_folder: str = Field(default="INBOX", max_length=200)
    imap_processed_folder: str = Field(default="Processed", max_length=200)
    imap_quarantine_folder: str = Field(default="Quarantine", max_length=200)
    imap_last_error: str = Field(default="", max_length=1000)
    imap_polled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class InboundStatus:
    RECEIVED = "received"  # stored, waiting for the pipeline
    DONE = "done"  # on a ticket: ticket_id / event_id
    IGNORED = "ignored"  # dropped on purpose (duplicate, our own mail back, ...): reason
    REJECTED = "rejected"  # unknown sender, refused with a polite reply
    QUARANTINED = "quarantined"  # an admin decides: reason / detail

    ALL = (RECEIVED, DONE, IGNORED, REJECTED, QUARANTINED)


class MailSource:
    SMTP = "smtp"
    IMAP = "imap"


class InboundMail(SQLModel, table=True):
    """One received message, stored raw *before* any processing so nothing is lost.

    The pipeline moves it out of `received` in the same transaction that puts it on a
    ticket, so a crash mid-way leaves it `received` and it is processed again, once."""

    __tablename__ = "inbound_mail"
    __table_args__ = (
        Index("ix_inbound_mail_status_id", "status", "id"),
        # message_id first, with status: duplicate and threading lookups must not walk the
        # status index (SQLite picks that one for "status = ..." without statistics)
        Index("ix_inbound_mail_message_id_status", "message_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=10)  # smtp / imap
    # Where it came from, for de-duplication: IMAP "<channel>:<uidvalidity>:<uid>".
    source_key: str | None = Field(default=None, max_length=200, unique=True)
    channel_id: int | None = Field(default=None, foreign_key="mail_channel.id")
    mail_from: str = Field(default="", max_length=320)  # SMTP envelope sender
    rcpt_to: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    message_id: str | None = Field(default=None, max_length=500)  # header, without <>
    subject: str = Field(default="", max_length=300)  # decoded, for the admin list
    size: int = Field(default=0)
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    status: str = Field(default=InboundStatus.RECEIVED, max_length=20)
    reason: str = Field(default="", max_length=40)  # machine key, translated in the UI
    detail: str = Field(default="", max_length=2000)
    attempts: int = Field(default=0)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    event_id: int | None = Field(default=None, foreign_key="timeline_event.id")
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    processed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OutboundStatus:
    PENDING = "pending"  # waiting for its (next) attempt at next_attempt_at
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt; an admin may retry

    ALL = (PENDING, SENT, FAILED)


class OutboundMail(SQLModel, table=True):
    """The outbox: every mail the helpdesk sends, rendered when queued (in the same
    transaction as what it announces) and sent by a worker with retries."""

    __tablename__ = "outbound_mail"
    __table_args__ = (
        Index("ix_outbound_mail_status_next", "status", "next_attempt_at"),
        # per-recipient caps on automatic mail count recent rows to one address
        Index("ix_outbound_mail_to_created", "to_addr", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(max_length=300, unique=True)  # ours, without <>
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user_account.id")
    to_addr: str = Field(max_length=320)  # lower case
    subject: str = Field(default="", max_length=300)
    kind: str = Field(max_length=30)  # template: auto_reply, public_reply, status_change...
    is_auto: bool = Field(default=True)  # automatic mail: capped, Auto-Submitted header
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    status: str = Field(default=OutboundStatus.PENDING, max_length=10)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_error: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class NotificationPreference(SQLModel, table=True):
    """A user's choice for one notification event: by e-mail and/or in the app, and for
    which clients / contracts / queues (empty list: all). No row: the role's default."""

    __tablename__ = "notification_preference"
    __table_args__ = (UniqueConstraint("user_id", "event", name="uq_notification_pref_user_event"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id")
    event: str = Field(max_length=30)
    email: bool = Field(default=True)
    in_app: bool = Field(default=True)
    organisation_ids: list[int] = Field(default_factory=list,
                                        sa_column=Column(JSON, nullable=False))
    contract_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    queue_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

