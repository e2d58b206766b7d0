"""SLA warnings, breaches and escalations: which ones a ticket crossed, recorded exactly once.

A business rule, plain Python: the scheduler's job (jobs/sla_sweep.py) only decides when
and where it runs (leader lock, interval) and calls `sweep`.

`sweep(db, now)` looks only at tickets whose stored `sla_next_check_at <= now` (an index
range on `ix_ticket_sla_next_check`, never a scan of all tickets). domain/sla.py keeps
that column at the next warning or due instant of a running clock, so those are exactly
the tickets that crossed a point since the last look. In batches of tickets:

1. recompute each ticket's SLA from its timeline as of `now` (`sla.apply`; the timelines,
   contracts, types and calendars of the batch are read up front, a few queries for the
   whole batch), which also gives `sla_next_check_at` its next point (or None);
2. for every clock whose warning point / deadline is <= now and whose state is warning /
   breached, an `SlaAlert` row — one `INSERT ... ON CONFLICT DO NOTHING RETURNING` for the
   batch on UNIQUE(ticket, clock, level, point_at). Only for the rows it created: an
   internal `sla_warning` / `sla_breach` timeline event {clock, due_at, point_at} (one
   executemany) and, for the assignee and every active coordinator, in-app notifications
   as their preferences say (`dispatch.sla_alert`; people and preferences are loaded once per
   sweep, so this adds no query per ticket);
3. on a new breach, the contract's escalation rule (domain/escalation.py), at most once
   per ticket per sweep; a priority raise changes the targets, so those tickets are
   recomputed and step 2 runs again for them (a breach of the other clock it reveals is
   alerted, not escalated again);
4. mail: one per ticket and recipient for everything step 2 created for that ticket
   (a ticket that crossed three points gets one mail listing them, `dispatch.sla_mail`),
   inserted with the batch's other rows at commit;
5. `queue_change` so open pages refresh after commit; the tickets' SLA columns are
   written by one flush (executemany).

A batch is one transaction: alert rows, events, notifications, escalations and the new
`sla_next_check_at` commit together or not at all. Hence:

* **exactly once** — an alert's side effects exist iff its row does, and the unique key
  refuses a second row (a rerun, a crash between steps, a second scheduler);
* **never skipped** — a rolled-back batch leaves `sla_next_check_at` where it was, so the
  next run sees the same tickets again;
* **catch-up** — after downtime every overdue ticket has `sla_next_check_at <= now`;
  one visit records the warning and the breach it slept through.

When a point is recorded, not when it is found: the timeline event of a warning / breach
is dated at its point (`point_at`, the warning instant or the deadline), so a catch-up
run puts it where it happened — before the resolution, not "today" after it. (The
`SlaAlert` row keeps `created_at` = when it was recorded.) A point is announced (in-app
notifications, mail) only while it is news: a point of a ticket that is no longer open
(its status resolves, `workflow.is_resolving`), or one older than the grace
(`POMOCNIK_SLA_ALERT_GRACE_MINUTES`, default 60) when found, is recorded **quietly** — row
and timeline event, exactly once as always, but nobody is notified, and a finished ticket
is not escalated. Hence the first start after downtime (or of the demo data) does not fill
the bells with weeks-old breaches.

A ticket that fails (bug, a concurrent edit) does not hold the others back: the batch is
rolled back, the ticket is left for the next run (logged) and the batch is redone without
it. When a statement shared by the whole batch fails, the failing ticket is not known:
that batch's tickets are then redone one per transaction, which finds it. Anything that
is not an `Exception` (process shutdown, a simulated crash) propagates after a rollback.

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
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import and_, or_, text
from sqlalchemy import insert as insert_row
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from helpdesk_app.config import get_settings
from helpdesk_app.domain import (
    escalation,
    inapp_notifications,
    sla,
    tx_cache,
    workflow,
)
from helpdesk_app.domain import notification_dispatch as dispatch
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
    quiet: int = 0  # alerts recorded without telling anyone (finished ticket / found late)
    batches: int = 0
    failed: list[int] = field(default_factory=list)  # left for the next run
    stopped: bool = False  # `keep_going` said stop (leadership lost)


@dataclass(frozen=True)
class _Alert:
    clock: str
    level: str
    point_at: datetime
    due_at: datetime | None

    @property
    def key(self) -> tuple[str, str, datetime]:
        return (self.clock, self.level, self.point_at)


@dataclass
class _Visit:
    """One ticket of the batch: what its recomputes found and what was done about it."""

    ticket: Ticket
    state_before: str
    history: sla.History | None  # as load_history read it (an escalation adds no change)
    result: sla.SlaResult | None = None
    pending: list[_Alert] = field(default_factory=list)  # this round's, to insert
    new_breach: str | None = None  # first clock whose breach this round created
    escalated: bool = False
    changed: bool = False


@dataclass
class _Context:
    """One batch: what it saw and what it will write."""

    now: datetime
    coordinators: list[int]
    result: SweepResult
    grace: timedelta = timedelta(hours=1)  # points found later than this are quiet
    finishing: frozenset[str] = frozenset()  # status keys of finished tickets
    # active staff and their notification preferences, loaded once per sweep
    audience: dispatch.Audience = field(default_factory=lambda: dispatch.Audience({}, {}))
    # existing alert keys per ticket, and the (ticket, clock) pairs that already breached
    alerts: dict[int, set[tuple[str, str, datetime]]] = field(default_factory=dict)
    breached: set[tuple[int, str]] = field(default_factory=set)
    active_users: set[int] = field(default_factory=set)
    overrides: set[tuple[int, int]] = field(default_factory=set)  # (type id, priority)
    notifications: list[dict] = field(default_factory=list)  # inserted before commit
    # (ticket id, user id) -> the points that user hears of by mail, in order: one mail each
    mails: dict[tuple[int, int], list[dispatch.SlaPoint]] = field(default_factory=dict)
    # each ticket's timeline as the SLA reads it (one read for the batch)
    history: dict[int, sla.History] = field(default_factory=dict)
    # Strong references: the session's identity map is weak, so without these the
    # contract, type and calendar rows would be loaded again for every ticket.
    keep: list = field(default_factory=list)
    # The ticket being worked on, to blame when something fails (None: a statement for
    # the whole batch, or the batch's reads before any ticket).
    current: int | None = None
    started: bool = False  # the batch's reads are done


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


# ---------------------------------------------------------------------------- the rule


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


def _recompute(db: Session, visit: _Visit, ctx: _Context) -> None:
    """Recompute the ticket's SLA (its columns are set, flushed later with the batch's)
    and keep the alerts it calls for that the ticket has not had yet."""
    ticket = visit.ticket
    visit.result = sla.apply(db, ticket, ctx.now, history=visit.history)
    seen = ctx.alerts.setdefault(ticket.id, set())
    visit.pending = []
    for alert in _crossed(visit.result, ctx.now):
        if alert.key in seen:
            continue
        # A breach is final: one breach alert per clock, whatever its deadline became.
        if alert.level == AlertLevel.BREACH and (ticket.id, alert.clock) in ctx.breached:
            continue
        seen.add(alert.key)
        if alert.level == AlertLevel.BREACH:
            ctx.breached.add((ticket.id, alert.clock))
        visit.pending.append(alert)


@lru_cache(maxsize=4)
def _alert_insert(dialect: str):
    """INSERT ... ON CONFLICT DO NOTHING RETURNING the keys of the rows it created. Not
    rowcount: psycopg reports -1 for INSERT ... ON CONFLICT, and one statement inserts a
    whole batch's alerts."""
    table = SlaAlert.__table__
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (insert(table)
            .on_conflict_do_nothing(index_elements=["ticket_id", "clock", "level", "point_at"])
            .returning(table.c.ticket_id, table.c.clock, table.c.level))


