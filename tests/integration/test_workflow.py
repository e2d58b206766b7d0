"""Statuses as data: per-contract sets, transitions, client-settable statuses, public
labels, SLA effects read from the flags, and history that stays readable."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session

from helpdesk_app.domain import contracts, tickets, workflow
from helpdesk_app.domain.contracts import CalendarInput, ContractInput, TicketTypeInput
from helpdesk_app.domain.errors import DomainError, Forbidden, FormInvalid, Invalid
from helpdesk_app.domain.workflow import StatusInput
from helpdesk_app.models import Ticket


@pytest.fixture
def flow(db: Session, world):
    """Org A's contract has its own set with "waiting for parts" (pauses the SLA, hidden
    from clients under a public label) and explicit transitions; org B uses the default."""
    admin = world.actor("admin")
    cal = contracts.save_calendar(db, admin, CalendarInput("24/7", always_open=True))
    own = contracts.save_contract(db, admin, ContractInput(world.org_a.id, "A", date(2020, 1, 1),
                                                           cal))
    contracts.save_ticket_type(db, admin, TicketTypeInput(own, "Awaria", "Failure", None, 480))
    plain = contracts.save_contract(db, admin, ContractInput(world.org_b.id, "B",
                                                             date(2020, 1, 1), cal))
    contracts.save_ticket_type(db, admin, TicketTypeInput(plain, "Awaria", "Failure", None, 480))
    workflow.save_status(db, admin, StatusInput(
        key="waiting_parts", name_pl="Czeka na części", name_en="Waiting for parts",
        category="waiting", sla_effect="pauses", colour="amber", sort_order=25,
        client_visible=False, client_label_pl="W realizacji", client_label_en="In progress"))
    workflow.save_contract_set(db, admin, own,
                               ["new", "open", "waiting_parts", "resolved", "closed"])
    workflow.save_transitions(db, admin, own, [
        ("new", "open"), ("open", "waiting_parts"), ("waiting_parts", "open"),
        ("open", "resolved"), ("resolved", "closed"), ("resolved", "open")])
    return world, own, plain


def _fresh(db: Session, ticket_id: int) -> Ticket:
    db.expire_all()
    return db.get(Ticket, ticket_id)


def test_contract_set_and_transitions(db: Session, make, flow) -> None:
    world, _own, _plain = flow
    tech = world.actor("technician")
    t = make.ticket(world.actor("client"), "Pompa")
    assert t.status == "new"
    with pytest.raises(Invalid) as exc:
        tickets.update_ticket(db, tech, t.id, t.version, {"status": "resolved"})
    assert exc.value.key == "status.transition_not_allowed"
    assert exc.value.params["new"] in ("Rozwiązane", "Resolved")
    v = tickets.update_ticket(db, tech, t.id, t.version, {"status": "open"})
    v = tickets.update_ticket(db, tech, t.id, v, {"status": "waiting_parts"})
    t = _fresh(db, t.id)
    assert (t.status, t.sla_state) == ("waiting_parts", "paused")  # the flag pauses the SLA
    choices = [c.key for c in workflow.choices_for(db, tech, t, "pl")]
    assert choices == ["open", "waiting_parts"]  # the current one plus allowed moves

    other = make.ticket(world.actor("other-client"), "Inna umowa")
    with pytest.raises(Invalid) as exc:  # not in the default set
        tickets.update_ticket(db, tech, other.id, other.version, {"status": "waiting_parts"})
    assert exc.value.key == "status.not_in_set"
    # The default set has no transition rules: any move inside it is fine.
    tickets.update_ticket(db, tech, other.id, other.version, {"status": "resolved"})


def test_client_may_set_only_marked_statuses(db: Session, make, flow) -> None:
    world, *_ = flow
    tech, client = world.actor("technician"), world.actor("client")
    t = make.ticket(client, "Drukarka")
    v = tickets.update_ticket(db, tech, t.id, t.version, {"status": "open"})
    v = tickets.update_ticket(db, tech, t.id, v, {"status": "resolved"})
    with pytest.raises(Forbidden):  # "open" is not marked for clients
        tickets.set_status_as_client(db, client, t.id, v, "open")
    with pytest.raises(Forbidden):  # clients never use the agents' edit path
        tickets.update_ticket(db, client, t.id, v, {"status": "closed"})
    with pytest.raises(Forbidden):  # and agents don't use the clients' one
        tickets.set_status_as_client(db, tech, t.id, v, "closed")
    assert _fresh(db, t.id).status == "resolved"
    tickets.set_status_as_client(db, client, t.id, v, "closed")  # "confirm fixed"
    assert _fresh(db, t.id).status == "closed"
    other = make.ticket(world.actor("other-client"), "cudzy")
    with pytest.raises(DomainError):  # someone else's ticket: not even visible
        tickets.set_status_as_client(db, client, other.id, other.version, "closed")


def test_clients_see_public_labels_history_stays_readable(db: Session, make, flow) -> None:
    world, *_ = flow
    admin, tech = world.actor("admin"), world.actor("technician")
    t = make.ticket(world.actor("client"), "Części")
    v = tickets.update_ticket(db, tech, t.id, t.version, {"status": "open"})
    tickets.update_ticket(db, tech, t.id, v, {"status": "waiting_parts"})
    assert workflow.labels(db, "pl", for_client=True)["waiting_parts"] == "W realizacji"
    assert workflow.labels(db, "en", for_client=False)["waiting_parts"] == "Waiting for parts"
    # Without a custom public label clients see the category's neutral name.
    workflow.save_status(db, admin, StatusInput(
        key="internal_review", name_pl="Przegląd wewnętrzny", name_en="Internal review",
        category="open", client_visible=False))
    assert workflow.labels(db, "pl", for_client=True)["internal_review"] == "W realizacji"
    # Retiring a status keeps its name for old timeline events.
    workflow.save_status(db, admin, StatusInput(
        key="waiting_parts", name_pl="Czeka na części", name_en="Waiting for parts",
        category="waiting", sla_effect="pauses", is_active=False))
    assert workflow.labels(db, "pl", for_client=False)["waiting_parts"] == "Czeka na części"
    assert "waiting_parts" not in {s.key for s in workflow.status_set(db, t.contract_id)}


def test_client_answer_moves_a_waiting_ticket_back_to_work(db: Session, make, flow) -> None:
    world, *_ = flow
    tech, client = world.actor("technician"), world.actor("client")
    t = make.ticket(client, "Odpowiedź")
    v = tickets.update_ticket(db, tech, t.id, t.version, {"status": "open"})
    tickets.update_ticket(db, tech, t.id, v, {"status": "waiting_parts"})
    tickets.add_comment(db, client, t.id, "Części dotarły", public=True)
    assert _fresh(db, t.id).status == "open"  # the set's first "open" category status


def test_active_filter_follows_the_flags(db: Session, make, flow) -> None:
    world, *_ = flow
    tech = world.actor("technician")
    t = make.ticket(world.actor("client"), "Aktywne?")
    v = tickets.update_ticket(db, tech, t.id, t.version, {"status": "open"})
    tickets.update_ticket(db, tech, t.id, v, {"status": "waiting_parts"})
    page = tickets.list_tickets(db, tech, tickets.ListQuery(status="active"))
    assert t.id in {r.id for r in page.rows}
    assert "waiting_parts" in workflow.active_keys(db)
    assert "closed" not in workflow.active_keys(db)


def test_admin_validation(db: Session, world, flow) -> None:
    _world, own, _plain = flow
    admin = world.actor("admin")
    bad = [
        (StatusInput(key="Zły klucz", name_pl="x", name_en="x", category="open"),
         "key", "status.key_invalid"),
        (StatusInput(key="ok_key", name_pl="", name_en="x", category="open"),
         "name_pl", "status.name_required"),
        (StatusInput(key="ok_key", name_pl="x", name_en="x", category="done"),
         "category", "status.category_invalid"),
        (StatusInput(key="ok_key", name_pl="x", name_en="x", category="open",
                     sla_effect="freezes"), "sla_effect", "status.sla_effect_invalid"),
        (StatusInput(key="ok_key", name_pl="x", name_en="x", category="open",
                     sort_order="pięć"), "sort_order", "workflow.order_invalid"),
    ]
    for data, field, key in bad:
        with pytest.raises(FormInvalid) as exc:
            workflow.save_status(db, admin, data)
        assert exc.value.key == "form.invalid"
        assert {f: k for f, (k, _p) in exc.value.errors.items()} == {field: key}
    with pytest.raises(FormInvalid) as exc:  # every bad field at once
        workflow.save_status(db, admin, StatusInput(
            key="open", name_pl=" ", name_en="", category="done", sla_effect="x",
            colour="plaid", sort_order="1a"), new=True)
    assert exc.value.errors == {
        "key": ("workflow.key_taken", {"status": "open"}),
        "name_pl": ("status.name_required", {}), "name_en": ("status.name_required", {}),
        "category": ("status.category_invalid", {}),
        "sla_effect": ("status.sla_effect_invalid", {}),
        "colour": ("status.colour_invalid", {}),
        "sort_order": ("workflow.order_invalid", {"value": "1a"})}
    assert "ok_key" not in workflow.all_statuses(db)
    with pytest.raises(FormInvalid) as exc:
        workflow.save_contract_set(db, admin, own, ["open", "resolved"])  # no start
    assert exc.value.errors == {"statuses": ("status.set_incomplete", {})}
    with pytest.raises(FormInvalid) as exc:  # the contract and the set, at once
        workflow.save_contract_set(db, admin, 999_999, ["new", "nope", "resolved"])
    assert exc.value.errors == {"contract": ("ticket_type.contract_invalid", {}),
                                "statuses": ("workflow.set_status_invalid",
                                             {"status": "nope"})}
    with pytest.raises(Invalid) as exc:  # about the whole matrix: at the top
        workflow.save_transitions(db, admin, own, [("open", "open")])
    assert exc.value.key == "status.transition_invalid"
    assert not isinstance(exc.value, FormInvalid)
    with pytest.raises(FormInvalid) as exc:
        workflow.save_transitions(db, admin, 999_999, [])
    assert exc.value.errors == {"contract": ("ticket_type.contract_invalid", {})}
    with pytest.raises(Forbidden):
        workflow.save_status(db, world.actor("coordinator"), StatusInput(
            key="x_y", name_pl="x", name_en="x", category="open"))
