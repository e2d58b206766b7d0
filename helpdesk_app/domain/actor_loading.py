"""The one place an `Actor` is built with its custom role: permissions and queue limit.

Used by sign-in and `auth.resolve_session` (every event and HTTP request), by the
notification audience (many users at once: `load_many`) and by the mail pipeline.

Cost: `resolve_session` runs on every click, so a user without a custom role (every
built-in account) costs nothing more than before (`custom_role_id` is on the row already
read). A custom role adds one query (the role by primary key, outer-joined to the user's
queue memberships by index). Measured on 2 busy cores: resolve_session p50 0.7 ms for a
built-in technician, about +0.4 ms with a queue-limited custom role.

Rules (also in domain/access.py):
- a custom role applies only to technicians and coordinators; admins and clients ignore it
  (clients never get custom roles; admins have everything);
- a queue-limited role sees the queues it lists ∪ the queues the user is a member of.
  The union lets one role ("1st line, queues X and Y") serve many people while each
  person's own team membership adds their queue; a limited role listing no queues means
  "my teams' queues only". Inactive queues still count: deactivating a queue must not make
  its remaining tickets disappear for the team that finishes them.
- substitutions (issue 13): a staff member standing in for absent colleagues now gets
  `covering_ids`; when queue-limited, also the covered people's visible queues (and no
  limit at all when one of them has none). This costs one indexed query per load for
  staff (none for clients); more only for someone who covers somebody.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from sqlmodel import Session, col, select

from helpdesk_app.domain import permissions, substitution_cover
from helpdesk_app.domain.actor import Actor
from helpdesk_app.models import CustomRole, QueueMember, Role, User
from helpdesk_app.models.base import utcnow

# the base roles a queue limit applies to (as in domain/access.py)
_LIMITABLE = (Role.COORDINATOR, Role.TECHNICIAN)


def _build(user: User, role: CustomRole | None, member_of: Iterable[int]) -> Actor:
    base = Actor.from_user(user)
    if role is None or user.role not in permissions.BASE_ROLES:
        return base
    visible = (frozenset(role.queue_ids or ()) | frozenset(member_of)
               if role.limit_to_queues else None)
    return Actor(**{**base.__dict__, "permissions": frozenset(role.permissions or ()),
                    "visible_queue_ids": visible, "custom_role_id": role.id})


def _load_base(db: Session, user: User) -> Actor:
    if user.custom_role_id is None or user.role not in permissions.BASE_ROLES:
        return Actor.from_user(user)
    # One round trip: the role and the user's memberships (outer join: none is fine).
    rows = db.exec(select(CustomRole, QueueMember.queue_id)
                   .outerjoin(QueueMember, QueueMember.user_id == user.id)
                   .where(CustomRole.id == user.custom_role_id)).all()
    role = rows[0][0] if rows else None
    return _build(user, role, [qid for _r, qid in rows if qid is not None])


def _load_many_base(db: Session, users: list[User]) -> dict[int, Actor]:
    role_ids = {u.custom_role_id for u in users
                if u.custom_role_id is not None and u.role in permissions.BASE_ROLES}
    roles = ({r.id: r for r in db.exec(select(CustomRole)
                                       .where(col(CustomRole.id).in_(role_ids))).all()}
             if role_ids else {})
    limited = [u.id for u in users
               if u.custom_role_id in roles and roles[u.custom_role_id].limit_to_queues]
    member_of: dict[int, list[int]] = {}
    if limited:
        for uid, qid in db.exec(select(QueueMember.user_id, QueueMember.queue_id)
                                .where(col(QueueMember.user_id).in_(limited))).all():
            member_of.setdefault(uid, []).append(qid)
    return {u.id: _build(u, roles.get(u.custom_role_id) if u.role in permissions.BASE_ROLES
                         else None, member_of.get(u.id, ()))
            for u in users}


def _with_cover(db: Session, actors: dict[int, Actor], now: datetime | None
                ) -> dict[int, Actor]:
    """Add the substitutions in force: `covering_ids`, and for a queue-limited substitute
    the covered people's queues (every queue when one of them is unlimited), so the
    substitute sees what the absent person could. Permissions do not pass on: only
    tickets. One indexed query for staff covering nobody; clients never substitute."""
    staff = [uid for uid, a in actors.items() if a.role in Role.STAFF]
    if not staff:
        return actors
    cover = substitution_cover.covering_many(db, staff, now or utcnow())
    if not cover:
        return actors
    covered_ids = {c for ids in cover.values() for c in ids}
    need = covered_ids - set(actors)
    covered = dict(actors)
    if need and any(actors[u].visible_queue_ids is not None for u in cover):
        users = db.exec(select(User).where(col(User.id).in_(sorted(need)))).all()
        covered.update(_load_many_base(db, list(users)))
    out = dict(actors)
    for uid, ids in cover.items():
        actor = actors[uid]
        visible = actor.visible_queue_ids
        if visible is not None:
            for other in ids:
                theirs = covered.get(other)
                if theirs is None:  # gone: nothing to add
                    continue
                if theirs.visible_queue_ids is None or theirs.role not in _LIMITABLE:
                    visible = None
                    break
                visible = visible | theirs.visible_queue_ids
        out[uid] = replace(actor, covering_ids=ids, visible_queue_ids=visible)
    return out


def load(db: Session, user: User, *, now: datetime | None = None) -> Actor:
    """The actor for one user (see module doc for the cost)."""
    actor = _load_base(db, user)
    return _with_cover(db, {actor.user_id: actor}, now)[actor.user_id]


def load_many(db: Session, users: Iterable[User], *,
              now: datetime | None = None) -> dict[int, Actor]:
    """Actors for many users in a few queries (notification audiences)."""
    return _with_cover(db, _load_many_base(db, list(users)), now)
