"""Sign-in security: second factors, recovery codes, pending two-step sign-ins, known
devices, the per-role 2FA requirement and admins' alert subscriptions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from helpdesk_app.models.base import UTCDateTime, utcnow


class FactorKind:
    TOTP = "totp"
    EMAIL = "email"

    ALL = (TOTP, EMAIL)


class UserFactor(SQLModel, table=True):
    """One second factor of a user. A TOTP factor is usable once `confirmed` (the user
    typed a first code); its secret never leaves the server after enrolment."""

    __tablename__ = "user_factor"
    __table_args__ = (UniqueConstraint("user_id", "kind", name="uq_user_factor_kind"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    kind: str = Field(max_length=10)
    secret: str = Field(default="", max_length=64)  # TOTP base32 secret (empty for e-mail)
    confirmed: bool = Field(default=False)
    # The last accepted TOTP time step: a code of that step or earlier is a replay.
    last_step: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RecoveryCode(SQLModel, table=True):
    """A single-use recovery code, stored as the SHA-256 of a high-entropy code."""

    __tablename__ = "recovery_code"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    code_hash: str = Field(max_length=64, index=True)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PendingLogin(SQLModel, table=True):
    """The password was right; no session until the second step passes (or, for a role
    that requires 2FA, until the user enrolled a factor) and the browser claimed it."""

    __tablename__ = "pending_login"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    attempts: int = Field(default=0)
    must_enrol: bool = Field(default=False)
    enrol_secret: str = Field(default="", max_length=64)  # forced enrolment's TOTP secret
    email_code_hash: str = Field(default="", max_length=64)
    email_code_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    email_codes_sent: int = Field(default=0)  # a mailbox is not to be flooded
    client_ip: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=300)
    # Every step passed: the browser exchanges this record once for its HttpOnly session
    # cookie (POST /api/session), from the same address and browser.
    ready: bool = Field(default=False)


class KnownDevice(SQLModel, table=True):
    """A (client address, browser) a user signed in from; a new one triggers an alert."""

    __tablename__ = "known_device"
    __table_args__ = (UniqueConstraint("user_id", "fingerprint", name="uq_known_device"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    fingerprint: str = Field(max_length=64)  # sha256 of address + user agent
    first_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SecurityPolicy(SQLModel, table=True):
    """Per role: whether its users must use a second factor."""

    __tablename__ = "security_policy"

    role: str = Field(primary_key=True, max_length=20)
    require_2fa: bool = Field(default=False)


class SecurityAlertSubscription(SQLModel, table=True):
    """An admin who receives every user's login alerts; also the failed-attempt debounce
    is kept per account in `FailedLoginAlert`."""

    __tablename__ = "security_alert_subscription"

    user_id: int = Field(foreign_key="user_account.id", primary_key=True)


class FailedLoginAlert(SQLModel, table=True):
    """When the last failed-attempts alert went out for an account (debounce)."""

    __tablename__ = "failed_login_alert"

    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    failures: int = Field(default=0)  # failures since the last alert
    last_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
