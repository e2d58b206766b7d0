"""Checklists: admin templates, copying onto tickets, ticking by role, the resolve rule.

Runs on SQLite and PostgreSQL (`db` fixture). The last tests drive ChecklistState
directly, as a crafted websocket message would, against the demo database.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select
from state_support import call_handler, state_for

from helpdesk_app.db import session_scope
from helpdesk_app.domain import checklists, contracts, tickets
from helpdesk_app.domain.checklists import ItemInput, TemplateInput
from helpdesk_app.domain.contracts import CalendarInput, ContractInput, TicketTypeInput
from helpdesk_app.domain.errors import Forbidden, FormInvalid, Invalid, NotFound
from helpdesk_app.models import (
    ChecklistTemplateItem,
    EventKind,
    Ticket,
    TicketChecklistItem,
    TimelineEvent,
)

STEPS = "* Zasilanie | Power supply\n* Filtry | Filters\nZdjęcia | Photos\n* Protokół"


@pytest.fixture
def cl(db: Session, world):
    """Org A's contract with two types; an "inspection" template on the first."""
    admin = world.actor("admin")
    cal = contracts.save_calendar(db, admin, CalendarInput("24/7", always_open=True))
    contract = contracts.save_contract(
        db, admin, ContractInput(world.org_a.id, "Umowa A", date(2020, 1, 1), cal))
    inspection = contracts.save_ticket_type(
        db, admin, TicketTypeInput(contract, "Przegląd", "Inspection", None, 2400))
    failure = contracts.save_ticket_type(
        db, admin, TicketTypeInput(contract, "Awaria", "Failure", 60, 480))
    template = checklists.save_template(db, admin, TemplateInput(
        inspection, "Przegląd okresowy", "Periodic inspection",
        checklists.parse_items(STEPS), required_before_resolve=True))
    return world, inspection, failure, template


def _ticket(db: Session, make, world, type_id: int) -> Ticket:
    t = make.ticket(world.actor("technician"), "Przegląd kotłowni",
                    requester=world.users["client"], ticket_type_id=type_id)
    # Idempotent: harmless when create_ticket already instantiated the checklist.
    checklists.instantiate(db, t)
    db.commit()
    return t


def _events(db: Session, ticket_id: int) -> list[TimelineEvent]:
    db.expire_all()
    return list(db.exec(select(TimelineEvent).where(
        TimelineEvent.ticket_id == ticket_id, TimelineEvent.kind == EventKind.CHECKLIST)
        .order_by(TimelineEvent.id)))


def test_parse_and_format_items_round_trip() -> None:
    items = checklists.parse_items("  * A | B \n\n C \n*D|")
    assert items == [ItemInput("A", "B", True), ItemInput("C", "", False),
                     ItemInput("D", "", True)]
    assert checklists.parse_items(checklists.format_items(items)) == items


def test_template_validation_and_admin_only(db: Session, cl) -> None:
    world, inspection, *_ = cl
    admin = world.actor("admin")
    ok = dict(ticket_type_id=inspection, name_pl="X", name_en="X",
              items=[ItemInput("krok")])
    for change, field, key in (
        ({"name_pl": "  "}, "name_pl", "checklist.name_required"),
        ({"ticket_type_id": None}, "type", "checklist.type_invalid"),
        ({"ticket_type_id": 999_999}, "type", "checklist.type_invalid"),
        ({"items": [ItemInput("   ")]}, "items", "checklist.items_required"),
        ({"items": [ItemInput("x" * 201)]}, "items", "checklist.item_too_long"),
        ({"items": [ItemInput(f"k{n}") for n in range(101)]}, "items",
         "checklist.too_many_items"),
    ):
        with pytest.raises(FormInvalid) as err:
            checklists.save_template(db, admin, TemplateInput(**{**ok, **change}))
        assert err.value.key == "form.invalid"
        assert err.value.errors[field][0] == key
        assert list(err.value.errors) == [field]
    for role in ("coordinator", "technician", "client"):
        with pytest.raises(Forbidden):
            checklists.save_template(db, world.actor(role), TemplateInput(**ok))
        with pytest.raises(Forbidden):
            checklists.list_templates(db, world.actor(role))
    views = checklists.list_templates(db, admin)
    assert [(v.name_pl, v.ticket_type_pl, len(v.items)) for v in views] == [
        ("Przegląd okresowy", "Przegląd", 4)]
    assert [i.required for i in views[0].items] == [True, True, False, True]
    assert views[0].items[3].label_en == "Protokół"  # no English given: the Polish label