_EVENT_INSERT = insert_row(TimelineEvent.__table__)


def _insert_alerts(db: Session, visits: list[_Visit], ctx: _Context) -> set[tuple]:
    """Insert the visits' pending alert rows unless they exist; the (ticket, clock, level)
    of the rows this call created. The unique key decides, not the prefetch: a row
    committed meanwhile by anyone (another scheduler) is not created again."""
    rows = [{"ticket_id": v.ticket.id, "clock": a.clock, "level": a.level,
             "point_at": a.point_at, "due_at": a.due_at, "created_at": ctx.now}
            for v in visits for a in v.pending]
    if not rows:
        return set()
    # executemany with RETURNING: SQLAlchemy sends it as multi-row INSERTs ("insertmanyvalues")
    # from one cached statement.
    return {tuple(row) for row in db.execute(_alert_insert(db.get_bind().dialect.name),
                                             rows).all()}


def _finished(ticket: Ticket, ctx: _Context) -> bool:
    """The ticket is no longer open (its status resolves or closes it)."""
    return ticket.status in ctx.finishing


def is_news(point_at: datetime, now: datetime, grace: timedelta) -> bool:
    """Whether a point found at `now` is still worth telling people about."""
    return point_at >= now - grace


def _announce(visit: _Visit, alert: _Alert, ctx: _Context, events: list[dict]) -> None:
    """Timeline event (dated at the point), and for news the in-app notifications and
    the mail wishes, for a created alert."""
    ticket = visit.ticket
    events.append({
        "ticket_id": ticket.id, "kind": _LEVEL_EVENT[alert.level], "author_id": None,
        "is_public": False, "body": "", "created_at": min(alert.point_at, ctx.now),
        "data": {"clock": alert.clock, "due_at": _iso(alert.due_at),
                 "point_at": _iso(alert.point_at)}})
    if alert.level == AlertLevel.WARNING:
        ctx.result.warnings += 1
    else:
        ctx.result.breaches += 1
    if _finished(ticket, ctx) or not is_news(alert.point_at, ctx.now, ctx.grace):
        ctx.result.quiet += 1
        return
    # The assignee (when active) and every active coordinator, as each wants to hear it.
    people = [ticket.assignee_id] if ticket.assignee_id in ctx.active_users else []
    point = dispatch.SlaPoint(_LEVEL_NOTIFICATION[alert.level], alert.clock, alert.due_at)
    rows, by_mail = dispatch.sla_alert(ctx.audience, ticket, point, people + ctx.coordinators,
                                     now=ctx.now)
    ctx.notifications += rows
    ctx.result.notifications += len(rows)
    for uid in by_mail:
        ctx.mails.setdefault((ticket.id, uid), []).append(point)


