"""SLA recompute against the database (SQLite and PostgreSQL): calendar rows → spec,
contract and ticket type → targets, STATUS/REPLY timeline events → clocks, and the Ticket
SLA columns written in the caller's transaction. Also `choose_contract`.

Calendar "Office": Mon–Fri 8:00–16:00 Europe/Warsaw, Polish holidays, cut-off 15:00.
Monday 16 March 2026 (CET, UTC+1) is an ordinary working day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from helpdesk_app.domain import sla
from helpdesk_app.domain.errors import NotFound
from helpdesk_app.models import (
    BusinessCalendar,
    CalendarClosedDate,
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


def L(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=WAW).astimezone(UTC)


# The built-in statuses migration 0002 seeds (the fixtures restore them for every test;
# asserting them here guards against a fixture that forgets).
BUILT_IN = (
    (Status.NEW, "counts"), (Status.OPEN, "counts"), (Status.PENDING, "pauses"),
    (Status.RESOLVED, "stops"), (Status.CLOSED, "stops"),
)


class Setup:
    def __init__(self, db: Session, world, make) -> None:
        self.db, self.world, self.make = db, world, make
        for key, effect in BUILT_IN:
            assert db.get(TicketStatus, key).sla_effect == effect, key
        self.calendar = self.add_calendar("Office", cutoff=time(15))
        self.contract = self.add_contract(world.org_a.id, date(2026, 1, 1), None, self.calendar)
        self.ttype = TicketType(contract_id=self.contract.id, name_pl="Awaria", name_en="Failure",
                                reaction_minutes=60, resolution_minutes=480, warning_percent=75)
        db.add(self.ttype)
        db.commit()
        db.add(TicketTypeTarget(ticket_type_id=self.ttype.id, priority=Priority.URGENT,
                                reaction_minutes=15, resolution_minutes=120))
        db.commit()

    def add_calendar(self, name: str, *, cutoff: time | None = None, always_open: bool = False,
                     start: time = time(8), end: time = time(16)) -> BusinessCalendar:
        cal = BusinessCalendar(name=name, cutoff=cutoff, always_open=always_open)
        self.db.add(cal)
        self.db.commit()
        if not always_open:
            for day in range(5):
                self.db.add(CalendarWindow(calendar_id=cal.id, weekday=day, start=start, end=end))
        self.db.commit()
        return cal

    def add_contract(self, org_id: int, valid_from: date, valid_to: date | None,
                     calendar: BusinessCalendar | None = None) -> Contract:
        contract = Contract(organisation_id=org_id, name=f"Contract {valid_from}",
                            valid_from=valid_from, valid_to=valid_to,
                            calendar_id=(calendar or self.calendar).id)
        self.db.add(contract)
        self.db.commit()
        return contract

    def ticket(self, received: datetime, *, priority: int = Priority.NORMAL,
               contract: bool = True) -> Ticket:
        t = self.make.ticket(self.world.actor("client"), "Server down")
        t.created_at = received
        t.priority = priority
        # Creation picks the organisation's one valid contract by itself; a test that wants
        # a ticket without one clears it.
        t.contract_id, t.ticket_type_id = (
            (self.contract.id, self.ttype.id) if contract else (None, None))
        self.db.add(t)
        self.db.commit()
        return t

    def status(self, ticket: Ticket, at: datetime, old: str, new: str) -> None:
        self.db.add(TimelineEvent(ticket_id=ticket.id, kind=EventKind.STATUS, is_public=True,
                                  author_id=self.world.users["technician"].id,
                                  data={"old": old, "new": new}, created_at=at))
        self.db.commit()

    def reply(self, ticket: Ticket, at: datetime, who: str, *, public: bool = True) -> None:
        self.db.add(TimelineEvent(ticket_id=ticket.id,
                                  kind=EventKind.REPLY if public else EventKind.NOTE,
                                  is_public=public, author_id=self.world.users[who].id,
                                  body="…", created_at=at))
        self.db.commit()


@pytest.fixture
def s(db: Session, world, make) -> Setup:
    return Setup(db, world, make)


def _stored(db: Session, ticket_id: int) -> Ticket:
    db.commit()
    db.expire_all()
    return db.get(Ticket, ticket_id)


def _history(s: Setup, t: Ticket) -> None:
    """Mon 16 Mar: received 9:00; client reply 9:10 and staff note 9:20 (no response);
    staff public reply 9:30 with new → open; pending 10:00–11:00."""
    s.reply(t, L(2026, 3, 16, 9, 10), "client")
    s.reply(t, L(2026, 3, 16, 9, 20), "technician", public=False)
    s.reply(t, L(2026, 3, 16, 9, 30), "technician")
    s.status(t, L(2026, 3, 16, 9, 30), Status.NEW, Status.OPEN)
    s.status(t, L(2026, 3, 16, 10), Status.OPEN, Status.PENDING)
    s.status(t, L(2026, 3, 16, 11), Status.PENDING, Status.OPEN)


def test_recompute_writes_the_sla_columns(db: Session, s: Setup) -> None:
    t = s.ticket(L(2026, 3, 16, 9))
    _history(s, t)
    result = sla.recompute_ticket(db, t.id, L(2026, 3, 16, 12))
    stored = _stored(db, t.id)
    assert stored.first_response_at == L(2026, 3, 16, 9, 30)
    assert stored.reaction_due_at == L(2026, 3, 16, 10)
    # Used 9–10 and 11–12 = 2 h; 6 h left from 12:00: 12–16 + Tue 8–10.
    assert stored.sla_minutes_used == 120
    assert stored.resolution_due_at == L(2026, 3, 17, 10)
    assert stored.sla_state == "running"
    assert stored.sla_paused_since is None
    assert stored.resolved_at is None
    # Warning at 6 h used = 4 h after 12:00 = Monday 16:00.
    assert stored.sla_next_check_at == L(2026, 3, 16, 16)
    assert result.resolution_due_at == stored.resolution_due_at
    assert stored.version == 1  # an SLA recompute is not an edit


def test_paused_ticket_is_stored_as_paused(db: Session, s: Setup) -> None:
    t = s.ticket(L(2026, 3, 16, 9))
    _history(s, t)
    sla.recompute_ticket(db, t.id, L(2026, 3, 16, 10, 30))
    stored = _stored(db, t.id)
    assert (stored.sla_state, stored.sla_paused_since) == ("paused", L(2026, 3, 16, 10))
    assert stored.resolution_due_at is None
    assert stored.sla_next_check_at is None
    assert stored.sla_minutes_used == 60


def test_resolved_then_closed_is_met_with_first_resolution(db: Session, s: Setup) -> None:
    t = s.ticket(L(2026, 3, 16, 9))
    _history(s, t)
    s.status(t, L(2026, 3, 16, 13), Status.OPEN, Status.RESOLVED)
    s.status(t, L(2026, 3, 17, 13), Status.RESOLVED, Status.CLOSED)
    sla.recompute_ticket(db, t.id, L(2026, 3, 18, 9))
    stored = _stored(db, t.id)
    assert stored.sla_state == "met"
    assert stored.resolved_at == L(2026, 3, 16, 13)
    assert stored.sla_minutes_used == 180
    assert stored.sla_next_check_at is None


def test_reaction_breach_without_staff_response(db: Session, s: Setup) -> None:
    t = s.ticket(L(2026, 3, 16, 9))
    s.reply(t, L(2026, 3, 16, 9, 10), "client")
    s.reply(t, L(2026, 3, 16, 9, 20), "technician", public=False)  # internal: not a response
    result = sla.recompute_ticket(db, t.id, L(2026, 3, 16, 10, 5))
    stored = _stored(db, t.id)
    assert stored.first_response_at is None
    assert stored.sla_state == "breached"
    assert result.breached_clock == "reaction"
    assert stored.reaction_due_at == L(2026, 3, 16, 10)


def test_per_priority_target_applies(db: Session, s: Setup) -> None:
    t = s.ticket(L(2026, 3, 16, 9), priority=Priority.URGENT)
    sla.recompute_ticket(db, t.id, L(2026, 3, 16, 9))
    stored = _stored(db, t.id)
    assert stored.reaction_due_at == L(2026, 3, 16, 9, 15)
    assert stored.resolution_due_at == L(2026, 3, 16, 11)
    # Reaction warning at 75 % of 15 min = 11 min 15 s.
    assert stored.sla_next_check_at == L(2026, 3, 16, 9, 11) + timedelta(seconds=15)


def test_without_contract_state_none(db: Session, s: Setup) -> None:
    t = s.ticket(L(2026, 3, 16, 9), contract=False)
    _history(s, t)
    sla.recompute_ticket(db, t.id, L(2026, 3, 16, 12))
    stored = _stored(db, t.id)
    assert stored.sla_state == "none"
    assert (stored.reaction_due_at, stored.resolution_due_at, stored.sla_next_check_at) == (
        None, None, None)
    assert stored.first_response_at == L(2026, 3, 16, 9, 30)


def test_type_from_another_contract_applies_nothing(db: Session, s: Setup) -> None:
    other = s.add_contract(s.world.org_a.id, date(2025, 1, 1), date(2025, 12, 31))
    t = s.ticket(L(2026, 3, 16, 9))
    t.contract_id = other.id
    db.add(t)
    db.commit()
    sla.recompute_ticket(db, t.id, L(2026, 3, 16, 12))
    assert _stored(db, t.id).sla_state == "none"


def test_contract_change_recomputes_keeping_pauses(db: Session, s: Setup) -> None:
    t = s.ticket(L(2026, 3, 16, 9))
    _history(s, t)
    sla.recompute_ticket(db, t.id, L(2026, 3, 16, 12))
    # Moved to a 24/7 contract with an 8 h resolution type at 12:00.
    round_clock = s.add_calendar("24/7", always_open=True)
    contract = s.add_contract(s.world.org_a.id, date(2026, 1, 1), None, round_clock)
    ttype = TicketType(contract_id=contract.id, name_pl="Awaria", name_en="Failure",
                       resolution_minutes=480)
    db.add(ttype)
    db.commit()
    t = db.get(Ticket, t.id)
    t.contract_id, t.ticket_type_id = contract.id, ttype.id
    db.add(t)
    db.commit()
    sla.recompute_ticket(db, t.id, L(2026, 3, 16, 12))
    stored = _stored(db, t.id)
    # 9–10 and 11–12 counted (the pause still excluded): 6 h left from 12:00 → 18:00.
    assert stored.sla_minutes_used == 120
    assert stored.resolution_due_at == L(2026, 3, 16, 18)
    assert stored.reaction_due_at is None


def test_calendar_change_with_version_bump_recomputes(db: Session, s: Setup) -> None:
    t = s.ticket(L(2026, 3, 16, 13))
    sla.recompute_ticket(db, t.id, L(2026, 3, 16, 13))
    # 8 h from Mon 13:00: 13–16 (3) + Tue 8–13 (5).
    assert _stored(db, t.id).resolution_due_at == L(2026, 3, 17, 13)
    # Tuesday 17 March becomes a company closure and the days get longer (7–17).
    db.add(CalendarClosedDate(calendar_id=s.calendar.id, day=date(2026, 3, 17),
                              name="Inventory"))
    for w in db.exec(select(CalendarWindow).where(CalendarWindow.calendar_id == s.calendar.id)):
        w.start, w.end = time(7), time(17)
        db.add(w)
    cal = db.get(BusinessCalendar, s.calendar.id)
    cal.version += 1  # the admin domain bumps it on every change; the spec cache keys on it
    db.add(cal)
    db.commit()
    sla.recompute_ticket(db, t.id, L(2026, 3, 16, 13))
    # Mon 13–17 (4), Tue closed, Wed 7–11 (4) → Wed 18 March 11:00.
    assert _stored(db, t.id).resolution_due_at == L(2026, 3, 18, 11)
    spec = sla.spec_for_calendar(db, s.calendar.id)
    assert spec.closed_dates == frozenset({date(2026, 3, 17)})
    assert spec.cutoff == time(15)
    assert spec.timezone == "Europe/Warsaw"
    assert spec.holiday_country == "PL"


def test_recompute_does_not_commit(db: Session, s: Setup) -> None:
    t = s.ticket(L(2026, 3, 16, 9))
    t.sla_state = "none"  # a known stored value; creation already computed a real one
    db.add(t)
    db.commit()
    sla.recompute_ticket(db, t.id, L(2026, 3, 16, 9))
    db.rollback()
    db.expire_all()
    assert db.get(Ticket, t.id).sla_state == "none"


def test_unknown_ticket_and_calendar(db: Session, s: Setup) -> None:
    with pytest.raises(NotFound):
        sla.recompute_ticket(db, 999_999, L(2026, 3, 16, 9))
    with pytest.raises(NotFound):
        sla.spec_for_calendar(db, 999_999)


def test_explain_from_the_database(db: Session, s: Setup) -> None:
    t = s.ticket(L(2026, 3, 16, 9))
    _history(s, t)
    result = sla.recompute_ticket(db, t.id, L(2026, 3, 16, 12), explain=True)
    assert result.explain.pauses == ((L(2026, 3, 16, 10), L(2026, 3, 16, 11)),)
    assert result.explain.resolution_target == timedelta(hours=8)
    assert result.explain.priority == Priority.NORMAL


# ------------------------------------------------------------------ choose_contract

def test_choose_contract_one_valid(db: Session, s: Setup) -> None:
    assert sla.choose_contract(db, s.world.org_a.id, date(2026, 3, 16)).id == s.contract.id
    # Another organisation's contract is not a candidate.
    s.add_contract(s.world.org_b.id, date(2026, 1, 1), None)
    assert sla.choose_contract(db, s.world.org_a.id, date(2026, 3, 16)).id == s.contract.id


def test_choose_contract_none_and_boundaries(db: Session, s: Setup) -> None:
    org = s.world.org_b.id
    assert sla.choose_contract(db, org, date(2026, 3, 16)) is None
    c = s.add_contract(org, date(2026, 2, 1), date(2026, 2, 28))
    assert sla.choose_contract(db, org, date(2026, 1, 31)) is None
    assert sla.choose_contract(db, org, date(2026, 2, 1)).id == c.id  # first day inclusive
    assert sla.choose_contract(db, org, date(2026, 2, 28)).id == c.id  # last day inclusive
    assert sla.choose_contract(db, org, date(2026, 3, 1)) is None


def test_choose_contract_two_valid_is_ambiguous(db: Session, s: Setup) -> None:
    org = s.world.org_a.id
    s.add_contract(org, date(2026, 3, 1), date(2026, 3, 31))
    assert sla.choose_contract(db, org, date(2026, 3, 16)) is None
    assert sla.choose_contract(db, org, date(2026, 4, 1)).id == s.contract.id
    assert sla.choose_contract(db, org, date(2026, 2, 28)).id == s.contract.id


def test_engine_reads_status_flags_not_names(db: Session, s: Setup) -> None:
    """Make "pending" count and "open" pause: the clocks follow the flags."""
    db.get(TicketStatus, Status.PENDING).sla_effect = "counts"
    db.get(TicketStatus, Status.OPEN).sla_effect = "pauses"
    db.commit()
    t = s.ticket(L(2026, 3, 16, 9))
    _history(s, t)  # open 9:30–10:00 and from 11:00, pending 10:00–11:00
    sla.recompute_ticket(db, t.id, L(2026, 3, 16, 12))
    stored = _stored(db, t.id)
    assert stored.sla_state == "paused"
    assert stored.sla_paused_since == L(2026, 3, 16, 11)
    assert stored.sla_minutes_used == 90  # 9:00–9:30 new + 10:00–11:00 pending
