"""Work time on tickets (issue 14): logging, correcting and removing work entries, what a
ticket's work panel shows, and the "needs a work entry to resolve" rule.

- Who logs: staff and subcontractors log their own time on tickets they may work on
  (`access.Action.LOG_WORK`). Whoever holds "worktime.manage" (coordinators, admins) may
  log for someone else and correct or remove anyone's entry; that is audited
  (`worktime.*`) as well as shown on the timeline. Everyone's own changes are on the
  timeline only.
- An entry is a start–end on a day in the person's own zone (past midnight allowed), or a
  duration on a day (domain/worktime_parsing.py), with an activity type (its billable /
  on-site defaults), a description and the billable / on-site / after-hours flags. Work in
  the future is refused.
- Each write rates the entry with its contract's rate rule and calendar
  (domain/rating.py) and stores the result, so reports only sum. An entry follows its
  ticket's organisation and contract while it is not locked.
- A locked entry ("billed", domain/worktime_billing.py) cannot change or go: Conflict
  `worktime.locked` until an admin unlocks it.
- Every change is a WORK timeline event (internal; a subcontractor's are shared with
  their organisation) and a live change of the ticket.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, or_
from sqlmodel import Session, col, select

from helpdesk_app.domain import access, audit, permissions, rating, sla
from helpdesk_app.domain import worktime_parsing as parsing
from helpdesk_app.domain.access import Action
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.calendars import CalendarSpec
from helpdesk_app.domain.dates import parse_day
from helpdesk_app.domain.errors import Conflict, FieldChecks, Forbidden, Invalid, NotFound
from helpdesk_app.live.bus import queue_change
from helpdesk_app.models import (
    ActivityType,
    Contract,
    ContractRate,
    EventKind,
    Queue,
    Role,
    Ticket,
    TicketType,
    TimelineEvent,
    User,
    WorkEntry,
)
from helpdesk_app.models.base import utcnow

MAX_DESCRIPTION = 2000
FUTURE_SLACK = timedelta(minutes=5)  # a clock a little ahead is not "the future"


@dataclass
class EntryForm:
    """An entry as typed: `day` in the person's format (blank: today), then `start`–`end`
    ("8:00"–"9:30") or a `duration` ("1:30")."""

    day: str = ""
    start: str = ""
    end: str = ""
    duration: str = ""
    activity_type_id: int | None = None
    description: str = ""
    billable: bool | None = None  # None: the activity type's default
    on_site: bool | None = None
    after_hours: bool = False
    user_id: int | None = None  # whose work; None: the actor's own


@dataclass(frozen=True)
class EntryView:
    id: int
    user_id: int
    user_name: str
    activity: str
    activity_type_id: int | None
    work_date: date
    started_at: datetime | None
    ended_at: datetime | None
    seconds: int
    description: str
    billable: bool
    on_site: bool
    after_hours: bool
    capped: bool
    billable_minutes: int
    amount_minor: int
    currency: str
    locked: bool
    lock_ref: str
    can_change: bool


@dataclass(frozen=True)
class Totals:
    entries: int
    seconds: int
    billable_seconds: int
    billable_minutes: int  # after rounding, as invoiced
    amount_minor: int
    currency: str


# --------------------------------------------------------------------------- who may


def _ticket(db: Session, actor: Actor, ticket_id: int) -> Ticket:
    return access.require(actor, Action.LOG_WORK, db.get(Ticket, ticket_id))


def manages(actor: Actor) -> bool:
    """May log for others and correct anyone's entries."""
    return actor.is_staff and permissions.has(actor, permissions.WORKTIME_MANAGE)


def _may_change(actor: Actor, entry: WorkEntry) -> bool:
    return entry.user_id == actor.user_id or manages(actor)


def _worker(db: Session, actor: Actor, ticket: Ticket, user_id: int | None) -> User:
    """Whose work an entry is: the actor, or (managers) an active agent who may work on
    the ticket."""
    if user_id is None or user_id == actor.user_id:
        return db.get(User, actor.user_id)
    if not manages(actor):
        raise Forbidden("worktime.only_own")
    user = db.get(User, user_id)
    if user is None or not user.is_active or user.role not in Role.AGENTS:
        raise Invalid("worktime.worker_invalid")
    if user.role == Role.SUBCONTRACTOR and ticket.handed_to_org_id != user.organisation_id:
        raise Invalid("worktime.worker_invalid")
    return user


