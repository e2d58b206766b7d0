"""Ticket writes keep the stored SLA fields current (contract picked on create, recompute
on agent response, status and priority changes)."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlmodel import Session

from helpdesk_app.domain import contracts, tickets
from helpdesk_app.domain.contracts import CalendarInput, ContractInput, TicketTypeInput
from helpdesk_app.domain.errors import DomainError, Invalid
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


@pytest.fixture
def two_contracts(db: Session, world):
    """Organisation A has two valid contracts: a 24/7 one and an office-hours one."""
    admin = world.actor("admin")
    round_clock = contracts.save_calendar(db, admin, CalendarInput("24/7", always_open=True))
    office = contracts.save_calendar(db, admin, CalendarInput(
        "Biuro", windows=[(d, time(8), time(16)) for d in range(5)]))
    first = contracts.save_contract(
        db, admin, ContractInput(world.org_a.id, "Serwis 24/7", date(2020, 1, 1), round_clock))
    second = contracts.save_contract(
        db, admin, ContractInput(world.org_a.id, "Wdrożenia", date(2020, 1, 1), office))
    fast = contracts.save_ticket_type(db, admin, TicketTypeInput(first, "Awaria", "Failure",
                                                                 None, 60))
    slow = contracts.save_ticket_type(db, admin, TicketTypeInput(second, "Zmiana", "Change",
                                                                 None, 6000))
    other = contracts.save_ticket_type(db, admin, TicketTypeInput(second, "Szkolenie",
                                                                  "Training", None, 600))
    return first, second, fast, slow, other


def test_agent_must_pick_among_several_contracts(db: Session, make, world, two_contracts):
    first, second, fast, slow, _other = two_contracts
    tech, client = world.actor("technician"), world.users["client"]
    with pytest.raises(Invalid) as exc:
        make.ticket(tech, "Który kontrakt?", requester=client)
    assert exc.value.key == "ticket.contract_required"
    t = make.ticket(tech, "Wybrany", requester=client, contract_id=second)
    assert (t.contract_id, t.ticket_type_id) == (second, slow)  # its first type
    with pytest.raises(Invalid) as exc:
        make.ticket(tech, "Obcy typ", requester=client, contract_id=second, ticket_type_id=fast)
    assert exc.value.key == "ticket.type_invalid"
    # A client cannot pick: their ticket waits for an agent to classify it.
    t = make.ticket(world.actor("client"), "Od klienta")
    assert (t.contract_id, t.sla_state) == (None, "none")
    choices = tickets.classification_choices(db, tech, requester_id=client.id)
    assert [(c.id, [x[0] for x in c.types]) for c in choices] == [
        (first, [fast]), (second, [slow, _other])]


def test_contract_change_mid_life_recomputes_and_is_on_the_timeline(db: Session, make, world,
                                                                    two_contracts):
    first, second, fast, slow, other = two_contracts
    tech = world.actor("technician")
    t = make.ticket(tech, "Przeklasyfikowanie", requester=world.users["client"],
                    contract_id=first)
    assert t.resolution_due_at == t.created_at + timedelta(minutes=60)
    version = tickets.update_ticket(db, tech, t.id, t.version, {"contract_id": second})
    t = _ticket(db, t.id)
    assert (t.contract_id, t.ticket_type_id) == (second, slow)
    assert t.resolution_due_at > t.created_at + timedelta(minutes=60)  # 6000 office minutes
    tickets.update_ticket(db, tech, t.id, version, {"ticket_type_id": other})
    t = _ticket(db, t.id)
    assert t.ticket_type_id == other
    detail = tickets.get_ticket(db, tech, t.id)
    kinds = [e.kind for e in detail.events]
    assert "contract" in kinds and "ticket_type" in kinds
    assert detail.names[f"contract:{second}"] == "Wdrożenia"
    with pytest.raises(Invalid) as exc:
        tickets.update_ticket(db, tech, t.id, t.version, {"ticket_type_id": fast})
    assert exc.value.key == "ticket.type_invalid"
    # Removing the contract stops the SLA.
    tickets.update_ticket(db, tech, t.id, t.version, {"contract_id": None})
    t = _ticket(db, t.id)
    assert (t.contract_id, t.ticket_type_id, t.sla_state) == (None, None, "none")


def test_classification_choices_are_for_agents(db: Session, make, world, two_contracts):
    t = make.ticket(world.actor("technician"), "x", requester=world.users["client"],
                    contract_id=two_contracts[0])
    for who in ("client", "client-manager"):
        with pytest.raises(DomainError):
            tickets.classification_choices(db, world.actor(who), ticket_id=t.id)
