"""Recompute the SLA of many tickets after a calendar, contract or ticket type changed.

Changing a contract's calendar, a calendar's windows/holidays/cut-off, or a ticket type's
targets changes the due dates of every open ticket that depends on it. Because
`sla.compute` derives everything from the ticket's history (the timeline), recomputing
is exact — paused time is never lost.

* `affected_ticket_ids(db, calendar_id=..., contract_id=..., ticket_type_id=...)`: the
  open tickets (current status not "stops" per `TicketStatus.sla_effect`) whose SLA
  depends on the changed object (calendar → contracts using it → their tickets).
  Resolved/closed tickets keep their recorded outcome: their met/breached figures feed
  compliance reports and must not move when a calendar is edited later.
* `recompute_many(db, ids, now, batch_size=..., progress=...)`: recompute in batches,
  one commit per batch, `progress(done, total)` after each, one change event per ticket
  (kind "sla", agents only) so open lists refresh.
* `recompute_after_change(...)`: both of the above in one call (admin pages).

`sla.recompute_ticket` costs ~8 queries and ORM work per ticket (~1 ms+). Here a batch is
loaded with a handful of `IN` queries (tickets, STATUS events, first public agent reply;
ticket types, per-priority targets and contracts once per run; calendar specs through
`sla.spec_for_calendar`), `sla.SlaInputs` are built with exactly the semantics of
`sla.load_inputs`, `sla.compute(..., explain=False)` runs, and the Ticket SLA columns are
written with one executemany UPDATE per batch. The stored columns are identical to what
`sla.recompute_ticket` writes (tested); `version`/`updated_at` are not touched either.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from sqlalchemy import bindparam, func, or_, update
from sqlmodel import Session, col, select

from helpdesk_app.domain import sla
from helpdesk_app.domain.calendars import BusinessCalendar, get_calendar
from helpdesk_app.live.bus import queue_change
from helpdesk_app.models import (
    Contract,
    EventKind,
    SlaEffect,
    Ticket,
    TicketStatus,
    TicketType,
    TicketTypeTarget,
    TimelineEvent,
)

Progress = Callable[[int, int], None]

SLA_COLUMNS = sla.STORED_COLUMNS

_T = Ticket.__table__
_UPDATE = (
    update(_T)
    .where(_T.c.id == bindparam("_id"))
    .values({name: bindparam(f"_{name}") for name in SLA_COLUMNS})
)


# ---------------------------------------------------------------------------- which tickets


def _stopping_keys(db: Session) -> list[str]:
    return list(db.exec(select(TicketStatus.key).where(
        TicketStatus.sla_effect == SlaEffect.STOPS)).all())


def affected_ticket_ids(db: Session, *, calendar_id: int | None = None,
                        contract_id: int | None = None,
                        ticket_type_id: int | None = None) -> list[int]:
    """Ids (ascending) of the open tickets whose SLA depends on the given calendar,
    contract or ticket type (the union when several are given).

    Open = the ticket's current status does not stop the clock (`sla_effect` "stops");
    a status missing from `ticket_status` counts, as in `sla.load_inputs`. A ticket
    depends on a calendar through its contract, and on a type only when it has that type.
    """
    if calendar_id is None and contract_id is None and ticket_type_id is None:
        raise ValueError("give a calendar_id, contract_id or ticket_type_id")
    depends = []
    if calendar_id is not None:
        depends.append(col(Ticket.contract_id).in_(
            select(Contract.id).where(Contract.calendar_id == calendar_id)))
    if contract_id is not None:
        depends.append(col(Ticket.contract_id) == contract_id)
    if ticket_type_id is not None:
        depends.append(col(Ticket.ticket_type_id) == ticket_type_id)
    query = select(Ticket.id).where(or_(*depends))
    stopping = _stopping_keys(db)
    if stopping:
        query = query.where(col(Ticket.status).not_in(stopping))
    return list(db.exec(query.order_by(col(Ticket.id))).all())


# ---------------------------------------------------------------------------- loading


class _Loader:
    """What a run needs beyond the tickets themselves, loaded once and reused per batch:
    status effects, ticket types, per-priority overrides, contracts → calendars."""

    def __init__(self, db: Session) -> None:
        self.db = db
        self.effects = {key: eff for key, eff in db.exec(
            select(TicketStatus.key, TicketStatus.sla_effect)).all()}
        # type id -> (contract id, reaction, resolution, warning %); None: type missing
        self.types: dict[int, tuple[int, int | None, int | None, int | None] | None] = {}
        # type id -> {priority: (reaction, resolution)}
        self.overrides: dict[int, dict[int, tuple[int | None, int | None]]] = {}
        # contract id -> calendar (None: contract missing)
        self.calendars: dict[int, BusinessCalendar | None] = {}
        self._specs: dict[int, BusinessCalendar] = {}

    def effect(self, key: object) -> str:
        # Same reading as sla.load_inputs: an unknown status counts.
        found = self.effects.get(key) if isinstance(key, str) else None
        return found if found in SlaEffect.ALL else SlaEffect.COUNTS

    def prepare(self, contract_ids: set[int], type_ids: set[int]) -> None:
        """Load the types, overrides and contracts this batch needs and the run lacks."""
        db = self.db
        new_types = type_ids - self.types.keys()
        if new_types:
            for row in db.exec(select(
                    TicketType.id, TicketType.contract_id, TicketType.reaction_minutes,
                    TicketType.resolution_minutes, TicketType.warning_percent)
                    .where(col(TicketType.id).in_(new_types))).all():
                self.types[row[0]] = tuple(row[1:])
            for tid in new_types:
                self.types.setdefault(tid, None)
                self.overrides.setdefault(tid, {})
            for type_id, priority, reaction, resolution in db.exec(select(
                    TicketTypeTarget.ticket_type_id, TicketTypeTarget.priority,
                    TicketTypeTarget.reaction_minutes, TicketTypeTarget.resolution_minutes)
                    .where(col(TicketTypeTarget.ticket_type_id).in_(new_types))
                    .order_by(col(TicketTypeTarget.id))).all():
                # (type, priority) is unique; `.first()` in sla._targets picks the same row
                self.overrides[type_id].setdefault(priority, (reaction, resolution))
        new_contracts = contract_ids - self.calendars.keys()
        if new_contracts:
            for cid, calendar_id in db.exec(select(Contract.id, Contract.calendar_id).where(
                    col(Contract.id).in_(new_contracts))).all():
                self.calendars[cid] = self._calendar(calendar_id)
            for cid in new_contracts:
                self.calendars.setdefault(cid, None)

    def _calendar(self, calendar_id: int) -> BusinessCalendar:
        cal = self._specs.get(calendar_id)
        if cal is None:
            # Raises NotFound for a missing row, like sla.load_inputs.
            cal = self._specs[calendar_id] = get_calendar(
                sla.spec_for_calendar(self.db, calendar_id))
        return cal

    def targets(self, contract_id: int | None, type_id: int | None,
                priority: int) -> sla.Targets | None:
        """As `sla._targets`: a type applies only under its own contract."""
        if contract_id is None or type_id is None:
            return None
        ttype = self.types.get(type_id)
        if ttype is None or ttype[0] != contract_id:
            return None
        override = self.overrides.get(type_id, {}).get(priority)
        return sla.resolve_targets(ttype[1], ttype[2], ttype[3], priority,
                                   {priority: override} if override is not None else None)


def _load_batch(db: Session, loader: _Loader, ids: Sequence[int]
                ) -> list[tuple[int, int, sla.SlaInputs]]:
    """(ticket id, organisation id, inputs) for the tickets of `ids` that exist."""
    tickets = db.exec(select(
        Ticket.id, Ticket.organisation_id, Ticket.created_at, Ticket.status, Ticket.priority,
        Ticket.contract_id, Ticket.ticket_type_id).where(col(Ticket.id).in_(ids))).all()
    if not tickets:
        return []
    found = [t[0] for t in tickets]

    changes: dict[int, list[tuple[datetime, object]]] = {}
    for ticket_id, at, data in db.exec(
        select(TimelineEvent.ticket_id, TimelineEvent.created_at, TimelineEvent.data)
        .where(col(TimelineEvent.ticket_id).in_(found),
               TimelineEvent.kind == EventKind.STATUS)
        .order_by(col(TimelineEvent.ticket_id), col(TimelineEvent.created_at),
                  col(TimelineEvent.id))
    ).all():
        changes.setdefault(ticket_id, []).append((at, data))

    responses = dict(db.exec(sla.first_responses(found)).all())

    loader.prepare({t[5] for t in tickets if t[5] is not None},
                   {t[6] for t in tickets if t[6] is not None})
    effect = loader.effect
    out = []
    for ticket_id, org_id, created_at, status, priority, contract_id, type_id in tickets:
        events = changes.get(ticket_id, ())
        # Same as sla.load_inputs: the initial status is the first change's "old" value.
        initial = (events[0][1] or {}).get("old") if events else status
        transitions = [(created_at, effect(initial))]
        transitions += [(at, effect((data or {}).get("new"))) for at, data in events]
        targets = loader.targets(contract_id, type_id, priority)
        calendar = loader.calendars.get(contract_id) if contract_id is not None else None
        inputs = sla.SlaInputs.with_targets(
            targets or sla.Targets(warning_percent=None),
            received_at=created_at, calendar=calendar, transitions=transitions,
            first_response_at=responses.get(ticket_id), priority=priority)
        out.append((ticket_id, org_id, inputs))
    return out


# ---------------------------------------------------------------------------- recompute


def _batches(ids: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def recompute_many(db: Session, ticket_ids: Iterable[int], now: datetime, *,
                   batch_size: int = 500, progress: Progress | None = None) -> int:
    """Recompute and store the SLA of `ticket_ids` as of `now`, in batches of
    `batch_size`, committing after each batch (a long run never holds one big write
    transaction; an interrupted run leaves finished batches done — recomputing is
    idempotent, so just run it again). Calls `progress(done, total)` after each batch
    (`total` = number of distinct ids given; ids of tickets that no longer exist count as
    done). Queues one change per ticket (kind "sla", agents only), published per commit.
    Returns the number of tickets written.

    Pending changes in `db` are flushed first and committed with the first batch."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if now.tzinfo is None:
        raise ValueError("naive datetime: pass a timezone-aware (UTC) now")
    ids = sorted(set(ticket_ids))
    total = len(ids)
    db.flush()
    if not total:
        if progress is not None:
            progress(0, 0)
        return 0
    loader = _Loader(db)
    written = done = 0
    for batch in _batches(ids, batch_size):
        rows = []
        for ticket_id, org_id, inputs in _load_batch(db, loader, batch):
            result = sla.compute(inputs, now, explain=False)
            values = sla.stored_columns(result, now)
            rows.append({"_id": ticket_id, **{f"_{k}": v for k, v in values.items()}})
            queue_change(db, ticket_id=ticket_id, organisation_id=org_id, kind="sla",
                         public=False)
        if rows:
            db.execute(_UPDATE, rows)
            _expire_loaded(db, [r["_id"] for r in rows])
        db.commit()
        written += len(rows)
        done += len(batch)
        if progress is not None:
            progress(done, total)
    return written