def _load(db: Session, actor: Actor, entry_id: int) -> tuple[WorkEntry, Ticket]:
    entry = db.get(WorkEntry, entry_id)
    ticket = db.get(Ticket, entry.ticket_id) if entry else None
    author = db.get(User, entry.user_id) if entry else None
    if entry is None or ticket is None or not access.can_see_work(actor, ticket, author):
        raise NotFound("worktime.not_found")
    if not _may_change(actor, entry) or not access.can(actor, Action.LOG_WORK, ticket):
        raise Forbidden("worktime.only_own")
    if entry.locked_at is not None:
        raise Conflict("worktime.locked", ref=entry.lock_ref or "—")
    return entry, ticket


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class _Parsed:
    day: date
    started_at: datetime | None
    ended_at: datetime | None
    seconds: int
    activity: ActivityType | None
    description: str


def activity(db: Session, activity_type_id: int | None) -> ActivityType | None:
    """An active activity type by id (None: none chosen); Invalid otherwise."""
    if activity_type_id is None:
        return None
    row = db.get(ActivityType, int(activity_type_id))
    if row is None or not row.is_active:
        raise Invalid("worktime.activity_invalid")
    return row


def description(text: str) -> str:
    """A description as stored (trimmed, at most MAX_DESCRIPTION)."""
    text = (text or "").strip()
    if len(text) > MAX_DESCRIPTION:
        raise Invalid("worktime.description_too_long", max=MAX_DESCRIPTION)
    return text


def _parse(db: Session, form: EntryForm, tz: str, now: datetime) -> _Parsed:
    """Every problem of the form at once (FormInvalid), each next to its field."""
    checks = FieldChecks()
    day = checks.run("day", parse_day, form.day) if form.day.strip() else \
        parsing.local_date(now, tz)
    started = ended = None
    seconds = None
    if form.start.strip() or form.end.strip():
        if not (form.start.strip() and form.end.strip()):
            checks.fail("end" if form.start.strip() else "start", "worktime.start_end_both")
        else:
            begin = checks.run("start", parsing.parse_clock, form.start)
            finish = checks.run("end", parsing.parse_clock, form.end)
            pair = checks.run("end", parsing.span_of, day, begin, finish, tz) \
                if None not in (day, begin, finish) else None
            if pair is not None:
                started, ended = pair
                seconds = int((ended - started).total_seconds())
    else:
        seconds = checks.run("duration", parsing.parse_duration, form.duration)
    if day is not None and day > parsing.local_date(now, tz):
        checks.fail("day", "worktime.in_future")
    elif ended is not None and ended > now + FUTURE_SLACK:
        checks.fail("end", "worktime.in_future")
    kind = checks.run("activity", activity, db, form.activity_type_id)
    text = checks.run("description", description, form.description)
    checks.done()
    return _Parsed(day, started, ended, seconds or 0, kind, text or "")


# --------------------------------------------------------------------------- rating


def rule_for(db: Session, contract_id: int | None) -> tuple[rating.RateRule | None,
                                                            CalendarSpec | None]:
    """The contract's rate rule and calendar; (None, None) without a contract."""
    contract = db.get(Contract, contract_id) if contract_id else None
    if contract is None:
        return None, None
    row = db.get(ContractRate, contract.id)
    rule = rating.RateRule(
        hourly_rate_minor=row.hourly_rate_minor, currency=row.currency, rounding=row.rounding,
        rounding_minutes=row.rounding_minutes, minimum_visit_minutes=row.minimum_visit_minutes,
        after_hours_pct=row.after_hours_pct, weekend_pct=row.weekend_pct,
        on_site_pct=row.on_site_pct) if row else rating.RateRule(hourly_rate_minor=0)
    return rule, sla.spec_for_calendar(db, contract.calendar_id)


