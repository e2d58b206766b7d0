"""SLA clocks of a ticket, derived from its history — plain Python, no reflex.

Two layers:

* `compute(inputs, now)` is **pure**: received instant, calendar, targets and the status
  history (as SLA effects) plus the first public agent response go in; due dates, state,
  business time used, the next instant the scheduler must look and an "Explain" structure
  come out. Nothing is carried over from an earlier computation, so changing contract,
  type, priority or calendar and computing again recomputes everything from history —
  paused time is never lost (GLPI's bug).
* `recompute_ticket(db, ticket_id, now)` loads those inputs from the database (ticket,
  ticket type + per-priority target, contract → calendar, status flags, STATUS/REPLY
  timeline events), runs `compute` and writes the Ticket SLA columns without committing.

Rules (what a reviewer or a client will ask about)
---------------------------------------------------
* Both clocks start at `calendar.clock_start(received_at)` (cut-off applied) and count
  business time only while the ticket is in a status whose `sla_effect` is "counts".
  "pauses" and "stops" statuses do not count. The engine never looks at status names.
* **Reaction clock** ends at the first public reply by an agent - staff or a subcontractor
  the ticket is handed to (an internal note, a client's reply, or the creation of the
  ticket by an agent on the phone do not count).
  A response before the clock start (e.g. after the cut-off) meets the target with 0 used.
* **Resolution clock** ends when the ticket enters a "stops" status. `resolved_at` is the
  first entry into the *current* run of stopping statuses (resolved → closed keeps the
  resolved instant). A reopen (stops → counts) continues the clock from what was used;
  the stopped time does not count.
* **Due instant** of a clock = the instant its target of business time is used up.
  **Breach**: while the clock runs, `now >= due`; for a clock that has stopped or paused,
  when it kept counting past the due instant (resolved at 16:30 with due 16:00 is
  breached even though no business time passed after 16:00: the deadline shown to people
  is an instant). Resolved exactly at the due instant is met. A breach is final: a clock
  that breached stays "breached" when later paused, resolved or answered.
* **Warning** point = the instant `warning_percent` % of the target is used (floor to a
  microsecond). Both clocks have one (the reaction clock only until the response).
  `warning_percent` outside 1–99 means no warning.
* **Paused** (ticket currently in a pausing status, clock not breached): the clock's due
  and warning instants are `None` (they depend on when the clock resumes); `remaining`
  holds the business time left. Lists sort paused tickets with the nulls.
* **Finished** clock (answered / resolved) that did not breach: `due_at` is the deadline
  as it stood at the finish instant (the finish instant plus the remaining business
  time), so the ticket page can still show "due … — met".
* Non-positive targets mean "no target". No target on either clock: state "none".
* **Overall state** (`SlaResult.state`): "none" (no targets) → "breached" (any clock
  breached; `breached_clock` names the one whose deadline passed first, "reaction" or
  "resolution") → "met" (no clock with a target still running) → "paused" → "warning"
  (any running clock past its warning point) → "running".
* `next_check_at`: over the clocks still running and not breached, the earliest of
  "warning point if not reached yet, else due point"; `None` when paused, stopped or
  without targets. After a reaction breach the resolution clock's points remain, so the
  scheduler also sees the resolution warning and breach.
* History after `now` is ignored (the result is "as of now"). Transitions are sorted by
  instant, ties keep their order (the later one wins). Before the first transition the
  ticket counts.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from helpdesk_app.domain import tx_cache, workflow
from helpdesk_app.domain.calendars import BusinessCalendar, CalendarSpec, Window, get_calendar
from helpdesk_app.domain.errors import NotFound
from helpdesk_app.models import BusinessCalendar as CalendarRow
from helpdesk_app.models import (
    CalendarClosedDate,
    CalendarWindow,
    Contract,
    EventKind,
    Role,
    SlaEffect,
    Ticket,
    TicketType,
    TicketTypeTarget,
    TimelineEvent,
    User,
)

NONE, RUNNING, WARNING, BREACHED, PAUSED, MET = (
    "none", "running", "warning", "breached", "paused", "met")
STATES = (NONE, RUNNING, WARNING, BREACHED, PAUSED, MET)
REACTION, RESOLUTION = "reaction", "resolution"

_ZERO = timedelta(0)


# ---------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Targets:
    """A ticket's targets after the per-priority override was applied."""

    reaction: timedelta | None = None
    resolution: timedelta | None = None
    warning_percent: int | None = 75