def _record(db: Session, visits: list[_Visit], ctx: _Context) -> list[_Visit]:
    """One round: recompute, insert the alerts, announce the new ones, escalate a new
    breach. Returns the visits to recompute again (an escalation changed their targets)."""
    for visit in visits:
        ctx.current = visit.ticket.id
        _recompute(db, visit, ctx)
    ctx.current = None
    created = _insert_alerts(db, visits, ctx)
    events: list[dict] = []
    for visit in visits:
        ctx.current = visit.ticket.id
        visit.new_breach = None
        for alert in visit.pending:
            if (visit.ticket.id, alert.clock, alert.level) not in created:
                continue
            visit.changed = True
            _announce(visit, alert, ctx, events)
            if alert.level == AlertLevel.BREACH and visit.new_breach is None:
                visit.new_breach = alert.clock
    ctx.current = None
    if events:  # before any escalation event: a ticket's timeline stays in order
        db.execute(_EVENT_INSERT, events)
    again: list[_Visit] = []
    for visit in visits:
        if visit.new_breach is None or visit.escalated or _finished(visit.ticket, ctx):
            continue
        ctx.current = visit.ticket.id
        if _escalate(db, visit, ctx):
            again.append(visit)
    ctx.current = None
    return again


def _escalate(db: Session, visit: _Visit, ctx: _Context) -> bool:
    """The contract's rule for a new breach, once per ticket per sweep. True when the
    ticket must be recomputed (new priority, new targets)."""
    visit.escalated = True
    ticket = visit.ticket
    done = escalation.escalate(db, ticket, visit.new_breach, ctx.now,
                               coordinators=ctx.coordinators)
    if done is None:
        return False
    visit.changed = True
    ctx.result.escalations += 1
    return done.changes_sla and (
        (ticket.ticket_type_id, done.old) in ctx.overrides
        or (ticket.ticket_type_id, done.new) in ctx.overrides)


