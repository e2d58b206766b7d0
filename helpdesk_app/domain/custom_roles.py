"""Custom roles: named permission sets on top of a built-in staff role, and who has them.

Admins only; every function re-checks the actor; one change, one function, one commit.
- A role has a unique name, a base role (technician or coordinator: what the pages and
  the ticket rules treat its members as), the complete set of permissions its members
  get (domain/permissions.py: fewer than the base role narrows it, more extends it), and
  an optional queue limit (`limit_to_queues` + the queues it lists; the members' own
  queue memberships are added, see domain/actor_loading.py).
- Assigning a role to a user also sets the user's built-in role to the role's base role,
  so every role check in the app (pages, handlers) and the role's permissions agree;
  changing a role's base role moves its members along. Removing a user's custom role
  leaves them with the plain base role. Clients and admins are never assigned one.
- Everything takes effect on the member's next click: the actor is rebuilt from the
  database on every event, nothing about the role is cached in a session.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from helpdesk_app.domain import access, audit, permissions
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.directory import Option
from helpdesk_app.domain.errors import FieldChecks, Invalid, NotFound
from helpdesk_app.models import CustomRole, Queue, User

NAME_MAX = 120
# What the audit log compares; the permission set is logged on its own as added / removed
# ("role.permissions_changed"), except in the entry of a new or deleted role.
_AUDITED = ("name", "base_role", "limit_to_queues", "queue_ids")


@dataclass(frozen=True)
class RoleView:
    id: int
    name: str
    base_role: str
    permissions: list[str]
    limit_to_queues: bool
    queue_ids: list[int]
    members: int


def _view(role: CustomRole, members: int) -> RoleView:
    return RoleView(role.id, role.name, role.base_role, permissions.clean(role.permissions),
                    role.limit_to_queues, list(role.queue_ids or []), members)


def list_roles(db: Session, actor: Actor) -> list[RoleView]:
    access.require_admin(actor)
    counts = dict(db.exec(select(User.custom_role_id, func.count())
                          .where(col(User.custom_role_id).is_not(None))
                          .group_by(User.custom_role_id)).all())
    return [_view(r, counts.get(r.id, 0))
            for r in db.exec(select(CustomRole).order_by(col(CustomRole.name))).all()]


def _load(db: Session, role_id: int) -> CustomRole:
    role = db.get(CustomRole, role_id) if role_id else None
    if role is None:
        raise NotFound("roles.not_found")
    return role


def _audited(role: CustomRole | None) -> dict | None:
    if role is None:
        return None
    return {**audit.snapshot(role, _AUDITED), "permissions": permissions.clean(role.permissions)}


def _target(role: CustomRole) -> audit.Target:
    return audit.Target("role", role.id, role.name)


def save_role(db: Session, actor: Actor, role_id: int | None, *, name: str, base_role: str,
              granted: Iterable[str], limit_to_queues: bool,
              queue_ids: Iterable[int]) -> int:
    """Create (`role_id` None) or change a custom role. Returns its id. Each problem is
    reported next to its field; unknown permission keys are refused, not dropped, so a
    tampered form cannot pass silently."""
    access.require_admin(actor)
    role = _load(db, role_id) if role_id else None
    checks = FieldChecks()
    name = " ".join((name or "").split())
    if not name:
        checks.fail("name", "roles.name_required")
    elif len(name) > NAME_MAX:
        checks.fail("name", "roles.name_too_long", max=NAME_MAX)
    else:
        clash = db.exec(select(CustomRole.id)
                        .where(func.lower(CustomRole.name) == name.lower())).first()
        if clash is not None and clash != role_id:
            checks.fail("name", "roles.name_taken")
    if base_role not in permissions.BASE_ROLES:
        checks.fail("base_role", "roles.base_invalid")
    granted = list(granted)
    if set(granted) - set(permissions.PERMISSIONS):
        checks.fail("permissions", "roles.permission_unknown")
    wanted = sorted({int(q) for q in queue_ids})
    if wanted:
        known = set(db.exec(select(Queue.id).where(col(Queue.id).in_(wanted))).all())
        if set(wanted) - known:
            checks.fail("queues", "roles.queue_unknown")
    checks.done()
    before = _audited(role)
    if role is None:
        role = CustomRole(name=name, base_role=base_role)
    role.name, role.permissions = name, permissions.clean(granted)
    role.limit_to_queues = bool(limit_to_queues)
    role.queue_ids = wanted if limit_to_queues else []
    moved = 0
    if role.base_role != base_role and role.id is not None:
        for user in db.exec(select(User).where(User.custom_role_id == role.id)).all():
            user.role = base_role
            db.add(user)
            moved += 1
    role.base_role = base_role
    db.add(role)
    db.flush()
    _record_save(db, actor, role, before, moved)
    db.commit()
    return role.id


def _record_save(db: Session, actor: Actor, role: CustomRole, before: dict | None,
                 moved: int) -> None:
    """A new role: one entry with everything. A changed one: "role.updated" for its
    fields (with how many members moved to a new base role), and
    "role.permissions_changed" with the permissions added / removed."""
    after = _audited(role)
    if before is None:
        audit.record(db, actor, "role.created", target=_target(role),
                     details=audit.changes(None, after, (*_AUDITED, "permissions")))
        return
    details: dict = audit.changes(before, after, _AUDITED)
    if moved:
        details["members_moved"] = moved
    audit.record_change(db, actor, "role.updated", target=_target(role), details=details)
    added = sorted(set(after["permissions"]) - set(before["permissions"]))
    removed = sorted(set(before["permissions"]) - set(after["permissions"]))
    if added or removed:
        audit.record(db, actor, "role.permissions_changed", target=_target(role),
                     details={k: v for k, v in (("added", added), ("removed", removed)) if v})


def delete_role(db: Session, actor: Actor, role_id: int) -> None:
    """Remove a role; its members keep their base role without the custom one."""
    access.require_admin(actor)
    role = _load(db, role_id)
    details: dict = audit.changes(_audited(role), None, (*_AUDITED, "permissions"))
    members = db.exec(select(User).where(User.custom_role_id == role.id)).all()
    for user in members:
        user.custom_role_id = None
        db.add(user)
    if members:
        details["members"] = len(members)
    audit.record(db, actor, "role.deleted", target=_target(role), details=details)
    db.flush()
    db.delete(role)
    db.commit()


def members(db: Session, actor: Actor, role_id: int) -> list[Option]:
    access.require_admin(actor)
    _load(db, role_id)
    rows = db.exec(select(User).where(User.custom_role_id == role_id)
                   .order_by(col(User.full_name))).all()
    return [Option(u.id, f"{u.full_name} <{u.email}>") for u in rows]


def assign(db: Session, actor: Actor, user_id: int, role_id: int | None) -> None:
    """Give a technician or coordinator a custom role (None: take it away). The user's
    built-in role becomes the custom role's base role."""
    access.require_admin(actor)
    user = db.get(User, user_id) if user_id else None
    if user is None or not user.is_active or user.role not in permissions.BASE_ROLES:
        raise Invalid("roles.member_invalid")
    before = {"custom_role": role_name(db, user.custom_role_id) or None, "role": user.role}
    if role_id is None:
        user.custom_role_id = None
    else:
        role = _load(db, role_id)
        user.custom_role_id, user.role = role.id, role.base_role
    db.add(user)
    after = {"custom_role": role_name(db, user.custom_role_id) or None, "role": user.role}
    audit.record_change(db, actor, "user.role_changed",
                        target=audit.Target("user", user.id, user.email),
                        details=audit.changes(before, after, ("custom_role", "role")))
    db.commit()


def role_name(db: Session, role_id: int | None) -> str:
    """The name of a custom role ("" for none), for labels elsewhere (user lists)."""
    role = db.get(CustomRole, role_id) if role_id else None
    return role.name if role else ""


__all__ = ["RoleView", "assign", "delete_role", "list_roles", "members", "role_name",
           "save_role"]
