"""What every report shares: the table a report returns, the filter it reads, who may see
it, periods and percentiles (issue 14).

A report is a plain `Table`: typed columns (the UI formats by `kind`, the export writes
the same rows) and rows of plain values. Column kinds:

- "text": a string as it is (names, numbers, subjects);
- "key": a catalog key, shown translated (a channel, an age bucket);
- "keys": catalog keys separated by spaces, each shown translated (an entry's flags);
- "int": a count;
- "hours": seconds of work (shown as hours);
- "minutes": business minutes (int; a median of an even count may be a half, float);
- "money": minor units (grosze); the row carries its currency in a "currency" column;
- "date": a local date; "month": the 1st of a month;
- "percent": a float 0..100, None when there was nothing to divide by;
- "id": not shown: the row's key for a drill-down (an organisation, contract, ticket).

Filters (`ReportFilter`) are local calendar days in the desk's zone (settings
`default_timezone`): a ticket created at 23:30 Warsaw time on 31 March counts in March.
Work entries already carry their local date (`WorkEntry.work_date`).

Who: staff holding "reports.view" (coordinators, admins, custom roles that tick it); a
queue-limited role sees the tickets of its queues (`access.ticket_scope`) and the work
logged on them. Clients see only `reports_client.client_summary`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from helpdesk_app.config import get_settings
from helpdesk_app.domain import access, permissions, workflow
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import Forbidden, Invalid
from helpdesk_app.models import Channel, Priority, Ticket, WorkEntry

GRAINS = ("day", "week", "month")
MAX_DAYS = 366
KINDS = ("text", "key", "keys", "int", "hours", "minutes", "money", "date", "month",
         "percent", "id")


@dataclass(frozen=True)
class Column:
    key: str
    label_key: str
    kind: str


@dataclass(frozen=True)
class Table:
    key: str
    columns: tuple[Column, ...]
    rows: list[tuple]
    totals: tuple | None = None  # aligned with columns; None where a sum means nothing
    truncated: bool = False


# URL parameter of each optional integer filter
_INT_PARAMS = {"organisation_id": "org", "contract_id": "contract", "queue_id": "queue",
               "ticket_type_id": "type", "priority": "priority", "person_id": "person"}


@dataclass(frozen=True)
class ReportFilter:
    """What a report covers. `person_id`: the worker for work reports, the assignee for
    service reports. Dates are inclusive local days."""

    day_from: date
    day_to: date
    organisation_id: int | None = None
    contract_id: int | None = None
    queue_id: int | None = None
    ticket_type_id: int | None = None
    priority: int | None = None
    channel: str | None = None
    person_id: int | None = None
    grain: str = "month"

    def to_query(self) -> dict[str, str]:
        """URL parameters: the dates always (ISO), the rest only when not the default."""
        out = {"from": self.day_from.isoformat(), "to": self.day_to.isoformat()}
        for name, param in _INT_PARAMS.items():
            value = getattr(self, name)
            if value is not None:
                out[param] = str(value)
        if self.channel:
            out["channel"] = self.channel
        if self.grain != "month":
            out["grain"] = self.grain
        return out

    @classmethod
    def from_query(cls, params: Mapping[str, str], today: date) -> ReportFilter:
        """The filter of a URL. Missing dates: the month of the other date, or this month.
        Invalid (with the catalog key of the first problem) on bad input."""

        def text(name: str) -> str:
            return (params.get(name) or "").strip()

        day_from, day_to = _day(text("from"), "from"), _day(text("to"), "to")
        if day_from is None:
            day_from = (day_to or today).replace(day=1)
        if day_to is None:
            day_to = month_end(day_from)
        ints = {name: _positive(text(param), param) for name, param in _INT_PARAMS.items()}
        flt = cls(day_from, day_to, channel=text("channel") or None,
                  grain=text("grain") or "month", **ints)
        flt.check()
        return flt

    def check(self) -> None:
        """Invalid unless the filter makes sense (range, grain, vocabulary)."""
        if self.day_from > self.day_to:
            raise Invalid("reports.range_invalid")
        if (self.day_to - self.day_from).days + 1 > MAX_DAYS:
            raise Invalid("reports.range_too_long", max=MAX_DAYS)
        if self.grain not in GRAINS:
            raise Invalid("reports.filter_invalid", field="grain")
        if self.priority is not None and self.priority not in Priority.ALL:
            raise Invalid("reports.filter_invalid", field="priority")
        if self.channel is not None and self.channel not in Channel.ALL:
            raise Invalid("reports.filter_invalid", field="channel")

    def with_grain(self, grain: str) -> ReportFilter:
        return replace(self, grain=grain)


def _day(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid("reports.date_invalid", field=field, value=value[:30]) from None


def _positive(value: str, field: str) -> int | None:
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise Invalid("reports.filter_invalid", field=field)
    return int(value)


def require_reports(actor: Actor) -> None:
    """Forbidden unless the actor is staff with "reports.view"."""
    if not actor.is_staff:
        raise Forbidden()
    access.require_permission(actor, permissions.REPORTS_VIEW)


# --------------------------------------------------------------------------- periods


def month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def add_months(day: date, months: int) -> date:
    """The 1st of the month `months` after (or before) `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_of(day: date, grain: str) -> date:
    """The key of the period `day` falls in: itself, the Monday of its ISO week (a week
    over New Year is one period), or the 1st of its month."""
    if grain == "day":
        return day
    if grain == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


@dataclass(frozen=True)
class Period:
    key: date  # what the row shows (see `period_of`)
    first: date  # the days of the range in it (the first and last may be partial)
    last: date


def periods(flt: ReportFilter) -> list[Period]:
    out: list[Period] = []
    day = flt.day_from
    while day <= flt.day_to:
        key = period_of(day, flt.grain)
        if flt.grain == "day":
            following = day + timedelta(days=1)
        elif flt.grain == "week":
            following = key + timedelta(days=7)
        else:
            following = add_months(key, 1)
        last = min(following - timedelta(days=1), flt.day_to)
        out.append(Period(key, day, last))
        day = last + timedelta(days=1)
    return out


def period_column(grain: str) -> Column:
    return Column("period", f"reports.col.{grain}", "month" if grain == "month" else "date")


def desk_zone() -> ZoneInfo:
    return ZoneInfo(get_settings().default_timezone)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant local `day` begins (DST-safe)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def instant_bounds(flt: ReportFilter, zone: ZoneInfo | None = None) -> list[datetime]:
    """UTC instants: the start of each period, then the end of the range (exclusive)."""
    zone = zone or desk_zone()
    return ([local_midnight(p.first, zone) for p in periods(flt)]
            + [local_midnight(flt.day_to + timedelta(days=1), zone)])


# --------------------------------------------------------------------------- filters


def ticket_filters(actor: Actor, flt: ReportFilter, *, person: bool = True,
                   organisation: bool = True, scope: Any = None) -> list[ColumnElement[bool]]:
    """The access scope (`access.ticket_scope` unless another is given) and the filter's
    ticket-level conditions (person: the assignee; `organisation`: False where the work
    entry's own organisation/contract decide)."""
    terms: list[Any] = [access.ticket_scope(actor) if scope is None else scope]
    if organisation and flt.organisation_id is not None:
        terms.append(col(Ticket.organisation_id) == flt.organisation_id)
    if organisation and flt.contract_id is not None:
        terms.append(col(Ticket.contract_id) == flt.contract_id)
    for value, column in ((flt.queue_id, Ticket.queue_id),
                          (flt.ticket_type_id, Ticket.ticket_type_id),
                          (flt.priority, Ticket.priority), (flt.channel, Ticket.channel)):
        if value is not None:
            terms.append(col(column) == value)
    if person and flt.person_id is not None:
        terms.append(col(Ticket.assignee_id) == flt.person_id)
    return terms


def needs_ticket(actor: Actor, flt: ReportFilter) -> bool:
    """Whether work entries must be joined to their tickets: a queue limit, or a filter
    on something only the ticket knows."""
    return access.queue_limited(actor) or any(
        v is not None for v in (flt.queue_id, flt.ticket_type_id, flt.priority, flt.channel))


def entry_filters(actor: Actor, flt: ReportFilter) -> list[ColumnElement[bool]]:
    """Work entries of the range and filter (organisation and contract: the entry's own,
    what is invoiced; person: the worker). Join `Ticket` when `needs_ticket`."""
    terms: list[Any] = [col(WorkEntry.work_date) >= flt.day_from,
                        col(WorkEntry.work_date) <= flt.day_to]
    if flt.organisation_id is not None:
        terms.append(col(WorkEntry.organisation_id) == flt.organisation_id)
    if flt.contract_id is not None:
        terms.append(col(WorkEntry.contract_id) == flt.contract_id)
    if flt.person_id is not None:
        terms.append(col(WorkEntry.user_id) == flt.person_id)
    if needs_ticket(actor, flt):
        terms += ticket_filters(actor, flt, person=False, organisation=False)
    return terms


def active_keys(db: Session) -> list[str]:
    """Statuses of open tickets (the lists' "active"): not resolved, closed or stopping."""
    return workflow.active_keys(db)


def names(db: Session, model: Any, ids: set, *attrs: str) -> dict[Any, tuple]:
    """{id: (attr, ...)} for the ids given (None ids are skipped)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    columns = [getattr(model, a) for a in attrs]
    return {row[0]: tuple(row[1:]) for row in db.exec(
        select(model.id, *columns).where(col(model.id).in_(wanted))).all()}


# --------------------------------------------------------------------------- figures


def percent(part: int, whole: int) -> float | None:
    """part / whole in percent, one decimal; None when whole is 0."""
    return round(100.0 * part / whole, 1) if whole else None


def percentile(ordered: Sequence[int | float], p: float) -> float | int | None:
    """The p-th percentile (0..100) of an ascending list, interpolated between the two
    nearest ranks (PostgreSQL's percentile_cont, Excel's PERCENTILE.INC): the median of
    [10, 20] is 15, p90 of 1..10 is 9.1. Rounded to one decimal; None for no values."""
    if not ordered:
        return None
    h = (len(ordered) - 1) * p / 100
    lo = math.floor(h)
    hi = min(lo + 1, len(ordered) - 1)
    return _one_decimal(ordered[lo] + (h - lo) * (ordered[hi] - ordered[lo]))


def _one_decimal(value: float) -> float | int:
    value = round(value, 1)
    return int(value) if value == int(value) else value


def percentile_counted(counted: Sequence[tuple[int | float, int]], p: float
                       ) -> float | int | None:
    """`percentile` of a histogram: (value, how many times) pairs in ascending value
    order - what a GROUP BY returns, so the database sends one row per distinct value."""
    total = sum(n for _v, n in counted)
    if not total:
        return None
    h = (total - 1) * p / 100
    lo = math.floor(h)
    below = None  # the value at rank `lo` (0-based)
    seen = 0
    for value, n in counted:
        if below is None and seen + n > lo:
            below = value
        if seen + n > lo + 1 or seen + n == total:
            above = value
            break
        seen += n
    return _one_decimal(below + (h - lo) * (above - below))