def spans_of(entry: WorkEntry) -> tuple[tuple[datetime, datetime], ...]:
    if entry.spans:
        return tuple((datetime.fromisoformat(a), datetime.fromisoformat(b))
                     for a, b in entry.spans)
    if entry.started_at and entry.ended_at:
        return ((entry.started_at, entry.ended_at),)
    return ()


def rate_entry(db: Session, entry: WorkEntry, *,
               resolved: tuple[rating.RateRule | None, CalendarSpec | None] | None = None
               ) -> None:
    """Store what the entry bills under its contract now (no contract: nothing to bill,
    its minutes still counted). `resolved`: `rule_for(db, entry.contract_id)` already
    looked up (re-rating a whole contract looks it up once)."""
    rule, calendar = resolved if resolved is not None else rule_for(db, entry.contract_id)
    times = rating.EntryTimes(spans=spans_of(entry), seconds=entry.seconds,
                              day=entry.work_date, billable=entry.billable,
                              on_site=entry.on_site, after_hours=entry.after_hours)
    if rule is None or calendar is None:
        entry.billable_minutes = (entry.seconds + 30) // 60 if entry.billable else 0
        entry.amount_minor, entry.currency = 0, "PLN"
        return
    rated = rating.rate(times, rule, calendar)
    entry.billable_minutes, entry.amount_minor = rated.billable_minutes, rated.amount_minor
    entry.currency = rule.currency


# --------------------------------------------------------------------------- writes


def _event(db: Session, actor: Actor, entry: WorkEntry, action: str,
           author: User, now: datetime) -> None:
    db.add(TimelineEvent(
        ticket_id=entry.ticket_id, kind=EventKind.WORK, author_id=actor.user_id,
        is_public=False, created_at=now,
        shared_with_org_id=author.organisation_id if author.role == Role.SUBCONTRACTOR
        else None,
        data={"action": action, "entry": entry.id, "user": entry.user_id,
              "seconds": entry.seconds, "activity": entry.activity_type_id,
              "billable": entry.billable}))


def _audit(db: Session, actor: Actor, action: str, entry: WorkEntry, ticket: Ticket,
           details: dict) -> None:
    """Someone else's time: the audit log too (a correction must be traceable)."""
    if entry.user_id == actor.user_id:
        return
    audit.record(db, actor, f"worktime.{action}",
                 target=audit.Target("ticket", ticket.id, ticket.number),
                 details={"entry": entry.id, "user": entry.user_id, **details})


_AUDITED = ("work_date", "started_at", "ended_at", "seconds", "activity_type_id",
            "description", "billable", "on_site", "after_hours")


def _minute(value: datetime | None) -> datetime | None:
    return value.replace(second=0, microsecond=0) if value is not None else None


def _same_timing(entry: WorkEntry, parsed: _Parsed) -> bool:
    """True when the form shows the entry's own times as the page filled them in (to the
    minute): the timer's exact seconds and its paused spans then stay, so describing a
    stopped timer does not turn 25 min 10 s between 10:20:50 and 10:46:00 into 26 min."""
    if parsed.day != entry.work_date:
        return False
    if parsed.started_at is not None:
        return (_minute(parsed.started_at), _minute(parsed.ended_at)) == (
            _minute(entry.started_at), _minute(entry.ended_at))
    return parsed.seconds == entry.seconds // 60 * 60


def _apply(entry: WorkEntry, parsed: _Parsed, form: EntryForm) -> None:
    if entry.id is None or not _same_timing(entry, parsed):
        entry.work_date, entry.started_at, entry.ended_at = parsed.day, parsed.started_at, \
            parsed.ended_at
        entry.spans, entry.seconds = None, parsed.seconds
    entry.description = parsed.description
    entry.activity_type_id = parsed.activity.id if parsed.activity else None
    default_billable = parsed.activity.billable if parsed.activity else True
    default_on_site = parsed.activity.on_site if parsed.activity else False
    entry.billable = default_billable if form.billable is None else bool(form.billable)
    entry.on_site = default_on_site if form.on_site is None else bool(form.on_site)
    entry.after_hours = bool(form.after_hours)
    entry.capped = False  # reviewed: it is what the person says now


