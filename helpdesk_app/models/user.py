from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from helpdesk_app.models.base import UTCDateTime, utcnow


class Role:
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    TECHNICIAN = "technician"
    CLIENT = "client"
    # A person of a subcontractor organisation: works on the agent pages, but only on the
    # tickets currently handed to their organisation (domain/access.py). Not staff.
    SUBCONTRACTOR = "subcontractor"

    STAFF = (ADMIN, COORDINATOR, TECHNICIAN)
    # Who uses the agent pages (/agent list and ticket page): staff and subcontractors.
    AGENTS = (*STAFF, SUBCONTRACTOR)
    ALL = (ADMIN, COORDINATOR, TECHNICIAN, CLIENT, SUBCONTRACTOR)


class User(SQLModel, table=True):
    __tablename__ = "user_account"
    # the pickers list clients by name: walk this index and stop after a page of matches
    # the admin user list pages through everybody, or one organisation, by name
    __table_args__ = (Index("ix_user_role_name", "role", "full_name"),
                      Index("ix_user_name", "full_name"),
                      Index("ix_user_org_name", "organisation_id", "full_name"),
                      Index("ix_user_active_name", "is_active", "full_name"))

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True, index=True)
    full_name: str = Field(max_length=200)
    password_hash: str = Field(max_length=200)
    role: str = Field(max_length=20, index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    # A client manager sees all tickets of their organisation, not only their own.
    is_client_manager: bool = Field(default=False)
    language: str = Field(default="pl", max_length=5)
    timezone: str = Field(default="Europe/Warsaw", max_length=64)
    is_active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Name and e-mail folded to lower case (domain/directory.search_text) for the pickers:
    # a plain LIKE on it is fast on SQLite, whose Unicode-aware lower() is a Python call.
    search_text: str = Field(default="", max_length=600)
    # An admin-defined role (models/queue.CustomRole) refining `role` (technician or
    # coordinator); None: the built-in role alone. Clients and admins never carry one.
    custom_role_id: int | None = Field(default=None, foreign_key="custom_role.id", index=True)
    # Directory accounts (issue 16): signed in by their LDAP / AD password, kept up to date
    # from the directory at each sign-in and sync; None: a local account.
    ldap_directory_id: int | None = Field(default=None, foreign_key="ldap_directory.id",
                                          index=True)
    ldap_dn: str = Field(default="", max_length=500)
    ldap_login: str = Field(default="", max_length=200, index=True)  # the login attribute
    phone: str = Field(default="", max_length=60)
    department: str = Field(default="", max_length=200)


class UserSession(SQLModel, table=True):
    """A server-side login session; the browser holds only the random token."""

    __tablename__ = "user_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked: bool = Field(default=False)
    # shown in "my sessions" (i12-signin)
    client_ip: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=300)
