"""Bulk SLA recompute after a calendar / contract / ticket type change
(domain/sla_recompute.py), on SQLite and PostgreSQL.

The batched loader must store exactly what `sla.recompute_ticket` stores, ticket by
ticket; progress is reported per batch; a calendar change moves the due dates of open
tickets and leaves resolved/closed ones alone.

Calendars: "Office" Mon–Fri 8:00–16:00 Europe/Warsaw with Polish holidays and a 15:00
cut-off, and "24/7". Monday 16 March 2026 (CET, UTC+1) is an ordinary working day.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from helpdesk_app.domain import contracts, sla, sla_recompute
from helpdesk_app.models import (
    BusinessCalendar,
    CalendarWindow,
    Contract,
    EventKind,
    Priority,
    Status,
    Ticket,
    TicketStatus,
    TicketType,
    TicketTypeTarget,
    TimelineEvent,
)

WAW = ZoneInfo("Europe/Warsaw")
COLUMNS = sla_recompute.SLA_COLUMNS


def L(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=WAW).astimezone(UTC)


NOW = L(2026, 3, 18, 12)


class Setup:
    def __init__(self, db: Session, world) -> None:
        self.db, self.world = db, world
        self.office = self.calendar("Office", cutoff=time(15))
        self.round = self.calendar("24/7", always_open=True)
        self.contract = self.add_contract(world.org_a.id, self.office, "A office")
        self.contract_b = self.add_contract(world.org_b.id, self.round, "B 24/7")
        self.ttype = self.add_type(self.contract, 60, 480)
        db.add(TicketTypeTarget(ticket_type_id=self.ttype.id, priority=Priority.URGENT,
                                reaction_minutes=15, resolution_minutes=120))
        # An override that inherits the resolution target (None) and one with "no target".
        db.add(TicketTypeTarget(ticket_type_id=self.ttype.id, priority=Priority.HIGH,
                                reaction_minutes=30, resolution_minutes=None))
        db.add(TicketTypeTarget(ticket_type_id=self.ttype.id, priority=Priority.LOW,
                                reaction_minutes=0, resolution_minutes=960))
        self.ttype_b = self.add_type(self.contract_b, 30, 240, warning=50)
        self.no_resolution = self.add_type(self.contract, 120, None)
        db.commit()
        self._n = 0

    def calendar(self, name: str, *, cutoff: time | None = None,
                 always_open: bool = False) -> BusinessCalendar:
        cal = BusinessCalendar(name=name, cutoff=cutoff, always_open=always_open)
        self.db.add(cal)
        self.db.commit()
        if not always_open:
            for day in range(5):
                self.db.add(CalendarWindow(calendar_id=cal.id, weekday=day, start=time(8),
                                           end=time(16)))
            self.db.commit()
        return cal

    def add_contract(self, org_id: int, cal: BusinessCalendar, name: str) -> Contract:
        c = Contract(organisation_id=org_id, name=name, valid_from=date(2026, 1, 1),
                     calendar_id=cal.id)
        self.db.add(c)
        self.db.commit()
        return c

    def add_type(self, contract: Contract, reaction: int | None, resolution: int | None,
                 warning: int = 75) -> TicketType:
        t = TicketType(contract_id=contract.id, name_pl="Awaria", name_en="Failure",
                       reaction_minutes=reaction, resolution_minutes=resolution,
                       warning_percent=warning)
        self.db.add(t)
        self.db.commit()
        return t

    def ticket(self, received: datetime, *, org: str = "a", status: str = Status.NEW,
               priority: int = Priority.NORMAL, contract: Contract | bool | None = True,
               ttype: TicketType | bool | None = True) -> Ticket:
        """A ticket row written directly (the domain's creation is not under test)."""
        self._n += 1
        w = self.world
        requester = w.users["client"] if org == "a" else w.users["other-client"]
        if contract is True:
            contract = self.contract if org == "a" else self.contract_b
        if ttype is True:
            ttype = self.ttype if org == "a" else self.ttype_b
        t = Ticket(number=f"2026-{self._n:06d}", subject="Server down",
                   requester_id=requester.id, organisation_id=requester.organisation_id,
                   queue_id=w.queue.id, created_by_id=requester.id, priority=priority,
                   status=status, created_at=received, updated_at=received,
                   contract_id=contract.id if contract else None,
                   ticket_type_id=ttype.id if ttype else None)
        self.db.add(t)
        self.db.commit()
        return t

    def status(self, ticket: Ticket, at: datetime, old: str | None, new: str | None) -> None:
        self.db.add(TimelineEvent(ticket_id=ticket.id, kind=EventKind.STATUS, is_public=True,
                                  author_id=self.world.users["technician"].id,
                                  data={"old": old, "new": new}, created_at=at))

    def reply(self, ticket: Ticket, at: datetime, who: str, *, public: bool = True) -> None:
        self.db.add(TimelineEvent(ticket_id=ticket.id,
                                  kind=EventKind.REPLY if public else EventKind.NOTE,
                                  is_public=public, author_id=self.world.users[who].id,
                                  body="…", created_at=at))


@pytest.fixture
def s(db: Session, world) -> Setup:
    return Setup(db, world)


def _stored(db: Session, ids: list[int]) -> dict[int, tuple]:
    db.expire_all()
    rows = db.exec(select(Ticket).where(Ticket.id.in_(ids))).all()
    return {t.id: tuple(getattr(t, c) for c in COLUMNS) for t in rows}


def _scramble(db: Session, ids: list[int]) -> None:
    """Put recognisably wrong values in the SLA columns."""
    junk = L(2000, 1, 1)
    for t in db.exec(select(Ticket).where(Ticket.id.in_(ids))).all():
        t.first_response_at = t.resolved_at = t.reaction_due_at = junk
        t.resolution_due_at = t.sla_paused_since = t.sla_next_check_at = junk
        t.sla_state, t.sla_minutes_used = "junk", -1
        db.add(t)
    db.commit()


STATUS_WALK = {
    Status.NEW: (Status.OPEN, Status.PENDING, Status.RESOLVED),
    Status.OPEN: (Status.PENDING, Status.RESOLVED, Status.OPEN),
    Status.PENDING: (Status.OPEN, Status.RESOLVED, Status.CLOSED),
    Status.RESOLVED: (Status.CLOSED, Status.OPEN),
    Status.CLOSED: (Status.OPEN,),
}


def _mixed_sample(s: Setup) -> list[int]:
    """Hand-picked edge cases plus random histories."""
    ids = []
    # No events at all; received after the cut-off on a Friday.
    ids.append(s.ticket(L(2026, 3, 13, 15, 30)).id)
    # Urgent (override), HIGH (override inherits resolution), LOW (reaction "no target").
    for p in (Priority.URGENT, Priority.HIGH, Priority.LOW):
        ids.append(s.ticket(L(2026, 3, 16, 9), priority=p).id)
    # Without contract; type of another contract; contract without type; no resolution.
    ids.append(s.ticket(L(2026, 3, 16, 9), contract=None, ttype=None).id)
    ids.append(s.ticket(L(2026, 3, 16, 9), ttype=s.ttype_b).id)
    ids.append(s.ticket(L(2026, 3, 16, 9), ttype=None).id)
    ids.append(s.ticket(L(2026, 3, 16, 9), ttype=s.no_resolution).id)
    # Paused now, after a staff reply and a client reply and a note.
    t = s.ticket(L(2026, 3, 16, 9), status=Status.PENDING)
    s.reply(t, L(2026, 3, 16, 9, 10), "client")
    s.reply(t, L(2026, 3, 16, 9, 20), "technician", public=False)
    s.reply(t, L(2026, 3, 16, 9, 30), "coordinator")
    s.reply(t, L(2026, 3, 16, 9, 40), "technician")
    s.status(t, L(2026, 3, 16, 9, 30), Status.NEW, Status.OPEN)
    s.status(t, L(2026, 3, 16, 10), Status.OPEN, Status.PENDING)
    ids.append(t.id)
    # A status that no longer exists, a missing "new", a status change in the future.
    t = s.ticket(L(2026, 3, 16, 9), status=Status.OPEN)
    s.status(t, L(2026, 3, 16, 10), Status.NEW, "gone")
    s.status(t, L(2026, 3, 16, 11), "gone", None)
    s.status(t, L(2026, 3, 16, 12), None, Status.OPEN)
    s.status(t, NOW + timedelta(hours=1), Status.OPEN, Status.PENDING)
    ids.append(t.id)
    # Initial status from the first change's "old" (pending), not from ticket.status.
    t = s.ticket(L(2026, 3, 16, 9), status=Status.OPEN)
    s.status(t, L(2026, 3, 17, 9), Status.PENDING, Status.OPEN)
    ids.append(t.id)
    # Two changes at the same instant (the later wins); resolved → closed → reopened.
    t = s.ticket(L(2026, 3, 16, 9), org="b", status=Status.OPEN)
    s.status(t, L(2026, 3, 16, 10), Status.NEW, Status.PENDING)
    s.status(t, L(2026, 3, 16, 10), Status.PENDING, Status.OPEN)
    s.status(t, L(2026, 3, 16, 11), Status.OPEN, Status.RESOLVED)
    s.status(t, L(2026, 3, 16, 12), Status.RESOLVED, Status.CLOSED)
    s.status(t, L(2026, 3, 17, 8), Status.CLOSED, Status.OPEN)
    ids.append(t.id)
    s.db.commit()

    rng = random.Random(2026)
    staff = ("technician", "technician2", "coordinator", "admin")
    for _ in range(40):
        received = L(2026, 3, 9, 6) + timedelta(minutes=rng.randrange(0, 9 * 24 * 60))
        if received >= NOW:
            received = NOW - timedelta(minutes=rng.randrange(1, 600))
        state, at = Status.NEW, received
        t = s.ticket(received, org=rng.choice("ab"), priority=rng.choice(Priority.ALL))
        for _ in range(rng.randrange(0, 6)):
            at += timedelta(minutes=rng.randrange(0, 1500))
            new = rng.choice(STATUS_WALK[state])
            s.status(t, at, state, new)
            state = new
        for _ in range(rng.randrange(0, 3)):
            s.reply(t, received + timedelta(minutes=rng.randrange(0, 3000)),
                    rng.choice((*staff, "client")), public=rng.random() < 0.8)
        t.status = state
        s.db.add(t)
        ids.append(t.id)
    s.db.commit()
    return ids


@pytest.mark.parametrize("batch_size", [1, 7, 500])
def test_bulk_equals_recompute_ticket(db: Session, s: Setup, batch_size: int) -> None:
    ids = _mixed_sample(s)
    for now in (NOW, L(2026, 3, 16, 9, 5)):
        _scramble(db, ids)
        for ticket_id in ids:
            sla.recompute_ticket(db, ticket_id, now)
        db.commit()
        one_by_one = _stored(db, ids)
        assert all(v[4] != "junk" for v in one_by_one.values())

        _scramble(db, ids)
        assert sla_recompute.recompute_many(db, ids, now, batch_size=batch_size) == len(ids)
        bulk = _stored(db, ids)
        for ticket_id in ids:
            assert bulk[ticket_id] == one_by_one[ticket_id], ticket_id
    # The sample really is mixed.
    states = {v[4] for v in bulk.values()}
    assert {"none", "running", "paused", "met", "breached"} <= states


def test_progress_and_change_events(db: Session, s: Setup, changes) -> None:
    ids = [s.ticket(L(2026, 3, 16, 9) + timedelta(minutes=i)).id for i in range(7)]
    calls: list[tuple[int, int]] = []
    published_per_call: list[int] = []

    def progress(done: int, total: int) -> None:
        calls.append((done, total))
        published_per_call.append(len(changes))  # each batch is committed before this

    changes.clear()
    written = sla_recompute.recompute_many(db, [*ids, 999_999], NOW, batch_size=3,
                                           progress=progress)
    assert written == 7  # the missing ticket counts as done but is not written
    assert calls == [(3, 8), (6, 8), (8, 8)]
    assert published_per_call == [3, 6, 7]
    assert sorted(c.ticket_id for c in changes) == ids
    assert all(c.kind == "sla" and c.public is False for c in changes)
    assert {c.organisation_id for c in changes} == {s.world.org_a.id}


def test_progress_on_nothing(db: Session, s: Setup) -> None:
    calls: list[tuple[int, int]] = []
    assert sla_recompute.recompute_many(db, [], NOW, progress=lambda *a: calls.append(a)) == 0
    assert calls == [(0, 0)]


def test_contract_switch_to_office_hours_moves_open_tickets_only(db: Session, s: Setup) -> None:
    admin = s.world.actor("admin")
    # Organisation B's contract runs on 24/7 (type B: reaction 30 min, resolution 4 h).
    # All received Monday 14:00; "now" is Monday 15:00.
    open_t = s.ticket(L(2026, 3, 16, 14), org="b", status=Status.OPEN)
    s.reply(open_t, L(2026, 3, 16, 14, 10), "technician")
    s.status(open_t, L(2026, 3, 16, 14, 10), Status.NEW, Status.OPEN)
    paused = s.ticket(L(2026, 3, 16, 14), org="b", status=Status.PENDING)
    s.status(paused, L(2026, 3, 16, 14, 30), Status.NEW, Status.PENDING)
    closed = s.ticket(L(2026, 3, 16, 14), org="b", status=Status.CLOSED)
    s.status(closed, L(2026, 3, 16, 14, 30), Status.NEW, Status.RESOLVED)
    s.status(closed, L(2026, 3, 16, 14, 45), Status.RESOLVED, Status.CLOSED)
    other = s.ticket(L(2026, 3, 16, 14), org="a", status=Status.NEW)  # another contract
    db.commit()
    all_ids = [open_t.id, paused.id, closed.id, other.id]
    now = L(2026, 3, 16, 15)
    for ticket_id in all_ids:
        sla.recompute_ticket(db, ticket_id, now)
    db.commit()
    before = _stored(db, all_ids)
    assert before[open_t.id][3] == L(2026, 3, 16, 18)  # 24/7: 14:00 + 4 h
    assert before[closed.id][4] == "met"

    # The contract moves to office hours (Mon–Fri 8–16, cut-off 15:00).
    contracts.save_contract(db, admin, contracts.ContractInput(
        organisation_id=s.world.org_b.id, name="B office", valid_from=date(2026, 1, 1),
        calendar_id=s.office.id), contract_id=s.contract_b.id)
    ids = sla_recompute.affected_ticket_ids(db, contract_id=s.contract_b.id)
    assert ids == [open_t.id, paused.id]  # the closed ticket keeps its recorded outcome
    # The same tickets through the calendar they now use (plus organisation A's ticket).
    assert sla_recompute.affected_ticket_ids(db, calendar_id=s.office.id) == [
        open_t.id, paused.id, other.id]
    assert sla_recompute.affected_ticket_ids(db, calendar_id=s.round.id) == []

    assert sla_recompute.recompute_many(db, ids, now) == 2
    after = _stored(db, all_ids)
    # Office: Mon 14–16 (2 h) + Tue 8–10 → Tuesday 10:00; 1 h used so far.
    assert after[open_t.id][3] == L(2026, 3, 17, 10)
    assert after[open_t.id][4:7] == ("running", None, 60)  # 50 % warning point: Mon 16:00
    assert after[paused.id][4:7] == ("paused", L(2026, 3, 16, 14, 30), 30)
    assert after[closed.id] == before[closed.id]  # untouched
    assert after[other.id] == before[other.id]

    # Then the type's resolution target grows to 10 h: only its open tickets move.
    contracts.save_ticket_type(db, admin, contracts.TicketTypeInput(
        contract_id=s.contract_b.id, name_pl="Awaria", name_en="Failure",
        reaction_minutes=30, resolution_minutes=600, warning_percent=50),
        type_id=s.ttype_b.id)
    ids = sla_recompute.affected_ticket_ids(db, ticket_type_id=s.ttype_b.id)
    assert ids == [open_t.id, paused.id]
    sla_recompute.recompute_many(db, ids, now)
    after = _stored(db, all_ids)
    # Mon 14–16 (2 h) + Tue 8–16 (8 h) → Tuesday 16:00.
    assert after[open_t.id][3] == L(2026, 3, 17, 16)
    assert after[open_t.id][4] == "running"
    assert after[closed.id] == before[closed.id]


def test_calendar_edit_recomputes_dependants(db: Session, s: Setup) -> None:
    admin = s.world.actor("admin")
    t = s.ticket(L(2026, 3, 16, 13), status=Status.NEW)
    done = s.ticket(L(2026, 3, 16, 9), status=Status.RESOLVED)
    s.status(done, L(2026, 3, 16, 10), Status.NEW, Status.RESOLVED)
    db.commit()
    now = L(2026, 3, 16, 13)
    sla.recompute_ticket(db, t.id, now)
    sla.recompute_ticket(db, done.id, now)
    db.commit()
    assert _stored(db, [t.id])[t.id][3] == L(2026, 3, 17, 13)  # 13–16 + Tue 8–13
    resolved_before = _stored(db, [done.id])[done.id]
    loaded = db.get(Ticket, t.id)  # held by the session across the bulk UPDATE

    # Tuesday 17 March becomes a closure and the days get longer (7–17).
    contracts.save_calendar(db, admin, contracts.CalendarInput(
        name="Office", windows=[(d, time(7), time(17)) for d in range(5)],
        closed_dates=[(date(2026, 3, 17), "Inventory")], cutoff=time(15)),
        calendar_id=s.office.id)
    assert db.get(BusinessCalendar, s.office.id).version == 2
    calls: list[tuple[int, int]] = []
    assert sla_recompute.recompute_after_change(
        db, now, calendar_id=s.office.id, progress=lambda *a: calls.append(a)) == 1
    assert calls == [(1, 1)]
    # Mon 13–17 (4 h), Tue closed, Wed 7–11 (4 h) → Wed 18 March 11:00.
    assert loaded.resolution_due_at == L(2026, 3, 18, 11)
    assert _stored(db, [done.id])[done.id] == resolved_before


def test_calendar_edited_by_another_session(db: Session, s: Setup, open_session) -> None:
    """The recomputing session still holds the calendar row from before the edit (the app's
    sessions do not expire on commit): the new calendar must be used anyway."""
    t = s.ticket(L(2026, 3, 16, 13), status=Status.NEW)
    now = L(2026, 3, 16, 13)
    sla_recompute.recompute_many(db, [t.id], now)
    assert _stored(db, [t.id])[t.id][3] == L(2026, 3, 17, 13)
    assert db.get(BusinessCalendar, s.office.id).version == 1  # held by `db`
    other = open_session()
    contracts.save_calendar(other, s.world.actor("admin"), contracts.CalendarInput(
        name="Office", windows=[(d, time(7), time(17)) for d in range(5)],
        closed_dates=[(date(2026, 3, 17), "Inventory")], cutoff=time(15)),
        calendar_id=s.office.id)
    sla_recompute.recompute_many(db, [t.id], now)
    assert _stored(db, [t.id])[t.id][3] == L(2026, 3, 18, 11)


def test_stopping_statuses_come_from_the_flags(db: Session, s: Setup) -> None:
    pending = s.ticket(L(2026, 3, 16, 9), status=Status.PENDING)
    resolved = s.ticket(L(2026, 3, 16, 9), status=Status.RESOLVED)
    unknown = s.ticket(L(2026, 3, 16, 9), status="legacy")  # not in ticket_status: counts
    assert sla_recompute.affected_ticket_ids(db, contract_id=s.contract.id) == [
        pending.id, unknown.id]
    db.get(TicketStatus, Status.PENDING).sla_effect = "stops"
    db.get(TicketStatus, Status.RESOLVED).sla_effect = "counts"
    db.commit()
    assert sla_recompute.affected_ticket_ids(db, contract_id=s.contract.id) == [
        resolved.id, unknown.id]
    with pytest.raises(ValueError):
        sla_recompute.affected_ticket_ids(db)