def test_template_reports_every_bad_field_at_once(db: Session, cl) -> None:
    admin = cl[0].actor("admin")
    with pytest.raises(FormInvalid) as err:
        checklists.save_template(db, admin, TemplateInput(
            ticket_type_id=None, name_pl=" ", name_en="", items=[ItemInput("  ")],
            required_before_resolve=False, is_active=True))
    assert err.value.errors == {
        "type": ("checklist.type_invalid", {}), "name_pl": ("checklist.name_required", {}),
        "name_en": ("checklist.name_required", {}), "items": ("checklist.items_required", {})}
    assert checklists.list_templates(db, admin)[0].name_pl == "Przegląd okresowy"  # untouched


def test_instantiate_copies_items_once(db: Session, make, cl) -> None:
    world, inspection, failure, _ = cl
    t = _ticket(db, make, world, inspection)
    assert checklists.instantiate(db, t) == 0
    db.commit()
    items = checklists.items_for(db, world.actor("technician"), t.id)
    assert [(i.label_pl, i.label_en, i.required, i.done) for i in items] == [
        ("Zasilanie", "Power supply", True, False), ("Filtry", "Filters", True, False),
        ("Zdjęcia", "Photos", False, False), ("Protokół", "Protokół", True, False)]
    other = _ticket(db, make, world, failure)
    assert checklists.items_for(db, world.actor("technician"), other.id) == []


def test_editing_the_template_keeps_ticket_copies(db: Session, make, cl) -> None:
    world, inspection, _, template = cl
    admin, tech = world.actor("admin"), world.actor("technician")
    t = _ticket(db, make, world, inspection)
    first = checklists.items_for(db, tech, t.id)[0]
    checklists.set_done(db, tech, t.id, first.id, True)
    # Rename a step, drop one, add one: the ticket keeps what was copied and done.
    checklists.save_template(db, admin, TemplateInput(
        inspection, "Przegląd okresowy", "Periodic inspection",
        checklists.parse_items("* Zasilanie | Power\n* Nowy krok\n* Protokół")), template)
    after = checklists.items_for(db, tech, t.id)
    assert [i.label_pl for i in after] == ["Zasilanie", "Filtry", "Zdjęcia", "Protokół"]
    assert after[0].done
    # A new ticket gets the new list.
    fresh = _ticket(db, make, world, inspection)
    assert [(i.label_pl, i.label_en) for i in checklists.items_for(db, tech, fresh.id)] == [
        ("Zasilanie", "Power"), ("Nowy krok", "Nowy krok"), ("Protokół", "Protokół")]
    # Re-instantiating the old ticket adds only the step it did not have.
    assert checklists.instantiate(db, db.get(Ticket, t.id)) == 1
    db.commit()
    assert len(checklists.items_for(db, tech, t.id)) == 5


def test_type_change_swaps_open_items_and_keeps_done_ones(db: Session, make, cl) -> None:
    world, inspection, failure, _ = cl
    admin, tech = world.actor("admin"), world.actor("technician")
    checklists.save_template(db, admin, TemplateInput(
        failure, "Awaria", "Failure", checklists.parse_items("* Diagnoza\n* Naprawa")))
    t = _ticket(db, make, world, inspection)
    done = checklists.items_for(db, tech, t.id)[1]
    checklists.set_done(db, tech, t.id, done.id, True)
    row = db.get(Ticket, t.id)
    row.ticket_type_id = failure  # what update_ticket does before calling instantiate
    db.add(row)
    checklists.instantiate(db, row)
    db.commit()
    assert [(i.label_pl, i.done) for i in checklists.items_for(db, tech, t.id)] == [
        ("Filtry", True), ("Diagnoza", False), ("Naprawa", False)]


