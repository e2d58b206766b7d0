"""Queues (groups) and their members: the admin page's use cases, and the queues an agent
may filter by.

Admins only, every function re-checks the actor. Each change is one function and one
commit, so an audit record can be added in exactly one place per change.
- Order: `position` (0, 1, 2, ...); moving swaps with the neighbour, so the order stays
  dense and the admin page, the agent list's chips and every picker agree.
- Deactivating keeps the queue and its tickets: nothing new is routed there (pickers and
  mail channels offer active queues only), the tickets in it stay visible to whoever
  could see them. There is no delete: tickets, contracts and history point at queues.
- Members: active technicians and coordinators (admins see everything anyway; clients are
  never members). For a queue-limited custom role the memberships decide what its members
  see (domain/actor_loading.py); a change applies on the member's next click, because
  the actor is rebuilt on every event.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from helpdesk_app.domain import access, audit, permissions, user_search
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.directory import PICKER_LIMIT, Option
from helpdesk_app.domain.errors import FieldChecks, Invalid, NotFound
from helpdesk_app.models import Queue, QueueMember, User

NAME_MAX = 120
DESCRIPTION_MAX = 500
# What the audit log compares when a queue is saved.
_AUDITED = ("name", "description", "is_active", "requires_work_entry")


@dataclass(frozen=True)
class QueueView:
    id: int
    name: str
    description: str
    is_active: bool
    position: int
    members: int
    requires_work_entry: bool = False  # resolving needs a work entry (issue 14)


def _ordered() -> list:
    return [col(Queue.position), col(Queue.name), col(Queue.id)]


def list_queues(db: Session, actor: Actor) -> list[QueueView]:
    """Every queue, active and not, in display order, with its number of members."""
    access.require_admin(actor)
    counts = dict(db.exec(select(QueueMember.queue_id, func.count())
                          .group_by(QueueMember.queue_id)).all())
    return [QueueView(q.id, q.name, q.description, q.is_active, q.position,
                      counts.get(q.id, 0), q.requires_work_entry)
            for q in db.exec(select(Queue).order_by(*_ordered())).all()]


def visible_queues(db: Session, actor: Actor) -> list[Option]:
    """Active queues whose tickets `actor` may list, in display order (list filter, chips)."""
    rows = db.exec(select(Queue).where(col(Queue.is_active).is_(True),
                                       access.queue_scope(actor))
                   .order_by(*_ordered())).all()
    return [Option(q.id, q.name) for q in rows]


def _load(db: Session, queue_id: int) -> Queue:
    queue = db.get(Queue, queue_id) if queue_id else None
    if queue is None:
        raise NotFound("queues.not_found")
    return queue


def _target(queue: Queue) -> audit.Target:
    return audit.Target("queue", queue.id, queue.name)


def save_queue(db: Session, actor: Actor, queue_id: int | None, *, name: str,
               description: str, requires_work_entry: bool | None = None) -> int:
    """Create (`queue_id` None: placed last) or rename/describe a queue, and whether
    resolving its tickets needs a work entry (None: as it was). Returns its id. Every
    problem is reported next to its field (FormInvalid)."""
    access.require_admin(actor)
    queue = _load(db, queue_id) if queue_id else None
    checks = FieldChecks()
    name = " ".join((name or "").split())
    description = (description or "").strip()
    if not name:
        checks.fail("name", "queues.name_required")
    elif len(name) > NAME_MAX:
        checks.fail("name", "queues.name_too_long", max=NAME_MAX)
    else:
        clash = db.exec(select(Queue.id).where(func.lower(Queue.name) == name.lower())).first()
        if clash is not None and clash != queue_id:
            checks.fail("name", "queues.name_taken")
    if len(description) > DESCRIPTION_MAX:
        checks.fail("description", "queues.description_too_long", max=DESCRIPTION_MAX)
    checks.done()
    before = audit.snapshot(queue, _AUDITED) if queue is not None else None
    if queue is None:
        last = db.exec(select(func.max(Queue.position))).one()
        queue = Queue(name=name, description=description,
                      position=(last if last is not None else -1) + 1)
    else:
        queue.name, queue.description = name, description
    if requires_work_entry is not None:
        queue.requires_work_entry = bool(requires_work_entry)
    db.add(queue)
    db.flush()
    audit.record_change(db, actor, "queue.updated" if before else "queue.created",
                        target=_target(queue), details=audit.changes(before, queue, _AUDITED))
    db.commit()
    return queue.id


def move_queue(db: Session, actor: Actor, queue_id: int, step: int) -> None:
    """Move a queue one place up (`step` -1) or down (+1); at either end nothing moves."""
    access.require_admin(actor)
    if step not in (-1, 1):
        raise Invalid("queues.bad_move")
    rows = list(db.exec(select(Queue).order_by(*_ordered())).all())
    index = next((i for i, q in enumerate(rows) if q.id == queue_id), None)
    if index is None:
        raise NotFound("queues.not_found")
    other = index + step
    if 0 <= other < len(rows):
        rows[index], rows[other] = rows[other], rows[index]
        # the place in the list the admin sees (1 = first), not the stored number
        audit.record(db, actor, "queue.updated", target=_target(rows[other]),
                     details={"position": [index + 1, other + 1]})
    for position, q in enumerate(rows):  # dense again, whatever the old numbers were
        if q.position != position:
            q.position = position
            db.add(q)
    db.commit()


def set_active(db: Session, actor: Actor, queue_id: int, active: bool) -> None:
    """Deactivate (the page asks for confirmation first) or reactivate a queue. The last
    active queue cannot go: new tickets need somewhere to land."""
    access.require_admin(actor)
    queue = _load(db, queue_id)
    if not active and queue.is_active:
        others = db.exec(select(func.count()).select_from(Queue).where(
            col(Queue.is_active).is_(True), Queue.id != queue.id)).one()
        if others == 0:
            raise Invalid("queues.last_active")
    before = audit.snapshot(queue, ("is_active",))
    queue.is_active = bool(active)
    db.add(queue)
    audit.record_change(db, actor, "queue.updated", target=_target(queue),
                        details=audit.changes(before, queue, ("is_active",)))
    db.commit()


# --------------------------------------------------------------------------- members


def _is_member_role(user: User | None) -> bool:
    return user is not None and user.is_active and user.role in permissions.BASE_ROLES


def find_staff(db: Session, actor: Actor, text: str = "", *,
               limit: int = PICKER_LIMIT) -> list[Option]:
    """Active technicians and coordinators whose name or e-mail contains every word typed,
    for the members pickers (queues and roles). At most `limit`, by name."""
    access.require_admin(actor)
    query = select(User).where(col(User.role).in_(permissions.BASE_ROLES),
                               col(User.is_active).is_(True))
    for like in user_search.words(text):
        query = query.where(col(User.search_text).like(like, escape="\\"))
    rows = db.exec(query.order_by(col(User.full_name), col(User.id)).limit(limit)).all()
    return [Option(u.id, f"{u.full_name} <{u.email}>") for u in rows]


def members(db: Session, actor: Actor, queue_id: int) -> list[Option]:
    access.require_admin(actor)
    _load(db, queue_id)
    rows = db.exec(select(User).join(QueueMember, col(QueueMember.user_id) == col(User.id))
                   .where(QueueMember.queue_id == queue_id).order_by(col(User.full_name))).all()
    return [Option(u.id, f"{u.full_name} <{u.email}>") for u in rows]


def add_member(db: Session, actor: Actor, queue_id: int, user_id: int) -> None:
    """Put a technician or coordinator in the queue (again: nothing happens)."""
    access.require_admin(actor)
    queue = _load(db, queue_id)
    user = db.get(User, user_id) if user_id else None
    if not _is_member_role(user):
        raise Invalid("queues.member_invalid")
    exists = db.exec(select(QueueMember.id).where(QueueMember.queue_id == queue_id,
                                                  QueueMember.user_id == user_id)).first()
    if exists is None:
        db.add(QueueMember(queue_id=queue_id, user_id=user_id))
        audit.record(db, actor, "queue.members_changed", target=_target(queue),
                     details={"added": [user.email]})
        db.commit()


def remove_member(db: Session, actor: Actor, queue_id: int, user_id: int) -> None:
    access.require_admin(actor)
    row = db.exec(select(QueueMember).where(QueueMember.queue_id == queue_id,
                                            QueueMember.user_id == user_id)).first()
    if row is not None:
        queue, user = _load(db, queue_id), db.get(User, user_id)
        db.delete(row)
        audit.record(db, actor, "queue.members_changed", target=_target(queue),
                     details={"removed": [user.email if user else str(user_id)]})
        db.commit()
