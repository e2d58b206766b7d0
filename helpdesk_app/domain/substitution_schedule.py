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
reply, note, header edit, field change or checklist tick a substitute makes on a ticket
assigned to a colleague they cover (`note_action`) adds an internal "X works on this on
behalf of Y" event just before their own, and remembers the ticket (`substitution_ticket`).
When that substitution ends (or is cancelled while in force), each remembered ticket gets
"substitution ended". In a chain (A → B → C, C working on A's ticket) the events belong to
A's substitution: the ticket is A's, and it is A's return that ends the arrangement for it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    String,
    Text,
    any_,
    bindparam,
    cast,
    distinct,
    false,
    func,
    insert,
    literal,
    null,
    update,
)
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from helpdesk_app.domain import audit, substitution_cover
from helpdesk_app.domain.actor import Actor
from helpdesk_app.live.bus import queue_access_change, queue_change
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
_USERS = User.__table__
BATCH = 10_000  # substitutions per statement and commit in a pass


@dataclass
class PassResult:
    """What one scheduler pass did."""

    started: list[int] = field(default_factory=list)
    ended: list[int] = field(default_factory=list)
    timeline_events: int = 0


def label(names: dict[int, str], row: Substitution) -> str:
    """"Absent → Substitute" for audit targets."""
    return f"{names.get(row.absent_id, '?')} → {names.get(row.substitute_id, '?')}"


# --------------------------------------------------------------------------- set-based SQL
# A pass may start or end thousands of substitutions at one instant (everybody's holiday
# starting on Monday 8:00, a catch-up): their audit entries and timeline events are
# written by INSERT ... SELECT, with names and JSON built by the database, not row by row.


def _iso(dialect: str, column: Any) -> Any:
    """A UTC instant as the audit log writes it (ISO 8601, seconds, +00:00)."""
    if dialect == "postgresql":
        text = func.to_char(func.timezone("UTC", column), 'YYYY-MM-DD"T"HH24:MI:SS')
    else:  # SQLite stores naive UTC
        text = func.strftime("%Y-%m-%dT%H:%M:%S", column)
    return text.concat("+00:00")


def _json(dialect: str, **pairs: Any) -> Any:
    """A JSON object built by the database (keys in the given order)."""
    args = [part for key, value in pairs.items() for part in (literal(key), value)]
    return (func.json_build_object if dialect == "postgresql" else func.json_object)(*args)


def _among(dialect: str, column: Any, ids: Iterable[int]) -> Any:
    """`column IN ids` with the ids as ONE parameter (a JSON array on SQLite, an array on
    PostgreSQL): an IN list of thousands of parameters costs more to render than to run.
    On PostgreSQL the array is written into the statement as one text literal: psycopg
    adapting a list of 10,000 ints took ~9 ms, the text ~1 ms; and it must be a constant,
    not a bound text cast to an array, or ANY searches it element by element instead of
    hashing it (seconds at 10,000)."""
    wanted = sorted({int(i) for i in ids})
    if dialect == "postgresql":
        written = "{" + ",".join(map(str, wanted)) + "}"
        return column == any_(cast(bindparam(None, written, type_=Text, literal_execute=True),
                                   ARRAY(Integer)))
    values = func.json_each(json.dumps(wanted)).table_valued("value")
    return column.in_(sa_select(values.c.value))


def _audit_rows(dialect: str, source: Any) -> Select:
    """(target type, id, label, details) of each substitution of `source`, as
    `audit.record_from_select` wants them. `source`: the table, or the rows an UPDATE
    returned."""
    absent, substitute = aliased(_USERS, name="absent"), aliased(_USERS, name="substitute")
    joined = (source.join(absent, absent.c.id == source.c.absent_id)
              .join(substitute, substitute.c.id == source.c.substitute_id))
    # keys sorted, as audit.record stores them
    details = _json(dialect, absent=absent.c.full_name, ends_at=_iso(dialect, source.c.ends_at),
                    starts_at=_iso(dialect, source.c.starts_at),
                    substitute=substitute.c.full_name)
    return sa_select(
        literal("substitution"), cast(source.c.id, String),
        func.substr(absent.c.full_name.concat(" → ").concat(substitute.c.full_name), 1, 200),
        cast(details, Text) if dialect == "postgresql" else details,
    ).select_from(joined)


