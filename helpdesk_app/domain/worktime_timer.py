"""The work timer (issue 14): start, pause, resume, stop — one timer per person.

- The timer is a database row keyed by the person (`WorkTimer.user_id`), so there is at
  most one, and it survives a reload, another tab and a restart. Its closed spans are kept
  (`spans`), the open one runs from `running_since` (None: paused).
- Starting on another ticket first stops the running one (its entry is written): a person
  works on one thing at a time, and nothing is lost.
- Stopping writes a WorkEntry with the spans worked (rated like any entry; its work date
  is the local date of the first start). Less than a minute of work writes nothing.
- A forgotten timer is capped: once its worked time reaches the cap
  (POMOCNIK_TIMER_CAP_HOURS, default 10), the scheduler's sweep (or the next look at it)
  stops it at the instant the cap was reached and flags the entry `capped` ("to review";
  an edit clears the flag). Only worked time counts: a paused timer is never capped.
- Every change publishes the person's timer topic: their other tabs follow at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from helpdesk_app.config import get_settings
from helpdesk_app.domain import access, audit, worktime
from helpdesk_app.domain import worktime_parsing as parsing
from helpdesk_app.domain.access import Action
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import Conflict, Invalid
from helpdesk_app.live.bus import queue_timer_change
from helpdesk_app.models import ActivityType, Ticket, User, WorkEntry, WorkTimer
from helpdesk_app.models.base import utcnow

MIN_SECONDS = 60


@dataclass(frozen=True)
class TimerView:
    ticket_id: int
    number: str
    subject: str
    started_at: datetime
    running_since: datetime | None  # None: paused
    worked_seconds: int  # closed spans (the open one counts from running_since)
    activity_type_id: int | None
    description: str

    @property
    def running(self) -> bool:
        return self.running_since is not None

    def seconds_at(self, now: datetime) -> int:
        extra = (now - self.running_since).total_seconds() if self.running_since else 0
        return self.worked_seconds + int(max(0, extra))


def _whole(now: datetime) -> datetime:
    """Timer instants are whole seconds (what rating.py splits exactly)."""
    return now.replace(microsecond=0)


def cap() -> timedelta:
    return timedelta(hours=get_settings().timer_cap_hours)


def _closed(timer: WorkTimer) -> list[tuple[datetime, datetime]]:
    return [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in timer.spans]


def _worked(timer: WorkTimer, now: datetime) -> timedelta:
    done = sum(((b - a) for a, b in _closed(timer)), timedelta())
    return done + (now - timer.running_since if timer.running_since else timedelta())


def _view(db: Session, timer: WorkTimer) -> TimerView:
    ticket = db.get(Ticket, timer.ticket_id)
    worked = int(sum((b - a).total_seconds() for a, b in _closed(timer)))
    return TimerView(timer.ticket_id, ticket.number if ticket else "",
                     ticket.subject if ticket else "", timer.started_at, timer.running_since,
                     worked, timer.activity_type_id, timer.description)


def current(db: Session, actor: Actor, now: datetime | None = None) -> TimerView | None:
    """The actor's timer (capping it first if it was forgotten), or None."""
    now = _whole(now or utcnow())
    timer = db.get(WorkTimer, actor.user_id, populate_existing=True)
    if timer is None:
        return None
    if timer.running_since is not None and _worked(timer, now) >= cap():
        try:
            _cap(db, timer, now)
            db.commit()
        except Conflict:  # the sweep got there first
            pass
        return None
    return _view(db, timer)


def _publish(db: Session, user_id: int) -> None:
    queue_timer_change(db, user_id)


def start(db: Session, actor: Actor, ticket_id: int, *, now: datetime | None = None
          ) -> int | None:
    """Start (or resume) the actor's timer on a ticket they may log work on. A timer on
    another ticket is stopped first; returns the id of the entry that wrote, if any.
    Commits."""
    now = _whole(now or utcnow())
    ticket = access.require(actor, Action.LOG_WORK, db.get(Ticket, ticket_id))
    timer = db.get(WorkTimer, actor.user_id, populate_existing=True)
    written = None
    if timer is not None and timer.ticket_id != ticket.id:
        written = _stop(db, actor, timer, now)
        timer = None
    if timer is None:
        db.add(WorkTimer(user_id=actor.user_id, ticket_id=ticket.id, started_at=now,
                         running_since=now, spans=[], updated_at=now))
    elif timer.running_since is None:
        _save(db, timer, running_since=now, updated_at=now)
    try:
        _publish(db, actor.user_id)
        db.commit()
    except IntegrityError:  # another tab started one meanwhile: that one stands
        db.rollback()
        raise Conflict("worktime.timer_changed") from None
    return written


def _save(db: Session, timer: WorkTimer, **values) -> None:
    """Change the timer only if nobody else did since it was read (two tabs clicking at
    once: one wins, the other gets Conflict and re-reads)."""
    db.expunge(timer)
    done = db.execute(update(WorkTimer).where(
        col(WorkTimer.user_id) == timer.user_id,
        col(WorkTimer.updated_at) == timer.updated_at).values(**values))
    if done.rowcount != 1:
        db.rollback()
        raise Conflict("worktime.timer_changed")


