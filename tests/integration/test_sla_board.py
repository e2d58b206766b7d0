"""The SLA board's data (domain/sla_board.py) on hand-built tickets and alerts: counts per
state over active tickets, the at-risk order, breaches on the local day / ISO week in
Europe/Warsaw, compliance per contract and ticket type, daily chart buckets across a DST
change, and who may see the board."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from helpdesk_app.domain import contracts, sla_board
from helpdesk_app.domain.contracts import CalendarInput, ContractInput, TicketTypeInput
from helpdesk_app.domain.errors import Forbidden, Invalid
from helpdesk_app.models import SlaAlert, Status, Ticket

WARSAW = ZoneInfo("Europe/Warsaw")
_numbers = itertools.count(1)


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    """A Warsaw wall-clock time as a UTC instant."""
    return datetime(y, m, d, hh, mm, tzinfo=WARSAW).astimezone(UTC)


# Wednesday 18 March 2026, 10:00 in Warsaw (CET, UTC+1) = 09:00 UTC.
NOW = local(2026, 3, 18, 10)


@pytest.fixture
def setup(db: Session, world):
    """Org A on a key contract with two ticket types, org B on a plain one with one."""
    admin = world.actor("admin")
    cal = contracts.save_calendar(db, admin, CalendarInput("24/7", always_open=True))
    key = contracts.save_contract(db, admin, ContractInput(
        world.org_a.id, "Kluczowa", date(2020, 1, 1), cal, is_key=True))
    plain = contracts.save_contract(db, admin, ContractInput(
        world.org_b.id, "Zwykła", date(2020, 1, 1), cal))
    types = {
        "a_fail": contracts.save_ticket_type(db, admin, TicketTypeInput(
            key, "Awaria", "Failure", 60, 480)),
        "a_insp": contracts.save_ticket_type(db, admin, TicketTypeInput(
            key, "Przegląd", "Inspection", None, 2400)),
        "b_fail": contracts.save_ticket_type(db, admin, TicketTypeInput(
            plain, "Awaria", "Failure", 60, 480)),
    }
    return {"key": key, "plain": plain, "types": types}


def add_ticket(db: Session, world, setup, subject: str, *, org: str = "a",
               type_key: str | None = None, status: str = Status.OPEN, **fields) -> Ticket:
    """A ticket row with exactly the SLA fields given (no recomputation)."""
    requester = world.users["client" if org == "a" else "other-client"]
    t = Ticket(
        number=f"2026-{next(_numbers):06d}", subject=subject, requester_id=requester.id,
        organisation_id=requester.organisation_id, queue_id=world.queue.id,
        created_by_id=requester.id, status=status,
        contract_id=setup["key"] if org == "a" else setup["plain"],
        ticket_type_id=setup["types"][type_key or f"{org}_fail"],
        created_at=NOW - timedelta(days=1), updated_at=NOW - timedelta(hours=1),
        **fields,
    )
    db.add(t)
    db.commit()
    return t


def add_alert(db: Session, ticket: Ticket, point_at: datetime, *, clock: str = "resolution",
              level: str = "breach", created_at: datetime | None = None) -> None:
    db.add(SlaAlert(ticket_id=ticket.id, clock=clock, level=level, point_at=point_at,
                    due_at=point_at, created_at=created_at or point_at + timedelta(minutes=1)))
    db.commit()


# --------------------------------------------------------------------------- counts, at risk


@pytest.fixture
def active_tickets(db: Session, world, setup) -> dict[str, int]:
    tom = world.users["technician"]
    made = {}
    for name, org, status, kw in [
        # resolution clock, answered: due in 30 min
        ("warn30", "a", Status.OPEN, dict(
            sla_state="warning", first_response_at=NOW - timedelta(hours=5),
            reaction_due_at=NOW - timedelta(hours=4), resolution_due_at=NOW + timedelta(minutes=30),
            assignee_id=tom.id)),
        # unanswered: the reaction deadline (10 min) comes first
        ("react10", "b", Status.NEW, dict(
            sla_state="running", reaction_due_at=NOW + timedelta(minutes=10),
            resolution_due_at=NOW + timedelta(hours=5))),
        ("run90", "a", Status.OPEN, dict(
            sla_state="running", first_response_at=NOW - timedelta(hours=1),
            reaction_due_at=NOW, resolution_due_at=NOW + timedelta(minutes=90))),
        ("run3h", "b", Status.OPEN, dict(
            sla_state="running", resolution_due_at=NOW + timedelta(hours=3))),
        # answered: its past reaction deadline no longer matters
        ("answered", "a", Status.OPEN, dict(
            sla_state="running", first_response_at=NOW - timedelta(hours=2),
            reaction_due_at=NOW - timedelta(hours=1), resolution_due_at=NOW + timedelta(hours=5))),
        ("late", "a", Status.OPEN, dict(
            sla_state="breached", resolution_due_at=NOW - timedelta(hours=1))),
        ("waiting", "b", Status.PENDING, dict(
            sla_state="paused", sla_paused_since=NOW - timedelta(hours=2))),
        ("no-sla", "b", Status.NEW, dict(sla_state="none")),
        # stopped statuses are not active, whatever their (stale) state says
        ("resolved", "a", Status.RESOLVED, dict(
            sla_state="warning", resolution_due_at=NOW + timedelta(minutes=5),
            resolved_at=NOW - timedelta(minutes=5))),
        ("closed", "b", Status.CLOSED, dict(
            sla_state="met", resolved_at=NOW - timedelta(days=40))),
    ]:
        made[name] = add_ticket(db, world, setup, name, org=org, status=status, **kw).id
    return made


def test_counts_per_state_over_active_tickets(db: Session, world, active_tickets) -> None:
    b = sla_board.board(db, world.actor("coordinator"), NOW)
    assert b.counts == {"none": 1, "running": 4, "warning": 1, "breached": 1, "paused": 1,
                        "met": 0}
    assert b.active_total == 8


def test_cards_and_at_risk_list_share_one_definition(db: Session, world,
                                                     active_tickets) -> None:
    """The at-risk card counts exactly the list; every active ticket is in the bucket
    `sla_board.bucket` gives it (the SQL and the Python rule agree)."""
    from collections import Counter

    from sqlmodel import select

    from helpdesk_app.domain.tickets_views import _next_due

    b = sla_board.board(db, world.actor("coordinator"), NOW)
    assert b.buckets == {"on_time": 2, "at_risk": 3, "breached": 1, "paused": 1}
    assert b.buckets[sla_board.AT_RISK] == b.at_risk_total == len(b.at_risk)
    active = [t for t in db.exec(select(Ticket)).all()
              if t.status not in (Status.RESOLVED, Status.CLOSED)]
    by_rule = Counter(sla_board.bucket(t.sla_state, _next_due(t), NOW) for t in active)
    by_rule.pop(None, None)
    assert dict(by_rule) == b.buckets
    assert {sla_board.bucket(t.sla_state, _next_due(t), NOW)
            for t in active if t.id in {r.id for r in b.at_risk}} == {sla_board.AT_RISK}


def test_at_risk_sorted_by_next_deadline(db: Session, world, active_tickets) -> None:
    b = sla_board.board(db, world.actor("coordinator"), NOW)
    assert [r.subject for r in b.at_risk] == ["react10", "warn30", "run90"]
    assert b.at_risk_total == 3
    react, warn, run = b.at_risk
    assert (run.clock, run.due_at) == ("resolution", NOW + timedelta(minutes=90))
    assert (react.clock, react.due_at, react.sla_state) == (
        "reaction", NOW + timedelta(minutes=10), "running")
    assert (warn.clock, warn.due_at, warn.sla_state) == (
        "resolution", NOW + timedelta(minutes=30), "warning")
    assert (warn.organisation, warn.assignee, warn.is_key, warn.contract) == (
        "Org A", "Tom Technician", True, "Kluczowa")
    assert (react.organisation, react.assignee, react.is_key, react.contract) == (
        "Org B", "", False, "Zwykła")
    assert react.number.startswith("2026-") and react.id == active_tickets["react10"]


def test_at_risk_limit_and_horizon(db: Session, world, active_tickets) -> None:
    coordinator = world.actor("coordinator")
    b = sla_board.board(db, coordinator, NOW, at_risk_limit=2)
    assert [r.subject for r in b.at_risk] == ["react10", "warn30"]
    assert b.at_risk_total == 3
    wider = sla_board.board(db, coordinator, NOW, at_risk_within=timedelta(hours=4))
    assert [r.subject for r in wider.at_risk] == ["react10", "warn30", "run90", "run3h"]


def test_at_risk_page_matches_a_full_sort(db: Session, world, setup) -> None:
    """The page merged from per-clock index-ordered queries equals sorting every at-risk
    ticket by its next deadline (random mix of states, clocks and answers)."""
    rng = random.Random(5)
    tickets = []
    for i in range(60):
        state = rng.choice(("running", "running", "warning", "breached", "paused"))
        answered = rng.random() < 0.5
        fields = dict(
            sla_state=state,
            first_response_at=NOW - timedelta(hours=3) if answered else None,
            reaction_due_at=NOW + timedelta(seconds=rng.randint(-3 * 3600, 4 * 3600)),
            resolution_due_at=NOW + timedelta(seconds=rng.randint(-3600, 8 * 3600)),
        )
        t = add_ticket(db, world, setup, f"t{i}", org=rng.choice("ab"), **fields)
        tickets.append(t)

    def next_due(t: Ticket) -> datetime:
        if t.first_response_at is None and t.reaction_due_at < t.resolution_due_at:
            return t.reaction_due_at
        return t.resolution_due_at

    horizon = NOW + timedelta(hours=2)
    expected = sorted(
        (t for t in tickets
         if t.sla_state == "warning" or (t.sla_state == "running" and next_due(t) <= horizon)),
        key=lambda t: (next_due(t), t.id))
    assert len(expected) > 5
    for limit in (1, 5, 100):
        b = sla_board.board(db, world.actor("coordinator"), NOW, at_risk_limit=limit)
        assert [(r.id, r.due_at) for r in b.at_risk] == [
            (t.id, next_due(t)) for t in expected[:limit]]
        assert b.at_risk_total == len(expected)


# --------------------------------------------------------------------------- breaches


def test_breaches_today_and_this_week_in_local_time(db: Session, world, setup) -> None:
    t = add_ticket(db, world, setup, "late", sla_state="breached")
    u = add_ticket(db, world, setup, "late too", org="b", sla_state="breached")
    # today (Wednesday) began at 00:00 Warsaw = Tuesday 23:00 UTC
    add_alert(db, t, local(2026, 3, 18, 0, 10))
    # 23:30 yesterday is not today, even when the alert was written this morning (catch-up)
    add_alert(db, u, local(2026, 3, 17, 23, 30), created_at=local(2026, 3, 18, 8))
    # Monday 00:30 is this ISO week; Sunday 23:30 is the week before
    add_alert(db, t, local(2026, 3, 16, 0, 30), clock="reaction")
    add_alert(db, u, local(2026, 3, 15, 23, 30), clock="reaction")
    # warnings are not breaches
    add_alert(db, u, local(2026, 3, 18, 9), level="warning")

    b = sla_board.board(db, world.actor("admin"), NOW).breaches
    assert (b.today, b.week) == (1, 3)
    assert b.today_by_clock == {"reaction": 0, "resolution": 1}
    assert b.week_by_clock == {"reaction": 1, "resolution": 2}
    assert b.day_start == datetime(2026, 3, 17, 23, tzinfo=UTC)
    assert b.week_start == datetime(2026, 3, 15, 23, tzinfo=UTC)


def test_week_boundaries_across_dst(db: Session, world, setup) -> None:
    """Monday 30 March 2026 (CEST): the week began at 22:00 UTC on Sunday, the day before it
    at 23:00 UTC (CET) — a fixed offset would get one of them wrong."""
    t = add_ticket(db, world, setup, "late", sla_state="breached")
    add_alert(db, t, datetime(2026, 3, 29, 22, 30, tzinfo=UTC))  # Mon 00:30 CEST: today
    add_alert(db, t, datetime(2026, 3, 29, 21, 30, tzinfo=UTC))  # Sun 23:30 CEST: last week
    b = sla_board.board(db, world.actor("admin"), local(2026, 3, 30, 12)).breaches
    assert (b.today, b.week) == (1, 1)
    assert b.week_start == datetime(2026, 3, 29, 22, tzinfo=UTC)


# --------------------------------------------------------------------------- compliance


@pytest.fixture
def resolved_tickets(db: Session, world, setup) -> None:
    for name, org, type_key, state, resolved in [
        ("r1", "a", "a_fail", "met", local(2026, 3, 18, 8)),
        ("r2", "a", "a_fail", "breached", local(2026, 3, 17, 12)),
        ("r3", "a", "a_insp", "met", local(2026, 3, 12, 0, 30)),  # first local day
        ("r4", "a", "a_fail", "met", local(2026, 3, 11, 23, 30)),  # before the period
        ("r5", "b", "b_fail", "breached", local(2026, 3, 16, 10)),
        ("r6", "b", "b_fail", "breached", local(2026, 3, 16, 11)),
        ("r7", "b", "b_fail", "met", local(2026, 3, 15, 12)),
        ("r8", "b", "b_fail", "none", local(2026, 3, 15, 13)),  # no targets: not counted
    ]:
        add_ticket(db, world, setup, name, org=org, type_key=type_key, status=Status.CLOSED,
                   sla_state=state, resolved_at=resolved)
    # an active ticket's state never counts toward compliance
    add_ticket(db, world, setup, "open", sla_state="breached")


def test_compliance_per_contract_and_type(db: Session, world, setup, resolved_tickets) -> None:
    b = sla_board.board(db, world.actor("coordinator"), NOW, period_days=7)
    assert (b.period_start, b.period_end) == (date(2026, 3, 12), date(2026, 3, 18))
    assert (b.overall.met, b.overall.breached, b.overall.percent) == (3, 3, 50.0)
    assert [(c.name, c.is_key, c.figures.met, c.figures.breached, c.figures.percent)
            for c in b.by_contract] == [
        ("Zwykła", False, 1, 2, 33.3),  # worst first
        ("Kluczowa", True, 2, 1, 66.7),
    ]
    assert [(t.contract, t.name_pl, t.name_en, t.figures.met, t.figures.breached,
             t.figures.percent) for t in b.by_type] == [
        ("Zwykła", "Awaria", "Failure", 1, 2, 33.3),
        ("Kluczowa", "Awaria", "Failure", 1, 1, 50.0),
        ("Kluczowa", "Przegląd", "Inspection", 1, 0, 100.0),
    ]
    assert b.by_type[2].ticket_type_id == setup["types"]["a_insp"]
    assert b.by_contract[0].contract_id == setup["plain"]


def test_chart_has_one_bucket_per_local_day(db: Session, world, setup,
                                            resolved_tickets) -> None:
    b = sla_board.board(db, world.actor("coordinator"), NOW, period_days=7)
    assert [(c.day.day, c.met, c.breached) for c in b.chart] == [
        (12, 1, 0), (13, 0, 0), (14, 0, 0), (15, 1, 0), (16, 0, 2), (17, 0, 1), (18, 1, 0)]
    assert sum(c.met for c in b.chart) == b.overall.met
    assert sum(c.breached for c in b.chart) == b.overall.breached


def test_chart_buckets_across_dst_change(db: Session, world, setup) -> None:
    """29 March 2026 has 23 hours in Warsaw; days still split at local midnight."""
    for name, state, resolved in [
        ("sat late", "met", datetime(2026, 3, 28, 22, 30, tzinfo=UTC)),  # Sat 23:30 CET
        ("sun early", "met", datetime(2026, 3, 28, 23, 30, tzinfo=UTC)),  # Sun 00:30 CET
        ("sun late", "breached", datetime(2026, 3, 29, 21, 30, tzinfo=UTC)),  # Sun 23:30 CEST
        ("mon early", "breached", datetime(2026, 3, 29, 22, 30, tzinfo=UTC)),  # Mon 00:30 CEST
    ]:
        add_ticket(db, world, setup, name, status=Status.RESOLVED, sla_state=state,
                   resolved_at=resolved)
    b = sla_board.board(db, world.actor("coordinator"), local(2026, 3, 31, 10), period_days=5)
    assert [(c.day, c.met, c.breached) for c in b.chart] == [
        (date(2026, 3, 27), 0, 0), (date(2026, 3, 28), 1, 0), (date(2026, 3, 29), 1, 1),
        (date(2026, 3, 30), 0, 1), (date(2026, 3, 31), 0, 0)]


def test_empty_board(db: Session, world) -> None:
    b = sla_board.board(db, world.actor("admin"), NOW)
    assert b.active_total == 0 and b.at_risk == [] and b.at_risk_total == 0
    assert (b.breaches.today, b.breaches.week) == (0, 0)
    assert (b.overall.total, b.overall.percent) == (0, None)
    assert b.by_contract == [] and b.by_type == []
    assert len(b.chart) == 30 and b.chart[-1].day == date(2026, 3, 18)


# --------------------------------------------------------------------------- access


@pytest.mark.parametrize("who", ["technician", "client", "client-manager"])
def test_board_is_for_coordinators_and_admins(db: Session, world, who: str) -> None:
    with pytest.raises(Forbidden):
        sla_board.board(db, world.actor(who), NOW)


def test_bad_arguments(db: Session, world) -> None:
    admin = world.actor("admin")
    with pytest.raises(Invalid):
        sla_board.board(db, admin, NOW.replace(tzinfo=None))
    with pytest.raises(Invalid):
        sla_board.board(db, admin, NOW, tz="Mars/Olympus")
    assert len(sla_board.board(db, admin, NOW, period_days=0).chart) == 1
