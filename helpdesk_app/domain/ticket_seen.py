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

Flags for a page of rows come from one query (`unread_ids`), separate from and after the
list query, so the list itself keeps its plan and speed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, exists, or_
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


def _new_keys(db: Session) -> list[str]:
    # the keys only: loading every status row for this cost a list refresh a third of
    # its unread-marks query
    return list(db.exec(select(TicketStatus.key)
                        .where(TicketStatus.category == StatusCategory.NEW)).all())


def unread_ids(db: Session, actor: Actor, ticket_ids: Iterable[int]) -> set[int]:
    """Which of `ticket_ids` (one page of a list) are unread for `actor`: one query."""
    ids = sorted({int(i) for i in ticket_ids})
    if not ids:
        return set()
    me = actor.user_id
    seen = (select(TicketSeen.ticket_id, TicketSeen.seen_at)
            .where(TicketSeen.user_id == me, col(TicketSeen.ticket_id).in_(ids))
            .subquery())
    news = exists().where(
        TimelineEvent.ticket_id == Ticket.id,
        or_(seen.c.seen_at.is_(None), TimelineEvent.created_at > seen.c.seen_at),
        or_(col(TimelineEvent.author_id).is_(None), TimelineEvent.author_id != me),
        access.event_scope(actor),
    )
    new_keys = _new_keys(db)
    concerns_me = or_(
        seen.c.ticket_id.is_not(None),  # opened before: anything new counts
        Ticket.assignee_id == me,
        and_(col(Ticket.assignee_id).is_(None), col(Ticket.status).in_(new_keys))
        if new_keys else False,
    )
    rows = db.exec(
        select(Ticket.id)
        .outerjoin(seen, seen.c.ticket_id == Ticket.id)
        .where(col(Ticket.id).in_(ids), access.ticket_scope(actor), concerns_me, news)
    ).all()
    return set(rows)


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
