"""Notification preferences: per user and event, by e-mail and/or in the app, optionally
only for some client organisations / contracts / queues.

A `NotificationPreference` row overrides the role's default for one event; no row means
the default (`default`). Which events exist for a role is fixed here, not by rows: a
client never hears of internal notes, assignments, new tickets or SLA alerts, whatever a
row says. `notify` asks `wants` for every candidate recipient after loading all their
rows in one query (`load`); nothing here queries per recipient.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlmodel import Session, col, delete, select

from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import Forbidden, Invalid, NotFound
from helpdesk_app.models import (
    Contract,
    NotificationKind,
    NotificationPreference,
    Organisation,
    OrgKind,
    Queue,
    Role,
    Ticket,
    User,
)
from helpdesk_app.models.base import utcnow

K = NotificationKind
# A scope list longer than this is a crafted request, not a person ticking boxes.
SCOPE_MAX = 500


class Channels(NamedTuple):
    in_app: bool
    email: bool


NOTHING = Channels(False, False)

# Role defaults (in the app, by e-mail). The dict's keys are also the events that exist
# for the role: anything else is never delivered to it.
_STAFF_DEFAULTS: dict[str, Channels] = {
    K.NEW_TICKET: Channels(True, False),
    K.PUBLIC_REPLY: Channels(True, True),  # a client answered on my ticket
    K.INTERNAL_NOTE: Channels(True, False),  # someone else noted on my ticket
    K.ASSIGNMENT: Channels(True, True),  # assigned to me
    K.STATUS_CHANGE: Channels(True, False),  # someone else moved my ticket
    K.SLA_WARNING: Channels(True, False),
    K.SLA_BREACH: Channels(True, True),
    K.HANDOVER: Channels(True, True),  # a subcontractor accepted / returned my handover
}
# Coordinators triage: they hear of new tickets by mail too.
_COORDINATOR_DEFAULTS = {**_STAFF_DEFAULTS, K.NEW_TICKET: Channels(True, True)}
_CLIENT_DEFAULTS: dict[str, Channels] = {
    K.PUBLIC_REPLY: Channels(True, True),  # an agent answered
    K.STATUS_CHANGE: Channels(True, False),
    K.TICKET_CLOSED: Channels(True, True),
}
# Subcontractors hear of tickets handed to them and withdrawn from them.
_SUBCONTRACTOR_DEFAULTS: dict[str, Channels] = {
    K.HANDOVER: Channels(True, True),
}
_DEFAULTS: dict[str, dict[str, Channels]] = {
    Role.ADMIN: _STAFF_DEFAULTS,
    Role.COORDINATOR: _COORDINATOR_DEFAULTS,
    Role.TECHNICIAN: _STAFF_DEFAULTS,
    Role.CLIENT: _CLIENT_DEFAULTS,
    Role.SUBCONTRACTOR: _SUBCONTRACTOR_DEFAULTS,
}


def events_for(role: str) -> tuple[str, ...]:
    """The events a user of `role` can be notified of, in NotificationKind order."""
    table = _DEFAULTS.get(role, {})
    return tuple(e for e in K.ALL if e in table)


def default(role: str, event: str) -> Channels:
    """The role's default for `event` (NOTHING when the event is not for the role)."""
    return _DEFAULTS.get(role, {}).get(event, NOTHING)


# --------------------------------------------------------------------------- delivery


@dataclass(frozen=True)
class Choice:
    """One stored preference, as `wants` reads it (empty scope tuple: all)."""

    channels: Channels
    organisation_ids: frozenset[int] = frozenset()
    contract_ids: frozenset[int] = frozenset()
    queue_ids: frozenset[int] = frozenset()

    def covers(self, ticket: Ticket) -> bool:
        return ((not self.organisation_ids or ticket.organisation_id in self.organisation_ids)
                and (not self.contract_ids or ticket.contract_id in self.contract_ids)
                and (not self.queue_ids or ticket.queue_id in self.queue_ids))


Loaded = dict[tuple[int, str], Choice]


def load(db: Session, user_ids: Iterable[int]) -> Loaded:
    """Every stored preference of these users, in one query."""
    ids = {u for u in user_ids if u is not None}
    if not ids:
        return {}
    rows = db.exec(select(NotificationPreference)
                   .where(col(NotificationPreference.user_id).in_(ids))).all()
    return {(r.user_id, r.event): Choice(
        Channels(bool(r.in_app), bool(r.email)),
        frozenset(r.organisation_ids or ()), frozenset(r.contract_ids or ()),
        frozenset(r.queue_ids or ())) for r in rows}


def wants(loaded: Loaded, user_id: int, role: str, event: str, ticket: Ticket) -> Channels:
    """How `user_id` (of `role`) wants to hear of `event` on `ticket`: their row within
    its scope, else the role default. Events not for the role: NOTHING, row or not."""
    if event not in _DEFAULTS.get(role, {}):
        return NOTHING
    choice = loaded.get((user_id, event))
    if choice is None:
        return default(role, event)
    return choice.channels if choice.covers(ticket) else NOTHING


# --------------------------------------------------------------------------- the settings page