def _touch(db: Session, ticket: Ticket, now: datetime) -> None:
    ticket.updated_at = now
    db.add(ticket)
    queue_change(db, ticket_id=ticket.id, organisation_id=ticket.organisation_id,
                 kind=EventKind.WORK, public=False)


def add_entry(db: Session, actor: Actor, ticket_id: int, form: EntryForm, *,
              now: datetime | None = None) -> int:
    """Log work on a ticket (see module doc). Commits; returns the entry id."""
    now = now or utcnow()
    ticket = _ticket(db, actor, ticket_id)
    worker = _worker(db, actor, ticket, form.user_id)
    parsed = _parse(db, form, worker.timezone or actor.timezone, now)
    entry = WorkEntry(ticket_id=ticket.id, user_id=worker.id,
                      organisation_id=ticket.organisation_id, contract_id=ticket.contract_id,
                      work_date=parsed.day, seconds=parsed.seconds, created_by_id=actor.user_id,
                      created_at=now, updated_at=now)
    _apply(entry, parsed, form)
    rate_entry(db, entry)
    db.add(entry)
    db.flush()
    _event(db, actor, entry, "added", worker, now)
    _audit(db, actor, "added_for", entry, ticket, {"seconds": entry.seconds})
    _touch(db, ticket, now)
    db.commit()
    return entry.id


def record_entry(db: Session, actor: Actor, ticket: Ticket, entry: WorkEntry,
                 now: datetime) -> None:
    """A finished timer's entry (domain/worktime_timer.py): rate, event, live change, in
    the caller's transaction."""
    entry.organisation_id, entry.contract_id = ticket.organisation_id, ticket.contract_id
    rate_entry(db, entry)
    db.add(entry)
    db.flush()
    _event(db, actor, entry, "added", db.get(User, entry.user_id), now)
    _touch(db, ticket, now)


def edit_entry(db: Session, actor: Actor, entry_id: int, form: EntryForm, *,
               now: datetime | None = None) -> None:
    """Change an entry (one's own, or anyone's with "worktime.manage"; never a locked
    one). The worker stays. Commits."""
    now = now or utcnow()
    entry, ticket = _load(db, actor, entry_id)
    worker = db.get(User, entry.user_id)
    parsed = _parse(db, form, worker.timezone or actor.timezone, now)
    before = audit.snapshot(entry, _AUDITED)
    _apply(entry, parsed, form)
    entry.organisation_id, entry.contract_id = ticket.organisation_id, ticket.contract_id
    entry.updated_at = now
    rate_entry(db, entry)
    db.add(entry)
    changes = audit.changes(before, entry, _AUDITED)
    if not changes:
        db.rollback()
        return
    _event(db, actor, entry, "changed", worker, now)
    _audit(db, actor, "corrected", entry, ticket, changes)
    _touch(db, ticket, now)
    db.commit()


def delete_entry(db: Session, actor: Actor, entry_id: int, *,
                 now: datetime | None = None) -> None:
    """Remove an entry (same rules as a change). Commits."""
    now = now or utcnow()
    entry, ticket = _load(db, actor, entry_id)
    worker = db.get(User, entry.user_id)
    _event(db, actor, entry, "removed", worker, now)
    _audit(db, actor, "removed", entry, ticket,
           {"seconds": entry.seconds, "work_date": entry.work_date.isoformat()})
    db.delete(entry)
    _touch(db, ticket, now)
    db.commit()


# --------------------------------------------------------------------------- reads


def activity_types(db: Session, *, active_only: bool = True) -> list[ActivityType]:
    query = select(ActivityType).order_by(col(ActivityType.sort_order), col(ActivityType.id))
    if active_only:
        query = query.where(col(ActivityType.is_active).is_(True))
    return list(db.exec(query).all())


