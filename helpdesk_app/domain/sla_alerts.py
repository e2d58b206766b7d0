"""SLA warnings, breaches and escalations: which ones a ticket crossed, recorded exactly once.

A business rule, plain Python: the scheduler's job (jobs/sla_sweep.py) only decides when
and where it runs (leader lock, interval) and calls `sweep`.

`sweep(db, now)` looks only at tickets whose stored `sla_next_check_at <= now` (an index
range on `ix_ticket_sla_next_check`, never a scan of all tickets). domain/sla.py keeps
that column at the next warning or due instant of a running clock, so those are exactly
the tickets that crossed a point since the last look. For each, in batches:

1. recompute the SLA from the timeline as of `now` (`sla.recompute_ticket`), which also
   moves `sla_next_check_at` to the next point (or None);
2. for every clock whose warning point / deadline is <= now and whose state is warning /
   breached, insert an `SlaAlert` row — `INSERT ... ON CONFLICT DO NOTHING` on
   UNIQUE(ticket, clock, level, point_at). Only when the row is new:
   an internal `sla_warning` / `sla_breach` timeline event {clock, due_at, point_at} and,
   for the assignee and every active coordinator, in-app notifications and mail as their
   preferences say (`notify.sla_alert`; people and preferences are loaded once per sweep,
   so this adds no query per ticket);
3. on a new breach, the contract's escalation rule (domain/escalation.py), at most once
   per ticket per sweep; a priority raise changes the targets, so the ticket is recomputed
   and step 2 runs again (a breach of the other clock it reveals is alerted, not
   escalated again);
4. `queue_change` so open pages refresh after commit.

A batch is one transaction: alert rows, events, notifications, escalations and the new
`sla_next_check_at` commit together or not at all. Hence:

* **exactly once** — an alert's side effects exist iff its row does, and the unique key
  refuses a second row (a rerun, a crash between steps, a second scheduler);
* **never skipped** — a rolled-back batch leaves `sla_next_check_at` where it was, so the
  next run sees the same tickets again;
* **catch-up** — after downtime every overdue ticket has `sla_next_check_at <= now`;
  one visit alerts the warning and the breach it slept through.

A ticket that fails (bug, a concurrent edit) does not hold the others back: the batch is
rolled back, the ticket is left for the next run (logged) and the batch is redone without
it. Anything that is not an `Exception` (process shutdown, a simulated crash) propagates
after a rollback.

A breach is final (domain/sla.py): once a clock has a breach alert, another deadline for
that clock (e.g. the earlier one after escalation raised the priority) does not alert or
escalate again. Warnings are keyed by their warning point, not the deadline: a pause moves
the deadline but not a warning point already passed, and that must not warn twice.

Locking against concurrent edits: PostgreSQL — the batch is selected FOR UPDATE SKIP
LOCKED (a ticket being edited right now is left for the next run). SQLite — the batch
transaction starts with a (no-op) write, which takes SQLite's single write lock before
anything is read, so no edit can commit between our reads and our writes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from sqlalchemy import and_, or_, text
from sqlalchemy import insert as insert_row
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from helpdesk_app.domain import escalation, notifications, notify, sla, tx_cache
from helpdesk_app.live.bus import queue_change
from helpdesk_app.mail.outbound import outbox
from helpdesk_app.models import (
    AlertLevel,
    BusinessCalendar,
    Contract,
    EventKind,
    NotificationKind,
    SlaAlert,
    Ticket,
    TicketType,
    TicketTypeTarget,
    TimelineEvent,
    User,
)

log = logging.getLogger(__name__)

BATCH_SIZE = 200
# More failing tickets than this in one run means something is broken beyond one ticket.
MAX_FAILURES = 25

_LEVEL_EVENT = {AlertLevel.WARNING: EventKind.SLA_WARNING, AlertLevel.BREACH: EventKind.SLA_BREACH}
_LEVEL_NOTIFICATION = {AlertLevel.WARNING: NotificationKind.SLA_WARNING,
                       AlertLevel.BREACH: NotificationKind.SLA_BREACH}


@dataclass
class SweepResult:
    processed: int = 0  # tickets visited and committed
    warnings: int = 0
    breaches: int = 0
    escalations: int = 0
    notifications: int = 0
    mails: int = 0  # notification mails queued in the outbox
    batches: int = 0
    failed: list[int] = field(default_factory=list)  # left for the next run
    stopped: bool = False  # `keep_going` said stop (leadership lost)


@dataclass
class _Context:
    """One batch: what it saw and what it will write."""

    now: datetime
    coordinators: list[int]
    result: SweepResult
    # active staff and their notification preferences, loaded once per sweep
    audience: notify.Audience = field(default_factory=lambda: notify.Audience({}, {}))
    # existing alert keys per ticket, and the (ticket, clock) pairs that already breached
    alerts: dict[int, set[tuple[str, str, datetime]]] = field(default_factory=dict)
    breached: set[tuple[int, str]] = field(default_factory=set)
    active_users: set[int] = field(default_factory=set)
    overrides: set[tuple[int, int]] = field(default_factory=set)  # (type id, priority)
    notifications: list[dict] = field(default_factory=list)  # inserted before commit
    # each ticket's timeline as the SLA reads it, for its first recompute (one read for
    # the batch; a recompute after an escalation reads it again)
    history: dict[int, sla.History] = field(default_factory=dict)
    # Strong references: the session's identity map is weak, so without these the
    # contract, type and calendar rows would be loaded again for every ticket.
    keep: list = field(default_factory=list)


@dataclass(frozen=True)
class _Alert:
    clock: str
    level: str
    point_at: datetime
    due_at: datetime | None

    @property
    def key(self) -> tuple[str, str, datetime]:
        return (self.clock, self.level, self.point_at)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _prefetch(db: Session, batch: list[Ticket], ctx: _Context) -> None:
    """Load in a few queries what every ticket of the batch needs."""
    ids = [t.id for t in batch]
    outbox.prefetch_threads(db, ids)  # alert mails thread onto each ticket's mail
    ctx.history = sla.load_history(db, ids)
    contract_ids = {t.contract_id for t in batch if t.contract_id is not None}
    type_ids = {t.ticket_type_id for t in batch if t.ticket_type_id is not None}
    if contract_ids:
        contracts = db.exec(select(Contract).where(col(Contract.id).in_(contract_ids))).all()
        calendar_ids = {c.calendar_id for c in contracts}
        ctx.keep += contracts
        ctx.keep += db.exec(select(BusinessCalendar)
                            .where(col(BusinessCalendar.id).in_(calendar_ids))).all()
    if type_ids:
        ctx.keep += db.exec(select(TicketType).where(col(TicketType.id).in_(type_ids))).all()
        ctx.overrides = set(db.exec(
            select(TicketTypeTarget.ticket_type_id, TicketTypeTarget.priority)
            .where(col(TicketTypeTarget.ticket_type_id).in_(type_ids))).all())
    assignees = {t.assignee_id for t in batch if t.assignee_id is not None}
    if assignees:
        ctx.active_users = set(db.exec(select(User.id).where(
            col(User.id).in_(assignees), col(User.is_active).is_(True))).all())
    for ticket_id, clock, level, point_at in db.exec(
        select(SlaAlert.ticket_id, SlaAlert.clock, SlaAlert.level, SlaAlert.point_at)
        .where(col(SlaAlert.ticket_id).in_(ids))
    ).all():
        ctx.alerts.setdefault(ticket_id, set()).add((clock, level, point_at))
        if level == AlertLevel.BREACH:
            ctx.breached.add((ticket_id, clock))


# ---------------------------------------------------------------------------- one ticket


def _crossed(result: sla.SlaResult, now: datetime) -> list[_Alert]:
    """The alerts `result` calls for as of `now` (before de-duplication)."""
    found: list[_Alert] = []
    for name, clock in ((sla.REACTION, result.reaction), (sla.RESOLUTION, result.resolution)):
        if (clock.state in (sla.WARNING, sla.BREACHED) and clock.warning_at is not None
                and clock.warning_at <= now):
            found.append(_Alert(name, AlertLevel.WARNING, clock.warning_at, clock.due_at))
        if clock.state == sla.BREACHED and clock.due_at is not None and clock.due_at <= now:
            found.append(_Alert(name, AlertLevel.BREACH, clock.due_at, clock.due_at))
    return found


@lru_cache(maxsize=4)
def _alert_insert(dialect: str):
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id, built once (statement construction
    costs more than SQLite's execution here). RETURNING, not rowcount: psycopg reports
    rowcount -1 for INSERT ... ON CONFLICT."""
    table = SlaAlert.__table__
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (insert(table)
            .on_conflict_do_nothing(index_elements=["ticket_id", "clock", "level", "point_at"])
            .returning(table.c.id))


