from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from helpdesk_app.models.base import UTCDateTime, utcnow


class AuditEvent(SQLModel, table=True):
    """One entry of the audit log (domain/audit.py writes it, nothing changes it).

    Append-only: the domain has no update/delete, and the migration adds triggers that
    refuse UPDATE and DELETE on both backends. `actor_id` deliberately has no foreign key:
    the entry must outlive the account, and `actor_label` keeps the name/e-mail as it was.
    Retention: entries are kept forever. RODO erasure (domain/privacy_erasure.py) may
    rewrite the labels and details of the rows it first lists in `audit_redaction`: the
    triggers (migration 0020) allow exactly that and nothing else."""

    __tablename__ = "audit_event"
    # The admin page filters by time (newest first), action, actor and target.
    __table_args__ = (
        Index("ix_audit_event_at", "at"),
        Index("ix_audit_event_action_at", "action", "at"),
        Index("ix_audit_event_actor_at", "actor_id", "at"),
        Index("ix_audit_event_target", "target_type", "target_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None)  # None: anonymous (failed sign-in), system job
    actor_label: str = Field(default="", max_length=200)
    action: str = Field(max_length=80)  # a key of domain/audit.ACTIONS
    target_type: str | None = Field(default=None, max_length=40)
    target_id: str | None = Field(default=None, max_length=64)  # ids and status keys
    target_label: str = Field(default="", max_length=200)
    details: str = Field(default="{}", sa_type=Text)  # small JSON, never secrets
    address: str | None = Field(default=None, max_length=64)  # the client's IP address


class AuditRedaction(SQLModel, table=True):
    """An audit entry whose labels and details an erasure rewrote (its personal data
    replaced by a pseudonym): the triggers let an UPDATE through only for rows listed here,
    and only of `actor_label`, `target_label`, `details` and `address`. Kept: it is the
    record that the entry was redacted, and when."""

    __tablename__ = "audit_redaction"

    audit_id: int = Field(primary_key=True)
    redacted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    reason: str = Field(default="", max_length=100)
