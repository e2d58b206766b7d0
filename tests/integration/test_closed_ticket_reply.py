"""A client writing on a closed ticket: the reply reopens it where the workflow's
transitions allow the move back to "open"; elsewhere it is refused and the client opens a
follow-up ticket that refers to the closed one (as the mail channel does). Staff replies
and notes on closed tickets keep today's behaviour."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from helpdesk_app.domain import closed_replies, tickets, workflow
from helpdesk_app.domain.errors import Forbidden, Invalid, NotFound
from helpdesk_app.models import EventKind, Status, Ticket, TimelineEvent

# the default set without "closed -> open" (and without "closed -> anything")
NO_REOPEN = [("new", "open"), ("open", "pending"), ("pending", "open"), ("open", "resolved"),
             ("resolved", "open"), ("resolved", "closed")]


def _fresh(db: Session, ticket_id: int) -> Ticket:
    db.expire_all()
    return db.get(Ticket, ticket_id)


def _events(db: Session, ticket_id: int) -> list[TimelineEvent]:
    return list(db.exec(select(TimelineEvent).where(TimelineEvent.ticket_id == ticket_id)
                        .order_by(col(TimelineEvent.id))).all())


@pytest.fixture
def closed(db: Session, world, make) -> Ticket:
    t = make.ticket(world.actor("client"), "Drukarka nie drukuje")
    t.status = Status.CLOSED
    db.add(t)
    db.commit()
    return t


def test_reply_reopens_where_the_workflow_allows(db: Session, world, closed) -> None:
    client = world.actor("client")
    assert closed_replies.client_reply_outcome(db, client, closed.id) == closed_replies.REOPEN
    version = closed.version
    event_id = tickets.add_comment(db, client, closed.id, "Znowu nie drukuje", public=True)
    fresh = _fresh(db, closed.id)
    assert fresh.status == Status.OPEN and fresh.version == version + 1
    reply, change = _events(db, closed.id)[-2:]
    assert (reply.id, reply.kind, reply.is_public) == (event_id, EventKind.REPLY, True)
    assert (change.kind, change.is_public, change.data) == (
        EventKind.STATUS, True, {"old": Status.CLOSED, "new": Status.OPEN})
    # back in the agents' active list
    active = tickets.list_tickets(db, world.actor("technician"),
                                  tickets.ListQuery(status="active", page_size=100))
    assert closed.id in {r.id for r in active.rows}
    assert closed_replies.client_reply_outcome(db, client, closed.id) == ""


def test_follow_up_where_the_workflow_keeps_it_closed(db: Session, world, closed) -> None:
    workflow.save_transitions(db, world.actor("admin"), None, NO_REOPEN)
    client = world.actor("client")
    assert closed_replies.client_reply_outcome(db, client, closed.id) == closed_replies.FOLLOW_UP
    before = len(_events(db, closed.id))
    with pytest.raises(Invalid) as exc:  # a plain reply would sit unseen: refused
        tickets.add_comment(db, client, closed.id, "Znowu nie drukuje", public=True)
    assert exc.value.key == "comment.closed_use_follow_up"
    assert len(_events(db, closed.id)) == before

    number = closed_replies.open_follow_up(db, client, closed.id, "Znowu nie drukuje")
    new = db.exec(select(Ticket).where(Ticket.number == number)).one()
    assert new.id != closed.id and new.subject == closed.subject
    assert new.requester_id == client.user_id
    created = _events(db, new.id)[0]
    assert created.kind == EventKind.CREATED
    assert created.body == f"↪ #{closed.number}\n\nZnowu nie drukuje"
    assert created.data["follows"] == closed.number  # the reference the mail channel records
    assert _fresh(db, closed.id).status == Status.CLOSED
    active = tickets.list_tickets(db, world.actor("technician"),
                                  tickets.ListQuery(status="active", page_size=100))
    assert new.id in {r.id for r in active.rows}


def test_follow_up_only_when_needed_and_only_for_clients(db: Session, world, closed,
                                                         make) -> None:
    client = world.actor("client")
    with pytest.raises(Invalid) as exc:  # the workflow reopens it: reply instead
        closed_replies.open_follow_up(db, client, closed.id, "x")
    assert exc.value.key == "follow_up.not_needed"
    workflow.save_transitions(db, world.actor("admin"), None, NO_REOPEN)
    with pytest.raises(Forbidden):
        closed_replies.open_follow_up(db, world.actor("technician"), closed.id, "x")
    with pytest.raises(NotFound):  # another organisation's ticket does not exist for them
        closed_replies.open_follow_up(db, world.actor("other-client"), closed.id, "x")
    with pytest.raises(NotFound):  # a plain client: not a colleague's ticket either
        closed_replies.open_follow_up(db, world.actor("colleague"), closed.id, "x")
    with pytest.raises(Invalid) as exc:
        closed_replies.open_follow_up(db, client, closed.id, "   ")
    assert exc.value.key == "comment.empty"
    open_ticket = make.ticket(client, "Otwarte")
    with pytest.raises(Invalid):
        closed_replies.open_follow_up(db, client, open_ticket.id, "x")
    # the manager sees the whole organisation: may continue a colleague's closed ticket
    number = closed_replies.open_follow_up(db, world.actor("client-manager"), closed.id, "Ja")
    assert db.exec(select(Ticket).where(Ticket.number == number)).one().requester_id == \
        world.users["client-manager"].id


@pytest.mark.parametrize("rules", [None, NO_REOPEN])
@pytest.mark.parametrize("public", [True, False])
def test_staff_on_closed_ticket_keep_todays_behaviour(db: Session, world, closed, rules,
                                                      public: bool) -> None:
    if rules:
        workflow.save_transitions(db, world.actor("admin"), None, rules)
    tech = world.actor("technician")
    assert closed_replies.client_reply_outcome(db, tech, closed.id) == ""
    tickets.add_comment(db, tech, closed.id, "Dopisuję", public=public)
    assert _fresh(db, closed.id).status == Status.CLOSED
    assert _events(db, closed.id)[-1].kind == (EventKind.REPLY if public else EventKind.NOTE)


def test_contract_set_decides_per_ticket(db: Session, world, make) -> None:
    """A contract with its own set and rules keeps its tickets closed; others reopen."""
    from datetime import date

    from helpdesk_app.domain import contracts
    from helpdesk_app.domain.contracts import CalendarInput, ContractInput, TicketTypeInput

    admin = world.actor("admin")
    cal = contracts.save_calendar(db, admin, CalendarInput("24/7", always_open=True))
    own = contracts.save_contract(db, admin, ContractInput(world.org_a.id, "A",
                                                           date(2020, 1, 1), cal))
    contracts.save_ticket_type(db, admin, TicketTypeInput(own, "Awaria", "Failure", None, 480))
    workflow.save_contract_set(db, admin, own, ["new", "open", "resolved", "closed"])
    workflow.save_transitions(db, admin, own, [("new", "open"), ("open", "resolved"),
                                               ("resolved", "closed")])
    a = make.ticket(world.actor("client"), "Pod umową A")
    b = make.ticket(world.actor("other-client"), "Bez własnego zestawu")
    for t in (a, b):
        t.status = Status.CLOSED
        db.add(t)
    db.commit()
    assert closed_replies.client_reply_outcome(db, world.actor("client"), a.id) == "follow_up"
    assert closed_replies.client_reply_outcome(db, world.actor("other-client"), b.id) == "reopen"
