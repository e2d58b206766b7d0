"""Workload reports (issue 14): who did how much, and where the work is.

- `workload`: per person (staff and subcontractors; anyone with a figure): hours and
  billable hours logged in the range (their work entries), tickets worked on (distinct
  tickets with an entry of theirs in the range), tickets resolved in the range while
  assigned to them (`resolved_at` in the range: the start of the ticket's current
  resolved/closed run, so a ticket reopened since does not count until resolved again),
  and open tickets assigned to them now (status "active" as on the lists; not the range).
- `workload_by_queue`: per queue (the ticket's queue now): hours logged on its tickets in
  the range, tickets created and resolved in the range, open now.

Filters: organisation / contract narrow work by the entry's own (what is invoiced) and
tickets by the ticket's; person = the worker for hours, the assignee for tickets.
"""

from __future__ import annotations

from sqlalchemy import distinct, func
from sqlmodel import Session, col, select

from helpdesk_app.domain import access
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.reports_common import (
    Column,
    ReportFilter,
    Table,
    active_keys,
    entry_filters,
    instant_bounds,
    names,
    needs_ticket,
    require_reports,
    ticket_filters,
)
from helpdesk_app.models import Queue, Ticket, User, WorkEntry

_E = WorkEntry


def _int(value: object) -> int:
    return int(value or 0)


def workload(db: Session, actor: Actor, flt: ReportFilter) -> Table:
    """Per person: hours, billable hours, tickets worked on, resolved, open now."""
    require_reports(actor)
    flt.check()
    bounds = instant_bounds(flt)
    start, end = bounds[0], bounds[-1]
    figures: dict[int, list[int]] = {}

    def add(person: int | None, index: int, value: object) -> None:
        if person is not None:
            figures.setdefault(person, [0] * 5)[index] += _int(value)

    # `+ 0`: the same groups, but SQLite then reads the range from the covering
    # ix_work_entry_invoicing (0.8 s a month at 466,000 entries) instead of walking the
    # (user, date) index for its order with a row read per entry (2.4 s)
    worker = (col(_E.user_id) + 0).label("worker")
    work = select(worker, func.sum(_E.seconds), func.sum(_E.billable_minutes),
                  func.count(distinct(_E.ticket_id)))
    if needs_ticket(actor, flt):
        work = work.join(Ticket, col(Ticket.id) == col(_E.ticket_id))
    for person, seconds, minutes, tickets in db.exec(
            work.where(*entry_filters(actor, flt)).group_by(worker)).all():
        add(person, 0, seconds)
        add(person, 1, _int(minutes) * 60)
        add(person, 2, tickets)
    scope = ticket_filters(actor, flt)
    for person, n in db.exec(select(Ticket.assignee_id, func.count()).where(
            *scope, col(Ticket.resolved_at) >= start, col(Ticket.resolved_at) < end,
            col(Ticket.assignee_id).is_not(None)).group_by(Ticket.assignee_id)).all():
        add(person, 3, n)
    for person, n in db.exec(select(Ticket.assignee_id, func.count()).where(
            *scope, col(Ticket.status).in_(active_keys(db)),
            col(Ticket.assignee_id).is_not(None)).group_by(Ticket.assignee_id)).all():
        add(person, 4, n)

    people = names(db, User, set(figures), "full_name", "role")
    rows = []
    for pid, values in figures.items():
        name, role = people.get(pid, ("", ""))
        rows.append((pid, name, f"useradmin.role.{role}", *values))
    rows.sort(key=lambda r: (r[1], r[0]))
    columns = (Column("person_id", "reports.col.person", "id"),
               Column("person", "reports.col.person", "text"),
               Column("role", "reports.col.role", "key"),
               Column("hours", "reports.col.hours", "hours"),
               Column("billable", "reports.col.billable_hours", "hours"),
               Column("worked_on", "reports.col.worked_on", "int"),
               Column("resolved", "reports.col.resolved", "int"),
               Column("open_now", "reports.col.open_now", "int"))
    totals = (None, None, None, *(sum(r[i] for r in rows) for i in range(3, 8)))
    # "worked on" is per person: a ticket two people worked on counts for both, so the
    # column's total is the sum of the rows, not the number of distinct tickets
    return Table("workload", columns, rows, totals)


def workload_by_queue(db: Session, actor: Actor, flt: ReportFilter) -> Table:
    """Per queue: hours logged on its tickets, tickets created, resolved, open now."""
    require_reports(actor)
    flt.check()
    bounds = instant_bounds(flt)
    start, end = bounds[0], bounds[-1]
    # per-queue figures: a queue-limited actor sees only rows of their queues
    scope = ticket_filters(actor, flt, scope=access.queue_figures_scope(actor))
    figures: dict[int, list[int]] = {}
    hours = (select(Ticket.queue_id, func.sum(_E.seconds), func.sum(_E.billable_minutes))
             .join(Ticket, col(Ticket.id) == col(_E.ticket_id))
             .where(*entry_filters(actor, flt), access.queue_figures_scope(actor)))
    for queue, seconds, minutes in db.exec(hours.group_by(Ticket.queue_id)).all():
        acc = figures.setdefault(queue, [0] * 5)
        acc[0] += _int(seconds)
        acc[1] += _int(minutes) * 60
    for index, column in ((2, Ticket.created_at), (3, Ticket.resolved_at)):
        for queue, n in db.exec(select(Ticket.queue_id, func.count()).where(
                *scope, col(column) >= start, col(column) < end)
                .group_by(Ticket.queue_id)).all():
            figures.setdefault(queue, [0] * 5)[index] += _int(n)
    for queue, n in db.exec(select(Ticket.queue_id, func.count()).where(
            *scope, col(Ticket.status).in_(active_keys(db))).group_by(Ticket.queue_id)).all():
        figures.setdefault(queue, [0] * 5)[4] += _int(n)
    queues = names(db, Queue, set(figures), "name")
    rows = [(qid, queues.get(qid, ("",))[0], *values) for qid, values in figures.items()]
    rows.sort(key=lambda r: (r[1], r[0]))
    columns = (Column("queue_id", "reports.col.queue", "id"),
               Column("queue", "reports.col.queue", "text"),
               Column("hours", "reports.col.hours", "hours"),
               Column("billable", "reports.col.billable_hours", "hours"),
               Column("created", "reports.col.created", "int"),
               Column("resolved", "reports.col.resolved", "int"),
               Column("open_now", "reports.col.open_now", "int"))
    totals = (None, None, *(sum(r[i] for r in rows) for i in range(2, 7)))
    return Table("workload_by_queue", columns, rows, totals)
