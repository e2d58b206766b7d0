"""Starting and ending substitutions at their boundaries (issue 13), and what a substitute's
work leaves on ticket timelines.

Exactly once: each transition is ONE conditional UPDATE (`... SET state='active' WHERE
state='scheduled' AND starts_at <= now RETURNING ...`); whatever it returned is this
caller's to announce, and a second scheduler racing on the same rows gets nothing back
(SQLite serialises writers; on PostgreSQL the row lock makes the loser re-check the WHERE
and skip). The audit entries, timeline events and live changes are written in the same
transaction, so they exist exactly when the transition does. Catch-up after downtime is
the same query: everything whose boundary passed, however long ago (a substitution whose
whole period passed while the app was down is started and ended in one pass: two audit
entries, nothing else to undo).

Timeline rule: a substitution lands on a ticket only where the substitute acted. The first
reply, note or header edit a substitute makes on a ticket assigned to a colleague they
cover (`note_action`) adds an internal "X works on this on behalf of Y" event just before
their own, and remembers the ticket (`substitution_ticket`). When that substitution ends
(or is cancelled while in force), each remembered ticket gets "substitution ended". In a
chain (A → B → C, C working on A's ticket) the events belong to A's substitution: the
ticket is A's, and it is A's return that ends the arrangement for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from helpdesk_app.domain import audit, substitution_cover
from helpdesk_app.domain.actor import Actor
from helpdesk_app.live.bus import queue_access_change, queue_change, queue_user_change
from helpdesk_app.models import (
    EventKind,
    Substitution,
    SubstitutionState,
    SubstitutionTicket,
    Ticket,
    TimelineEvent,
    User,
)

_TABLE = Substitution.__table__
_RETURNED = (_TABLE.c.id, _TABLE.c.absent_id, _TABLE.c.substitute_id, _TABLE.c.starts_at,
             _TABLE.c.ends_at)


@dataclass
class PassResult:
    """What one scheduler pass did."""

    started: list[int] = field(default_factory=list)
    ended: list[int] = field(default_factory=list)
    timeline_events: int = 0


@dataclass(frozen=True)
class _Row:
    id: int
    absent_id: int
    substitute_id: int
    starts_at: datetime
    ends_at: datetime


def _rows(result) -> list[_Row]:
    return [_Row(*r) for r in result.all()]


def _names(db: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return dict(db.exec(select(User.id, User.full_name).where(col(User.id).in_(wanted))).all())


def _audit(db: Session, actor: Actor | None, action: str, rows: list[_Row],
           names: dict[int, str]) -> None:
    audit.record_many(db, actor, action, [
        (audit.Target("substitution", r.id, label(names, r)),
         {"absent": names.get(r.absent_id, ""), "substitute": names.get(r.substitute_id, ""),
          "starts_at": r.starts_at, "ends_at": r.ends_at})
        for r in rows])


def label(names: dict[int, str], row: _Row | Substitution) -> str:
    """"Absent → Substitute" for audit targets."""
    return f"{names.get(row.absent_id, '?')} → {names.get(row.substitute_id, '?')}"


def _concerned(db: Session, rows: list[_Row], now: datetime) -> set[int]:
    """Whose view of tickets changes: each substitute and whoever covers them in turn
    (a chain A → B → C: C's view changes when A → B starts or ends)."""
    people = {r.substitute_id for r in rows}
    frontier = set(people)
    for _ in range(substitution_cover.MAX_DEPTH):
        found = substitution_cover.away_many(db, frontier, now)
        frontier = {a.substitute_id for a in found.values()} - people
        if not frontier:
            break
        people |= frontier
    return people


def _announce(db: Session, rows: list[_Row], now: datetime) -> None:
    people = _concerned(db, rows, now)
    queue_access_change(db, *people)  # their lists and ticket pages re-query
    queue_user_change(db, *people)  # and their bells recount (ticket visibility changed)


def start_due(db: Session, now: datetime, *, ids: Iterable[int] | None = None,
              actor: Actor | None = None) -> list[int]:
    """Start every scheduled substitution whose start has come (or only `ids`). Writes in
    the caller's transaction (never commits). Returns the ids this call started."""
    query = (update(_TABLE)
             .where(_TABLE.c.state == SubstitutionState.SCHEDULED, _TABLE.c.starts_at <= now)
             .values(state=SubstitutionState.ACTIVE, started_at=now)
             .returning(*_RETURNED))
    if ids is not None:
        query = query.where(_TABLE.c.id.in_(sorted(set(ids))))
    rows = _rows(db.execute(query))
    if rows:
        names = _names(db, [p for r in rows for p in (r.absent_id, r.substitute_id)])
        _audit(db, actor, "substitution.started", rows, names)
        _announce(db, rows, now)
    return [r.id for r in rows]


def end_due(db: Session, now: datetime) -> tuple[list[int], int]:
    """End every active substitution whose end has come. Writes in the caller's
    transaction. Returns (the ids this call ended, timeline events written)."""
    rows = _rows(db.execute(
        update(_TABLE)
        .where(_TABLE.c.state == SubstitutionState.ACTIVE, _TABLE.c.ends_at <= now)
        .values(state=SubstitutionState.ENDED, ended_at=now)
        .returning(*_RETURNED)))
    if not rows:
        return [], 0
    names = _names(db, [p for r in rows for p in (r.absent_id, r.substitute_id)])
    _audit(db, None, "substitution.ended", rows, names)
    events = _ended_on_tickets(db, rows, names, now)
    _announce(db, rows, now)
    return [r.id for r in rows], events


def finish(db: Session, substitution: Substitution, now: datetime) -> int:
    """A substitution in force was cancelled: what its end does (timeline events on the
    tickets the substitute acted on, live refresh). The caller changed its state and
    records its own audit entry. Returns the timeline events written."""
    row = _Row(substitution.id, substitution.absent_id, substitution.substitute_id,
               substitution.starts_at, substitution.ends_at)
    names = _names(db, [row.absent_id, row.substitute_id])
    events = _ended_on_tickets(db, [row], names, now)
    _announce(db, [row], now)
    return events


def _ended_on_tickets(db: Session, rows: list[_Row], names: dict[int, str],
                      now: datetime) -> int:
    by_id = {r.id: r for r in rows}
    touched = db.exec(
        select(SubstitutionTicket.substitution_id, SubstitutionTicket.ticket_id,
               Ticket.organisation_id)
        .join(Ticket, col(Ticket.id) == col(SubstitutionTicket.ticket_id))
        .where(col(SubstitutionTicket.substitution_id).in_(sorted(by_id)))).all()
    if not touched:
        return 0
    db.execute(insert(TimelineEvent.__table__), [
        {"ticket_id": ticket_id, "kind": EventKind.SUBSTITUTION, "author_id": None,
         "is_public": False, "body": "", "created_at": now,
         "data": {"phase": "ended", "substitution_id": sid,
                  "absent": names.get(by_id[sid].absent_id, ""),
                  "substitute": names.get(by_id[sid].substitute_id, "")}}
        for sid, ticket_id, _org in touched])
    for _sid, ticket_id, org_id in touched:
        queue_change(db, ticket_id=ticket_id, organisation_id=org_id, kind="substitution",
                     public=False)
    return len(touched)


def run_pass(db: Session, now: datetime) -> PassResult:
    """One scheduler pass as of `now`: start what is due, then end what is due (so a
    period that passed entirely during downtime is started and ended). Commits."""
    try:
        started = start_due(db, now)
        ended, events = end_due(db, now)
        db.commit()
    except BaseException:
        db.rollback()
        raise
    return PassResult(started=started, ended=ended, timeline_events=events)


# --------------------------------------------------------------------------- timeline


def note_action(db: Session, actor: Actor, ticket_id: int, assignee_id: int | None,
                now: datetime) -> None:
    """Called by the ticket writes before they record the actor's own event: on the
    substitute's first action on a ticket assigned to someone they cover, remember the
    ticket and add "<actor> works on this on behalf of <absent>" (see module doc). Costs
    nothing for an actor who covers nobody."""
    if not actor.covering_ids or assignee_id is None or assignee_id not in actor.covering_ids:
        return
    away = substitution_cover.away_many(db, [assignee_id], now).get(assignee_id)
    if away is None:
        return
    table = SubstitutionTicket.__table__
    dialect_insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    # RETURNING, not rowcount: psycopg reports -1 for INSERT ... ON CONFLICT.
    created = db.execute(
        dialect_insert(table)
        .values(substitution_id=away.substitution_id, ticket_id=ticket_id,
                actor_id=actor.user_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["substitution_id", "ticket_id"])
        .returning(table.c.id)).first()
    if created is None:  # already on this ticket's timeline for this substitution
        return
    absent = db.get(User, assignee_id)
    db.add(TimelineEvent(
        ticket_id=ticket_id, kind=EventKind.SUBSTITUTION, author_id=actor.user_id,
        is_public=False, created_at=now,
        data={"phase": "started", "substitution_id": away.substitution_id,
              "absent": absent.full_name if absent else "", "substitute": actor.full_name}))
    db.flush()  # before the caller's own event: the timeline reads in id order
