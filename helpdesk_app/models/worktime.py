"""Work time (issue 14): activity types, the rate rule of each contract, work entries on
tickets and the one running timer per person. The rules (who may log, correct, lock; how
an entry is rated) are in domain/worktime*.py and domain/rating.py."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, text
from sqlmodel import Field, SQLModel

from helpdesk_app.models.base import UTCDateTime, utcnow


class ActivityType(SQLModel, table=True):
    """What kind of work an entry is (remote, on-site, travel, consultation...): the admin's
    list. `on_site` and `billable` are the defaults a new entry of this type starts with."""

    __tablename__ = "activity_type"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=40, unique=True)
    name_pl: str = Field(max_length=80)
    name_en: str = Field(max_length=80)
    billable: bool = Field(default=True)
    on_site: bool = Field(default=False)
    is_active: bool = Field(default=True)
    sort_order: int = Field(default=0)


class ContractRate(SQLModel, table=True):
    """The rate rule of one contract (domain/rating.RateRule): hourly rate in minor units
    (grosze), rounding, minimum per on-site visit and multipliers in percent."""

    __tablename__ = "contract_rate"

    contract_id: int = Field(foreign_key="contract.id", primary_key=True)
    hourly_rate_minor: int = Field(default=0)
    currency: str = Field(default="PLN", max_length=3)
    rounding: str = Field(default="none", max_length=10)
    rounding_minutes: int = Field(default=0)
    minimum_visit_minutes: int = Field(default=0)
    after_hours_pct: int = Field(default=100)
    weekend_pct: int = Field(default=100)
    on_site_pct: int = Field(default=100)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WorkEntry(SQLModel, table=True):
    """Time one person worked on one ticket. `organisation_id` and `contract_id` are the
    ticket's when the entry was written (they follow the ticket while the entry is not
    locked) so that reports sum one table. `billable_minutes` / `amount_minor` are the
    rating at the last write (re-rated while unlocked when the contract's rate changes);
    a locked entry ("billed") keeps what was invoiced."""

    __tablename__ = "work_entry"
    __table_args__ = (
        Index("ix_work_entry_ticket", "ticket_id", "work_date"),
        Index("ix_work_entry_date_org", "work_date", "organisation_id"),
        Index("ix_work_entry_user_date", "user_id", "work_date"),
        Index("ix_work_entry_contract_date", "contract_id", "work_date"),
        # The reports (domain/reports_invoicing, reports_workload): a month's sums per
        # client, contract and person from this index alone, no table reads (0018)
        Index("ix_work_entry_invoicing", "work_date", "organisation_id", "contract_id",
              "currency", "seconds", "billable_minutes", "amount_minor", "user_id",
              "ticket_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    user_id: int = Field(foreign_key="user_account.id")  # who did the work
    organisation_id: int = Field(foreign_key="organisation.id")  # the ticket's client
    contract_id: int | None = Field(default=None, foreign_key="contract.id")
    activity_type_id: int | None = Field(default=None, foreign_key="activity_type.id")
    work_date: date  # the local date the work started on (the worker's zone)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # worked intervals [[iso, iso], ...] of a timer with pauses; None: one span or none
    spans: list | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    seconds: int  # worked time
    description: str = Field(default="", max_length=2000)
    billable: bool = Field(default=True)
    on_site: bool = Field(default=False)
    after_hours: bool = Field(default=False)  # set by hand: a call-out
    capped: bool = Field(default=False)  # a forgotten timer stopped at the cap: to review
    billable_minutes: int = Field(default=0)
    amount_minor: int = Field(default=0)
    currency: str = Field(default="PLN", max_length=3)
    locked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    locked_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    lock_ref: str = Field(default="", max_length=80)  # e.g. the invoice number
    created_by_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WorkTimer(SQLModel, table=True):
    """The running (or paused) timer of one person: at most one, so the user id is the key.
    It lives in the database, so it survives a reload, another tab and a restart; stopping
    it writes a WorkEntry with the spans worked."""

    __tablename__ = "work_timer"
    __table_args__ = (Index("ix_work_timer_running", "running_since",
                            sqlite_where=text("running_since IS NOT NULL"),
                            postgresql_where=text("running_since IS NOT NULL")),)

    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    activity_type_id: int | None = Field(default=None, foreign_key="activity_type.id")
    description: str = Field(default="", max_length=2000)
    started_at: datetime = Field(sa_type=UTCDateTime)  # the first start
    running_since: datetime | None = Field(default=None, sa_type=UTCDateTime)  # None: paused
    spans: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