def _concerned(db: Session, substitute_ids: Iterable[int], now: datetime) -> set[int]:
    """Whose view of tickets changes: each substitute and whoever covers them in turn
    (a chain A → B → C: C's view changes when A → B starts or ends). One query per chain
    level (usually one that finds nobody)."""
    dialect = db.get_bind().dialect.name
    people = set(substitute_ids)
    frontier = set(people)
    for _ in range(substitution_cover.MAX_DEPTH):
        found = set(db.exec(select(Substitution.substitute_id).where(
            *substitution_cover.in_force(now),
            _among(dialect, col(Substitution.absent_id), frontier))).all())
        frontier = found - people
        if not frontier:
            break
        people |= frontier
    return people


def _announce(db: Session, substitute_ids: Iterable[int], now: datetime) -> None:
    # their lists, ticket pages and bells re-query (one change for the whole batch)
    queue_access_change(db, *_concerned(db, substitute_ids, now))


def _due(state: str, boundary: Any, now: datetime, ids: Iterable[int] | None,
         limit: int | None):
    """The ids in `state` whose `boundary` has come, oldest first, at most `limit`."""
    query = (sa_select(_TABLE.c.id).where(substitution_cover.state_is(state), boundary <= now)
             .order_by(boundary, _TABLE.c.id))
    if ids is not None:
        query = query.where(_TABLE.c.id.in_(sorted(set(ids))))
    return query if limit is None else query.limit(limit)


def _transition(db: Session, now: datetime, *, from_state: str, to_state: str,
                boundary: Any, stamp: str, ids: Iterable[int] | None, limit: int | None,
                action: str, actor: Actor | None) -> tuple[list[int], list[int]]:
    """Read what is due, then the one conditional UPDATE ... RETURNING that makes each
    transition happen once: it re-checks state and boundary, so rows another scheduler
    moved meanwhile are skipped. (Two statements, not UPDATE ... WHERE id IN (SELECT ...
    LIMIT): planned on stale statistics, that one became a nested loop of seconds.)
    Records `action` in the audit log for each row moved. Returns (the ids moved, their
    substitutes)."""
    due = db.execute(_due(from_state, boundary, now, ids, limit)).scalars().all()
    if not due:
        return [], []
    dialect = db.get_bind().dialect.name
    moving = (update(_TABLE)
              .where(_among(dialect, _TABLE.c.id, due), substitution_cover.state_is(from_state),
                     boundary <= now)
              .values({"state": to_state, stamp: now}))
    if dialect == "postgresql":
        # One statement: the audit INSERT reads the rows the UPDATE returned (no second
        # scan by id, no ids sent back, one round trip). The answer comes as two arrays,
        # not 10,000 rows: fewer Python objects, less garbage-collector work in the pass.
        moved = moving.returning(_TABLE.c.id, _TABLE.c.absent_id, _TABLE.c.substitute_id,
                                 _TABLE.c.starts_at, _TABLE.c.ends_at).cte("moved")
        logged = audit.insert_from_select(actor, action, _audit_rows(dialect, moved))
        moved_ids, substitutes = db.execute(sa_select(
            sa_select(func.array_agg(moved.c.id)).scalar_subquery(),
            sa_select(func.array_agg(distinct(moved.c.substitute_id))).scalar_subquery(),
        ).add_cte(logged.cte("logged"))).one()
        return moved_ids or [], substitutes or []
    rows = db.execute(moving.returning(_TABLE.c.id, _TABLE.c.substitute_id)).all()
    if rows:
        audit.record_from_select(db, actor, action, _audit_rows(dialect, _TABLE).where(
            _among(dialect, _TABLE.c.id, [r[0] for r in rows])))
    return [r[0] for r in rows], sorted({r[1] for r in rows})


