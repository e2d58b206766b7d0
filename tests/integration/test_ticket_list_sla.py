"""SLA in the ticket list: filters (overdue, at risk, key contract), "due soonest" sort, the
agent-only explanation, and clients never receiving SLA data."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session

from helpdesk_app.domain import contracts, tickets, workflow
from helpdesk_app.domain.contracts import CalendarInput, ContractInput, TicketTypeInput
from helpdesk_app.domain.errors import DomainError, Invalid
from helpdesk_app.domain.tickets import ListQuery
from helpdesk_app.models import Ticket
from helpdesk_app.state.views import client_row_view, row_view


@pytest.fixture
def sla_tickets(db: Session, world, make):
    """Org A on a key 24/7 contract, org B on a plain one; tickets in every SLA state."""
    admin = world.actor("admin")
    cal = contracts.save_calendar(db, admin, CalendarInput("24/7", always_open=True))
    key = contracts.save_contract(db, admin, ContractInput(
        world.org_a.id, "Kluczowa", date(2020, 1, 1), cal, is_key=True))
    plain = contracts.save_contract(db, admin, ContractInput(
        world.org_b.id, "Zwykła", date(2020, 1, 1), cal))
    for contract in (key, plain):
        contracts.save_ticket_type(db, admin, TicketTypeInput(contract, "Awaria", "Failure",
                                                              None, 480))
    now = datetime.now(UTC)
    made = {}
    for name, who, state, due in [
        ("late", "client", "breached", now - timedelta(hours=1)),
        ("risky", "other-client", "warning", now + timedelta(minutes=30)),
        ("soon", "client", "running", now + timedelta(hours=2)),
        ("later", "other-client", "running", now + timedelta(hours=5)),
        ("paused", "client", "paused", None),
    ]:
        t = make.ticket(world.actor(who), name)
        t.sla_state, t.resolution_due_at = state, due
        db.add(t)
        made[name] = t.id
    db.commit()
    return made


def _subjects(db, actor, **kw) -> list[str]:
    page = tickets.list_tickets(db, actor, ListQuery(page_size=50, **kw))
    return [r.subject for r in page.rows]


def test_sla_filters(db: Session, world, sla_tickets) -> None:
    tech = world.actor("technician")
    assert _subjects(db, tech, sla="breached") == ["late"]
    assert _subjects(db, tech, sla="at_risk") == ["risky"]
    assert sorted(_subjects(db, tech, sla="key")) == ["late", "paused", "soon"]
    with pytest.raises(Invalid):
        tickets.list_tickets(db, tech, ListQuery(sla="everything"))


def test_due_soonest_sort_puts_tickets_without_deadline_last(db: Session, world,
                                                               sla_tickets) -> None:
    tech = world.actor("technician")
    assert _subjects(db, tech, sort="due", descending=False) == [
        "late", "risky", "soon", "later", "paused"]
    assert _subjects(db, tech, sort="due", descending=True) == [
        "later", "soon", "risky", "late", "paused"]


def test_rows_carry_sla_for_agents_only(db: Session, world, sla_tickets) -> None:
    rows = tickets.list_tickets(db, world.actor("technician"), ListQuery(sla="breached")).rows
    agent_view = row_view(rows[0], "pl", "")
    assert (agent_view.sla_state, agent_view.sla_label, agent_view.is_key) == (
        "breached", "Po terminie", True)
    assert agent_view.sla_due != ""
    client_rows = tickets.list_tickets(db, world.actor("client"), ListQuery()).rows
    assert client_rows, "the client has tickets"
    labels = workflow.labels(db, "pl", for_client=True)
    for row in client_rows:
        view = client_row_view(row, "", labels)
        assert set(dataclasses.asdict(view)) == {
            "number", "subject", "status_label", "requester", "updated"}


def test_sla_report_is_agent_only(db: Session, world, sla_tickets) -> None:
    late = sla_tickets["late"]
    report = tickets.sla_report(db, world.actor("coordinator"), late, datetime.now(UTC))
    assert report is not None and report.is_key and report.calendar == "24/7"
    assert report.result.resolution.target == timedelta(minutes=480)
    assert report.result.explain is not None
    for who in ("client", "client-manager", "other-client"):
        with pytest.raises(DomainError):
            tickets.sla_report(db, world.actor(who), late, datetime.now(UTC))


def test_sla_report_without_contract(db: Session, world, make) -> None:
    t = make.ticket(world.actor("client"), "bez umowy")
    assert db.get(Ticket, t.id).contract_id is None
    assert tickets.sla_report(db, world.actor("technician"), t.id, datetime.now(UTC)) is None