def _handle(db: Session, batch: list[Ticket], ctx: _Context) -> None:
    """Decide and record everything for the batch's tickets (commits nothing)."""
    visits = [_Visit(t, t.sla_state, ctx.history.pop(t.id, None)) for t in batch]
    todo = visits
    while todo:
        todo = _record(db, todo, ctx)
    for visit in visits:
        ticket = visit.ticket
        ctx.current = ticket.id
        # The next look is the next point of a running clock; crossings handled are done.
        ticket.sla_next_check_at = visit.result.next_check_at
        if visit.changed or ticket.sla_state != visit.state_before:
            queue_change(db, ticket_id=ticket.id, organisation_id=ticket.organisation_id,
                         kind="sla", public=False)
    _queue_mails(db, {v.ticket.id: v.ticket for v in visits}, ctx)
    inapp_notifications.add_rows(db, ctx.notifications)


def _queue_mails(db: Session, tickets: dict[int, Ticket], ctx: _Context) -> None:
    """One mail per ticket and recipient for all the points they want mailed, queued with
    one INSERT for the batch."""
    mails: list[tuple[int, outbox.Mail]] = []
    for (ticket_id, user_id), points in ctx.mails.items():
        ctx.current = ticket_id
        mail = dispatch.sla_mail(db, ctx.audience, tickets[ticket_id], user_id, points)
        if mail is not None:
            mails.append((user_id, mail))
    ctx.current = None
    queued = outbox.enqueue_many(db, [mail for _, mail in mails], now=ctx.now)
    for (user_id, _mail), row_id in zip(mails, queued, strict=True):
        if row_id is None:
            dispatch.sla_refused(ctx.audience, user_id)
    ctx.result.mails += sum(row_id is not None for row_id in queued)


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
          keep_going: Callable[[], bool] | None = None,
          grace: timedelta | None = None) -> SweepResult:
    """Handle every ticket with `sla_next_check_at <= now`; commit per batch.
    `keep_going` is asked after each committed batch (the scheduler renews its leader
    lock there) and stops the sweep when it returns False. `grace`: points older than
    this when found are recorded quietly (default: POMOCNIK_SLA_ALERT_GRACE_MINUTES)."""
    if now.tzinfo is None:
        raise ValueError("naive datetime: pass a timezone-aware (UTC) instant")
    if grace is None:
        grace = timedelta(minutes=max(0, get_settings().sla_alert_grace_minutes))
    # SLA targets and calendars are read once per sweep, not per ticket (tx_cache)
    with tx_cache.batch(db):
        return _sweep(db, now, batch_size, keep_going, grace)


def _sweep(db: Session, now: datetime, batch_size: int,
           keep_going: Callable[[], bool] | None, grace: timedelta) -> SweepResult:
    total = SweepResult()
    finishing = frozenset(key for key, status in workflow.all_statuses(db).items()
                          if workflow.is_resolving(status))
    coordinators = escalation.coordinator_ids(db)
    audience = dispatch.staff_audience(db, now)  # with the substitutions in force
    after: tuple[datetime, int] | None = None  # keyset cursor: visited up to here
    failed: set[int] = set()
    # A batch failed in a statement it shares: up to here, one ticket per transaction.
    singles_until: tuple[datetime, int] | None = None
    while True:
        _begin_batch(db)
        batch = _due_batch(db, now, after, failed, 1 if singles_until else batch_size)
        if not batch:
            db.rollback()
            break
        cursor = (batch[-1].sla_next_check_at, batch[-1].id)
        # Counted per batch, added to the total only when the batch commits.
        ctx = _Context(now=now, coordinators=coordinators, result=SweepResult(),
                       audience=audience, grace=grace, finishing=finishing)
        try:
            _prefetch(db, batch, ctx)
            ctx.started = True
            _handle(db, batch, ctx)
            db.commit()
        except Exception:
            db.rollback()
            if not ctx.started:  # the batch's own reads failed: not one ticket's fault
                raise
            culprit = ctx.current if ctx.current is not None else (
                batch[0].id if len(batch) == 1 else None)
            if culprit is None:
                log.warning("SLA sweep: a batch of %d failed; redoing it ticket by ticket",
                            len(batch), exc_info=True)
                singles_until = cursor
                continue
            failed.add(culprit)
            total.failed.append(culprit)
            log.exception("SLA sweep: ticket %s failed; left for the next run", culprit)
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
        total.quiet += done.quiet
        total.batches += 1
        after = cursor
        if singles_until is not None and cursor >= singles_until:
            singles_until = None
        if keep_going is not None and not keep_going():
            total.stopped = True
            break
    return total
