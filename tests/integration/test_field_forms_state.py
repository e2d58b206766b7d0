"""Custom fields in the page states, driven in-process like a websocket message would:
the new-ticket form re-evaluates dependencies on every change with `fields.evaluate`, and
what it shows is exactly what `create_ticket` / `save_values` decide at save; the ticket
page's fields panel saves with moment "edit"; a client cannot write a field they may not
edit, whatever they send to the handlers."""

from __future__ import annotations

import pytest
from sqlmodel import select
from state_support import call_handler, state_for

from helpdesk_app.db import session_scope
from helpdesk_app.domain import fields, tickets
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import Forbidden
from helpdesk_app.domain.fields import (
    DependencyInput,
    FieldInput,
    OptionInput,
    PermissionInput,
    ScopeInput,
)
from helpdesk_app.models import Contract, FieldType, RequiredOn, Ticket, User
from helpdesk_app.state.new_ticket import NewTicketState
from helpdesk_app.state.ticket_fields import FieldForm, TicketFieldsState

ADMIN = "admin@pomocnik.example"
AGENT = "anna.nowak@pomocnik.example"
CLIENT = "ewa.lewandowska@wodociagi-lodz.example"
ORG_NAME = "Miejskie Wodociągi Łódź S.A."

T = FieldType
CLIENT_EDITS = [PermissionInput("client", can_view=True, can_edit=True)]
CLIENT_SEES = [PermissionInput("client", can_view=True, can_edit=False)]


def _actor(email: str) -> Actor:
    with session_scope() as db:
        return Actor.from_user(db.exec(select(User).where(User.email == email)).one())


def _contract_id() -> int:
    with session_scope() as db:
        return db.exec(select(Contract).where(Contract.name.contains(ORG_NAME))).one().id


@pytest.fixture
def config(demo_db) -> dict[str, int]:
    """On the client's contract: dropdown `kind` (x / y / z); `detail` shown only when kind
    is x or y, required when x, its options depending on kind (x: b1, b2; y: b3); `ref`
    required on create; `internal` agents only; `seen` clients may view but not edit.
    Created once per module database (the demo database is shared by this module)."""
    admin = _actor(ADMIN)
    contract = _contract_id()
    with session_scope() as db:
        existing = fields.applicable_fields(db, admin, contract_id=contract,
                                            ticket_type_id=None)
        if any(v.key == "kind" for v in existing):
            return {v.key: v.id for v in existing}

        def make(key, ftype, *, perms=None, options=None, required=RequiredOn.NEVER,
                 order=0):
            fid = fields.save_field(db, admin, FieldInput(
                key, f"Pole {key}", f"Field {key}", ftype, help_pl=f"Pomoc {key}",
                help_en=f"Help {key}", sort_order=order))
            if options:
                fields.save_options(db, admin, fid, [OptionInput(v, f"{v} PL", f"{v} EN")
                                                     for v in options])
            fields.save_scopes(db, admin, fid, [ScopeInput(contract, required_on=required)])
            if perms:
                fields.save_permissions(db, admin, fid, perms)
            return fid

        ids = {
            "kind": make("kind", T.DROPDOWN, options=["x", "y", "z"], perms=CLIENT_EDITS,
                         order=1),
            "detail": make("detail", T.DROPDOWN, options=["b1", "b2", "b3"],
                           perms=CLIENT_EDITS, order=2),
            "ref": make("ref", T.SHORT_TEXT, perms=CLIENT_EDITS, required=RequiredOn.CREATE,
                        order=3),
            "internal": make("internal", T.SHORT_TEXT, order=4),
            "seen": make("seen", T.NUMBER, perms=CLIENT_SEES, order=5),
        }
        fields.save_dependencies(db, admin, ids["detail"], [
            DependencyInput("kind", "show", ["x", "y"]),
            DependencyInput("kind", "require", ["x"]),
            DependencyInput("kind", "options", options_map={"x": ["b1", "b2"],
                                                              "y": ["b3"]}),
        ])
        return ids


