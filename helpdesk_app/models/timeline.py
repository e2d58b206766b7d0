from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from helpdesk_app.models.base import UTCDateTime, utcnow


class EventKind:
    CREATED = "created"
    REPLY = "reply"  # public
    NOTE = "note"  # internal, never shown to clients
    STATUS = "status"
    ASSIGNMENT = "assignment"
    PRIORITY = "priority"
    QUEUE = "queue"
    ATTACHMENT = "attachment"
    CONTRACT = "contract"  # internal; data: old, new contract ids
    TICKET_TYPE = "ticket_type"  # internal; data: old, new ticket type ids
    FIELD = "field"  # data: field (key), old, new; public when clients may see the field
    CHECKLIST = "checklist"  # internal; data: item, label, done (bool)
    # written by the SLA scheduler (no author, internal)
    SLA_WARNING = "sla_warning"  # data: clock, point_at (warning point), due_at
    SLA_BREACH = "sla_breach"  # data: clock, due_at
    ESCALATION = "escalation"  # data: action, clock, old, new
    # internal; a substitute's work on an absent colleague's ticket (issue 13), data: phase
    # ("started": author works on behalf of `absent`; "ended"), absent, substitute (names)
    SUBSTITUTION = "substitution"
    # handed to / accepted / returned by / withdrawn from a subcontractor (internal,
    # shared with that subcontractor); data: action, org, user, handover
    HANDOVER = "handover"
    # work time logged, changed or removed (issue 14; internal, a subcontractor's shared
    # with their organisation); data: action, entry, user, seconds, activity, billable
    WORK = "work"

    ALL = (CREATED, REPLY, NOTE, STATUS, ASSIGNMENT, PRIORITY, QUEUE, ATTACHMENT,
           CONTRACT, TICKET_TYPE, FIELD, CHECKLIST, SLA_WARNING, SLA_BREACH, ESCALATION,
           SUBSTITUTION, HANDOVER, WORK)


class TimelineEvent(SQLModel, table=True):
    """Everything that happens to a ticket; the audit trail."""

    __tablename__ = "timeline_event"
    __table_args__ = (Index("ix_timeline_ticket_created", "ticket_id", "created_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    kind: str = Field(max_length=20)
    author_id: int | None = Field(default=None, foreign_key="user_account.id")
    is_public: bool = Field(default=False)
    body: str = Field(default="")
    # old/new values of a change, attachment ids, ...
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # An internal event this subcontractor organisation sees too (a note "shared with the
    # subcontractor", their own notes, handover events); None: staff only (or public).
    shared_with_org_id: int | None = Field(default=None, foreign_key="organisation.id")
