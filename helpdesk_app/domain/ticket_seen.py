"""Unread marks: when a user last had a ticket open, and which tickets have news for them.

The rule (one place, used by the agent list and the tests):

- A ticket is **unread** for a viewer when its timeline has an event the viewer may see,
  written by *someone else* (another person, or the system: SLA warning, breach,
  escalation) after the viewer's `seen_at`. The viewer's own replies, notes and edits
  never make a ticket unread for them.
- A ticket the viewer has **never opened** counts only when it is theirs to look at:
  assigned to them, or unassigned and still in a "new" status (category `new`) - and
  then only when someone else did something on it (a ticket an agent opened for a caller
  and assigned to themselves is not news to them). Everything else they never opened is
  not marked, so a new agent does not see the whole history in bold.

`mark_seen` is called by the ticket page when it loads and on every live refresh while it
is open. When that takes an unread mark away, one change is published after commit on the
viewer's own topic (`live.bus.seen_topic`), so their other tabs' lists drop the mark; no
other user hears about it and the change carries no ticket data.

Flags for a page of rows come from two small queries (`unread_ids`), separate from and
after the list query, so the list itself keeps its plan and speed: who last wrote when on
those tickets (`latest_by_author`, the same for every viewer with the same event scope, so
a live pass reads it once per page) and the viewer's own side (assignee, "new" status,
when they looked).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache

from sqlalchemy import and_, bindparam, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from helpdesk_app.domain import access
from helpdesk_app.domain.access import Action
from helpdesk_app.domain.actor import Actor
from helpdesk_app.live.bus import queue_seen_change
from helpdesk_app.models import Ticket, TicketSeen, TimelineEvent
from helpdesk_app.models.base import utcnow
from helpdesk_app.models.status import StatusCategory, TicketStatus

# Per (ticket, author): when they last wrote something a viewer of this event scope may
# see. Shared by every viewer with the same event scope (a live pass computes it once for
# all tabs showing the same page); "someone else wrote after I looked" is then a lookup.
_LATEST_BY_AUTHOR = (
    select(TimelineEvent.ticket_id, TimelineEvent.author_id,
           func.max(TimelineEvent.created_at))
    .where(col(TimelineEvent.ticket_id).in_(bindparam("ids", expanding=True)))
    .group_by(col(TimelineEvent.ticket_id), col(TimelineEvent.author_id)))
_NEW_KEYS = select(TicketStatus.key).where(TicketStatus.category == StatusCategory.NEW)
# The viewer's side, one row per ticket: whom it is assigned to, whether it is in a "new"
# status, when the viewer last had it open. Built once per access scope (`_mine`, the
# viewer a bound parameter): making the statement cost more than running it.
_MINE = (
    select(Ticket.id, Ticket.assignee_id, col(Ticket.status).in_(_NEW_KEYS.scalar_subquery()),
           TicketSeen.seen_at)
    .outerjoin(TicketSeen, and_(TicketSeen.ticket_id == Ticket.id,
                                TicketSeen.user_id == bindparam("me")))
    .where(col(Ticket.id).in_(bindparam("ids", expanding=True))))

# who wrote what when, per ticket: ticket id -> [(author id or None, latest time)]
Latest = dict[int, list[tuple[int | None, datetime]]]


def latest_by_author(db: Session, actor: Actor, ticket_ids: Iterable[int]) -> Latest:
    """For each of `ticket_ids`, who wrote on its timeline (what `actor` may see of it)
    and when they last did; it says nothing by itself: `unread_ids` applies the ticket
    scope. Equal for actors with equal `access.list_scope_key(actor, names_self=False)`."""
    ids = sorted({int(i) for i in ticket_ids})
    out: Latest = {}
    if ids:
        stmt = _latest(access.list_scope_key(actor, names_self=False))
        for ticket_id, author_id, at in db.execute(stmt, {"ids": ids}):
            out.setdefault(ticket_id, []).append((author_id, at))
    return out


# by `access.list_scope_key`: equal keys, equal scopes
@lru_cache(maxsize=1024)
def _latest(scope: Actor):
    return _LATEST_BY_AUTHOR.where(access.event_scope(scope))


@lru_cache(maxsize=1024)
def _mine(scope: Actor):
    return _MINE.where(access.ticket_scope(scope))


def unread_ids(db: Session, actor: Actor, ticket_ids: Iterable[int],
               latest: Latest | None = None) -> set[int]:
    """Which of `ticket_ids` (one page of a list) are unread for `actor`: two small
    queries. `latest`: `latest_by_author` of these ids for an actor with the same event
    scope, when the caller has it already (a live pass shares it among tabs)."""
    ids = sorted({int(i) for i in ticket_ids})
    if not ids:
        return set()
    me = actor.user_id
    if latest is None:
        latest = latest_by_author(db, actor, ids)
    mine = db.execute(_mine(access.list_scope_key(actor, names_self=False)),
                      {"me": me, "ids": ids})
    out = set()
    for ticket_id, assignee_id, is_new, seen in mine:
        concerns_me = (seen is not None or assignee_id == me
                       or (assignee_id is None and bool(is_new)))
        if concerns_me and any((author is None or author != me) and (seen is None or at > seen)
                               for author, at in latest.get(ticket_id, ())):
            out.add(ticket_id)
    return out


def seen_at(db: Session, actor: Actor, ticket_id: int) -> datetime | None:
    """When `actor` last had the ticket open (None: never)."""
    return db.exec(select(TicketSeen.seen_at).where(
        TicketSeen.user_id == actor.user_id, TicketSeen.ticket_id == ticket_id)).first()


def _upsert(db: Session, user_id: int, ticket_id: int, now: datetime) -> None:
    table = TicketSeen.__table__
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(table).values(user_id=user_id, ticket_id=ticket_id, seen_at=now)
    db.execute(stmt.on_conflict_do_update(index_elements=["user_id", "ticket_id"],
                                          set_={"seen_at": stmt.excluded.seen_at}))


def mark_seen(db: Session, actor: Actor, ticket_id: int, now: datetime | None = None) -> bool:
    """Record that `actor` is looking at the ticket now; commits. NotFound for a ticket
    they may not see. Returns whether this took an unread mark away (then the viewer's
    own tabs hear about it after commit)."""
    ticket = access.require(actor, Action.VIEW, db.get(Ticket, ticket_id))
    was_unread = bool(unread_ids(db, actor, [ticket.id]))
    _upsert(db, actor.user_id, ticket.id, now or utcnow())
    if was_unread:
        queue_seen_change(db, actor.user_id)
    db.commit()
    return was_unread