def _agent_form(requester: str = CLIENT) -> NewTicketState:
    state = state_for(NewTicketState, AGENT)
    call_handler(NewTicketState, "on_load", state)
    with session_scope() as db:
        user = db.exec(select(User).where(User.email == requester)).one()
    call_handler(NewTicketState, "set_requester", state, str(user.id))
    return state


def _rows(state) -> dict:
    rows = getattr(state, "field_rows", None)
    if rows is None:
        rows = state.rows
    return {r.key: r for r in rows}


def _set(state, key: str, value) -> None:
    call_handler(type(state), "set_field", state, key, value)


# --------------------------------------------------------------------------- live form


def test_agent_form_shows_fields_of_the_contract_and_follows_dependencies(config):
    state = _agent_form()
    rows = _rows(state)
    assert list(rows) == ["kind", "ref", "internal", "seen"]  # detail hidden: kind empty
    assert rows["ref"].required and not rows["kind"].required
    assert rows["kind"].help == "Pomoc kind" and rows["kind"].label == "Pole kind"
    assert [o.value for o in rows["kind"].options] == ["x", "y", "z"]

    _set(state, "kind", "x")
    rows = _rows(state)
    assert "detail" in rows and rows["detail"].required
    assert [o.value for o in rows["detail"].options] == ["b1", "b2"]

    _set(state, "kind", "y")
    rows = _rows(state)
    assert not rows["detail"].required
    assert [o.value for o in rows["detail"].options] == ["b3"]

    _set(state, "kind", "z")
    assert "detail" not in _rows(state)


def test_errors_show_for_touched_fields_then_all_after_a_refused_submit(config):
    state = _agent_form()
    _set(state, "seen", "12,5")  # not a whole number
    assert _rows(state)["seen"].error == "Wpisz liczbę całkowitą."
    assert _rows(state)["ref"].error == ""  # untouched: no nagging while typing
    _set(state, "kind", "x")
    state.subject, state.body = "Awaria pompy", "Opis zostaje"
    call_handler(NewTicketState, "submit", state, [])
    rows = _rows(state)
    assert rows["ref"].error == "To pole jest wymagane."
    assert rows["detail"].error == "To pole jest wymagane."
    assert rows["seen"].error == "Wpisz liczbę całkowitą."
    assert "Pole ref" in state.error and "Pole detail" in state.error
    # everything typed is kept
    assert (state.subject, state.body) == ("Awaria pompy", "Opis zostaje")
    assert rows["kind"].value == "x" and rows["seen"].value == "12,5"


def test_submit_creates_the_ticket_with_its_field_values(config):
    state = _agent_form()
    _set(state, "kind", "x")
    _set(state, "detail", "b2")
    _set(state, "ref", "  ZL-7  ")
    _set(state, "internal", "tylko dla nas")
    state.subject = "Z polami"
    result = call_handler(NewTicketState, "submit", state, [])
    assert state.error == ""
    assert result and state.field_rows == []  # the form starts afresh
    with session_scope() as db:
        ticket = db.exec(select(Ticket).where(Ticket.subject == "Z polami")).one()
        values = {v.key: v.value for v in fields.values_for(db, _actor(AGENT), ticket.id)}
    assert values["kind"] == "x" and values["detail"] == "b2"
    assert values["ref"] == "ZL-7" and values["internal"] == "tylko dla nas"
    assert values["seen"] is None


COMBOS = [
    {"kind": "x", "ref": "r"},  # detail required
    {"kind": "x", "detail": "b3", "ref": "r"},  # b3 not offered for x
    {"kind": "y", "detail": "b1", "ref": "r"},  # b1 not offered for y
    {"kind": "y", "ref": "r"},  # detail optional
    {"kind": "z", "detail": "b1", "ref": "r"},  # detail hidden: not validated, not saved
    {"kind": "", "ref": ""},  # ref required
    {"kind": "q", "ref": "r", "seen": "1.5"},  # not an option; not a whole number
    {"kind": "x", "detail": "b1", "ref": "r", "seen": "42"},
]


