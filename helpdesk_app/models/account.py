"""Account lifecycle: one-time tokens (invitation, password reset) and the few settings
the first-run setup stores (i12-setup)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from helpdesk_app.models.base import UTCDateTime, utcnow


class TokenPurpose:
    INVITE = "invite"
    RESET = "reset"

    ALL = (INVITE, RESET)


class AccountToken(SQLModel, table=True):
    """A link that lets its holder set the password of one account, once, for a while.
    Only the SHA-256 of the token is stored: a database leak opens no account."""

    __tablename__ = "account_token"

    id: int | None = Field(default=None, primary_key=True)
    purpose: str = Field(max_length=10)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    # set when redeemed, or when the account got a password another way (closed)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: int | None = Field(default=None, foreign_key="user_account.id")


class AppSetting(SQLModel, table=True):
    """Installation-wide settings chosen in the app (key -> text), e.g. the default language
    picked at first-run setup. Environment settings stay in config.py."""

    __tablename__ = "app_setting"

    key: str = Field(primary_key=True, max_length=100)
    value: str = Field(default="", max_length=2000)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
