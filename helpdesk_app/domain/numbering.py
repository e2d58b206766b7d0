"""Human-readable ticket numbers: YYYY-NNNNNN, a gap-free sequence per year."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session

from helpdesk_app.config import get_settings
from helpdesk_app.models import TicketCounter

NUMBER_RE = re.compile(r"^\s*#?(\d{4})-(\d{1,9})\s*$")


def format_number(year: int, seq: int) -> str:
    return f"{year}-{seq:06d}"


def normalise_number(text: str) -> str | None:
    """'2026-123', '#2026-000123' → '2026-000123'; anything else → None."""
    m = NUMBER_RE.match(text or "")
    if not m:
        return None
    return format_number(int(m.group(1)), int(m.group(2)))


def next_number(db: Session, at: datetime) -> str:
    """Reserve the next number inside the caller's transaction.

    The UPDATE takes a row lock (PostgreSQL) / the write lock (SQLite), so two concurrent
    creators can never get the same number.
    """
    year = at.astimezone(ZoneInfo(get_settings().default_timezone)).year
    counter = TicketCounter.__table__  # a plain UPDATE (no ORM bookkeeping needed)
    result = db.execute(
        update(counter)
        .where(counter.c.year == year)
        .values(last_value=counter.c.last_value + 1)
        .returning(counter.c.last_value)
    ).first()
    if result is None:
        db.add(TicketCounter(year=year, last_value=1))
        db.flush()
        return format_number(year, 1)
    return format_number(year, result[0])
