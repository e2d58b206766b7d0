"""Who stands in for whom right now: the read side of substitutions (issue 13).

Plain reads with no rules about setting substitutions (domain/substitutions.py) and no
imports of the access policy, so `actor_loading` (every click), the access policy and the
notification audience can all use it without a cycle.

A substitution is *in force* when the scheduler has started it (`state = 'active'`) and
its end has not passed yet. Access starts only once the start is recorded (audit entry,
live refresh of the substitute's pages); it stops at `ends_at` even if the scheduler is
late, so a late sweep never extends anybody's access.

Chains: A away → B while B is away → C. Then C covers both B and A (`covering_many`), and
what was meant for A reaches C, the first person along the chain who is not away
(`recipients`); at most MAX_DEPTH hops are followed (creating a longer chain is refused,
domain/substitutions.py, so the cap only guards against data written around the rules).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, bindparam, literal, select
from sqlmodel import Session, col

from helpdesk_app.models import Substitution, SubstitutionState

MAX_DEPTH = 3  # hops of a chain: A → B → C → D at most


def state_is(state: str) -> ColumnElement[bool]:
    """`state = '<state>'` with the state written into the SQL, not bound: that is what
    lets SQLite and PostgreSQL use the partial indexes of models/substitution.py."""
    return col(Substitution.state) == literal(state, literal_execute=True)


def in_force(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """The WHERE clauses of a substitution in force at `now`."""
    return (state_is(SubstitutionState.ACTIVE), col(Substitution.ends_at) > now)


_TABLE = Substitution.__table__
_NOW = bindparam("now", type_=_TABLE.c.ends_at.type)
_IN_FORCE = (_TABLE.c.state == literal(SubstitutionState.ACTIVE, literal_execute=True),
             _TABLE.c.ends_at > _NOW)
# Built once: these run on every click (actor_loading) and every notification; building
# the statement anew costs three times what SQLite needs to answer it.
_COVERED_BY = (select(_TABLE.c.substitute_id, _TABLE.c.absent_id)
               .where(*_IN_FORCE, _TABLE.c.substitute_id.in_(bindparam("ids", expanding=True))))
_AWAY = (select(_TABLE.c.id, _TABLE.c.absent_id, _TABLE.c.substitute_id,
                _TABLE.c.absent_keeps_notifications, _TABLE.c.ends_at)
         .where(*_IN_FORCE, _TABLE.c.absent_id.in_(bindparam("ids", expanding=True)))
         .order_by(_TABLE.c.starts_at))


def covering_many(db: Session, user_ids: Iterable[int], now: datetime
                  ) -> dict[int, frozenset[int]]:
    """user id -> the absent users they cover at `now` (chains resolved, MAX_DEPTH hops).
    Users covering nobody are left out. One indexed query when nobody asked covers
    anyone (the usual case on every click), one more per chain level otherwise."""
    asked = {int(u) for u in user_ids}
    edges: dict[int, set[int]] = {}  # substitute -> the absent people they stand in for
    frontier, queried = set(asked), set()
    for _ in range(MAX_DEPTH):
        if not frontier:
            break
        queried |= frontier
        rows = db.execute(_COVERED_BY, {"now": now, "ids": sorted(frontier)}).all()
        for substitute, absent in rows:
            edges.setdefault(substitute, set()).add(absent)
        frontier = {absent for _s, absent in rows} - queried
    out: dict[int, frozenset[int]] = {}
    for user in asked:
        reached: set[int] = set()
        level = {user}
        for _ in range(MAX_DEPTH):
            level = {a for s in level for a in edges.get(s, ())} - reached - {user}
            if not level:
                break
            reached |= level
        if reached:
            out[user] = frozenset(reached)
    return out


def covering(db: Session, user_id: int, now: datetime) -> frozenset[int]:
    """The absent users `user_id` covers at `now` (see `covering_many`)."""
    return covering_many(db, [user_id], now).get(int(user_id), frozenset())


@dataclass(frozen=True)
class Away:
    """An absent person's substitution in force."""

    substitution_id: int
    absent_id: int
    substitute_id: int
    keeps_notifications: bool
    ends_at: datetime


def away_many(db: Session, user_ids: Iterable[int], now: datetime) -> dict[int, Away]:
    """absent user id -> their substitution in force, for those of `user_ids` away now."""
    ids = sorted({int(u) for u in user_ids if u is not None})
    if not ids:
        return {}
    rows = db.execute(_AWAY, {"now": now, "ids": ids}).all()
    # overlaps are refused, so one each; the latest start wins if data say otherwise
    return {absent: Away(sid, absent, substitute, bool(keeps), ends_at)
            for sid, absent, substitute, keeps, ends_at in rows}


def away_now(db: Session, user_ids: Iterable[int], now: datetime) -> set[int]:
    """Which of `user_ids` are away at `now` (the list's away mark, auto-assignment)."""
    return set(away_many(db, user_ids, now))


# (recipient, on behalf of whom: None = for themself)
Delivery = tuple[int, int | None]


def recipients(db: Session, user_ids: Iterable[int], now: datetime
               ) -> dict[int, list[Delivery]]:
    """Who receives what is meant for each of `user_ids` at `now`.

    Someone not away: themself. Someone away: their substitute "on behalf of" them — or,
    when the substitute is away too, the first person along the chain who is not
    (MAX_DEPTH hops at most; at the cap the last one gets it). The absent person keeps a
    copy when their substitution says so; a person in the middle of a chain who keeps
    their notifications gets a copy on behalf of the first one too."""
    asked = [int(u) for u in dict.fromkeys(u for u in user_ids if u is not None)]
    away: dict[int, Away] = {}
    frontier = set(asked)
    for _ in range(MAX_DEPTH + 1):
        found = away_many(db, frontier, now)
        away.update(found)
        frontier = {a.substitute_id for a in found.values()} - set(away) - set(asked)
        if not frontier:
            break
    out: dict[int, list[Delivery]] = {}
    for user in asked:
        first = away.get(user)
        if first is None:
            out[user] = [(user, None)]
            continue
        deliveries: list[Delivery] = [(user, None)] if first.keeps_notifications else []
        current, seen = first, {user}
        for _ in range(MAX_DEPTH):
            nxt = current.substitute_id
            if nxt in seen:  # a cycle written around the rules: stop where we are
                break
            seen.add(nxt)
            step = away.get(nxt)
            if step is None:
                break
            if step.keeps_notifications:
                deliveries.append((nxt, user))
            current = step
        final = current.substitute_id
        if final != user and (final, user) not in deliveries:
            deliveries.append((final, user))
        out[user] = deliveries or [(user, None)]
    return out