_EVENT_INSERT = insert_row(TimelineEvent.__table__)


def _insert_alert(db: Session, ticket_id: int, alert: _Alert, ctx: _Context) -> bool:
    """Insert the alert row unless it exists; True when this call created it."""
    seen = ctx.alerts.setdefault(ticket_id, set())
    if alert.key in seen:
        return False
    # A breach is final: one breach alert per clock, whatever its deadline became.
    if alert.level == AlertLevel.BREACH and (ticket_id, alert.clock) in ctx.breached:
        return False
    # The unique key decides, not the prefetch: a row committed meanwhile by anyone
    # (another scheduler) makes this a no-op.
    created = db.execute(_alert_insert(db.get_bind().dialect.name), {
        "ticket_id": ticket_id, "clock": alert.clock, "level": alert.level,
        "point_at": alert.point_at, "due_at": alert.due_at, "created_at": ctx.now,
    }).first() is not None
    seen.add(alert.key)
    if alert.level == AlertLevel.BREACH:
        ctx.breached.add((ticket_id, alert.clock))
    return created


def _announce(db: Session, ticket: Ticket, alert: _Alert, ctx: _Context) -> None:
    """Timeline event + notifications for a newly inserted alert."""
    db.execute(_EVENT_INSERT, {
        "ticket_id": ticket.id, "kind": _LEVEL_EVENT[alert.level], "author_id": None,
        "is_public": False, "body": "", "created_at": ctx.now,
        "data": {"clock": alert.clock, "due_at": _iso(alert.due_at),
                 "point_at": _iso(alert.point_at)}})
    # The assignee (when active) and every active coordinator, as each wants to hear it.
    people = [ticket.assignee_id] if ticket.assignee_id in ctx.active_users else []
    rows, mails = notify.sla_alert(
        db, ctx.audience, ticket, _LEVEL_NOTIFICATION[alert.level], people + ctx.coordinators,
        clock=alert.clock, due_at=alert.due_at, now=ctx.now)
    ctx.notifications += rows
    ctx.result.notifications += len(rows)
    ctx.result.mails += mails
    if alert.level == AlertLevel.WARNING:
        ctx.result.warnings += 1
    else:
        ctx.result.breaches += 1


