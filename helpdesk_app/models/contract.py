from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from helpdesk_app.models.base import UTCDateTime, utcnow


class EscalationAction:
    NONE = "none"
    RAISE_PRIORITY = "raise_priority"  # one step up, at most urgent
    MOVE_QUEUE = "move_queue"  # to the contract's escalation queue
    ASSIGN_COORDINATOR = "assign_coordinator"  # when nobody is assigned

    ALL = (NONE, RAISE_PRIORITY, MOVE_QUEUE, ASSIGN_COORDINATOR)


class Contract(SQLModel, table=True):
    """A client organisation's service contract: which calendar and targets apply."""

    __tablename__ = "contract"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    name: str = Field(max_length=200)
    valid_from: date
    valid_to: date | None = Field(default=None)
    calendar_id: int = Field(foreign_key="business_calendar.id")
    is_key: bool = Field(default=False)  # "key contract": stands out in lists and boards
    default_queue_id: int | None = Field(default=None, foreign_key="queue.id")
    # What the SLA scheduler does when a clock of a ticket under this contract breaches
    # (EscalationAction); move_queue needs `escalation_queue_id`.
    escalation_action: str = Field(default="none", max_length=30,
                                   sa_column_kwargs={"server_default": "none"})
    escalation_queue_id: int | None = Field(default=None, foreign_key="queue.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ContractContact(SQLModel, table=True):
    __tablename__ = "contract_contact"

    contract_id: int = Field(foreign_key="contract.id", primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", primary_key=True)


class TicketType(SQLModel, table=True):
    """A kind of ticket under a contract (failure, inspection, ...) with its SLA targets."""

    __tablename__ = "ticket_type"

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    name_pl: str = Field(max_length=120)
    name_en: str = Field(max_length=120)
    reaction_minutes: int | None = Field(default=None)  # business minutes; None = no target
    resolution_minutes: int | None = Field(default=None)
    warning_percent: int = Field(default=75)
    is_active: bool = Field(default=True)
    # resolving a ticket of this type needs at least one work entry (issue 14)
    requires_work_entry: bool = Field(default=False)


class TicketTypeTarget(SQLModel, table=True):
    """Optional per-priority override of a ticket type's targets."""

    __tablename__ = "ticket_type_target"
    __table_args__ = (UniqueConstraint("ticket_type_id", "priority"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_type_id: int = Field(foreign_key="ticket_type.id", index=True)
    priority: int
    reaction_minutes: int | None = Field(default=None)
    resolution_minutes: int | None = Field(default=None)
