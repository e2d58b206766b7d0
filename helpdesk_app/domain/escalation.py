"""What happens to a ticket when one of its SLA clocks breaches: the contract's
escalation rule (Contract.escalation_action). Plain Python, no reflex.

Called by the SLA sweep (domain/sla_alerts.py) in the transaction that records the breach,
so an escalation happens exactly when the breach alert is committed — once. Each action
writes the ticket with a version bump (an agent who had the ticket open gets a conflict,
not a silent overwrite), records an internal `escalation` timeline event with
{action, clock, old, new} and leaves publishing the change to the caller.

Actions:
* raise_priority — one step up (low → normal → high → urgent); nothing at urgent.
* move_queue — to the contract's escalation queue; nothing when it is unset, inactive
  or the ticket is already there.
* assign_coordinator — when nobody is assigned: the active coordinator with the fewest
  active tickets (ties: lowest id). "Active" is what the status definitions say
  (`ticket_status`, configured by admins): every status that is not resolving
  (workflow.is_resolving: category resolved/closed, `closes`, or an SLA effect that stops
  the clock), custom ones included — not a fixed list of keys. Coordinators are global
  for now: there are no queue-specific coordinators yet. Coordinators who are away
  (a substitution in force, issue 13) are skipped; only when every coordinator is away
  does the least busy of all get it (their substitute then sees and hears of it), so a
  breached ticket is never left without an owner for that reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from helpdesk_app.domain import substitution_cover, workflow
from helpdesk_app.domain.errors import Conflict
from helpdesk_app.models import (
    Contract,
    EscalationAction,
    EventKind,
    Priority,
    Queue,
    Role,
    Ticket,
    TimelineEvent,
    User,
)

_EVENT_INSERT = insert(TimelineEvent.__table__)


@dataclass(frozen=True)
class Escalation:
    action: str
    old: Any
    new: Any

    @property
    def changes_sla(self) -> bool:
        """Whether the SLA targets may differ now (priority overrides)."""
        return self.action == EscalationAction.RAISE_PRIORITY


def coordinator_ids(db: Session) -> list[int]:
    """Active users with the coordinator role, by id."""
    return list(db.exec(
        select(User.id).where(User.role == Role.COORDINATOR, col(User.is_active).is_(True))
        .order_by(col(User.id))
    ).all())


def _active_keys(db: Session) -> list[str]:
    """Keys of the statuses in which a ticket still needs work, from the status table
    (read once per transaction, or per sweep batch, through workflow's cache)."""
    return [key for key, status in workflow.all_statuses(db).items()
            if not workflow.is_resolving(status)]


def _least_busy(db: Session, candidates: Sequence[int], now: datetime) -> int | None:
    if not candidates:
        return None
    away = substitution_cover.away_now(db, candidates, now)
    candidates = [c for c in candidates if c not in away] or list(candidates)
    load = dict(db.exec(
        select(Ticket.assignee_id, func.count())
        .where(col(Ticket.assignee_id).in_(candidates),
               col(Ticket.status).in_(_active_keys(db)))
        .group_by(Ticket.assignee_id)
    ).all())
    return min(candidates, key=lambda uid: (load.get(uid, 0), uid))


def _target(db: Session, ticket: Ticket, contract: Contract,
            coordinators: Sequence[int], now: datetime) -> tuple[str, Any, Any] | None:
    """(column, old, new) the rule asks for, or None when there is nothing to do."""
    action = contract.escalation_action
    if action == EscalationAction.RAISE_PRIORITY:
        if ticket.priority < Priority.URGENT:
            return "priority", ticket.priority, min(ticket.priority + 1, Priority.URGENT)
    elif action == EscalationAction.MOVE_QUEUE:
        queue = db.get(Queue, contract.escalation_queue_id) if contract.escalation_queue_id \
            else None
        if queue is not None and queue.is_active and ticket.queue_id != queue.id:
            return "queue_id", ticket.queue_id, queue.id
    elif action == EscalationAction.ASSIGN_COORDINATOR and ticket.assignee_id is None:
        chosen = _least_busy(db, coordinators, now)
        if chosen is not None:
            return "assignee_id", None, chosen
    return None


def escalate(db: Session, ticket: Ticket, clock: str, now: datetime, *,
             coordinators: Sequence[int] | None = None) -> Escalation | None:
    """Apply the ticket's contract escalation rule for a breach of `clock`. Writes in the
    caller's transaction (never commits). Returns what was done, or None."""
    contract = db.get(Contract, ticket.contract_id) if ticket.contract_id else None
    if contract is None or contract.escalation_action not in EscalationAction.ALL:
        return None
    if coordinators is None:
        coordinators = coordinator_ids(db)
    target = _target(db, ticket, contract, coordinators, now)
    if target is None:
        return None
    column, old, new = target
    version = ticket.version
    written = db.execute(
        update(Ticket).where(Ticket.id == ticket.id, Ticket.version == version)
        .values({column: new, "version": version + 1, "updated_at": now})
        .execution_options(synchronize_session=False)
    ).rowcount
    if written != 1:  # edited since we read it: the whole unit is retried later
        raise Conflict("ticket.conflict")
    # Tell the loaded object what the row holds now (without making it "dirty").
    for name, value in ((column, new), ("version", version + 1), ("updated_at", now)):
        set_committed_value(ticket, name, value)
    # A plain INSERT, not an ORM object and a flush: the sweep escalates many tickets.
    db.execute(_EVENT_INSERT, {
        "ticket_id": ticket.id, "kind": EventKind.ESCALATION, "author_id": None,
        "is_public": False, "body": "", "created_at": now,
        "data": {"action": contract.escalation_action, "clock": clock, "old": old, "new": new}})
    return Escalation(contract.escalation_action, old, new)