def resolve_targets(reaction_minutes: int | None, resolution_minutes: int | None,
                    warning_percent: int | None, priority: int,
                    overrides: Mapping[int, tuple[int | None, int | None]] | None = None,
                    ) -> Targets:
    """The ticket type's targets, overridden for `priority` by `overrides[priority]` =
    (reaction minutes, resolution minutes). A `None` inside an override inherits the
    type's value; a non-positive value means "no target"."""
    override = (overrides or {}).get(priority)
    if override is not None:
        reaction_minutes = override[0] if override[0] is not None else reaction_minutes
        resolution_minutes = override[1] if override[1] is not None else resolution_minutes

    def minutes(n: int | None) -> timedelta | None:
        return timedelta(minutes=n) if n is not None and n > 0 else None

    return Targets(minutes(reaction_minutes), minutes(resolution_minutes), warning_percent)


@dataclass(frozen=True)
class SlaInputs:
    received_at: datetime  # the ticket's created_at
    calendar: BusinessCalendar | None  # None: no contract, nothing is measured
    # (instant, SlaEffect) per status change, starting with the initial status at received_at
    transitions: Sequence[tuple[datetime, str]] = ()
    reaction: timedelta | None = None
    resolution: timedelta | None = None
    warning_percent: int | None = 75
    first_response_at: datetime | None = None  # first public reply by an agent
    priority: int | None = None  # for the explanation only: targets are already resolved

    @classmethod
    def with_targets(cls, targets: Targets, **kw) -> SlaInputs:
        return cls(reaction=targets.reaction, resolution=targets.resolution,
                   warning_percent=targets.warning_percent, **kw)


# ---------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ClockResult:
    """One clock (reaction or resolution)."""

    state: str  # none / running / warning / breached / paused / met
    target: timedelta | None
    used: timedelta  # business time counted so far (up to now or the finish)
    remaining: timedelta | None  # target - used, never negative; None without target
    due_at: datetime | None  # see the module rules (None while paused)
    warning_at: datetime | None
    finished_at: datetime | None  # response / resolution instant (None while running)


@dataclass(frozen=True)
class Segment:
    """A stretch of the status history in one SLA effect."""

    start: datetime
    end: datetime | None  # None: still in it
    effect: str
    counted: timedelta  # business time this stretch added to the resolution clock


@dataclass(frozen=True)
class Explanation:
    """How the due dates were computed, for the ticket's "Explain" view."""

    timezone: str
    received_at: datetime
    clock_start: datetime
    cutoff: time | None
    cutoff_applied: bool  # clock start moved to the next business day by the cut-off
    priority: int | None
    reaction_target: timedelta | None
    resolution_target: timedelta | None
    warning_percent: int | None
    segments: tuple[Segment, ...]
    pauses: tuple[tuple[datetime, datetime | None], ...]
    # holidays and closures between the clock start and the later of now / the due dates
    closed_days: tuple[tuple[date, str], ...]
    # working intervals the running resolution clock will use from now until it is due
    remaining_windows: tuple[tuple[datetime, datetime], ...]


@dataclass(frozen=True)
class SlaResult:
    state: str
    breached_clock: str | None  # "reaction" / "resolution": whose deadline passed first
    reaction_due_at: datetime | None
    resolution_due_at: datetime | None
    minutes_used: int  # business minutes on the resolution clock (floor)
    remaining: timedelta | None  # business time left on the resolution clock
    paused_since: datetime | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    next_check_at: datetime | None
    reaction: ClockResult
    resolution: ClockResult
    explain: Explanation | None = field(default=None, compare=False)
    # business minutes until the first response (floor); None: unanswered or no calendar
    first_response_minutes: int | None = None


# ---------------------------------------------------------------------------- the core