def _visit(db: Session, ticket: Ticket, ctx: _Context) -> None:
    """Recompute one ticket, alert what it crossed, escalate a new breach."""
    state_before = ticket.sla_state
    escalated = changed = False
    while True:
        result = sla.recompute_ticket(db, ticket.id, ctx.now,
                                      history=ctx.history.pop(ticket.id, None))
        new_breach: str | None = None
        for alert in _crossed(result, ctx.now):
            if not _insert_alert(db, ticket.id, alert, ctx):
                continue
            changed = True
            _announce(db, ticket, alert, ctx)
            if alert.level == AlertLevel.BREACH and new_breach is None:
                new_breach = alert.clock
        if new_breach is None or escalated:
            break
        escalated = True
        done = escalation.escalate(db, ticket, new_breach, ctx.now,
                                   coordinators=ctx.coordinators)
        if done is None:
            break
        changed = True
        ctx.result.escalations += 1
        if not done.changes_sla or not (
                (ticket.ticket_type_id, done.old) in ctx.overrides
                or (ticket.ticket_type_id, done.new) in ctx.overrides):
            break  # the same targets at the new priority: nothing to recompute
        # New priority, new targets: recompute and alert what that reveals.
    # The next look is the next point of a running clock; crossings just handled are done.
    ticket.sla_next_check_at = result.next_check_at
    db.add(ticket)
    if changed or ticket.sla_state != state_before:
        queue_change(db, ticket_id=ticket.id, organisation_id=ticket.organisation_id,
                     kind="sla", public=False)