def _expire_loaded(db: Session, ids: list[int]) -> None:
    """The UPDATE bypasses the ORM: Ticket objects this session already holds must reload
    their SLA columns instead of showing the old values."""
    identity = db.identity_map
    if not len(identity):
        return
    for ticket_id in ids:
        obj = identity.get(Session.identity_key(Ticket, ticket_id))
        if obj is not None:
            db.expire(obj, list(SLA_COLUMNS))


def recompute_after_change(db: Session, now: datetime, *, calendar_id: int | None = None,
                           contract_id: int | None = None, ticket_type_id: int | None = None,
                           batch_size: int = 500, progress: Progress | None = None) -> int:
    """`affected_ticket_ids` then `recompute_many`: call after `calendar_config.save_calendar`,
    `save_contract` or `save_ticket_type` committed. Returns the tickets written."""
    ids = affected_ticket_ids(db, calendar_id=calendar_id, contract_id=contract_id,
                              ticket_type_id=ticket_type_id)
    return recompute_many(db, ids, now, batch_size=batch_size, progress=progress)


_FILL = (update(_T).where(_T.c.id == bindparam("_id"))
         .values(first_response_minutes=bindparam("_minutes")))


def backfill_first_response(db: Session, now: datetime, *, batch_size: int = 500,
                            progress: Progress | None = None) -> int:
    """Fill `Ticket.first_response_minutes` (migration 0018) for answered tickets under a
    contract that lack it, from their timeline, writing that column only: a finished
    ticket's recorded outcome (state, minutes used) must not move. The minutes are measured
    on the contract's calendar as it is now. Batches by id, one commit each; idempotent
    (`python -m helpdesk_app.cli backfill-reports`). Returns the tickets written."""
    missing = (col(Ticket.first_response_at).is_not(None),
               col(Ticket.first_response_minutes).is_(None),
               col(Ticket.contract_id).is_not(None))
    total = db.exec(select(func.count()).select_from(Ticket).where(*missing)).one()
    loader = _Loader(db)
    written = done = last = 0
    while True:
        ids = list(db.exec(select(Ticket.id).where(col(Ticket.id) > last, *missing)
                           .order_by(col(Ticket.id)).limit(batch_size)).all())
        if not ids:
            break
        rows = [{"_id": ticket_id, "_minutes": minutes}
                for ticket_id, _org, inputs in _load_batch(db, loader, ids)
                if (minutes := sla.compute(inputs, now, explain=False).first_response_minutes)
                is not None]
        if rows:
            db.execute(_FILL, rows)
            _expire_loaded(db, [r["_id"] for r in rows])
        db.commit()
        written += len(rows)
        done += len(ids)
        last = ids[-1]
        if progress is not None:
            progress(done, total)
    return written