def _ended_on_tickets(db: Session, ids: list[int], now: datetime) -> int:
    """"Substitution ended" on each ticket the substitutes of `ids` acted on, and their
    live changes. Returns how many. Driven from the remembered tickets (a few per
    substitution), not from the substitutions: on PostgreSQL one statement, the INSERT
    returning the tickets it wrote."""
    dialect = db.get_bind().dialect.name
    marks, tickets = SubstitutionTicket.__table__, Ticket.__table__
    events = TimelineEvent.__table__
    absent, substitute = aliased(_USERS, name="absent"), aliased(_USERS, name="substitute")
    written = insert(events).from_select(
        ["ticket_id", "kind", "author_id", "is_public", "body", "data", "created_at"],
        sa_select(marks.c.ticket_id, literal(EventKind.SUBSTITUTION), null(), false(),
                  literal(""),
                  _json(dialect, phase=literal("ended"), substitution_id=_TABLE.c.id,
                        absent=absent.c.full_name, substitute=substitute.c.full_name),
                  literal(now, type_=events.c.created_at.type))
        .select_from(marks.join(_TABLE, _TABLE.c.id == marks.c.substitution_id)
                     .join(absent, absent.c.id == _TABLE.c.absent_id)
                     .join(substitute, substitute.c.id == _TABLE.c.substitute_id))
        .where(_among(dialect, marks.c.substitution_id, ids)))
    if dialect == "postgresql":
        marked = written.returning(events.c.ticket_id).cte("marked")
        touched = db.execute(sa_select(marked.c.ticket_id, tickets.c.organisation_id)
                             .join(tickets, tickets.c.id == marked.c.ticket_id)).all()
    else:
        touched = db.execute(
            sa_select(marks.c.ticket_id, tickets.c.organisation_id)
            .join(tickets, tickets.c.id == marks.c.ticket_id)
            .where(_among(dialect, marks.c.substitution_id, ids))).all()
        if touched:
            db.execute(written)
    for ticket_id, org_id in touched:
        queue_change(db, ticket_id=ticket_id, organisation_id=org_id, kind="substitution",
                     public=False)
    return len(touched)


def start_due(db: Session, now: datetime, *, ids: Iterable[int] | None = None,
              actor: Actor | None = None, limit: int | None = None) -> list[int]:
    """Start the scheduled substitutions whose start has come (only `ids`; at most
    `limit`, oldest first). Writes in the caller's transaction (never commits). Returns
    the ids this call started."""
    started, substitutes = _transition(
        db, now, from_state=SubstitutionState.SCHEDULED, to_state=SubstitutionState.ACTIVE,
        boundary=_TABLE.c.starts_at, stamp="started_at", ids=ids, limit=limit,
        action="substitution.started", actor=actor)
    if started:
        _announce(db, substitutes, now)
    return started


def end_due(db: Session, now: datetime, *, limit: int | None = None
            ) -> tuple[list[int], int]:
    """End the active substitutions whose end has come (at most `limit`, oldest first).
    Writes in the caller's transaction. Returns (the ids this call ended, timeline events
    written)."""
    ended, substitutes = _transition(
        db, now, from_state=SubstitutionState.ACTIVE, to_state=SubstitutionState.ENDED,
        boundary=_TABLE.c.ends_at, stamp="ended_at", ids=None, limit=limit,
        action="substitution.ended", actor=None)
    if not ended:
        return [], 0
    events = _ended_on_tickets(db, ended, now)
    _announce(db, substitutes, now)
    return ended, events


def finish(db: Session, substitution: Substitution, now: datetime) -> int:
    """A substitution in force was cancelled: what its end does (timeline events on the
    tickets the substitute acted on, live refresh). The caller changed its state and
    records its own audit entry. Returns the timeline events written."""
    events = _ended_on_tickets(db, [substitution.id], now)
    _announce(db, [substitution.substitute_id], now)
    return events


def run_pass(db: Session, now: datetime, *, batch: int = BATCH) -> PassResult:
    """One scheduler pass as of `now`: start what is due, then end what is due (so a
    period that passed entirely during downtime is started and ended), `batch` at a time,
    committing each batch. A batch that comes back short means nothing more is due (or a
    racing scheduler took it)."""
    result = PassResult()
    try:
        while True:
            started = start_due(db, now, limit=batch)
            db.commit()
            result.started += started
            if len(started) < batch:
                break
        while True:
            ended, events = end_due(db, now, limit=batch)
            db.commit()
            result.ended += ended
            result.timeline_events += events
            if len(ended) < batch:
                break
    except BaseException:
        db.rollback()
        raise
    return result


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
