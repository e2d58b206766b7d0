from __future__ import annotations

from sqlmodel import Field, SQLModel


class SlaEffect:
    """What a status does to the SLA clocks. The engine reads this, never status names."""

    COUNTS = "counts"
    PAUSES = "pauses"
    STOPS = "stops"  # resolved / closed

    ALL = (COUNTS, PAUSES, STOPS)


class TicketStatus(SQLModel, table=True):
    """A status definition. The built-in set is seeded by migration 0002."""

    __tablename__ = "ticket_status"

    key: str = Field(primary_key=True, max_length=20)
    name_pl: str = Field(max_length=80)
    name_en: str = Field(max_length=80)
    category: str = Field(max_length=20)  # new / open / waiting / resolved / closed
    sla_effect: str = Field(default=SlaEffect.COUNTS, max_length=10)
    sort_order: int = Field(default=0)