def _history(inputs: SlaInputs, now: datetime) -> list[tuple[datetime, datetime | None, str]]:
    """Status history as merged (start, end or None, effect) stretches up to `now`."""
    received = inputs.received_at
    points: list[tuple[datetime, str]] = [(received, SlaEffect.COUNTS)]
    for at, effect in sorted(inputs.transitions, key=lambda t: t[0]):
        if effect not in SlaEffect.ALL:
            raise ValueError(f"unknown SLA effect {effect!r}")
        if at > now:
            continue
        at = max(at, received)
        if points[-1][0] == at:  # same instant: the later transition wins
            points[-1] = (at, effect)
        else:
            points.append((at, effect))
    merged: list[tuple[datetime, str]] = []
    for at, effect in points:
        if not merged or merged[-1][1] != effect:
            merged.append((at, effect))
    return [(a, merged[i + 1][0] if i + 1 < len(merged) else None, e)
            for i, (a, e) in enumerate(merged)]


def pause_periods(inputs: SlaInputs, now: datetime) -> tuple[tuple[datetime, datetime | None], ...]:
    """When the ticket sat in a pausing status, up to `now`: (start, end or None while it
    still does). Wall-clock periods from the status history alone, so they exist without a
    calendar too; the header sums them and the timeline shows each (issue 14)."""
    return tuple((a, b) for a, b, effect in _history(inputs, now) if effect == SlaEffect.PAUSES)


def _threshold(target: timedelta, percent: int | None) -> timedelta | None:
    if percent is None or not 0 < percent < 100:
        return None
    return target * percent // 100


def _clock(cal: BusinessCalendar, start: datetime, history, now: datetime,
           target: timedelta | None, percent: int | None, finished_at: datetime | None,
           current: str) -> tuple[ClockResult, list[timedelta]]:
    """Run one clock over the counting stretches of `history`, clipped to
    [start, finished_at). `current` is the effect the ticket is in now (for a clock
    that is not finished). Also returns the business time counted per stretch."""
    warn = _threshold(target, percent) if target is not None else None
    used = _ZERO
    due = warn_at = None
    breached = False
    counted: list[timedelta] = []
    for a, b, effect in history:
        if effect != SlaEffect.COUNTS:
            counted.append(_ZERO)
            continue
        a = max(a, start)
        if finished_at is not None and (b is None or finished_at < b):
            b = finished_at
        if b is not None and b <= a:
            counted.append(_ZERO)
            continue
        ongoing = b is None
        length = cal.between(a, now if ongoing else b)
        if target is not None:
            if due is not None:
                breached = True  # the clock counted again after its due instant
            else:
                if warn is not None and warn_at is None and (ongoing or used + length >= warn):
                    warn_at = cal.add(a, warn - used)
                if ongoing or used + length >= target:
                    due = cal.add(a, target - used)
                    breached = now >= due if ongoing else due < b
        used += length
        counted.append(length)

    if target is None:
        return ClockResult(NONE, None, used, None, None, None, finished_at), counted
    remaining = max(target - used, _ZERO)
    if breached:
        state = BREACHED
    elif finished_at is not None or current == SlaEffect.STOPS:
        state = MET
        if due is None:  # the deadline as it stood when the clock stopped
            stopped_at = finished_at if finished_at is not None else history[-1][0]
            due = cal.add(max(stopped_at, start), remaining)
    elif current == SlaEffect.PAUSES:
        state, due, warn_at = PAUSED, None, None
    else:
        state = WARNING if warn_at is not None and now >= warn_at else RUNNING
    return ClockResult(state, target, used, remaining, due, warn_at, finished_at), counted


