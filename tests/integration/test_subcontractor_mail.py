"""A subcontractor's mail replies (issue 13), through the whole inbound pipeline: they
thread into a ticket only while it is handed to their organisation, as a note shared with
them; after a withdrawal the same reply lands nowhere; a forged From does not pass."""

from __future__ import annotations

import pytest
from sqlmodel import select

from helpdesk_app.domain import handover, tickets
from helpdesk_app.models import (
    EventKind,
    InboundStatus,
    OrgKind,
    OutboundMail,
    Role,
    Ticket,
    TimelineEvent,
)
from tests.mail_support import Room, message

PAWEL = "pawel@fixers.test"


@pytest.fixture
def handed(room: Room, make):
    """A client's mail ticket handed to Fixers, naming Paweł (who got the mail)."""
    org = make.org("Fixers", OrgKind.SUBCONTRACTOR)
    pawel = make.user(org, Role.SUBCONTRACTOR, email=PAWEL, name="Paweł Fixer")
    ticket = room.db.get(Ticket, room.deliver(message(sender="carl@org-a.test")).ticket_id)
    result = handover.hand_over(room.db, room.world.actor("coordinator"), [ticket.id],
                                org.id, pawel.id, "Please go on site")
    assert result.failures == []
    ours = room.db.exec(select(OutboundMail).where(OutboundMail.to_addr == PAWEL,
                                                   OutboundMail.kind == "handover_handed")
                        ).one()
    return ticket, org, ours


def _reply(ticket: Ticket, ours: OutboundMail, body: str = "We will be there at 9.",
           *, sender: str = PAWEL, token: bool = True):
    return message(sender=sender, subject=f"Re: [#{ticket.number}] {ticket.subject}",
                   body=body, in_reply_to=ours.message_id if token else None,
                   references=[ours.message_id] if token else None)


def test_their_reply_threads_in_as_a_note_shared_with_them(room: Room, handed) -> None:
    ticket, org, ours = handed
    mail = room.deliver(_reply(ticket, ours))
    assert (mail.status, mail.reason, mail.ticket_id) == (InboundStatus.DONE, "follow_up",
                                                          ticket.id)
    event = room.db.get(TimelineEvent, mail.event_id)
    assert (event.kind, event.is_public, event.shared_with_org_id) == (
        EventKind.NOTE, False, org.id)
    assert event.body.startswith("We will be there at 9.")
    # the client never sees it
    client_view = tickets.get_ticket(room.db, room.world.actor("client"), ticket.id)
    assert all("We will be there" not in e.body for e in client_view.events)


def test_after_a_withdrawal_the_same_reply_lands_nowhere(room: Room, handed) -> None:
    ticket, _org, ours = handed
    handover.withdraw(room.db, room.world.actor("coordinator"), ticket.id)
    before = len(room.events(ticket.id))
    mail = room.deliver(_reply(ticket, ours, "Late answer"))
    assert (mail.status, mail.reason) == (InboundStatus.QUARANTINED,
                                          "subcontractor_not_handed")
    assert mail.ticket_id is None and len(room.events(ticket.id)) == before
    # and nothing went back to them about it
    assert not room.db.exec(select(OutboundMail).where(
        OutboundMail.to_addr == PAWEL, OutboundMail.kind.in_(("auto_reply", "rejected")))
    ).all()


def test_a_forged_reply_without_our_token_is_not_theirs(room: Room, handed) -> None:
    ticket, _org, ours = handed
    before = len(room.events(ticket.id))
    mail = room.deliver(_reply(ticket, ours, "Forged: client agreed to pay double",
                               token=False))
    assert (mail.status, mail.reason) == (InboundStatus.QUARANTINED, "staff_unverified")
    assert len(room.events(ticket.id)) == before


def test_another_subcontractor_cannot_write_into_it(room: Room, handed, make) -> None:
    ticket, _org, ours = handed
    other = make.org("Other Fixers", OrgKind.SUBCONTRACTOR)
    make.user(other, Role.SUBCONTRACTOR, email="stefan@other.test")
    mail = room.deliver(_reply(ticket, ours, "Let me in", sender="stefan@other.test"))
    assert (mail.status, mail.reason) == (InboundStatus.QUARANTINED,
                                          "subcontractor_not_handed")
    assert all("Let me in" not in e.body for e in room.events(ticket.id))
