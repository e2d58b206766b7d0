from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from helpdesk_app.models.base import UTCDateTime, utcnow


class Status:
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"  # waiting for the client
    RESOLVED = "resolved"
    CLOSED = "closed"

    ALL = (NEW, OPEN, PENDING, RESOLVED, CLOSED)
    ACTIVE = (NEW, OPEN, PENDING)


class Priority:
    LOW = 1
    NORMAL = 2
    HIGH = 3
    URGENT = 4

    ALL = (LOW, NORMAL, HIGH, URGENT)


class Channel:
    PHONE = "phone"
    EMAIL = "email"
    WEB = "web"
    CHAT = "chat"

    ALL = (PHONE, EMAIL, WEB, CHAT)


class Ticket(SQLModel, table=True):
    __tablename__ = "ticket"
    __table_args__ = (
        # The agent list's hot paths: queue + status filter sorted by priority/updated,
        # status-only, assignee and organisation filters, plain "latest".
        Index("ix_ticket_queue_status_prio_upd", "queue_id", "status", "priority", "updated_at"),
        Index("ix_ticket_status_prio_upd", "status", "priority", "updated_at"),
        Index("ix_ticket_assignee_status_upd", "assignee_id", "status", "updated_at"),
        Index("ix_ticket_org_status_prio_upd", "organisation_id", "status", "priority",
              "updated_at"),
        Index("ix_ticket_requester_upd", "requester_id", "updated_at"),
        Index("ix_ticket_updated", "updated_at"),
        Index("ix_ticket_prio_upd", "priority", "updated_at"),
        # SLA: "due soonest" / "breached" lists and the scheduler's sweep.
        Index("ix_ticket_sla_state_due", "sla_state", "resolution_due_at"),
        Index("ix_ticket_sla_next_check", "sla_next_check_at"),
        # SLA board (domain/sla_board.py): active counts per state, compliance/chart over
        # resolved tickets, the at-risk list's reaction clock.
        Index("ix_ticket_status_sla_state", "status", "sla_state"),
        # (+ the minutes: the reports' medians read them from this index alone, 0018)
        Index("ix_ticket_resolved_sla", "resolved_at", "sla_state", "contract_id",
              "ticket_type_id", "sla_minutes_used", "first_response_minutes"),
        Index("ix_ticket_sla_state_unanswered", "sla_state", "first_response_at",
              "reaction_due_at"),
        # Reports (domain/reports_service.py): tickets created per day / week / month, the
        # channel mix - one index range per period instead of a table scan each.
        Index("ix_ticket_created", "created_at"),
        # Recompute after a contract/calendar change finds a contract's open tickets.
        Index("ix_ticket_contract_status", "contract_id", "status"),
        # A subcontractor's list: the tickets handed to their organisation (one index range).
        # Partial: only handed tickets are in it, so it stays small and the planner's
        # statistics describe them (SQLite's would average in the million NULLs and walk
        # the priority index instead: 70 ms rather than 0.1 ms at 1M tickets).
        Index("ix_ticket_handed_status_prio_upd", "handed_to_org_id", "status", "priority",
              "updated_at", sqlite_where=text("handed_to_org_id IS NOT NULL"),
              postgresql_where=text("handed_to_org_id IS NOT NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True)  # e.g. 2026-000123
    subject: str = Field(max_length=250)
    requester_id: int = Field(foreign_key="user_account.id")
    organisation_id: int = Field(foreign_key="organisation.id")
    queue_id: int = Field(foreign_key="queue.id")
    assignee_id: int | None = Field(default=None, foreign_key="user_account.id")
    priority: int = Field(default=Priority.NORMAL)
    status: str = Field(default=Status.NEW, max_length=40)  # a TicketStatus key
    channel: str = Field(default=Channel.WEB, max_length=10)
    created_by_id: int = Field(foreign_key="user_account.id")
    # Optimistic locking: every edit says which version it saw.
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    # SLA (derived from the timeline by domain/sla.py; stored for indexed lists/sweeps)
    contract_id: int | None = Field(default=None, foreign_key="contract.id")
    ticket_type_id: int | None = Field(default=None, foreign_key="ticket_type.id")
    first_response_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reaction_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolution_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # none / running / warning / breached / paused / met
    sla_state: str = Field(default="none", max_length=10,
                           sa_column_kwargs={"server_default": "none"})
    sla_paused_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # business minutes used on the resolution clock
    sla_minutes_used: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # business minutes on the reaction clock when it stopped at the first response (the
    # reports' first-response medians); None: unanswered, no contract, or not backfilled
    first_response_minutes: int | None = Field(default=None)
    # when the retention rule anonymised this closed ticket (domain/retention.py)
    anonymised_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The next instant the scheduler must look at this ticket (warning or breach point).
    sla_next_check_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    # The subcontractor organisation the ticket is handed to now (models/handover.py holds
    # the history); copied here so a subcontractor's list is one indexed query.
    handed_to_org_id: int | None = Field(default=None, foreign_key="organisation.id")


class TicketCounter(SQLModel, table=True):
    """Per-year sequence behind human-readable ticket numbers."""

    __tablename__ = "ticket_counter"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_value: int = Field(default=0)
