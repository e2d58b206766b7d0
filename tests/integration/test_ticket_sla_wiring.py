"""Ticket writes keep the stored SLA fields current (contract picked on create, recompute
on agent response, status and priority changes)."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlmodel import Session

from helpdesk_app.domain import contracts, tickets
from helpdesk_app.domain.contracts import CalendarInput, ContractInput, TicketTypeInput
from helpdesk_app.domain.errors import Invalid
from helpdesk_app.models import Priority, Status, Ticket


@pytest.fixture
def sla_world(db: Session, world):
    admin = world.actor("admin")
    cal = contracts.save_calendar(db, admin, CalendarInput("24/7", always_open=True))
    contract = contracts.save_contract(
        db, admin, ContractInput(world.org_a.id, "Umowa A", date(2020, 1, 1), cal))
    ttype = contracts.save_ticket_type(db, admin, TicketTypeInput(
        contract, "Awaria", "Failure", reaction_minutes=60, resolution_minutes=480,
        per_priority={Priority.URGENT: (15, 120)}))
    office = contracts.save_calendar(db, admin, CalendarInput(
        "Biuro", windows=[(d, time(8), time(16)) for d in range(5)]))
    other = contracts.save_contract(
        db, admin, ContractInput(world.org_b.id, "Umowa B", date(2020, 1, 1), office))
    other_type = contracts.save_ticket_type(
        db, admin, TicketTypeInput(other, "Przegląd", "Inspection", None, 600))
    return world, contract, ttype, other_type


def _ticket(db: Session, ticket_id: int) -> Ticket:
    db.expire_all()
    return db.get(Ticket, ticket_id)


def test_new_ticket_gets_contract_type_and_due_dates(db: Session, make, sla_world) -> None:
    world, contract, ttype, _ = sla_world
    t = make.ticket(world.actor("client"), "Serwer nie odpowiada")
    assert (t.contract_id, t.ticket_type_id) == (contract, ttype)
    assert t.sla_state == "running"
    assert t.reaction_due_at == t.created_at + timedelta(minutes=60)
    assert t.resolution_due_at == t.created_at + timedelta(minutes=480)
    assert t.sla_next_check_at == t.created_at + timedelta(minutes=45)  # 75 % of reaction


def test_agent_reply_pause_resume_and_resolve(db: Session, make, sla_world) -> None:
    world, *_ = sla_world
    tech = world.actor("technician")
    t = make.ticket(world.actor("client"), "Drukarka")
    tickets.add_comment(db, tech, t.id, "Sprawdzamy", public=True)
    t = _ticket(db, t.id)
    assert t.first_response_at is not None and t.status == Status.OPEN
    first_due = t.resolution_due_at

    version = tickets.update_ticket(db, tech, t.id, t.version, {"status": Status.PENDING})
    t = _ticket(db, t.id)
    assert (t.sla_state, t.resolution_due_at) == ("paused", None)
    assert t.sla_paused_since is not None

    version = tickets.update_ticket(db, tech, t.id, version, {"status": Status.OPEN})
    t = _ticket(db, t.id)
    assert t.sla_state == "running" and t.resolution_due_at >= first_due

    tickets.update_ticket(db, tech, t.id, version, {"status": Status.RESOLVED})
    t = _ticket(db, t.id)
    assert t.sla_state == "met" and t.resolved_at is not None
    assert t.sla_next_check_at is None


def test_priority_change_applies_per_priority_targets(db: Session, make, sla_world) -> None:
    world, *_ = sla_world
    t = make.ticket(world.actor("client"), "Awaria sieci")
    tickets.update_ticket(db, world.actor("coordinator"), t.id, t.version,
                          {"priority": Priority.URGENT})
    t = _ticket(db, t.id)
    assert t.resolution_due_at == t.created_at + timedelta(minutes=120)
    assert t.reaction_due_at == t.created_at + timedelta(minutes=15)


def test_client_reply_is_not_an_agent_response(db: Session, make, sla_world) -> None:
    world, *_ = sla_world
    t = make.ticket(world.actor("client"), "Pytanie")
    tickets.add_comment(db, world.actor("client"), t.id, "Jeszcze jedno", public=True)
    tickets.add_comment(db, world.actor("technician"), t.id, "notatka", public=False)
    assert _ticket(db, t.id).first_response_at is None


def test_no_contract_means_no_sla(db: Session, make, world) -> None:
    t = make.ticket(world.actor("other-client"), "Bez umowy")
    assert (t.contract_id, t.sla_state, t.resolution_due_at) == (None, "none", None)


def test_type_must_belong_to_the_contract(db: Session, make, sla_world) -> None:
    world, _contract, _ttype, other_type = sla_world
    with pytest.raises(Invalid) as exc:
        make.ticket(world.actor("technician"), "Zły typ", requester=world.users["client"],
                    ticket_type_id=other_type)
    assert exc.value.key == "ticket.type_invalid"
    # Organisation B's own type is fine for B's client.
    t = make.ticket(world.actor("technician"), "Przegląd roczny",
                    requester=world.users["other-client"], ticket_type_id=other_type)
    assert t.ticket_type_id == other_type and t.reaction_due_at is None
    assert t.resolution_due_at is not None
