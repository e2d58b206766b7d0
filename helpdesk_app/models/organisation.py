from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from helpdesk_app.models.base import UTCDateTime, utcnow


class OrgKind:
    PROVIDER = "provider"  # the service company running the helpdesk
    CLIENT = "client"
    SUBCONTRACTOR = "subcontractor"


class Organisation(SQLModel, table=True):
    __tablename__ = "organisation"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    kind: str = Field(default=OrgKind.CLIENT, max_length=20, index=True)
    email_domain: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
