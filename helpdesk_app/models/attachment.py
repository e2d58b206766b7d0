from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from helpdesk_app.models.base import UTCDateTime, utcnow


class Attachment(SQLModel, table=True):
    """A file on a ticket. Bytes live outside any public folder, under `storage_key`."""

    __tablename__ = "attachment"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    event_id: int | None = Field(default=None, foreign_key="timeline_event.id", index=True)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=120)
    size: int
    sha256: str = Field(max_length=64)
    storage_key: str = Field(max_length=200, unique=True)
    uploaded_by_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
