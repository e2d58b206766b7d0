from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from helpdesk_app.models.base import UTCDateTime, utcnow


class BusinessCalendar(SQLModel, table=True):
    """Working time of a contract: weekly windows, holidays, closures and a cut-off hour."""

    __tablename__ = "business_calendar"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    timezone: str = Field(default="Europe/Warsaw", max_length=64)
    always_open: bool = Field(default=False)  # 24/7
    holiday_country: str | None = Field(default="PL", max_length=8)
    # Tickets received at or after this local time count from the next business day.
    cutoff: time | None = Field(default=None)
    version: int = Field(default=1)  # bumps on every change; SLA recompute keys on it
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CalendarWindow(SQLModel, table=True):
    """One weekly working window in local time; end <= start runs past midnight."""

    __tablename__ = "calendar_window"

    id: int | None = Field(default=None, primary_key=True)
    calendar_id: int = Field(foreign_key="business_calendar.id", index=True)
    weekday: int  # 0 = Monday
    start: time
    end: time


class CalendarClosedDate(SQLModel, table=True):
    """A custom holiday or closure (whole local day)."""

    __tablename__ = "calendar_closed_date"
    __table_args__ = (UniqueConstraint("calendar_id", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    calendar_id: int = Field(foreign_key="business_calendar.id", index=True)
    day: date
    name: str = Field(default="", max_length=120)
