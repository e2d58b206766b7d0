"""Event handlers called directly, as a crafted websocket message would call them.

Every public method of a Reflex state is callable by any browser by name, with any
arguments. These tests skip the UI entirely and check that the server still refuses.
"""

from __future__ import annotations

from sqlmodel import select
from state_support import call_handler, state_for

from helpdesk_app.db import session_scope
from helpdesk_app.models import Role, Ticket, TimelineEvent, User
from helpdesk_app.state.agent_list import AgentListState
from helpdesk_app.state.ticket import TicketState

CLIENT = "ewa.lewandowska@wodociagi-lodz.example"










def _tickets(email: str, *, own: bool):
    with session_scope() as db:
        user = db.exec(select(User).where(User.email == email)).one()
        clause = Ticket.requester_id == user.id if own else (
            Ticket.organisation_id != user.organisation_id)
        return db.exec(select(Ticket).where(clause).order_by(Ticket.id)).first()


def _events(ticket_id: int) -> list[TimelineEvent]:
    with session_scope() as db:
        return list(db.exec(select(TimelineEvent).where(TimelineEvent.ticket_id == ticket_id)))


def test_client_cannot_edit_header_even_by_directcall_handler(demo_db):
    ticket = _tickets(CLIENT, own=True)
    state = state_for(TicketState, CLIENT)
    state._ticket_id = ticket.id
    state.f_status, state.f_priority = "closed", "4"
    state.f_queue, state.f_assignee = str(ticket.queue_id), "none"
    state.edit_version = ticket.version
    call_handler(TicketState, "save_header", state)
    assert state.edit_message == "Nie masz uprawnień do tej operacji."
    with session_scope() as db:
        fresh = db.get(Ticket, ticket.id)
    assert (fresh.status, fresh.priority, fresh.version) == (
        ticket.status, ticket.priority, ticket.version)


def test_client_internal_note_request_becomes_public_reply(demo_db):
    ticket = _tickets(CLIENT, own=True)
    state = state_for(TicketState, CLIENT)
    state._ticket_id = ticket.id
    state.reply_public = False  # what a crafted "set_reply_public(false)" would do
    state.reply_text = "wiadomość od klienta"
    call_handler(TicketState, "send_reply", state, [])
    mine = [e for e in _events(ticket.id) if e.body == "wiadomość od klienta"]
    assert len(mine) == 1 and mine[0].is_public is True


def test_client_cannot_reply_to_another_organisations_ticket(demo_db):
    foreign = _tickets(CLIENT, own=False)
    before = len(_events(foreign.id))
    state = state_for(TicketState, CLIENT)
    state._ticket_id = foreign.id  # a guessed id smuggled into the state
    state.reply_text = "próba"
    call_handler(TicketState, "send_reply", state, [])
    assert state.reply_error == "Nie znaleziono zgłoszenia lub nie masz do niego dostępu."
    assert len(_events(foreign.id)) == before


def test_agent_list_refuses_clients_and_anonymous(demo_db):
    client_state = state_for(AgentListState, CLIENT)
    result = call_handler(AgentListState, "on_load", client_state)
    assert client_state.rows == []
    assert "/portal" in str(result)

    anonymous = state_for(AgentListState, None)
    anonymous.token = "forged-token-value"
    result = call_handler(AgentListState, "on_load", anonymous)
    assert anonymous.rows == []
    assert "/login" in str(result)


def test_agent_list_loads_one_page_for_staff(demo_db):
    state = state_for(AgentListState, "anna.nowak@pomocnik.example")
    call_handler(AgentListState, "on_load", state)
    assert len(state.rows) == state.page_size
    assert state.total > state.page_size  # more exist than were loaded
    with session_scope() as db:
        assert db.exec(select(User).where(User.email == "anna.nowak@pomocnik.example")
                       ).one().role == Role.TECHNICIAN


def test_non_admin_cannot_save_sla_configuration_by_directcall_handler(demo_db):
    from helpdesk_app.models import BusinessCalendar
    from helpdesk_app.state.admin_sla import AdminSlaState

    with session_scope() as db:
        before = len(db.exec(select(BusinessCalendar)).all())
    # the toolkit sends them to their own start page
    for email, target in (("koordynator@pomocnik.example", "/agent"), (CLIENT, "/portal")):
        state = state_for(AdminSlaState, email)
        state.cal_name = "Przejęty kalendarz"
        state.cal_windows = ["0:00-0:00"] * 7
        result = call_handler(AdminSlaState, "save_calendar", state)
        assert target in str(result) and "/login" not in str(result)
    with session_scope() as db:
        assert len(db.exec(select(BusinessCalendar)).all()) == before
