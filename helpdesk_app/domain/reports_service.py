"""Service reports (issue 14): how much came in, how fast it was handled, how the SLA held.

Definitions (the page's tooltips should say the same):

- **Created** in a period: `created_at` within its local days. **Resolved**: `resolved_at`
  (the start of the ticket's current resolved/closed run, written by the SLA engine)
  within them; a ticket reopened since is not resolved until it is resolved again.
- **Times** (per contract, and all contracts in `totals`), over the tickets resolved in
  the range that have a contract (times are business minutes on the contract's calendar;
  without a contract nothing is measured): first response = `first_response_minutes`
  (business minutes from the clock start to the first public staff reply, paused time
  not counted; tickets never answered are left out of that column), resolution =
  `sla_minutes_used` (business minutes on the resolution clock). Median and p90 are
  interpolated between ranks (`reports_common.percentile`).
- **SLA compliance** (per period × contract × ticket type): tickets resolved in the
  period whose SLA ended "met" or "breached" (finished with targets; "late" = breached,
  see domain/sla_outcome.py); compliance = met / finished.
- **Reopen rate** (per period): of the tickets resolved in the period, those reopened at
  least once (a STATUS event from a resolved/closed status back to an open one) -
  counted once however often.
- **Channel mix**: tickets created in the range per channel.
- **Backlog age**: open tickets now (status "active", as the lists) by the age of the
  ticket (now − created_at): < 1 day, 1–3, 3–7, 7–30, > 30 days. The date range does not
  apply; the other filters do.

Filters: organisation, contract, queue, ticket type, priority, channel are the ticket's;
person is the assignee.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, literal, union_all
from sqlmodel import Session, col, select

from helpdesk_app.domain import workflow
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.reports_common import (
    Column,
    ReportFilter,
    Table,
    active_keys,
    instant_bounds,
    names,
    percent,
    percentile_counted,
    period_column,
    periods,
    require_reports,
    ticket_filters,
)
from helpdesk_app.models import Channel, Contract, EventKind, Ticket, TicketType, TimelineEvent
from helpdesk_app.models.base import utcnow

AGE_BUCKETS = (("lt_1d", 1), ("d1_3", 3), ("d3_7", 7), ("d7_30", 30), ("gt_30d", None))


def _prepare(actor: Actor, flt: ReportFilter) -> list[Any]:
    require_reports(actor)
    flt.check()
    return ticket_filters(actor, flt)


def _per_period(db: Session, column: Any, bounds: list[datetime], figures: tuple,
                terms: list[Any], group_by: tuple = ()) -> list[Any]:
    """`figures` per period (grouped by `group_by`): one statement, a UNION ALL of one
    index range of `column` per period, each row led by the period's index. Instants
    are computed here (local midnights, DST-safe), so no date function differs between
    the databases."""
    parts = [select(literal(i, literal_execute=True), *group_by, *figures)
             .where(*terms, column >= bounds[i], column < bounds[i + 1]).group_by(*group_by)
             for i in range(len(bounds) - 1)]
    return list(db.exec(parts[0] if len(parts) == 1 else union_all(*parts)).all())


def volume(db: Session, actor: Actor, flt: ReportFilter) -> Table:
    """Per period: tickets created, tickets resolved."""
    terms = _prepare(actor, flt)
    bounds = instant_bounds(flt)
    counts = {i: [0, 0] for i in range(len(bounds) - 1)}
    for index, column in ((0, Ticket.created_at), (1, Ticket.resolved_at)):
        for i, n in _per_period(db, col(column), bounds, (func.count(),), terms):
            counts[int(i)][index] = int(n)
    rows = [(p.key, *counts[i]) for i, p in enumerate(periods(flt))]
    columns = (period_column(flt.grain), Column("created", "reports.col.created", "int"),
               Column("resolved", "reports.col.resolved", "int"))
    return Table("volume", columns, rows,
                 (None, sum(r[1] for r in rows), sum(r[2] for r in rows)))


def _times_row(first: Counter, resolution: Counter) -> tuple:
    """(resolved, first response median, p90, resolution median, p90) of two histograms
    {minutes: tickets}; every resolved ticket is in `resolution`."""
    first_sorted, res_sorted = sorted(first.items()), sorted(resolution.items())
    return (sum(resolution.values()),
            percentile_counted(first_sorted, 50), percentile_counted(first_sorted, 90),
            percentile_counted(res_sorted, 50), percentile_counted(res_sorted, 90))


def times(db: Session, actor: Actor, flt: ReportFilter) -> Table:
    """Per contract, over the tickets resolved in the range: first-response and
    resolution medians and p90 in business minutes; the totals row is all contracts."""
    terms = _prepare(actor, flt)
    bounds = instant_bounds(flt)
    resolved = col(Ticket.resolved_at)
    where = [*terms, resolved >= bounds[0], resolved < bounds[-1],
             col(Ticket.contract_id).is_not(None)]
    # Exact percentiles from histograms: the minutes are whole numbers, so the database
    # sends one row per contract and distinct value (read from ix_ticket_resolved_sla
    # alone) instead of one per ticket: 200,000 tickets in 90 days fetched one by one cost
    # 1.2-1.6 s, two thirds of it Python rows and sorting (docs/performance.md, 18).
    histograms: dict[str, dict[int, Counter]] = {"first": defaultdict(Counter),
                                                 "resolution": defaultdict(Counter)}
    for name, column in (("first", Ticket.first_response_minutes),
                         ("resolution", Ticket.sla_minutes_used)):
        histogram = histograms[name]
        for contract_id, minutes, n in db.connection().execute(  # plain rows: no ORM
                select(Ticket.contract_id, column, func.count())
                .where(*where, col(column).is_not(None))
                .group_by(Ticket.contract_id, column)).all():
            histogram[contract_id][minutes] += n
    first, resolution = histograms["first"], histograms["resolution"]
    contracts = names(db, Contract, set(resolution), "name")
    rows = [(cid, contracts.get(cid, ("",))[0],
             *_times_row(first.get(cid, Counter()), resolution[cid])) for cid in resolution]
    rows.sort(key=lambda r: (r[1], r[0]))
    columns = (Column("contract_id", "reports.col.contract", "id"),
               Column("contract", "reports.col.contract", "text"),
               Column("resolved", "reports.col.resolved", "int"),
               Column("first_response_median", "reports.col.first_response_median",
                      "minutes"),
               Column("first_response_p90", "reports.col.first_response_p90", "minutes"),
               Column("resolution_median", "reports.col.resolution_median", "minutes"),
               Column("resolution_p90", "reports.col.resolution_p90", "minutes"))
    return Table("times", columns, rows, (None, None, *_times_row(
        _merged(first.values()), _merged(resolution.values()))))


def _merged(histograms: Any) -> Counter:
    total: Counter = Counter()
    for histogram in histograms:
        total.update(histogram)  # in place: `sum(..., Counter())` copies at every step
    return total


def sla_compliance(db: Session, actor: Actor, flt: ReportFilter) -> Table:
    """Per period × contract × ticket type: finished tickets, met, late, compliance %."""
    terms = _prepare(actor, flt)
    bounds = instant_bounds(flt)
    met = func.sum(case((Ticket.sla_state == "met", 1), else_=0))
    late = func.sum(case((Ticket.sla_state == "breached", 1), else_=0))
    grouped = _per_period(
        db, col(Ticket.resolved_at), bounds, (met, late),
        [*terms, col(Ticket.sla_state).in_(("met", "breached"))],
        (Ticket.contract_id, Ticket.ticket_type_id))
    keys = [p.key for p in periods(flt)]
    contracts = names(db, Contract, {g[1] for g in grouped}, "name")
    types = names(db, TicketType, {g[2] for g in grouped}, "name_pl", "name_en")
    lang = 0 if actor.language == "pl" else 1
    rows = []
    for i, contract_id, type_id, n_met, n_late in grouped:
        n_met, n_late = int(n_met or 0), int(n_late or 0)
        rows.append((keys[int(i)], contract_id, contracts.get(contract_id, ("",))[0],
                     type_id, types.get(type_id, ("", ""))[lang], n_met + n_late, n_met,
                     n_late, percent(n_met, n_met + n_late)))
    rows.sort(key=lambda r: (r[0], r[2], r[1] or 0, r[4], r[3] or 0))
    columns = (period_column(flt.grain),
               Column("contract_id", "reports.col.contract", "id"),
               Column("contract", "reports.col.contract", "text"),
               Column("ticket_type_id", "reports.col.ticket_type", "id"),
               Column("ticket_type", "reports.col.ticket_type", "text"),
               Column("finished", "reports.col.finished", "int"),
               Column("met", "reports.col.met", "int"),
               Column("late", "reports.col.late", "int"),
               Column("compliance", "reports.col.compliance", "percent"))
    total_met, total_late = sum(r[6] for r in rows), sum(r[7] for r in rows)
    return Table("sla_compliance", columns, rows,
                 (None, None, None, None, None, total_met + total_late, total_met, total_late,
                  percent(total_met, total_met + total_late)))


def _reopened(db: Session) -> Any:
    """SQL: the ticket has a STATUS event from a finished status back to an open one."""
    statuses = workflow.all_statuses(db)
    open_keys = set(active_keys(db))
    finished = sorted(set(statuses) - open_keys)
    data = TimelineEvent.data
    return (select(TimelineEvent.id)
            .where(col(TimelineEvent.ticket_id) == col(Ticket.id),
                   TimelineEvent.kind == EventKind.STATUS,
                   data["old"].as_string().in_(finished),
                   data["new"].as_string().in_(sorted(open_keys)))
            .exists())


def reopen_rate(db: Session, actor: Actor, flt: ReportFilter) -> Table:
    """Per period: tickets resolved, of them reopened at least once, reopen %."""
    terms = _prepare(actor, flt)
    bounds = instant_bounds(flt)
    reopened = func.sum(case((_reopened(db), 1), else_=0))
    counts = {int(i): (int(n), int(r or 0)) for i, n, r in _per_period(
        db, col(Ticket.resolved_at), bounds, (func.count(), reopened), terms)}
    rows = [(p.key, *counts.get(i, (0, 0)), percent(counts.get(i, (0, 0))[1],
                                                    counts.get(i, (0, 0))[0]))
            for i, p in enumerate(periods(flt))]
    columns = (period_column(flt.grain), Column("resolved", "reports.col.resolved", "int"),
               Column("reopened", "reports.col.reopened", "int"),
               Column("reopen_rate", "reports.col.reopen_rate", "percent"))
    resolved, again = sum(r[1] for r in rows), sum(r[2] for r in rows)
    return Table("reopen_rate", columns, rows, (None, resolved, again, percent(again, resolved)))


def channel_mix(db: Session, actor: Actor, flt: ReportFilter) -> Table:
    """Per channel: tickets created in the range and their share."""
    terms = _prepare(actor, flt)
    bounds = instant_bounds(flt)
    created = col(Ticket.created_at)
    counts = dict.fromkeys([flt.channel] if flt.channel else Channel.ALL, 0)
    for channel, n in db.exec(select(Ticket.channel, func.count()).where(
            *terms, created >= bounds[0], created < bounds[-1])
            .group_by(Ticket.channel)).all():
        counts[channel] = int(n)
    total = sum(counts.values())
    rows = [(f"channel.{c}", n, percent(n, total)) for c, n in counts.items()]
    columns = (Column("channel", "reports.col.channel", "key"),
               Column("created", "reports.col.created", "int"),
               Column("share", "reports.col.share", "percent"))
    return Table("channel_mix", columns, rows, (None, total, percent(total, total)))


def backlog_age(db: Session, actor: Actor, flt: ReportFilter, *,
                now: datetime | None = None) -> Table:
    """Open tickets now by age: < 1 day, 1–3, 3–7, 7–30, > 30 days (a ticket exactly 3
    days old is in 3–7)."""
    terms = _prepare(actor, flt)
    now = now or utcnow()
    created = col(Ticket.created_at)
    whens = [(created > now - timedelta(days=days), literal(i, literal_execute=True))
             for i, (_key, days) in enumerate(AGE_BUCKETS) if days is not None]
    bucket = case(*whens, else_=literal(len(AGE_BUCKETS) - 1, literal_execute=True))
    counts = dict.fromkeys(range(len(AGE_BUCKETS)), 0)
    for i, n in db.exec(select(bucket, func.count()).where(
            *terms, col(Ticket.status).in_(active_keys(db))).group_by(bucket)).all():
        counts[int(i)] = int(n)
    total = sum(counts.values())
    rows = [(f"reports.age.{key}", counts[i], percent(counts[i], total))
            for i, (key, _days) in enumerate(AGE_BUCKETS)]
    columns = (Column("age", "reports.col.age", "key"),
               Column("open", "reports.col.open_now", "int"),
               Column("share", "reports.col.share", "percent"))
    return Table("backlog_age", columns, rows, (None, total, percent(total, total)))
