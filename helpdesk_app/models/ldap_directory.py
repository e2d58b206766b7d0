from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from helpdesk_app.models.base import UTCDateTime, utcnow


class LdapSecurity:
    NONE = "none"  # plain ldap:// (only on a trusted network)
    STARTTLS = "starttls"  # ldap:// upgraded with StartTLS before the bind
    LDAPS = "ldaps"  # TLS from the first byte (ldaps://, port 636)
    ALL = (NONE, STARTTLS, LDAPS)


class LdapDirectory(SQLModel, table=True):
    """An LDAP / Active Directory server whose people sign in with their directory password
    (issue 16). Read by domain/ldap_*.py; edited on /admin/ldap."""

    __tablename__ = "ldap_directory"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    is_active: bool = Field(default=True)
    position: int = Field(default=0)  # directories are asked in this order at sign-in
    # "host" or "host:port", tried in order (failover)
    hosts: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    security: str = Field(default=LdapSecurity.STARTTLS, max_length=10)
    ca_cert_pem: str = Field(default="")  # empty: the system's CA store
    timeout_seconds: int = Field(default=5)
    bind_dn: str = Field(default="", max_length=500)
    # Fernet token (domain/secrets_box.py, key POMOCNIK_SECRETS_KEY); never shown again
    bind_password_enc: str = Field(default="")
    user_base: str = Field(max_length=500)
    user_filter: str = Field(default="(objectClass=person)", max_length=500)
    login_attr: str = Field(default="uid", max_length=60)  # sAMAccountName on AD
    email_attr: str = Field(default="mail", max_length=60)
    first_name_attr: str = Field(default="givenName", max_length=60)
    last_name_attr: str = Field(default="sn", max_length=60)
    phone_attr: str = Field(default="telephoneNumber", max_length=60)
    department_attr: str = Field(default="departmentNumber", max_length=60)  # AD: department
    group_base: str = Field(default="", max_length=500)  # empty: groups are not read
    # [{"group": DN, "role": "technician"|..|"", "queue_ids": [..], "organisation_id": id}]
    # With any mapping, only members of a mapped group may sign in.
    group_mappings: list[dict[str, Any]] = Field(default_factory=list,
                                                 sa_column=Column(JSON, nullable=False))
    # without mappings (or when the mapped groups name none): the role / organisation given
    default_role: str = Field(default="client", max_length=20)
    default_organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_sync_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_sync_report: dict[str, Any] = Field(default_factory=dict,
                                             sa_column=Column(JSON, nullable=False))
