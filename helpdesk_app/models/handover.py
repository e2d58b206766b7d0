"""Subcontracting: which subcontractor organisations serve which contracts, and the
handovers of tickets to them (the history; the ticket's current one is also on
`Ticket.handed_to_org_id`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from helpdesk_app.models.base import UTCDateTime, utcnow


class HandoverState:
    HANDED = "handed"  # handed over, not yet accepted
    ACCEPTED = "accepted"  # the subcontractor took it on
    RETURNED = "returned"  # the subcontractor gave it back (ended)
    WITHDRAWN = "withdrawn"  # a coordinator took it back (ended)

    OPEN = (HANDED, ACCEPTED)
    ALL = (HANDED, ACCEPTED, RETURNED, WITHDRAWN)


class ContractSubcontractor(SQLModel, table=True):
    """A subcontractor organisation assigned to a contract it serves: the handover form
    suggests it first for that contract's tickets."""

    __tablename__ = "contract_subcontractor"

    contract_id: int = Field(foreign_key="contract.id", primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", primary_key=True, index=True)


class Handover(SQLModel, table=True):
    """One handover of a ticket to a subcontractor organisation (optionally naming a person
    there). At most one is open (handed/accepted, `ended_at` None) per ticket: the
    domain takes it with a conditional UPDATE of `Ticket.handed_to_org_id`."""

    __tablename__ = "handover"
    __table_args__ = (Index("ix_handover_ticket_created", "ticket_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user_account.id")
    state: str = Field(default=HandoverState.HANDED, max_length=10)
    note: str = Field(default="", max_length=2000)
    created_by_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_by_id: int | None = Field(default=None, foreign_key="user_account.id")