def entries_for(db: Session, actor: Actor, ticket_id: int, lang: str = "pl"
                ) -> list[EntryView]:
    """The work entries of a ticket the actor may read (staff: all; a subcontractor: their
    organisation's), newest work first."""
    ticket = access.require(actor, Action.VIEW, db.get(Ticket, ticket_id))
    if not (actor.is_staff or actor.is_subcontractor):
        raise Forbidden()
    rows = db.exec(select(WorkEntry, User.full_name)
                   .join(User, col(User.id) == col(WorkEntry.user_id))
                   .where(WorkEntry.ticket_id == ticket.id, access.work_scope(actor))
                   .order_by(col(WorkEntry.work_date).desc(),
                             col(WorkEntry.started_at).desc(), col(WorkEntry.id).desc())
                   ).all()
    names = {a.id: (a.name_pl if lang == "pl" else a.name_en)
             for a in activity_types(db, active_only=False)}
    may_log = access.can(actor, Action.LOG_WORK, ticket)
    return [EntryView(
        e.id, e.user_id, name, names.get(e.activity_type_id, ""), e.activity_type_id,
        e.work_date, e.started_at, e.ended_at, e.seconds, e.description, e.billable,
        e.on_site, e.after_hours, e.capped, e.billable_minutes, e.amount_minor, e.currency,
        e.locked_at is not None, e.lock_ref,
        may_log and e.locked_at is None and _may_change(actor, e)) for e, name in rows]


def can_log(db: Session, actor: Actor, ticket_id: int) -> bool:
    """Whether the actor may log work on the ticket (the panel's buttons)."""
    return access.can(actor, Action.LOG_WORK, db.get(Ticket, ticket_id))


def workers(db: Session, actor: Actor, ticket_id: int) -> list[tuple[int, str]]:
    """Whom a manager may log work for on this ticket: active staff, and the people of
    the subcontractor it is handed to. Empty for everyone else."""
    ticket = access.require(actor, Action.LOG_WORK, db.get(Ticket, ticket_id))
    if not manages(actor):
        return []
    who = col(User.role).in_(Role.STAFF)
    if ticket.handed_to_org_id is not None:
        who = or_(who, (User.role == Role.SUBCONTRACTOR)
                  & (User.organisation_id == ticket.handed_to_org_id))
    return [(u.id, u.full_name) for u in db.exec(
        select(User).where(col(User.is_active).is_(True), who)
        .order_by(col(User.full_name))).all()]


def totals_for(db: Session, actor: Actor, ticket_id: int) -> Totals:
    """Sums over the entries the actor may read (the ticket header's figures)."""
    ticket = access.require(actor, Action.VIEW, db.get(Ticket, ticket_id))
    if not (actor.is_staff or actor.is_subcontractor):
        raise Forbidden()
    billable = func.coalesce(func.sum(case((col(WorkEntry.billable), WorkEntry.seconds),
                                           else_=0)), 0)
    row = db.exec(select(
        func.count(), func.coalesce(func.sum(WorkEntry.seconds), 0), billable,
        func.coalesce(func.sum(WorkEntry.billable_minutes), 0),
        func.coalesce(func.sum(WorkEntry.amount_minor), 0), func.max(WorkEntry.currency))
        .where(WorkEntry.ticket_id == ticket.id, access.work_scope(actor))).one()
    return Totals(int(row[0]), int(row[1]), int(row[2]), int(row[3]), int(row[4]),
                  row[5] or "PLN")


# --------------------------------------------------------------------------- resolve gate


def requires_entry(db: Session, ticket: Ticket) -> bool:
    """Whether the ticket's queue or type asks for a work entry before resolving."""
    queue = db.get(Queue, ticket.queue_id) if ticket.queue_id else None
    ttype = db.get(TicketType, ticket.ticket_type_id) if ticket.ticket_type_id else None
    return bool((queue and queue.requires_work_entry) or (ttype and ttype.requires_work_entry))


def check_can_resolve(db: Session, ticket: Ticket) -> None:
    """Invalid('worktime.resolve_needs_entry') when the rule applies and nothing is
    logged (like the checklist gate; a running timer does not count until stopped)."""
    if not requires_entry(db, ticket):
        return
    logged = db.exec(select(WorkEntry.id).where(WorkEntry.ticket_id == ticket.id).limit(1)
                     ).first()
    if logged is None:
        raise Invalid("worktime.resolve_needs_entry")