@pytest.mark.parametrize("role", ["admin", "coordinator", "technician"])
def test_staff_tick_items_with_who_and_when(db: Session, make, cl, role, changes) -> None:
    world, inspection, *_ = cl
    actor = world.actor(role)
    t = _ticket(db, make, world, inspection)
    item = checklists.items_for(db, actor, t.id)[0]
    changes.clear()
    view = checklists.set_done(db, actor, t.id, item.id, True)
    assert view.done and view.done_by == world.users[role].full_name
    assert view.done_by_id == actor.user_id and view.done_at is not None
    stored = db.get(TicketChecklistItem, item.id)
    assert stored.done_at is not None and stored.done_by_id == actor.user_id
    [event] = _events(db, t.id)
    assert (event.author_id, event.is_public) == (actor.user_id, False)
    assert event.data == {"item": item.id, "label": "Zasilanie", "label_en": "Power supply",
                          "done": True}
    assert [(c.ticket_id, c.kind, c.public) for c in changes] == [
        (t.id, EventKind.CHECKLIST, False)]

    # Ticking again changes nothing and writes no event; unticking clears who/when.
    assert checklists.set_done(db, actor, t.id, item.id, True).done
    assert len(_events(db, t.id)) == 1
    view = checklists.set_done(db, actor, t.id, str(item.id), False)
    assert not view.done and view.done_by == "" and view.done_at is None
    events = _events(db, t.id)
    assert [e.data["done"] for e in events] == [True, False]


def test_foreign_or_bogus_item_ids_are_refused(db: Session, make, cl) -> None:
    world, inspection, *_ = cl
    tech = world.actor("technician")
    mine = _ticket(db, make, world, inspection)
    other = _ticket(db, make, world, inspection)
    foreign = checklists.items_for(db, tech, other.id)[0]
    for bogus in (foreign.id, 999_999, "abc", None, "1; DROP TABLE x"):
        with pytest.raises(NotFound) as err:
            checklists.set_done(db, tech, mine.id, bogus, True)
        assert err.value.key == "checklist.item_not_found"
    assert not db.get(TicketChecklistItem, foreign.id).done_at
    assert _events(db, mine.id) == [] and _events(db, other.id) == []


@pytest.mark.parametrize("role", ["client", "client-manager", "other-client"])
def test_clients_neither_see_nor_tick_items(db: Session, make, cl, role) -> None:
    world, inspection, *_ = cl
    t = _ticket(db, make, world, inspection)
    item = checklists.items_for(db, world.actor("technician"), t.id)[0]
    client = world.actor(role)
    expected = NotFound if role == "other-client" else Forbidden  # unseen vs seen
    with pytest.raises(expected):
        checklists.items_for(db, client, t.id)
    with pytest.raises(expected):
        checklists.set_done(db, client, t.id, item.id, True)
    assert db.get(TicketChecklistItem, item.id).done_at is None
    assert _events(db, t.id) == []
    # and the checklist events stay out of a client's view of the timeline
    checklists.set_done(db, world.actor("technician"), t.id, item.id, True)
    if role != "other-client":
        kinds = {e.kind for e in tickets.get_ticket(db, client, t.id).events}
        assert EventKind.CHECKLIST not in kinds


def test_unfinished_required_follows_the_template_rule(db: Session, make, cl) -> None:
    world, inspection, _, template = cl
    admin, tech = world.actor("admin"), world.actor("technician")
    t = _ticket(db, make, world, inspection)
    assert checklists.unfinished_required(db, t.id) == ["Zasilanie", "Filtry", "Protokół"]
    assert checklists.unfinished_required(db, t.id, "en") == [
        "Power supply", "Filters", "Protokół"]
    with pytest.raises(Invalid) as err:
        checklists.check_can_resolve(db, t.id, "pl")
    assert err.value.key == "checklist.required_open"
    assert err.value.params == {"items": "Zasilanie; Filtry; Protokół", "count": 3}

    items = checklists.items_for(db, tech, t.id)
    for item in items:
        if item.required:
            checklists.set_done(db, tech, t.id, item.id, True)
    # The optional "Zdjęcia" is still open and does not block.
    assert checklists.unfinished_required(db, t.id) == []
    checklists.check_can_resolve(db, t.id)

    # Without the rule nothing blocks, however much is open.
    checklists.set_done(db, tech, t.id, items[0].id, False)
    assert checklists.unfinished_required(db, t.id) == ["Zasilanie"]
    view = next(v for v in checklists.list_templates(db, admin) if v.id == template)
    checklists.save_template(db, admin, TemplateInput(
        inspection, view.name_pl, view.name_en, view.items, required_before_resolve=False),
        template)
    assert checklists.unfinished_required(db, t.id) == []
    assert checklists.unfinished_required(db, 999_999) == []


