"""Bulk changes on the agent list: one header change applied to many tickets.

Every ticket goes through `tickets.update_ticket`, exactly like a single edit on the ticket
page, so the access policy, the workflow rules and optimistic locking apply identically;
each change lands on that ticket's timeline and is published live by `update_ticket`.
A bulk change is deliberately *not* one transaction: each ticket commits on its own and a
refused ticket is reported (with the translation key of the reason) without stopping the
others. The result says which tickets changed and why the others did not.

Versions (optimistic locking). A selection is a list of `(ticket id, version seen)`:
- rows ticked on a page carry the version the agent had on screen (`row_versions`);
- "all matching the filter" takes every match's version *at the moment of selecting*
  (`selection_for`), not at the moment of applying. This is the safer choice: a ticket
  someone else edited between "select all" and "apply" (it may not even match the filter
  any more, e.g. it was closed or moved to another queue) comes back as a conflict instead
  of being overwritten with a change the agent decided on without seeing that edit.
A plain list of ids (API, scripts) is accepted too; then each ticket is locked at the
version read when its batch starts, which only protects against edits during the batch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import literal
from sqlmodel import Session, col, select

from helpdesk_app.domain import access, permissions, tickets
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from helpdesk_app.models import Ticket

log = logging.getLogger(__name__)

# The header fields a bulk change may set (contract/type stay single-ticket edits).
FIELDS = ("status", "assignee_id", "queue_id", "priority")
# "Select all matching" and one run never handle more than this many tickets.
SELECTION_CAP = tickets.COUNT_CAP
# A version no ticket has: a row whose version could not be read reliably is a conflict.
UNKNOWN_VERSION = -1
MAX_ID = 2**31 - 1  # ids are 32-bit integer columns; anything else a browser sends is junk

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BulkFailure:
    ticket_id: int
    number: str  # "" when the actor may not see the ticket (nothing about it is revealed)
    reason: str  # not_found | forbidden | invalid | conflict | error
    key: str  # translation key of the message
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class BulkResult:
    total: int = 0
    changed: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)  # already had the requested values
    failures: list[BulkFailure] = field(default_factory=list)
    versions: dict[int, int] = field(default_factory=dict)  # new version per succeeded id

    @property
    def succeeded(self) -> int:
        return len(self.changed) + len(self.unchanged)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for f in self.failures:
            out[f.reason] = out.get(f.reason, 0) + 1
        return out


# --------------------------------------------------------------------------- selecting


def _matching(db: Session, actor: Actor, query: tickets.ListQuery) -> list[Any]:
    if query.sort not in tickets.SORTS:
        raise Invalid("list.bad_sort")
    if query.sla is not None and query.sla not in tickets.SLA_FILTERS:
        raise Invalid("list.bad_filter")
    # The list's own filter (access scope included), so "all matching" is what the list counts.
    return tickets._filters(db, actor, query)


def selection_for(db: Session, actor: Actor, query: tickets.ListQuery,
                  cap: int = SELECTION_CAP) -> list[tuple[int, int]]:
    """(id, current version) of every ticket matching the list filter that `actor` may see,
    in the list's order, at most `cap` (paging in `query` is ignored)."""
    cap = max(0, min(cap, SELECTION_CAP))
    rows = db.exec(
        select(Ticket.id, Ticket.version).where(*_matching(db, actor, query))
        .order_by(*tickets._order(db, actor, query)).limit(literal(cap, literal_execute=True))
    ).all()
    return [(tid, version) for tid, version in rows]


def ticket_ids_for(db: Session, actor: Actor, query: tickets.ListQuery,
                   cap: int = SELECTION_CAP) -> list[int]:
    """Ids of every ticket matching the filter that `actor` may see, capped."""
    return [tid for tid, _ in selection_for(db, actor, query, cap)]


def row_versions(rows: Iterable[tickets.TicketRow]) -> dict[int, int]:
    """The versions of the rows a page shows, as read with them (the list query went
    through the access policy): a ticket changed since is a conflict when a bulk change
    reaches it, never an overwrite of something the agent did not see."""
    return {r.id: r.version for r in rows}


