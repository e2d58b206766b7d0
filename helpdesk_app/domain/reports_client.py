"""The client manager's summary of work done for their organisation (issue 14).

Only a client manager (a client with the manager flag) gets it, and only for their own
organisation: hours and billable hours per month, and per ticket. Nothing internal: no
amounts or rates, no people, no descriptions of the work (those are staff notes). An
entry counts when it is invoiced to the organisation (`WorkEntry.organisation_id`) and its
ticket is still theirs (a ticket moved to another client never shows its subject here).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import Forbidden, Invalid
from helpdesk_app.domain.reports_common import Column, Table, add_months, desk_zone, month_end
from helpdesk_app.models import Ticket, WorkEntry
from helpdesk_app.models.base import utcnow

MAX_MONTHS = 36
_E = WorkEntry


def client_summary(db: Session, actor: Actor, months: int = 12, *,
                   today: date | None = None) -> tuple[Table, Table]:
    """(per month, per ticket) over the last `months` months including this one (local
    months of the desk's zone): hours and billable hours. Forbidden for anyone but a
    client manager."""
    if not (actor.is_client and actor.is_client_manager):
        raise Forbidden()
    if not 1 <= int(months) <= MAX_MONTHS:
        raise Invalid("reports.months_invalid", max=MAX_MONTHS)
    today = today or utcnow().astimezone(desk_zone()).date()
    first = add_months(today, -(int(months) - 1))
    last = month_end(today)
    org = actor.organisation_id
    ours = (col(_E.organisation_id) == org, col(Ticket.organisation_id) == org,
            col(_E.work_date) >= first, col(_E.work_date) <= last)
    billable = func.sum(_E.billable_minutes)

    per_month = {add_months(first, i): [0, 0] for i in range(int(months))}
    for day, seconds, minutes in db.exec(
            select(_E.work_date, func.sum(_E.seconds), billable)
            .join(Ticket, col(Ticket.id) == col(_E.ticket_id)).where(*ours)
            .group_by(_E.work_date)).all():
        acc = per_month[day.replace(day=1)]
        acc[0] += int(seconds or 0)
        acc[1] += int(minutes or 0) * 60
    month_rows = [(m, *v) for m, v in per_month.items()]
    months_table = Table(
        "client_months",
        (Column("period", "reports.col.month", "month"),
         Column("hours", "reports.col.hours", "hours"),
         Column("billable", "reports.col.billable_hours", "hours")),
        month_rows, (None, sum(r[1] for r in month_rows), sum(r[2] for r in month_rows)))

    ticket_rows = [(tid, number, subject, int(seconds or 0), int(minutes or 0) * 60)
                   for tid, number, subject, seconds, minutes in db.exec(
                       select(Ticket.id, Ticket.number, Ticket.subject,
                              func.sum(_E.seconds), billable)
                       .join(Ticket, col(Ticket.id) == col(_E.ticket_id)).where(*ours)
                       .group_by(Ticket.id, Ticket.number, Ticket.subject)
                       .order_by(col(Ticket.number))).all()]
    tickets_table = Table(
        "client_tickets",
        (Column("ticket_id", "reports.col.ticket", "id"),
         Column("number", "reports.col.number", "text"),
         Column("subject", "reports.col.subject", "text"),
         Column("hours", "reports.col.hours", "hours"),
         Column("billable", "reports.col.billable_hours", "hours")),
        ticket_rows,
        (None, None, None, sum(r[3] for r in ticket_rows), sum(r[4] for r in ticket_rows)))
    return months_table, tickets_table
