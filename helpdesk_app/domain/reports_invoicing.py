"""The invoicing report (issue 14): logged work per client organisation × contract ×
period, its drill-downs (tickets, then entries) and the entry export.

Everything sums `WorkEntry` as it was rated at its last write (domain/worktime.py): the
organisation and contract are the entry's own (the ticket's when it was written, kept
when locked), so a locked ("billed") entry stays with what was invoiced. Hours are
`seconds`; billable hours are the rated `billable_minutes` (after rounding and visit
minimums, 0 for non-billable work); amounts are minor units in the entry's currency
(rows are split by currency; a total over mixed currencies is left empty).

Range: the entry's `work_date` (the worker's local date) within the filter's days.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from sqlalchemy import func, tuple_
from sqlmodel import Session, col, select

from helpdesk_app.domain import access
from helpdesk_app.domain.access import Action
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.reports_common import (
    Column,
    ReportFilter,
    Table,
    entry_filters,
    names,
    needs_ticket,
    period_column,
    period_of,
    require_reports,
)
from helpdesk_app.models import ActivityType, Contract, Organisation, Ticket, User, WorkEntry

_E = WorkEntry
_SUMS = (func.count(), func.sum(_E.seconds), func.sum(_E.billable_minutes),
         func.sum(_E.amount_minor))

_FIGURES = (Column("entries", "reports.col.entries", "int"),
            Column("hours", "reports.col.hours", "hours"),
            Column("billable", "reports.col.billable_hours", "hours"),
            Column("amount", "reports.col.amount", "money"),
            Column("currency", "reports.col.currency", "text"))


def _prepare(actor: Actor, flt: ReportFilter) -> None:
    require_reports(actor)
    flt.check()


def _scoped(query: Any, actor: Actor, flt: ReportFilter) -> Any:
    if needs_ticket(actor, flt):
        query = query.join(Ticket, col(Ticket.id) == col(_E.ticket_id))
    return query.where(*entry_filters(actor, flt))


def _totals(rows: list[tuple], first: int, lead: int) -> tuple:
    """A totals row: `lead` empty cells, then entries, hours, billable, amount, currency
    summed over `rows` whose figures start at index `first` (amount only in one currency)."""
    currencies = {r[first + 4] for r in rows}
    sums = [sum(r[first + i] for r in rows) for i in range(3)]
    single = len(currencies) == 1
    amount = sum(r[first + 3] for r in rows) if single or not rows else None
    currency = next(iter(currencies)) if single else ""
    return (None,) * lead + (*sums, amount, currency)


def invoicing(db: Session, actor: Actor, flt: ReportFilter) -> Table:
    """Per client organisation × contract × period (the filter's grain): entries, hours,
    billable hours, amount; sorted by period, organisation, contract."""
    _prepare(actor, flt)
    # grouped by local date (the finest grain) and folded into periods here: the same SQL
    # on both databases, and at most days × contracts groups
    query = _scoped(select(_E.work_date, _E.organisation_id, _E.contract_id, _E.currency,
                           *_SUMS), actor, flt)
    grouped = db.exec(query.group_by(_E.work_date, _E.organisation_id, _E.contract_id,
                                     _E.currency)).all()
    folded: dict[tuple, list[int]] = {}
    for day, org, contract, currency, n, seconds, minutes, amount in grouped:
        key = (period_of(day, flt.grain), org, contract, currency)
        acc = folded.setdefault(key, [0, 0, 0, 0])
        for i, value in enumerate((n, seconds, (minutes or 0) * 60, amount)):
            acc[i] += int(value or 0)
    orgs = names(db, Organisation, {k[1] for k in folded}, "name")
    contracts = names(db, Contract, {k[2] for k in folded}, "name")
    rows = [(period, org, orgs.get(org, ("",))[0], contract,
             contracts.get(contract, ("",))[0] if contract else "", *figures, currency)
            for (period, org, contract, currency), figures in folded.items()]
    rows.sort(key=lambda r: (r[0], r[2], r[1], r[4], r[3] or 0, r[9]))
    columns = (period_column(flt.grain),
               Column("organisation_id", "reports.col.organisation", "id"),
               Column("organisation", "reports.col.organisation", "text"),
               Column("contract_id", "reports.col.contract", "id"),
               Column("contract", "reports.col.contract", "text"), *_FIGURES)
    return Table("invoicing", columns, rows, _totals(rows, 5, 5))


def invoicing_tickets(db: Session, actor: Actor, flt: ReportFilter, contract_id: int | None,
                      organisation_id: int) -> Table:
    """Drill-down of one invoicing row over the filter's whole range (narrow the filter to
    one period for one cell): per ticket, its entries under that organisation and contract
    (None: the entries without a contract)."""
    _prepare(actor, flt)
    contract = (col(_E.contract_id).is_(None) if contract_id is None
                else col(_E.contract_id) == contract_id)
    query = _scoped(select(_E.ticket_id, _E.currency, *_SUMS), actor, flt).where(
        col(_E.organisation_id) == organisation_id, contract)
    grouped = db.exec(query.group_by(_E.ticket_id, _E.currency)).all()
    tickets = names(db, Ticket, {g[0] for g in grouped}, "number", "subject")
    rows = []
    for ticket_id, currency, n, seconds, minutes, amount in grouped:
        number, subject = tickets.get(ticket_id, ("", ""))
        rows.append((ticket_id, number, subject, int(n), int(seconds or 0),
                     int(minutes or 0) * 60, int(amount or 0), currency))
    rows.sort(key=lambda r: (r[1], r[0], r[7]))
    columns = (Column("ticket_id", "reports.col.ticket", "id"),
               Column("number", "reports.col.number", "text"),
               Column("subject", "reports.col.subject", "text"), *_FIGURES)
    return Table("invoicing_tickets", columns, rows, _totals(rows, 3, 3))


@lru_cache(maxsize=64)  # 32 combinations; the export asks 100,000 times
def _flags(billable: bool, on_site: bool, after_hours: bool, capped: bool,
           locked: bool) -> str:
    pairs = (("billable", billable), ("on_site", on_site), ("after_hours", after_hours),
             ("capped", capped), ("locked", locked))
    return " ".join(f"reports.flag.{name}" for name, on in pairs if on)


def _activity_name(actor: Actor) -> Any:
    return ActivityType.name_pl if actor.language == "pl" else ActivityType.name_en


def invoicing_entries(db: Session, actor: Actor, flt: ReportFilter, ticket_id: int) -> Table:
    """Drill-down of one ticket: each of its entries in the filter (NotFound for a ticket
    the actor may not see), oldest first."""
    _prepare(actor, flt)
    access.require(actor, Action.VIEW, db.get(Ticket, ticket_id))
    query = _scoped(select(
        _E.id, _E.work_date, User.full_name, _activity_name(actor), _E.seconds,
        _E.billable_minutes, _E.amount_minor, _E.currency, _E.billable, _E.on_site,
        _E.after_hours, _E.capped, _E.locked_at, _E.lock_ref)
        .join(User, col(User.id) == col(_E.user_id))
        .outerjoin(ActivityType, col(ActivityType.id) == col(_E.activity_type_id)),
        actor, flt).where(col(_E.ticket_id) == ticket_id)
    rows = []
    for (eid, day, person, activity, seconds, minutes, amount, currency, billable, on_site,
         after_hours, capped, locked_at, ref) in db.exec(query.order_by(
            col(_E.work_date), col(_E.started_at), col(_E.id))).all():
        rows.append((eid, day, person, activity or "", seconds, minutes * 60, amount,
                     currency, _flags(billable, on_site, after_hours, capped,
                                      locked_at is not None), ref))
    columns = (Column("entry_id", "reports.col.entry", "id"),
               Column("date", "reports.col.date", "date"),
               Column("person", "reports.col.person", "text"),
               Column("activity", "reports.col.activity", "text"),
               Column("hours", "reports.col.hours", "hours"),
               Column("billable", "reports.col.billable_hours", "hours"),
               Column("amount", "reports.col.amount", "money"),
               Column("currency", "reports.col.currency", "text"),
               Column("flags", "reports.col.flags", "keys"),
               Column("lock_ref", "reports.col.lock_ref", "text"))
    currencies = {r[7] for r in rows}
    totals = (None, None, None, None, sum(r[4] for r in rows), sum(r[5] for r in rows),
              sum(r[6] for r in rows) if len(currencies) <= 1 else None,
              next(iter(currencies)) if len(currencies) == 1 else "", None, None)
    return Table("invoicing_entries", columns, rows, totals)


# --------------------------------------------------------------------------- export

ENTRY_COLUMNS: tuple[Column, ...] = (
    Column("entry_id", "reports.col.entry", "int"),
    Column("date", "reports.col.date", "date"),
    Column("number", "reports.col.number", "text"),
    Column("subject", "reports.col.subject", "text"),
    Column("organisation", "reports.col.organisation", "text"),
    Column("contract", "reports.col.contract", "text"),
    Column("person", "reports.col.person", "text"),
    Column("activity", "reports.col.activity", "text"),
    Column("description", "reports.col.description", "text"),
    Column("hours", "reports.col.hours", "hours"),
    Column("billable", "reports.col.billable_hours", "hours"),
    Column("amount", "reports.col.amount", "money"),
    Column("currency", "reports.col.currency", "text"),
    Column("flags", "reports.col.flags", "keys"),
    Column("lock_ref", "reports.col.lock_ref", "text"),
)


def iter_entries(db: Session, actor: Actor, flt: ReportFilter, batch: int = 2000
                 ) -> Iterator[list[tuple]]:
    """Every entry of the filter as rows of `ENTRY_COLUMNS`, `batch` rows at a time, in
    (date, organisation, id) order: keyset pagination along the (work_date,
    organisation_id) index, so each batch is one short index range and memory holds one
    batch, whatever the total (the staff export; descriptions are internal, clients never
    get this). Only the ticket is joined; the names of people, clients, contracts and
    activities (small tables) are looked up once per id."""
    _prepare(actor, flt)
    batch = max(1, int(batch))
    order = (col(_E.work_date), col(_E.organisation_id), col(_E.id))
    base = _scoped(select(
        _E.id, _E.work_date, _E.organisation_id, _E.contract_id, _E.user_id,
        _E.activity_type_id, Ticket.number, Ticket.subject, _E.description, _E.seconds,
        _E.billable_minutes, _E.amount_minor, _E.currency, _E.billable, _E.on_site,
        _E.after_hours, _E.capped, col(_E.locked_at).is_not(None), _E.lock_ref),
        actor, flt)
    if not needs_ticket(actor, flt):  # otherwise _scoped joined it already
        base = base.join(Ticket, col(Ticket.id) == col(_E.ticket_id))
    lookups = {"org": (Organisation, "name"), "contract": (Contract, "name"),
               "user": (User, "full_name"), "activity": (ActivityType, _activity_name(actor).key)}
    known: dict[str, dict[Any, str]] = {k: {None: ""} for k in lookups}

    def name(kind: str, ids: set) -> dict[Any, str]:
        missing = ids - known[kind].keys()
        if missing:
            model, attr = lookups[kind]
            found = names(db, model, missing, attr)
            known[kind].update({i: found.get(i, ("",))[0] for i in missing})
        return known[kind]

    after: tuple | None = None
    while True:
        query = base
        if after is not None:
            query = query.where(col(_E.work_date) >= after[0], tuple_(*order) > after)
        # plain rows through the connection: the ORM's row loading was a third of the time
        found = db.connection().execute(query.order_by(*order).limit(batch)).all()
        if not found:
            return
        orgs = name("org", {r[2] for r in found})
        contracts = name("contract", {r[3] for r in found})
        people = name("user", {r[4] for r in found})
        activities = name("activity", {r[5] for r in found})
        yield [(r[0], r[1], r[6], r[7], orgs[r[2]], contracts[r[3]], people[r[4]],
                activities[r[5]], r[8], r[9], r[10] * 60, r[11], r[12],
                _flags(*map(bool, r[13:18])), r[18]) for r in found]
        if len(found) < batch:
            return
        after = (found[-1][1], found[-1][2], found[-1][0])