def compute(inputs: SlaInputs, now: datetime, *, explain: bool = True) -> SlaResult:
    """The SLA of one ticket as of `now`, derived from `inputs` alone (module rules)."""
    if now.tzinfo is None or inputs.received_at.tzinfo is None:
        raise ValueError("naive datetime: pass timezone-aware (UTC) datetimes")
    for name in ("reaction", "resolution"):
        value = getattr(inputs, name)
        if value is not None and not isinstance(value, timedelta):
            raise TypeError(f"{name} target must be a timedelta")
    reaction_target = inputs.reaction if inputs.reaction and inputs.reaction > _ZERO else None
    resolution_target = (inputs.resolution if inputs.resolution and inputs.resolution > _ZERO
                         else None)

    history = _history(inputs, now)
    current = history[-1][2]
    paused_since = history[-1][0] if current == SlaEffect.PAUSES else None
    resolved_at = history[-1][0] if current == SlaEffect.STOPS else None
    response = inputs.first_response_at
    if response is not None and response > now:
        response = None
    cal = inputs.calendar

    if cal is None:
        none = ClockResult(NONE, None, _ZERO, None, None, None, None)
        return SlaResult(NONE, None, None, None, 0, None, paused_since, response,
                         resolved_at, None, none, none, None)

    start = cal.clock_start(inputs.received_at)
    reaction, _ = _clock(cal, start, history, now, reaction_target, inputs.warning_percent,
                         response, current)
    resolution, counted = _clock(cal, start, history, now, resolution_target,
                                 inputs.warning_percent, resolved_at, current)

    clocks = {REACTION: reaction, RESOLUTION: resolution}
    with_target = [c for c in clocks.values() if c.state != NONE]
    breached = [(c.due_at, name) for name, c in clocks.items() if c.state == BREACHED]
    active = [c for c in with_target if c.state in (RUNNING, WARNING, PAUSED)]
    if not with_target:
        state = NONE
    elif breached:
        state = BREACHED
    elif not active:
        state = MET
    elif current == SlaEffect.PAUSES:
        state = PAUSED
    elif any(c.state == WARNING for c in active):
        state = WARNING
    else:
        state = RUNNING
    breached_clock = min(breached)[1] if breached else None

    checks = [
        c.warning_at if c.warning_at is not None and now < c.warning_at else c.due_at
        for c in clocks.values() if c.state in (RUNNING, WARNING)
    ]
    next_check = min((t for t in checks if t is not None), default=None)

    result = SlaResult(
        state=state,
        breached_clock=breached_clock,
        reaction_due_at=reaction.due_at,
        resolution_due_at=resolution.due_at,
        minutes_used=int(resolution.used // timedelta(minutes=1)),
        remaining=resolution.remaining,
        paused_since=paused_since,
        first_response_at=response,
        resolved_at=resolved_at,
        next_check_at=next_check,
        reaction=reaction,
        resolution=resolution,
        first_response_minutes=(None if response is None
                                else int(reaction.used // timedelta(minutes=1))),
    )
    if not explain:
        return result
    return _with_explanation(result, inputs, cal, start, history, counted, now)


def _with_explanation(result: SlaResult, inputs: SlaInputs, cal: BusinessCalendar,
                      start: datetime, history, counted: list[timedelta],
                      now: datetime) -> SlaResult:
    segments = tuple(Segment(a, b, e, n) for (a, b, e), n in zip(history, counted, strict=True))
    pauses = tuple((s.start, s.end) for s in segments if s.effect == SlaEffect.PAUSES)
    until = max([now] + [t for t in (result.reaction_due_at, result.resolution_due_at)
                         if t is not None])
    closed = tuple(cal.closed_days_between(start, until)) if until >= start else ()
    res = result.resolution
    windows: tuple[tuple[datetime, datetime], ...] = ()
    if res.state in (RUNNING, WARNING) and res.remaining:
        windows = tuple(cal.explain(max(now, start), res.remaining))
    explanation = Explanation(
        timezone=cal.spec.timezone,
        received_at=inputs.received_at,
        clock_start=start,
        cutoff=cal.spec.cutoff,
        cutoff_applied=start != cal.next_open(inputs.received_at),
        priority=inputs.priority,
        reaction_target=result.reaction.target,
        resolution_target=res.target,
        warning_percent=inputs.warning_percent,
        segments=segments,
        pauses=pauses,
        closed_days=closed,
        remaining_windows=windows,
    )
    return replace(result, explain=explanation)


# ---------------------------------------------------------------------------- database

_SPEC_CACHE: dict[tuple[str, int, datetime, int], CalendarSpec] = {}
_SPEC_CACHE_MAX = 256
_spec_lock = threading.Lock()


def spec_for_calendar(db: Session, calendar_id: int) -> CalendarSpec:
    """The `CalendarSpec` of a calendar row, cached by database, id, creation instant and
    version: every change to a calendar, its windows or closed dates bumps
    `BusinessCalendar.version` (domain/contracts.py), and the database and creation instant
    keep a re-created row with a reused id (SQLite) or another database from hitting it."""
    # populate_existing: a session that loaded this row before an admin edited the calendar
    # in another session must see the new version, or the cache would serve the old spec.
    row = db.get(CalendarRow, calendar_id, populate_existing=True)
    if row is None:
        raise NotFound("calendar.not_found")
    key = (str(db.get_bind().url), row.id, row.created_at, row.version)
    spec = _SPEC_CACHE.get(key)
    if spec is not None:
        return spec
    windows = db.exec(
        select(CalendarWindow).where(CalendarWindow.calendar_id == row.id)
        .order_by(col(CalendarWindow.weekday), col(CalendarWindow.start))
    ).all()
    closed = db.exec(
        select(CalendarClosedDate.day).where(CalendarClosedDate.calendar_id == row.id)
    ).all()
    spec = CalendarSpec(
        timezone=row.timezone,
        windows=tuple(Window(w.weekday, w.start, w.end) for w in windows),
        always_open=row.always_open,
        holiday_country=row.holiday_country or None,
        closed_dates=frozenset(closed),
        cutoff=row.cutoff,
    )
    with _spec_lock:
        if len(_SPEC_CACHE) >= _SPEC_CACHE_MAX:
            _SPEC_CACHE.clear()
        _SPEC_CACHE[key] = spec
    return spec


def _targets(db: Session, ticket: Ticket) -> Targets | None:
    if ticket.contract_id is None or ticket.ticket_type_id is None:
        return None
    return tx_cache.cached(
        db, ("sla.targets", ticket.contract_id, ticket.ticket_type_id, ticket.priority),
        lambda: _load_targets(db, ticket), scope="batch")


def _load_targets(db: Session, ticket: Ticket) -> Targets | None:
    ttype = db.get(TicketType, ticket.ticket_type_id)
    # A type belongs to one contract; a type from another contract applies nothing.
    if ttype is None or ttype.contract_id != ticket.contract_id:
        return None
    override = db.exec(
        select(TicketTypeTarget).where(TicketTypeTarget.ticket_type_id == ttype.id,
                                       TicketTypeTarget.priority == ticket.priority)
    ).first()
    overrides = ({ticket.priority: (override.reaction_minutes, override.resolution_minutes)}
                 if override else None)
    return resolve_targets(ttype.reaction_minutes, ttype.resolution_minutes,
                           ttype.warning_percent, ticket.priority, overrides)


def _contract_calendar(db: Session, contract_id: int) -> BusinessCalendar | None:
    contract = db.get(Contract, contract_id)
    if contract is None:
        return None
    return get_calendar(spec_for_calendar(db, contract.calendar_id))


@dataclass(frozen=True)
class History:
    """What a ticket's SLA reads from its timeline: status changes (time, event data) in
    order, and the first public staff reply."""

    changes: list[tuple[datetime, Any]]
    first_response_at: datetime | None


def _status_changes(ticket_ids: Sequence[int]):
    return (select(TimelineEvent.ticket_id, TimelineEvent.created_at, TimelineEvent.data)
            .where(col(TimelineEvent.ticket_id).in_(ticket_ids),
                   TimelineEvent.kind == EventKind.STATUS)
            .order_by(col(TimelineEvent.ticket_id), col(TimelineEvent.created_at),
                      col(TimelineEvent.id)))


def first_responses(ticket_ids: Sequence[int]) -> Any:
    """(ticket id, first public agent reply) per ticket: the one rule, recompute uses it."""
    return (select(TimelineEvent.ticket_id, func.min(TimelineEvent.created_at))
            .join(User, col(User.id) == col(TimelineEvent.author_id))
            .where(col(TimelineEvent.ticket_id).in_(ticket_ids),
                   TimelineEvent.kind == EventKind.REPLY,
                   col(TimelineEvent.is_public).is_(True), col(User.role).in_(Role.AGENTS))
            .group_by(TimelineEvent.ticket_id))


def load_history(db: Session, ticket_ids: Sequence[int]) -> dict[int, History]:
    """The SLA history of many tickets in two queries (the sweep reads a whole batch)."""
    changes: dict[int, list[tuple[datetime, Any]]] = {t: [] for t in ticket_ids}
    if not changes:
        return {}
    for ticket_id, at, data in db.exec(_status_changes(list(changes))).all():
        changes[ticket_id].append((at, data))
    first = dict(db.exec(first_responses(list(changes))).all())
    return {t: History(rows, first.get(t)) for t, rows in changes.items()}


def load_inputs(db: Session, ticket: Ticket, *, new: bool = False,
                history: History | None = None) -> SlaInputs:
    """Everything `compute` needs for `ticket`, read from the database. `new`: the ticket
    was created in this transaction, so it has no status changes or replies to read.
    `history`: its timeline as load_history read it (nothing is read again)."""
    if new:
        history = History([], None)
    elif history is None:
        history = load_history(db, [ticket.id])[ticket.id]
    effects = {s.key: s.sla_effect for s in workflow.all_statuses(db).values()}

    def effect(key: object) -> str:
        # A status that no longer exists counts (the conservative reading for the client).
        found = effects.get(key) if isinstance(key, str) else None
        return found if found in SlaEffect.ALL else SlaEffect.COUNTS

    changes = history.changes
    initial = (changes[0][1] or {}).get("old") if changes else ticket.status
    transitions = [(ticket.created_at, effect(initial))]
    transitions += [(at, effect((data or {}).get("new"))) for at, data in changes]
    first_response = history.first_response_at

    targets = _targets(db, ticket)
    contract_id = ticket.contract_id
    calendar = None if contract_id is None else tx_cache.cached(
        db, ("sla.calendar", contract_id), lambda: _contract_calendar(db, contract_id),
        scope="batch")
    return SlaInputs.with_targets(
        targets or Targets(warning_percent=None),
        received_at=ticket.created_at, calendar=calendar, transitions=transitions,
        first_response_at=first_response, priority=ticket.priority,
    )


# The Ticket columns an SLA recompute writes (one-by-one here, in bulk in sla_recompute).
STORED_COLUMNS = ("first_response_at", "resolved_at", "reaction_due_at", "resolution_due_at",
                  "sla_state", "sla_paused_since", "sla_minutes_used", "sla_next_check_at",
                  "first_response_minutes")


def stored_columns(result: SlaResult, now: datetime) -> dict[str, Any]:
    """The Ticket column values for `result`."""
    return {
        "first_response_at": result.first_response_at,
        "resolved_at": result.resolved_at,
        "reaction_due_at": result.reaction_due_at,
        "resolution_due_at": result.resolution_due_at,
        "sla_state": result.state,
        "sla_paused_since": result.paused_since,
        "sla_minutes_used": result.minutes_used,
        "first_response_minutes": result.first_response_minutes,  # the reports' medians
        # A user edit can carry a clock past its warning or due point at once (a priority
        # change, a pause after an unseen breach); the scheduler must still record that
        # alert, so such a ticket is due for a sweep now. The sweep sets the real next point.
        "sla_next_check_at": (now if result.state in (WARNING, BREACHED)
                              else result.next_check_at),
    }


def recompute_ticket(db: Session, ticket_id: int, now: datetime, *,
                     explain: bool = False, new: bool = False,
                     history: History | None = None) -> SlaResult:
    """Recompute a ticket's SLA from its history and write the Ticket SLA columns.
    Flushes, never commits: the caller's transaction commits. Does not touch
    `version`/`updated_at` (an SLA recompute is not an edit that should conflict).
    `new`: the ticket was created in this transaction (see load_inputs)."""
    ticket = db.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound("ticket.not_found")
    result = apply(db, ticket, now, explain=explain, new=new, history=history)
    db.add(ticket)
    db.flush()
    return result


def apply(db: Session, ticket: Ticket, now: datetime, *, explain: bool = False,
          new: bool = False, history: History | None = None) -> SlaResult:
    """Compute `ticket`'s SLA and set its SLA columns (no flush). With `new` the ticket
    may not be in the database yet (its deadlines then go into its INSERT)."""
    result = compute(load_inputs(db, ticket, new=new, history=history), now,
                     explain=explain)
    for name, value in stored_columns(result, now).items():
        setattr(ticket, name, value)
    return result


def choose_contract(db: Session, organisation_id: int, on: date) -> Contract | None:
    """The organisation's one contract valid on `on` (both ends inclusive); None when
    there is none or more than one (then someone must pick)."""
    found = db.exec(
        select(Contract).where(
            Contract.organisation_id == organisation_id,
            col(Contract.valid_from) <= on,
            (col(Contract.valid_to).is_(None)) | (col(Contract.valid_to) >= on),
        ).order_by(col(Contract.id)).limit(2)
    ).all()
    return found[0] if len(found) == 1 else None
