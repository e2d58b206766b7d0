"""One browser tab, two people: what the tab's server state holds after sign-out/sign-in.

Reflex state belongs to the tab, so everything it serialises on the next hydrate reaches
whoever uses the tab next. (The browser-level twin is tests/e2e/test_shared_tab.py.)
"""

from __future__ import annotations

import json

from sqlmodel import select
from state_support import DEMO_PASSWORD, call_handler, state_for

from helpdesk_app.db import session_scope
from helpdesk_app.domain import workflow
from helpdesk_app.domain.actor import Actor
from helpdesk_app.models import Queue, Ticket, User
from helpdesk_app.state.agent_list import AgentListState
from helpdesk_app.state.portal import PortalState
from helpdesk_app.state.session import LoginState, SessionState

AGENT = "anna.nowak@pomocnik.example"
CLIENT = "ewa.lewandowska@wodociagi-lodz.example"


def _actor(email: str) -> Actor:
    with session_scope() as db:
        return Actor.from_user(db.exec(select(User).where(User.email == email)).one())


def _agent_tab():
    agent_list = state_for(AgentListState, AGENT)
    call_handler(AgentListState, "on_load", agent_list)
    assert agent_list.rows, "the agent sees tickets"
    return agent_list


def _serialised(state) -> str:
    root = state
    while root.parent_state is not None:
        root = root.parent_state
    return json.dumps(root.dict(), default=str, ensure_ascii=False)


def test_sign_out_empties_every_page_state_of_the_tab(demo_db):
    agent_list = _agent_tab()
    requester = agent_list.rows[0].requester
    assert requester in _serialised(agent_list)

    call_handler(SessionState, "logout", agent_list.parent_state)

    assert agent_list.rows == [] and agent_list.total == 0
    assert requester not in _serialised(agent_list)
    assert agent_list.parent_state.user_role == ""


def test_next_person_signing_in_on_the_tab_gets_nothing_of_the_previous_one(demo_db):
    agent_list = _agent_tab()
    root = agent_list.parent_state.parent_state
    login = root.get_substate(LoginState.get_full_name().split(".")[1:])

    call_handler(LoginState, "submit", login, {"email": CLIENT, "password": DEMO_PASSWORD})

    assert login.user_role == "client" and login.error == ""
    assert agent_list.rows == []
    assert "@pomocnik.example" not in _serialised(agent_list)


def test_client_portal_rows_carry_no_agent_only_data(demo_db):
    portal = state_for(PortalState, CLIENT)
    call_handler(PortalState, "on_load", portal)
    assert portal.rows
    with session_scope() as db:
        client = db.exec(select(User).where(User.email == CLIENT)).one()
        tickets = db.exec(select(Ticket).where(Ticket.organisation_id
                                               == client.organisation_id)).all()
        staff_names = {db.get(User, t.assignee_id).full_name for t in tickets if t.assignee_id}
    assert staff_names, "some of the client's tickets are assigned"
    held = json.dumps(portal.dict(), default=str, ensure_ascii=False)
    for name in staff_names:
        assert name not in held
    for row in portal.rows:
        assert not hasattr(row, "assignee") and not hasattr(row, "queue")
        assert not hasattr(row, "status")  # no internal status key, only the public label


def test_client_ticket_page_holds_no_agent_only_data(demo_db):
    from helpdesk_app.state.ticket import TicketState

    with session_scope() as db:
        client = db.exec(select(User).where(User.email == CLIENT)).one()
        ticket = db.exec(select(Ticket).where(Ticket.requester_id == client.id,
                                              Ticket.assignee_id.is_not(None))).first()
        queue = db.get(Queue, ticket.queue_id).name
        assignee = db.get(User, ticket.assignee_id)
    state = state_for(TicketState, CLIENT)
    state._ticket_id = ticket.id
    with session_scope() as db:
        state._status_labels = workflow.labels(db, "pl", for_client=True)
        state._refresh(db, _actor(CLIENT), reset_form=True)
    assert state.ticket.number == ticket.number and state.ticket.status_label
    held = json.dumps(state.dict(), default=str, ensure_ascii=False)
    assert queue not in held and assignee.email not in held
    assert state.ticket.status == "" and state.ticket.queue_id == ""
    assert state.ticket.assignee == "" and state.ticket.priority_label == ""
