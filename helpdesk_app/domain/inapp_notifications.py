"""In-app notifications: written by the domain (SLA alerts now, more kinds later), read by
the UI's bell. Plain Python, no reflex.

Writing (`notify`, or `rows_for` + `add_rows` to insert many at once) adds rows in the
caller's transaction and never commits: a notification exists exactly when the thing it
announces was committed. Reading goes through the access
policy like everything else: a user only sees notifications about tickets they may still
see (rule 3), so a notification can never leak a ticket.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, or_, update
from sqlmodel import Session, col, select

from helpdesk_app.domain import access
from helpdesk_app.domain.actor import Actor
from helpdesk_app.live.bus import queue_user_change
from helpdesk_app.models import Notification, Ticket

LIST_MAX = 100
# The bell shows "99+": counting further is wasted work.
COUNT_CAP = 99


@dataclass(frozen=True)
class NotificationView:
    id: int
    kind: str
    ticket_id: int | None
    ticket_number: str
    data: dict[str, Any]
    created_at: datetime
    read: bool


def rows_for(user_ids: Iterable[int], kind: str, *, ticket_id: int | None,
             data: dict[str, Any] | None, now: datetime) -> list[dict[str, Any]]:
    """Notification rows (one per distinct user) for `add_rows`."""
    return [{"user_id": user_id, "ticket_id": ticket_id, "kind": kind,
             "data": dict(data or {}), "created_at": now, "read_at": None}
            for user_id in dict.fromkeys(u for u in user_ids if u is not None)]


def add_rows(db: Session, rows: list[dict[str, Any]]) -> int:
    """Insert notification rows in the caller's transaction (one executemany; commits
    nothing). Returns how many."""
    if rows:
        db.execute(insert(Notification.__table__), rows)
        # Each recipient's open tabs update their bell after commit.
        queue_user_change(db, *{row["user_id"] for row in rows})
    return len(rows)


def notify(db: Session, user_ids: Iterable[int], kind: str, *, ticket_id: int | None,
           data: dict[str, Any] | None, now: datetime) -> int:
    """Notify each distinct user in the caller's transaction; commits nothing."""
    return add_rows(db, rows_for(user_ids, kind, ticket_id=ticket_id, data=data, now=now))


def _visible(actor: Actor):
    # Notifications without a ticket are always the user's own; ticket ones follow the
    # ticket access policy (outer join: the ticket row may be absent).
    return (Notification.user_id == actor.user_id,
            or_(col(Notification.ticket_id).is_(None), access.ticket_scope(actor)))


def unread_count(db: Session, actor: Actor) -> int:
    """Unread notifications of `actor`, capped at COUNT_CAP + 1 (show "99+")."""
    capped = (
        select(Notification.id)
        .outerjoin(Ticket, col(Ticket.id) == col(Notification.ticket_id))
        .where(*_visible(actor), col(Notification.read_at).is_(None))
        .limit(COUNT_CAP + 1)
        .subquery()
    )
    return db.exec(select(func.count()).select_from(capped)).one()


def list_notifications(db: Session, actor: Actor, *, unread_only: bool = False,
                       limit: int = 20) -> list[NotificationView]:
    """The newest notifications of `actor` (at most LIST_MAX)."""
    query = (
        select(Notification, Ticket.number)
        .outerjoin(Ticket, col(Ticket.id) == col(Notification.ticket_id))
        .where(*_visible(actor))
    )
    if unread_only:
        query = query.where(col(Notification.read_at).is_(None))
    rows = db.exec(
        query.order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
        .limit(max(1, min(limit, LIST_MAX)))
    ).all()
    return [NotificationView(id=n.id, kind=n.kind, ticket_id=n.ticket_id,
                             ticket_number=number or "", data=dict(n.data or {}),
                             created_at=n.created_at, read=n.read_at is not None)
            for n, number in rows]


def mark_read(db: Session, actor: Actor, now: datetime,
              ids: Iterable[int] | None = None) -> int:
    """Mark `ids` (default: all) of the actor's unread notifications read. Commits.
    Other users' ids are ignored. Returns how many changed."""
    query = update(Notification).where(Notification.user_id == actor.user_id,
                                       col(Notification.read_at).is_(None))
    if ids is not None:
        wanted = [int(i) for i in ids]
        if not wanted:
            return 0
        query = query.where(col(Notification.id).in_(wanted))
    changed = db.execute(query.values(read_at=now)).rowcount
    queue_user_change(db, actor.user_id)  # the user's other tabs update their bell too
    db.commit()
    return changed
