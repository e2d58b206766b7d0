"""filters/find_ticket.py: which ticket a message follows up - the number in the subject
first, then In-Reply-To / References - but only a ticket the sender may see; a closed one
is reopened or referred to, as the workflow says (the web's rule)."""

from __future__ import annotations

import pytest
from mail_filter_support import make_room, stored_context

from helpdesk_app.domain import tickets, workflow
from helpdesk_app.mail.inbound.filters import find_ticket, sender
from helpdesk_app.models import Ticket
from tests.mail_support import Room, message


@pytest.fixture
def room(db, world, monkeypatch: pytest.MonkeyPatch) -> Room:
    return make_room(db, world, monkeypatch)


@pytest.mark.parametrize(("subject", "number"), [
    ("[#2026-000123] Printer", "2026-000123"),
    ("Re: Odp: [#2026-000123] Printer", "2026-000123"),
    ("Printer (see #2026-000123)", "2026-000123"),
    ("RE: 2026-000123 printer", "2026-000123"),
    ("Re[2]: AW: 2026-000123", "2026-000123"),
    ("[# 2026-000123 ]", "2026-000123"),
    ("Invoice 2026-000123", None),  # a bare number counts only at the start
    ("Printer", None), ("", None),
])
def test_number_in_subject(subject: str, number: str | None) -> None:
    assert find_ticket.number_in_subject(subject) == number


def new_ticket(room: Room, address: str = "carl@org-a.test") -> Ticket:
    mail = room.deliver(message(sender=address))
    return room.db.get(Ticket, mail.ticket_id)


def found(room: Room, msg):
    """Run the sender filter (find_ticket needs ctx.sender) and then find_ticket."""
    ctx = stored_context(room.db, msg)
    assert sender.run(room.db, ctx) is None
    assert find_ticket.run(room.db, ctx) is None  # it never ends the pipeline
    return ctx


def test_a_new_message_finds_nothing(room: Room) -> None:
    ctx = found(room, message(sender="carl@org-a.test", subject="Something new"))
    assert (ctx.ticket, ctx.closed_ticket, ctx.notes) == (None, None, [])


def test_the_number_in_the_subject_finds_the_ticket(room: Room) -> None:
    ticket = new_ticket(room)
    ctx = found(room, message(sender="carl@org-a.test", subject=f"Re: [#{ticket.number}]"))
    assert ctx.ticket.id == ticket.id


def test_in_reply_to_our_message_finds_the_ticket(room: Room) -> None:
    ticket = new_ticket(room)
    [ours] = room.outbox("carl@org-a.test")
    ctx = found(room, message(sender="carl@org-a.test", subject="Re: thanks",
                              in_reply_to=ours.message_id))
    assert ctx.ticket.id == ticket.id


def test_references_to_a_clients_earlier_message_find_the_ticket(room: Room) -> None:
    first = message(sender="carl@org-a.test", message_id="first@org-a.test")
    ticket = room.db.get(Ticket, room.deliver(first).ticket_id)
    ctx = found(room, message(sender="carl@org-a.test", subject="More info",
                              references=["unknown@x.test", "first@org-a.test"]))
    assert ctx.ticket.id == ticket.id


def test_the_subject_number_wins_over_the_references(room: Room) -> None:
    by_number, by_reference = new_ticket(room), new_ticket(room)
    ours = room.outbox("carl@org-a.test")[-1]
    assert ours.ticket_id == by_reference.id
    ctx = found(room, message(sender="carl@org-a.test", subject=f"[#{by_number.number}]",
                              in_reply_to=ours.message_id))
    assert ctx.ticket.id == by_number.id


def test_someone_elses_ticket_is_not_found_and_the_attempt_is_noted(room: Room) -> None:
    ticket = new_ticket(room)
    ctx = found(room, message(sender="stranger@org-b.example", subject=f"Re: [#{ticket.number}]"))
    assert ctx.ticket is None and ctx.foreign_ticket.id == ticket.id
    assert ctx.notes == [f"reference to {ticket.number} ignored: not the sender's ticket"]


def test_a_colleague_writes_only_with_the_client_managers_reach(room: Room) -> None:
    ticket = new_ticket(room)
    colleague = found(room, message(sender=room.world.users["colleague"].email,
                                    subject=f"Re: [#{ticket.number}]"))
    assert colleague.ticket is None and colleague.foreign_ticket.id == ticket.id
    manager = found(room, message(sender=room.world.users["client-manager"].email,
                                  subject=f"Re: [#{ticket.number}]"))
    assert manager.ticket.id == ticket.id and manager.foreign_ticket is None


def _closed(room: Room) -> Ticket:
    ticket = new_ticket(room)
    tickets.update_ticket(room.db, room.world.actor("admin"), ticket.id, ticket.version,
                          {"status": "closed"})
    return ticket


def test_a_closed_ticket_the_workflow_reopens_is_the_ticket_found(room: Room) -> None:
    ticket = _closed(room)
    ctx = found(room, message(sender="carl@org-a.test", subject=f"Re: [#{ticket.number}]"))
    assert (ctx.ticket.id, ctx.closed_ticket) == (ticket.id, None)


def test_a_closed_ticket_the_workflow_keeps_closed_is_only_referred_to(room: Room) -> None:
    ticket = _closed(room)
    workflow.save_transitions(room.db, room.world.actor("admin"), None,
                              [("new", "open"), ("open", "closed")])
    ctx = found(room, message(sender="carl@org-a.test", subject=f"Re: [#{ticket.number}]"))
    assert (ctx.ticket, ctx.closed_ticket.id) == (None, ticket.id)