# ---------------------------------------------------------------------------- batches


def _begin_batch(db: Session) -> None:
    """Start the batch transaction; on SQLite take the write lock before reading."""
    db.expire_all()  # contract rules, assignees, ... as committed now
    if db.get_bind().dialect.name == "sqlite":
        db.execute(text("UPDATE scheduler_lock SET name = name WHERE 1 = 0"))


def _due_batch(db: Session, now: datetime, after: tuple[datetime, int] | None,
               skip: set[int], size: int) -> list[Ticket]:
    next_check = col(Ticket.sla_next_check_at)
    query = select(Ticket).where(next_check <= now)
    if after is not None:
        at, last_id = after
        query = query.where(or_(next_check > at, and_(next_check == at, col(Ticket.id) > last_id)))
    if skip:
        query = query.where(col(Ticket.id).notin_(skip))
    query = (query.order_by(next_check, col(Ticket.id)).limit(size)
             .execution_options(populate_existing=True))
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Ticket)
    return list(db.exec(query).all())


def sweep(db: Session, now: datetime, *, batch_size: int = BATCH_SIZE,
          keep_going: Callable[[], bool] | None = None) -> SweepResult:
    """Handle every ticket with `sla_next_check_at <= now`; commit per batch.
    `keep_going` is asked after each committed batch (the scheduler renews its leader
    lock there) and stops the sweep when it returns False."""
    if now.tzinfo is None:
        raise ValueError("naive datetime: pass a timezone-aware (UTC) instant")
    # SLA targets and calendars are read once per sweep, not per ticket (tx_cache)
    with tx_cache.batch(db):
        return _sweep(db, now, batch_size, keep_going)


def _sweep(db: Session, now: datetime, batch_size: int,
           keep_going: Callable[[], bool] | None) -> SweepResult:
    total = SweepResult()
    coordinators = escalation.coordinator_ids(db)
    audience = notify.staff_audience(db)
    after: tuple[datetime, int] | None = None  # keyset cursor: visited up to here
    failed: set[int] = set()
    while True:
        _begin_batch(db)
        batch = _due_batch(db, now, after, failed, batch_size)
        if not batch:
            db.rollback()
            break
        cursor = (batch[-1].sla_next_check_at, batch[-1].id)
        # Counted per batch, added to the total only when the batch commits.
        ctx = _Context(now=now, coordinators=coordinators, result=SweepResult(),
                       audience=audience)
        current: int | None = None
        try:
            _prefetch(db, batch, ctx)
            for ticket in batch:
                current = ticket.id
                _visit(db, ticket, ctx)
            notifications.add_rows(db, ctx.notifications)
            db.commit()
        except Exception:
            db.rollback()
            if current is None:  # the batch's own queries failed: not one ticket's fault
                raise
            failed.add(current)
            total.failed.append(current)
            log.exception("SLA sweep: ticket %s failed; left for the next run", current)
            if len(failed) > MAX_FAILURES:
                raise
            continue  # the batch without it (its other tickets were rolled back too)
        except BaseException:
            db.rollback()
            raise
        done = ctx.result
        total.processed += len(batch)
        total.warnings += done.warnings
        total.breaches += done.breaches
        total.escalations += done.escalations
        total.notifications += done.notifications
        total.mails += done.mails
        total.batches += 1
        after = cursor
        if keep_going is not None and not keep_going():
            total.stopped = True
            break
    return total
