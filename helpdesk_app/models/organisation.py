from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from helpdesk_app.models.base import UTCDateTime, utcnow


class OrgKind:
    PROVIDER = "provider"  # the service company running the helpdesk
    CLIENT = "client"
    SUBCONTRACTOR = "subcontractor"

    ALL = (PROVIDER, CLIENT, SUBCONTRACTOR)


class Organisation(SQLModel, table=True):
    __tablename__ = "organisation"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    kind: str = Field(default=OrgKind.CLIENT, max_length=20, index=True)
    # A deactivated organisation's users cannot sign in (domain/directory.account_enabled).
    is_active: bool = Field(default=True, sa_column_kwargs={"server_default": "1"})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OrganisationDomain(SQLModel, table=True):
    """A verified mail domain: mail from an unknown address in it becomes a client user of
    the organisation. Stored lower-cased; a domain belongs to one organisation only."""

    __tablename__ = "organisation_domain"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    domain: str = Field(max_length=253, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