def test_delete_template_keeps_ticket_items(db: Session, make, cl) -> None:
    world, inspection, _, template = cl
    admin, tech = world.actor("admin"), world.actor("technician")
    t = _ticket(db, make, world, inspection)
    with pytest.raises(Forbidden):
        checklists.delete_template(db, tech, template)
    checklists.delete_template(db, admin, template)
    assert checklists.list_templates(db, admin) == []
    assert db.exec(select(ChecklistTemplateItem)).all() == []
    assert len(checklists.items_for(db, tech, t.id)) == 4
    assert checklists.unfinished_required(db, t.id) == []
    with pytest.raises(NotFound):
        checklists.delete_template(db, admin, template)


# --------------------------------------------------------------------------- via the state

CLIENT = "ewa.lewandowska@wodociagi-lodz.example"
AGENT = "anna.nowak@pomocnik.example"


def _demo_ticket_with_checklist() -> tuple[int, int]:
    """A demo ticket of the client's, of type "Przegląd", with a checklist on it."""
    from helpdesk_app.domain.actor import Actor
    from helpdesk_app.models import TicketType, User

    with session_scope() as db:
        admin = Actor.from_user(db.exec(select(User).where(
            User.email == "admin@pomocnik.example")).one())
        client = db.exec(select(User).where(User.email == CLIENT)).one()
        ticket = db.exec(select(Ticket).where(Ticket.requester_id == client.id)
                         .order_by(Ticket.id)).first()
        inspection = db.exec(select(TicketType).where(
            TicketType.contract_id == ticket.contract_id,
            TicketType.name_pl == "Przegląd")).one()
        ticket.ticket_type_id = inspection.id
        db.add(ticket)
        db.commit()
        if not any(v.ticket_type_id == inspection.id
                   for v in checklists.list_templates(db, admin)):
            checklists.save_template(db, admin, TemplateInput(
                inspection.id, "Przegląd", "Inspection", checklists.parse_items(STEPS)))
        checklists.instantiate(db, db.get(Ticket, ticket.id))
        db.commit()
        item = db.exec(select(TicketChecklistItem).where(
            TicketChecklistItem.ticket_id == ticket.id)
            .order_by(TicketChecklistItem.id)).first()
        return ticket.id, item.id


def test_client_cannot_tick_by_calling_the_state_handler(demo_db) -> None:
    from helpdesk_app.state.checklist import ChecklistState

    ticket_id, item_id = _demo_ticket_with_checklist()
    state = state_for(ChecklistState, CLIENT)
    call_handler(ChecklistState, "start", state)
    assert state.items == [] and not state.visible
    state._ticket_id = ticket_id  # the client's own ticket, smuggled into the state
    call_handler(ChecklistState, "toggle", state, str(item_id), True)
    assert state.error == "Nie masz uprawnień do tej operacji."
    assert state.items == []
    with session_scope() as db:
        assert db.get(TicketChecklistItem, item_id).done_at is None
        assert db.exec(select(TimelineEvent).where(
            TimelineEvent.ticket_id == ticket_id,
            TimelineEvent.kind == EventKind.CHECKLIST)).all() == []


def test_agent_ticks_through_the_state_handler(demo_db) -> None:
    from helpdesk_app.state.checklist import ChecklistState

    ticket_id, item_id = _demo_ticket_with_checklist()
    state = state_for(ChecklistState, AGENT)
    state._ticket_id = ticket_id
    call_handler(ChecklistState, "toggle", state, str(item_id), True)
    assert state.error == ""
    row = next(i for i in state.items if i.id == str(item_id))
    assert row.done and row.done_by == "Anna Nowak" and row.done_when
    assert state.progress == f"1/{len(state.items)}"
    # an item id of another ticket is refused with a message, nothing changes
    call_handler(ChecklistState, "toggle", state, "999999", True)
    assert state.error != ""
    assert state.progress == f"1/{len(state.items)}"
