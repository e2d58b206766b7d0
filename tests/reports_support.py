"""Helpers shared by the report tests (issue 14): work entries and ticket columns written
directly, so each figure in a test is one the reader can add up by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update

from helpdesk_app.models import EventKind, Ticket, TimelineEvent, User, WorkEntry

WAW = ZoneInfo("Europe/Warsaw")
_SENTINEL: Any = object()


def local(y: int, m: int, d: int, hh: int = 12, mm: int = 0) -> datetime:
    """Warsaw wall-clock time as a UTC instant."""
    return datetime(y, m, d, hh, mm, tzinfo=WAW).astimezone(UTC)


def work(db, ticket: Ticket, user: User, day: date, seconds: int, minutes: int = 0,
         amount: int = 0, *, contract_id: Any = _SENTINEL, billable: bool = True,
         currency: str = "PLN", **kw: Any) -> WorkEntry:
    """A work entry as the domain would have stored it after rating: `minutes` billable
    minutes worth `amount` grosze, under the ticket's contract unless told otherwise."""
    entry = WorkEntry(
        ticket_id=ticket.id, user_id=user.id, organisation_id=ticket.organisation_id,
        contract_id=ticket.contract_id if contract_id is _SENTINEL else contract_id,
        work_date=day, seconds=seconds, billable=billable, billable_minutes=minutes,
        amount_minor=amount, currency=currency, created_by_id=user.id, **kw)
    db.add(entry)
    db.commit()
    return entry


def set_ticket(db, ticket: Ticket, **values: Any) -> Ticket:
    """Write ticket columns as the engine / workflow would have left them."""
    db.execute(update(Ticket).where(Ticket.id == ticket.id).values(**values))
    db.commit()
    db.expire_all()
    return db.get(Ticket, ticket.id)


def status_event(db, ticket: Ticket, old: str, new: str, at: datetime) -> None:
    db.add(TimelineEvent(ticket_id=ticket.id, kind=EventKind.STATUS, is_public=True,
                         data={"old": old, "new": new}, created_at=at))
    db.commit()
