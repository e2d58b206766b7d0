"""The ticket page state: on a closed ticket a client is told what their reply will do
(reopen / follow-up) before sending, and sending does exactly that; the timeline order
the reader chose applies to the timeline."""

from __future__ import annotations

from sqlmodel import col, select
from state_support import call_handler, state_for

from helpdesk_app.db import session_scope
from helpdesk_app.domain import tickets, workflow
from helpdesk_app.domain.actor import Actor
from helpdesk_app.models import Status, Ticket, TimelineEvent, User
from helpdesk_app.state.ticket import TicketState
from helpdesk_app.state.timeline import PAUSE_KIND

CLIENT = "ewa.lewandowska@wodociagi-lodz.example"
AGENT = "anna.nowak@pomocnik.example"
ADMIN = "admin@pomocnik.example"
NO_REOPEN = [("new", "open"), ("open", "pending"), ("pending", "open"), ("open", "resolved"),
             ("resolved", "open"), ("resolved", "closed")]


def _actor(email: str) -> Actor:
    with session_scope() as db:
        return Actor.from_user(db.exec(select(User).where(User.email == email)).one())


def _closed_ticket(email: str, skip: int = 0) -> Ticket:
    with session_scope() as db:
        user = db.exec(select(User).where(User.email == email)).one()
        return db.exec(select(Ticket).where(Ticket.requester_id == user.id,
                                            Ticket.status == Status.CLOSED)
                       .order_by(col(Ticket.id)).offset(skip)).first()


def _page(email: str, ticket: Ticket) -> TicketState:
    state = state_for(TicketState, email)
    state._ticket_id = ticket.id
    with session_scope() as db:
        actor = _actor(email)
        state._status_labels = workflow.labels(db, "pl", for_client=actor.is_client)
        state._refresh(db, actor, reset_form=True)
    return state


def test_client_is_told_the_reply_reopens_and_it_does(demo_db) -> None:
    ticket = _closed_ticket(CLIENT)
    page = _page(CLIENT, ticket)
    assert page.reply_outcome == "reopen" and "otworzy je ponownie" in page.closed_note
    assert _page(AGENT, ticket).reply_outcome == ""  # staff: today's behaviour, no note
    page.reply_text = "Problem wrócił"
    call_handler(TicketState, "send_reply", page, [])
    assert page.reply_error == "" and page.reply_text == ""
    assert page.reply_outcome == "" and page.closed_note == ""
    with session_scope() as db:
        assert db.get(Ticket, ticket.id).status == Status.OPEN
    assert page.events[-1].kind == "status"  # the timeline shows the change


def test_client_is_told_a_follow_up_opens_and_it_does(demo_db) -> None:
    ticket = _closed_ticket(CLIENT, skip=1)
    with session_scope() as db:
        workflow.save_transitions(db, _actor(ADMIN), None, NO_REOPEN)
    try:
        page = _page(CLIENT, ticket)
        assert page.reply_outcome == "follow_up" and ticket.number in page.closed_note
        page.reply_text = "Znów to samo"
        events = call_handler(TicketState, "send_reply", page, [])
        assert page.reply_error == "" and page.reply_text == ""
        with session_scope() as db:
            assert db.get(Ticket, ticket.id).status == Status.CLOSED
            created = db.exec(select(TimelineEvent).where(TimelineEvent.kind == "created")
                              .order_by(col(TimelineEvent.id).desc())).first()
            new = db.get(Ticket, created.ticket_id)
        assert created.data["follows"] == ticket.number and new.id != ticket.id
        assert new.number in str(events)  # the page goes to the new ticket

        # the page announced a follow-up, but the rules changed meanwhile (reopen now):
        # nothing else than announced happens, the note is updated, the text kept
        page.reply_text = "Jeszcze raz"
        with session_scope() as db:
            workflow.save_transitions(db, _actor(ADMIN), None, [])
        call_handler(TicketState, "send_reply", page, [])
        assert page.reply_error and page.reply_text == "Jeszcze raz"
        assert page.reply_outcome == "reopen"
        with session_scope() as db:
            assert db.get(Ticket, ticket.id).status == Status.CLOSED
    finally:
        with session_scope() as db:
            workflow.save_transitions(db, _actor(ADMIN), None, [])


def test_newest_first_applies_to_the_timeline(demo_db) -> None:
    ticket = _closed_ticket(CLIENT, skip=2)
    page = _page(CLIENT, ticket)
    oldest_first = [e.id for e in page.events]
    assert len(oldest_first) > 1
    call_handler(TicketState, "set_newest_first", page, True)
    assert page.timeline_order == "newest"
    assert [e.id for e in page.events] == oldest_first[::-1]
    with session_scope() as db:  # a refresh keeps the reader's order
        page._refresh(db, _actor(CLIENT), reset_form=False)
    assert [e.id for e in page.events] == oldest_first[::-1]
    call_handler(TicketState, "set_newest_first", page, False)
    assert [e.id for e in page.events] == oldest_first


def test_agents_see_pause_periods_and_the_paused_total_clients_do_not(demo_db) -> None:
    """A pausing status ("pending": waiting for the client) stops the SLA clock: staff read
    how long in the header and each period on the timeline, right after the change that
    started it; the client's page holds none of it."""
    with session_scope() as db:
        client = db.exec(select(User).where(User.email == CLIENT)).one()
        ticket = db.exec(select(Ticket).where(Ticket.requester_id == client.id,
                                              Ticket.status == Status.OPEN,
                                              col(Ticket.contract_id).is_not(None))
                         .order_by(col(Ticket.id))).first()
        assert ticket is not None, "the demo has an open ticket on a contract"
        tickets.update_ticket(db, _actor(AGENT), ticket.id, ticket.version,
                              {"status": Status.PENDING})
    page = _page(AGENT, ticket)
    assert page.sla_paused.endswith("trwa")  # "0 min, trwa": paused now
    kinds = [e.kind for e in page.events]
    assert kinds.count(PAUSE_KIND) == 1
    assert kinds[kinds.index(PAUSE_KIND) - 1] == "status"
    assert "SLA wstrzymane od" in page.events[kinds.index(PAUSE_KIND)].title

    client_page = _page(CLIENT, ticket)
    assert client_page.sla_paused == ""
    assert PAUSE_KIND not in [e.kind for e in client_page.events]