@pytest.mark.parametrize("values", COMBOS)
def test_the_form_and_the_save_agree(config, values):
    """What the state evaluated while the user typed (visibility, errors) is what the
    server decides at save: one evaluation, not a second implementation."""
    state = _agent_form()
    for key, value in values.items():
        _set(state, key, value)
    live = state._form.evaluation()
    live_errors = {k: s.error for k, s in live.fields.items() if s.error}
    subject = state.subject = "Zgodność " + ",".join(f"{k}={v}" for k, v in values.items())
    call_handler(NewTicketState, "submit", state, [])
    with session_scope() as db:
        created = db.exec(select(Ticket).where(Ticket.subject == subject)).first()
    if live_errors:
        assert created is None and state.error
        server = {k: e[0] for k, e in state._form.server_errors.items()}
        assert server == live_errors
        shown = {k: r.error for k, r in _rows(state).items() if r.error}
        assert set(shown) == set(live_errors)  # each one next to its field
    else:
        assert created is not None and state.error == ""
        with session_scope() as db:
            saved = {v.key: v.value for v in fields.values_for(db, _actor(AGENT), created.id)}
        for key, s in live.fields.items():
            assert saved[key] == (s.value if s.visible else None), key


def test_client_form_shows_only_what_the_client_may_see(config):
    state = state_for(NewTicketState, CLIENT)
    call_handler(NewTicketState, "on_load", state)
    rows = _rows(state)
    assert "internal" not in rows  # agents only
    assert rows["seen"].editable is False and rows["kind"].editable is True
    # a crafted event for a field the client may not edit (or not even see) changes nothing
    _set(state, "seen", "7")
    _set(state, "internal", "smuggled")
    assert _rows(state)["seen"].value == ""
    assert "internal" not in state._form.values
    _set(state, "kind", "y")
    _set(state, "ref", "R-1")
    state.subject = "Od klienta z polami"
    call_handler(NewTicketState, "submit", state, [])
    assert state.error == ""
    with session_scope() as db:
        ticket = db.exec(select(Ticket).where(Ticket.subject == "Od klienta z polami")).one()
        values = {v.key: v.value for v in fields.values_for(db, _actor(AGENT), ticket.id)}
    assert values["kind"] == "y" and values["ref"] == "R-1"
    assert values["internal"] is None and values["seen"] is None


# --------------------------------------------------------------------------- ticket panel


def _ticket_with_values(subject: str) -> Ticket:
    agent = _actor(AGENT)
    with session_scope() as db:
        client = db.exec(select(User).where(User.email == CLIENT)).one()
        row = tickets.create_ticket(db, agent, tickets.NewTicket(
            subject, requester_id=client.id,
            fields={"kind": "x", "detail": "b1", "ref": "R", "seen": "3"}))
        return db.get(Ticket, row.id)


def _panel(email: str, ticket: Ticket) -> TicketFieldsState:
    state = state_for(TicketFieldsState, email)
    state._ticket_id = ticket.id  # what `start` finds from the route
    with session_scope() as db:
        state._load(db, _actor(email), keep_edits=False)
    state.visible = True
    return state


def test_panel_edits_with_the_same_rules_and_saves(config):
    ticket = _ticket_with_values("Panel agenta")
    state = _panel(AGENT, ticket)
    rows = _rows(state)
    assert rows["kind"].value == "x" and rows["detail"].value == "b1"
    assert rows["seen"].value == "3" and state.can_save and not state.dirty

    _set(state, "kind", "y")  # b1 is not an option for y any more
    assert _rows(state)["detail"].error == ""  # untouched; the save will tell
    assert state.dirty
    call_handler(TicketFieldsState, "save", state)
    assert _rows(state)["detail"].error == "Wartość „b1” jest niedostępna."
    assert state.error.startswith("Popraw pola")

    _set(state, "detail", "b3")
    _set(state, "ref", "")  # required on create: cannot be cleared later
    call_handler(TicketFieldsState, "save", state)
    assert _rows(state)["ref"].error == "To pole jest wymagane."
    _set(state, "ref", "R2")
    call_handler(TicketFieldsState, "save", state)
    assert state.error == "" and state.message == "Zapisano." and not state.dirty
    with session_scope() as db:
        values = {v.key: v.value for v in fields.values_for(db, _actor(AGENT), ticket.id)}
    assert (values["kind"], values["detail"], values["ref"]) == ("y", "b3", "R2")


