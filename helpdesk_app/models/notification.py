"""In-app notifications and the SLA scheduler's bookkeeping (alerts sent, leader lock)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from helpdesk_app.models.base import UTCDateTime, utcnow


class NotificationKind:
    """Events a user can be notified of (in the app and/or by e-mail)."""

    NEW_TICKET = "new_ticket"
    PUBLIC_REPLY = "public_reply"
    INTERNAL_NOTE = "internal_note"  # staff only
    ASSIGNMENT = "assignment"
    STATUS_CHANGE = "status_change"
    TICKET_CLOSED = "ticket_closed"
    SLA_WARNING = "sla_warning"
    SLA_BREACH = "sla_breach"
    # a ticket handed to a subcontractor / withdrawn (to them), accepted / returned (to the
    # coordinator); the in-app row's kind is "handover.<action>"
    HANDOVER = "handover"

    ALL = (NEW_TICKET, PUBLIC_REPLY, INTERNAL_NOTE, ASSIGNMENT, STATUS_CHANGE, TICKET_CLOSED,
           SLA_WARNING, SLA_BREACH, HANDOVER)


class Notification(SQLModel, table=True):
    """Something a user should see in the app (bell icon); unread while `read_at` is None."""

    __tablename__ = "notification"
    __table_args__ = (
        # "my unread, newest first" and the unread counter
        Index("ix_notification_user_read_created", "user_id", "read_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id")
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id")
    kind: str = Field(max_length=30)
    # parameters for the message, e.g. {"clock": "resolution", "due_at": "..."}; no
    # private text: the UI renders from the catalog and links to the ticket
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AlertClock:
    REACTION = "reaction"
    RESOLUTION = "resolution"


class AlertLevel:
    WARNING = "warning"
    BREACH = "breach"


class SlaAlert(SQLModel, table=True):
    """One SLA alert that happened. Inserting this row *is* the alert: the unique key makes
    a warning or breach happen exactly once, even after a crash or with two schedulers,
    because the timeline event, notifications and escalation are written in the same
    transaction as this row.

    `point_at` is the instant that was crossed: the warning point for a warning, the
    deadline for a breach. (Not the deadline for warnings: a pause moves the deadline but
    not a warning point already passed, and that must not warn again.)"""

    __tablename__ = "sla_alert"
    __table_args__ = (
        Index("ix_sla_alert_level_point", "level", "point_at", "clock", "ticket_id"),
        UniqueConstraint("ticket_id", "clock", "level", "point_at",
                         name="uq_sla_alert_ticket_clock_level_point"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    clock: str = Field(max_length=10)  # reaction / resolution
    level: str = Field(max_length=10)  # warning / breach
    point_at: datetime = Field(sa_type=UTCDateTime)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # deadline then
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SchedulerLock(SQLModel, table=True):
    """A named lease: who runs the scheduler's jobs until when (jobs/lock.py)."""

    __tablename__ = "scheduler_lock"

    name: str = Field(primary_key=True, max_length=50)
    owner: str = Field(max_length=200)
    expires_at: datetime = Field(sa_type=UTCDateTime)
