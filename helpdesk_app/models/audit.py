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
    Retention: entries are kept forever; removing personal data from them is the RODO
    issue's work (it will need a privileged path around the triggers)."""

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
