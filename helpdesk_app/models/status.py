from __future__ import annotations

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class SlaEffect:
    """What a status does to the SLA clocks. The engine reads this, never status names."""

    COUNTS = "counts"
    PAUSES = "pauses"
    STOPS = "stops"  # resolved / closed

    ALL = (COUNTS, PAUSES, STOPS)


class StatusCategory:
    NEW = "new"
    OPEN = "open"
    WAITING = "waiting"
    RESOLVED = "resolved"
    CLOSED = "closed"

    ALL = (NEW, OPEN, WAITING, RESOLVED, CLOSED)


class TicketStatus(SQLModel, table=True):
    """A status definition. Keys are global and never deleted (old timeline events keep
    their names); a status is retired with `is_active`. The built-in set is seeded by
    migration 0002; `is_default` statuses form the set of contracts without their own."""

    __tablename__ = "ticket_status"

    key: str = Field(primary_key=True, max_length=40)
    name_pl: str = Field(max_length=80)
    name_en: str = Field(max_length=80)
    category: str = Field(max_length=20)  # StatusCategory
    sla_effect: str = Field(default=SlaEffect.COUNTS, max_length=10)
    sort_order: int = Field(default=0)
    colour: str = Field(default="gray", max_length=20, sa_column_kwargs={"server_default": "gray"})
    is_default: bool = Field(default=True, sa_column_kwargs={"server_default": "1"})
    is_active: bool = Field(default=True, sa_column_kwargs={"server_default": "1"})
    # What clients see: the name, or (when not visible to them) a public label.
    client_visible: bool = Field(default=True, sa_column_kwargs={"server_default": "1"})
    client_label_pl: str = Field(default="", max_length=80)
    client_label_en: str = Field(default="", max_length=80)
    subcontractor_visible: bool = Field(default=True, sa_column_kwargs={"server_default": "1"})
    # A client may move their ticket into this status (e.g. "confirm fixed").
    client_may_set: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    closes: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})


class ContractStatus(SQLModel, table=True):
    """A contract's own status set (contracts without rows use the default set)."""

    __tablename__ = "contract_status"

    contract_id: int = Field(foreign_key="contract.id", primary_key=True)
    status_key: str = Field(foreign_key="ticket_status.key", primary_key=True, max_length=40)
    sort_order: int = Field(default=0)


class StatusTransition(SQLModel, table=True):
    """Allowed transitions. A set (default: contract_id None) without rows allows all."""

    __tablename__ = "status_transition"
    __table_args__ = (UniqueConstraint("contract_id", "from_key", "to_key",
                                       name="uq_status_transition"),)

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int | None = Field(default=None, foreign_key="contract.id", index=True)
    from_key: str = Field(foreign_key="ticket_status.key", max_length=40)
    to_key: str = Field(foreign_key="ticket_status.key", max_length=40)