@dataclass(frozen=True)
class PrefView:
    event: str
    in_app: bool
    email: bool
    organisation_ids: list[int] = field(default_factory=list)
    contract_ids: list[int] = field(default_factory=list)
    queue_ids: list[int] = field(default_factory=list)
    is_default: bool = True  # no row stored: the role default


@dataclass
class PrefInput:
    event: str
    in_app: bool
    email: bool
    organisation_ids: list[int] = field(default_factory=list)  # empty: all
    contract_ids: list[int] = field(default_factory=list)
    queue_ids: list[int] = field(default_factory=list)


def effective(db: Session, user: User) -> list[PrefView]:
    """Every event that applies to the user's role, stored rows or defaults filled in."""
    rows = {r.event: r for r in db.exec(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id)).all()}
    out = []
    for event in events_for(user.role):
        row = rows.get(event)
        if row is None:
            d = default(user.role, event)
            out.append(PrefView(event, d.in_app, d.email))
        else:
            out.append(PrefView(event, bool(row.in_app), bool(row.email),
                                sorted(row.organisation_ids or []),
                                sorted(row.contract_ids or []), sorted(row.queue_ids or []),
                                is_default=False))
    return out


def _ids(values: Iterable[object]) -> list[int]:
    try:
        ids = sorted({int(v) for v in values})  # type: ignore[call-overload]
    except (TypeError, ValueError) as exc:
        raise Invalid("notification_prefs.unknown_scope") from exc
    if len(ids) > SCOPE_MAX:
        raise Invalid("notification_prefs.unknown_scope")
    return ids


def _has_scope(p: PrefInput) -> bool:
    return bool(p.organisation_ids or p.contract_ids or p.queue_ids)


def _check_exist(db: Session, model, ids: set[int], *where) -> None:
    if not ids:
        return
    found = set(db.exec(select(model.id).where(col(model.id).in_(ids), *where)).all())
    if found != ids:
        raise Invalid("notification_prefs.unknown_scope")


def save(db: Session, actor: Actor, user_id: int, prefs: Iterable[PrefInput]) -> None:
    """Store a user's preferences for the given events (others keep theirs). A user edits
    their own; an admin anyone's. A choice equal to the role default (no scope) removes
    the row, so the user follows future default changes. Commits."""
    if actor.user_id != user_id and actor.role != Role.ADMIN:
        raise Forbidden()
    user = db.get(User, user_id)
    if user is None:
        raise NotFound()
    allowed = set(events_for(user.role))
    cleaned: dict[str, PrefInput] = {}
    for p in prefs:
        if p.event not in allowed or p.event in cleaned:
            raise Invalid("notification_prefs.unknown_event", event=str(p.event)[:40])
        cleaned[p.event] = PrefInput(p.event, bool(p.in_app), bool(p.email),
                                     _ids(p.organisation_ids), _ids(p.contract_ids),
                                     _ids(p.queue_ids))
    scoped = [p for p in cleaned.values() if _has_scope(p)]
    if scoped and user.role not in Role.STAFF:
        # Clients hear only of their own tickets: a scope means nothing for them.
        raise Invalid("notification_prefs.unknown_scope")
    _check_exist(db, Organisation, {i for p in scoped for i in p.organisation_ids},
                 Organisation.kind == OrgKind.CLIENT)
    _check_exist(db, Contract, {i for p in scoped for i in p.contract_ids})
    _check_exist(db, Queue, {i for p in scoped for i in p.queue_ids})

    existing = {r.event: r for r in db.exec(
        select(NotificationPreference).where(NotificationPreference.user_id == user_id,
                                             col(NotificationPreference.event)
                                             .in_(list(cleaned)))).all()} if cleaned else {}
    now = utcnow()
    for event, p in cleaned.items():
        row = existing.get(event)
        if Channels(p.in_app, p.email) == default(user.role, event) and not _has_scope(p):
            if row is not None:
                db.exec(delete(NotificationPreference)
                        .where(col(NotificationPreference.id) == row.id))
            continue
        row = row or NotificationPreference(user_id=user_id, event=event)
        row.in_app, row.email = p.in_app, p.email
        row.organisation_ids, row.contract_ids = p.organisation_ids, p.contract_ids
        row.queue_ids, row.updated_at = p.queue_ids, now
        db.add(row)
    db.commit()


@dataclass(frozen=True)
class ScopeOption:
    id: int
    label: str


@dataclass(frozen=True)
class ScopeOptions:
    organisations: list[ScopeOption]
    contracts: list[ScopeOption]
    queues: list[ScopeOption]


def scope_options(db: Session, actor: Actor) -> ScopeOptions:
    """What a staff member may narrow their notifications to. Staff only."""
    if not actor.is_staff:
        raise Forbidden()
    orgs = db.exec(select(Organisation).where(Organisation.kind == OrgKind.CLIENT)
                   .order_by(Organisation.name)).all()
    contracts = db.exec(select(Contract).order_by(Contract.name, col(Contract.id))).all()
    queues = db.exec(select(Queue).where(col(Queue.is_active).is_(True))
                     .order_by(Queue.name)).all()
    return ScopeOptions([ScopeOption(o.id, o.name) for o in orgs],
                        [ScopeOption(c.id, c.name) for c in contracts],
                        [ScopeOption(q.id, q.name) for q in queues])
