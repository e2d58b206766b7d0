from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from helpdesk_app.models.base import UTCDateTime, utcnow


class TicketSeen(SQLModel, table=True):
    """When a user last had a ticket open (domain/ticket_seen.py: the unread marks)."""

    __tablename__ = "ticket_seen"
    # One row per (user, ticket); the unique index also answers "this user's rows for
    # these tickets" for a page of the list.
    __table_args__ = (UniqueConstraint("user_id", "ticket_id", name="uq_ticket_seen_user_ticket"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id")
    ticket_id: int = Field(foreign_key="ticket.id")
    seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