def test_live_refresh_takes_stored_values_but_keeps_edits(config):
    ticket = _ticket_with_values("Panel na żywo")
    state = _panel(AGENT, ticket)
    _set(state, "internal", "piszę właśnie")
    with session_scope() as db:  # another agent saves meanwhile
        fields.save_values(db, _actor("piotr.zielinski@pomocnik.example"), ticket.id,
                           {"ref": "z innej karty"}, moment="edit")
    state._live_refresh([])
    rows = _rows(state)
    assert rows["ref"].value == "z innej karty"
    assert rows["internal"].value == "piszę właśnie"
    assert state.refreshed == 1


AGENT2 = "piotr.zielinski@pomocnik.example"


def test_second_save_of_a_field_changed_meanwhile_is_a_conflict_and_keeps_the_input(config):
    ticket = _ticket_with_values("Dwóch agentów")
    first, second = _panel(AGENT, ticket), _panel(AGENT2, ticket)
    _set(first, "ref", "od Anny")
    _set(second, "ref", "od Piotra")
    call_handler(TicketFieldsState, "save", first)
    assert first.message == "Zapisano."
    second._live_refresh([])  # the change reaches the open panel; the edit stays

    call_handler(TicketFieldsState, "save", second)

    assert "od Anny" in second.error and "Pole ref" in second.error
    assert _rows(second)["ref"].value == "od Piotra"  # nothing typed is lost
    with session_scope() as db:
        stored = {v.key: v.value for v in fields.values_for(db, _actor(AGENT), ticket.id)}
    assert stored["ref"] == "od Anny"
    # Having been told, the second agent may deliberately save over it.
    call_handler(TicketFieldsState, "save", second)
    assert second.error == "" and second.message == "Zapisano."
    with session_scope() as db:
        stored = {v.key: v.value for v in fields.values_for(db, _actor(AGENT), ticket.id)}
    assert stored["ref"] == "od Piotra"


def test_edits_of_different_fields_by_two_agents_both_land(config):
    ticket = _ticket_with_values("Różne pola")
    first, second = _panel(AGENT, ticket), _panel(AGENT2, ticket)
    _set(first, "ref", "R-nowy")
    _set(second, "internal", "notatka")
    call_handler(TicketFieldsState, "save", first)
    call_handler(TicketFieldsState, "save", second)
    assert first.error == "" and second.error == ""
    with session_scope() as db:
        stored = {v.key: v.value for v in fields.values_for(db, _actor(AGENT), ticket.id)}
    assert (stored["ref"], stored["internal"]) == ("R-nowy", "notatka")


def test_client_panel_cannot_write_a_field_they_may_not_edit(config):
    ticket = _ticket_with_values("Panel klienta")
    state = _panel(CLIENT, ticket)
    rows = _rows(state)
    assert "internal" not in rows and rows["seen"].editable is False
    assert rows["seen"].text == "3"

    # A crafted set_field for a read-only or invisible field changes nothing.
    _set(state, "seen", "99")
    _set(state, "internal", "x")
    assert not state.dirty
    call_handler(TicketFieldsState, "save", state)
    assert state.message  # "nothing changed"

    # Even a tampered form (the state's own filter bypassed) is refused by the server.
    form: FieldForm = state._form
    form.views = [v if v.key != "seen" else _editable(v) for v in form.views]
    form.editable = None
    form.values["seen"], form.touched = "99", {"seen"}
    state._form = form
    call_handler(TicketFieldsState, "save", state)
    assert state.error == "Nie możesz zmieniać pola Pole seen."
    with session_scope() as db:
        values = {v.key: v.value for v in fields.values_for(db, _actor(AGENT), ticket.id)}
        assert values["seen"] == 3
        with pytest.raises(Forbidden):
            fields.save_values(db, _actor(CLIENT), ticket.id, {"internal": "x"})


def _editable(view):
    import dataclasses

    return dataclasses.replace(view, can_edit=True)