def pause(db: Session, actor: Actor, *, now: datetime | None = None) -> None:
    """Close the running span (nothing to pause: Invalid). Commits."""
    now = _whole(now or utcnow())
    timer = db.get(WorkTimer, actor.user_id, populate_existing=True)
    if timer is None or timer.running_since is None:
        raise Invalid("worktime.timer_not_running")
    _save(db, timer, spans=[*timer.spans, [timer.running_since.isoformat(), now.isoformat()]],
          running_since=None, updated_at=now)
    _publish(db, actor.user_id)
    db.commit()


def set_details(db: Session, actor: Actor, activity_type_id: int | None,
                description: str) -> None:
    """What the running timer's entry will say (activity, description). Commits."""
    timer = db.get(WorkTimer, actor.user_id, populate_existing=True)
    if timer is None:
        raise Invalid("worktime.timer_not_running")
    activity = worktime.activity(db, activity_type_id)
    _save(db, timer, activity_type_id=activity.id if activity else None,
          description=worktime.description(description), updated_at=utcnow())
    _publish(db, actor.user_id)
    db.commit()


def stop(db: Session, actor: Actor, *, now: datetime | None = None) -> int | None:
    """Stop the timer and write its entry (None when under a minute was worked).
    Commits."""
    now = _whole(now or utcnow())
    timer = db.get(WorkTimer, actor.user_id, populate_existing=True)
    if timer is None:
        raise Invalid("worktime.timer_not_running")
    written = _stop(db, actor, timer, now)
    db.commit()
    return written


def discard(db: Session, actor: Actor) -> None:
    """Throw the timer away without an entry. Commits."""
    timer = db.get(WorkTimer, actor.user_id, populate_existing=True)
    if timer is not None:
        _claim(db, timer)
        _publish(db, actor.user_id)
        db.commit()


def _claim(db: Session, timer: WorkTimer) -> None:
    """Delete the timer as read (exactly once: a racing stop, tab or sweep gets Conflict)."""
    db.expunge(timer)
    gone = db.execute(delete(WorkTimer).where(col(WorkTimer.user_id) == timer.user_id,
                                              col(WorkTimer.updated_at) == timer.updated_at))
    if gone.rowcount != 1:
        db.rollback()
        raise Conflict("worktime.timer_changed")


def _stop(db: Session, actor: Actor, timer: WorkTimer, now: datetime, *,
          capped: bool = False) -> int | None:
    """Turn the timer into an entry in the caller's transaction (no commit)."""
    spans = _closed(timer)
    if timer.running_since is not None:
        spans.append((timer.running_since, now))
    spans = [(_whole(a), _whole(b)) for a, b in spans]
    spans = [(a, b) for a, b in spans if b > a]
    seconds = int(sum((b - a).total_seconds() for a, b in spans))
    ticket = db.get(Ticket, timer.ticket_id)
    user = db.get(User, timer.user_id)
    _claim(db, timer)
    _publish(db, timer.user_id)
    if seconds < MIN_SECONDS or ticket is None or user is None:
        return None
    activity = db.get(ActivityType, timer.activity_type_id) if timer.activity_type_id else None
    entry = WorkEntry(
        ticket_id=ticket.id, user_id=user.id, organisation_id=ticket.organisation_id,
        contract_id=ticket.contract_id, activity_type_id=timer.activity_type_id,
        work_date=parsing.local_date(spans[0][0], user.timezone or "Europe/Warsaw"),
        started_at=spans[0][0], ended_at=spans[-1][1],
        spans=[[a.isoformat(), b.isoformat()] for a, b in spans] if len(spans) > 1 else None,
        seconds=seconds, description=timer.description,
        billable=activity.billable if activity else True,
        on_site=activity.on_site if activity else False, capped=capped,
        created_by_id=actor.user_id, created_at=now, updated_at=now)
    worktime.record_entry(db, actor, ticket, entry, now)
    return entry.id


def _cap(db: Session, timer: WorkTimer, now: datetime) -> int | None:
    """Stop a forgotten timer at the instant its worked time reached the cap."""
    reached = timer.running_since + (cap() - _worked(timer, timer.running_since))
    user = db.get(User, timer.user_id)
    owner = Actor.from_user(user)
    entry_id = _stop(db, owner, timer, min(now, reached), capped=True)
    if entry_id is not None:
        ticket = db.get(Ticket, timer.ticket_id) or db.get(
            Ticket, db.get(WorkEntry, entry_id).ticket_id)
        audit.record(db, None, "worktime.timer_capped",
                     target=audit.Target("ticket", ticket.id, ticket.number),
                     details={"entry": entry_id, "user": user.id,
                              "hours": get_settings().timer_cap_hours})
    return entry_id


def sweep(db: Session, now: datetime) -> int:
    """The scheduler's pass: cap every forgotten timer (commits each). Returns how many."""
    now = _whole(now)
    capped = 0
    oldest = now - cap()
    # only running timers first started before now - cap can have worked that long
    for user_id in db.exec(select(WorkTimer.user_id).where(
            col(WorkTimer.running_since).is_not(None),
            col(WorkTimer.started_at) <= oldest)).all():
        timer = db.get(WorkTimer, user_id, populate_existing=True)
        if timer is None or timer.running_since is None or _worked(timer, now) < cap():
            continue
        try:
            _cap(db, timer, now)
        except Conflict:  # the owner (or a racing sweep) got there first
            continue
        db.commit()
        capped += 1
    return capped