# --------------------------------------------------------------------------- applying


def _clean_change(change: dict[str, Any]) -> dict[str, Any]:
    unknown = set(change) - set(FIELDS)
    if unknown:
        raise Invalid("ticket.field_not_editable", field=", ".join(sorted(unknown)))
    if not change:
        raise Invalid("bulk.nothing_to_change")
    return dict(change)


Selection = Sequence[tuple[int, int]] | Sequence[int]


def _normalise(selection: Selection) -> list[tuple[int, int | None]]:
    """(id, version or None), first occurrence of each id kept, order preserved."""
    seen: set[int] = set()
    out: list[tuple[int, int | None]] = []
    for item in selection:
        if isinstance(item, (tuple, list)):
            tid, version = int(item[0]), int(item[1])
        else:
            tid, version = int(item), None
        if not 0 < tid <= MAX_ID:
            tid = 0  # no ticket has it; reported as not found, never sent to the database
        if tid not in seen or tid == 0:
            seen.add(tid)
            out.append((tid, version))
    return out


def _reason(error: DomainError) -> str:
    for cls, name in ((NotFound, "not_found"), (Forbidden, "forbidden"),
                      (Conflict, "conflict"), (Invalid, "invalid")):
        if isinstance(error, cls):
            return name
    return "error"


def apply(db: Session, actor: Actor,
          selection: Selection,
          change: dict[str, Any], *, progress: Progress | None = None,
          batch_size: int = 100) -> BulkResult:
    """Apply `change` (a subset of FIELDS) to every selected ticket, one `update_ticket`
    each. Never raises for a single ticket: refusals are collected in the result.
    Raises Invalid only for a request that cannot apply to any ticket (unknown field,
    empty change, more than SELECTION_CAP tickets). `progress(done, total)` is called
    before the first batch and after each batch."""
    if actor.is_staff:  # a custom role may lack it (clients: every ticket refused below)
        access.require_permission(actor, permissions.BULK_EDIT)
    change = _clean_change(change)
    items = _normalise(selection)
    if len(items) > SELECTION_CAP:
        raise Invalid("bulk.too_many", max=SELECTION_CAP)
    result = BulkResult(total=len(items))
    batch_size = max(1, batch_size)
    if progress:
        progress(0, result.total)
    for start in range(0, len(items), batch_size):
        batch = items[start:start + batch_size]
        ids = [tid for tid, _ in batch]
        db.expire_all()  # nothing cached from an earlier batch: read every ticket fresh
        current = dict(db.exec(
            select(Ticket.id, Ticket.version).where(col(Ticket.id).in_(ids))).all())
        # Numbers only of tickets the actor may see: a failure must not reveal the others.
        numbers = dict(db.exec(
            select(Ticket.id, Ticket.number)
            .where(col(Ticket.id).in_(ids), access.ticket_scope(actor))).all())
        for tid, seen in batch:
            # Ids without a seen version are locked at the version read for this batch;
            # a missing ticket gets a version that update_ticket never reaches (NotFound).
            expected = seen if seen is not None else current.get(tid, UNKNOWN_VERSION)
            db.expire_all()
            try:
                if tid == 0:
                    raise NotFound("ticket.not_found")
                new_version = tickets.update_ticket(db, actor, tid, expected, change)
            except DomainError as e:
                db.rollback()
                result.failures.append(BulkFailure(tid, numbers.get(tid, ""), _reason(e),
                                                   e.key, dict(e.params)))
                continue
            except Exception:  # one broken ticket must not stop the others
                log.exception("bulk change failed for ticket %s", tid)
                db.rollback()
                result.failures.append(BulkFailure(tid, numbers.get(tid, ""), "error",
                                                   "error.generic"))
                continue
            (result.changed if new_version != expected else result.unchanged).append(tid)
            result.versions[tid] = new_version
        if progress:
            progress(min(start + len(batch), result.total), result.total)
    return result
