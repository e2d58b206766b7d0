"""filters/subcontractor.py: a subcontractor's mail goes on only with a ticket handed to
their organisation (find_ticket found one they may write a note on); otherwise it is
quarantined as `subcontractor_not_handed` and no ticket is kept on the context. Everyone
else passes untouched."""

from __future__ import annotations

import pytest
from mail_filter_support import make_room, stored_context

from helpdesk_app.domain import handover
from helpdesk_app.mail.inbound.filters import find_ticket, sender, subcontractor
from helpdesk_app.models import InboundStatus, OrgKind, Role, Ticket
from tests.mail_support import Room, message


@pytest.fixture
def room(db, world, monkeypatch: pytest.MonkeyPatch) -> Room:
    return make_room(db, world, monkeypatch)


@pytest.fixture
def fixers(room: Room, make):
    org = make.org("Fixers", OrgKind.SUBCONTRACTOR)
    other = make.org("Other Fixers", OrgKind.SUBCONTRACTOR)
    make.user(org, Role.SUBCONTRACTOR, email="pawel@fixers.test")
    make.user(other, Role.SUBCONTRACTOR, email="stefan@other.test")
    mail = room.deliver(message(sender="carl@org-a.test"))
    ticket = room.db.get(Ticket, mail.ticket_id)
    return org, other, ticket


def _run(room: Room, msg):
    ctx = stored_context(room.db, msg)
    assert sender.run(room.db, ctx) is None
    assert find_ticket.run(room.db, ctx) is None
    return ctx, subcontractor.run(room.db, ctx)


def test_mail_about_a_ticket_handed_to_them_goes_on(room: Room, fixers) -> None:
    org, _other, ticket = fixers
    handover.hand_over(room.db, room.world.actor("coordinator"), [ticket.id], org.id)
    ctx, outcome = _run(room, message(sender="pawel@fixers.test",
                                      subject=f"Re: [#{ticket.number}] Printer broken"))
    assert outcome is None and ctx.ticket.id == ticket.id


@pytest.mark.parametrize("case", ["never handed", "withdrawn", "handed elsewhere"])
def test_mail_about_a_ticket_not_handed_to_them_is_quarantined(room: Room, fixers,
                                                               case: str) -> None:
    org, other, ticket = fixers
    coord = room.world.actor("coordinator")
    if case == "withdrawn":
        handover.hand_over(room.db, coord, [ticket.id], org.id)
        handover.withdraw(room.db, coord, ticket.id)
    elif case == "handed elsewhere":
        handover.hand_over(room.db, coord, [ticket.id], other.id)
    ctx, outcome = _run(room, message(sender="pawel@fixers.test",
                                      subject=f"Re: [#{ticket.number}] Printer broken"))
    assert (outcome.status, outcome.reason) == (InboundStatus.QUARANTINED,
                                                "subcontractor_not_handed")
    assert ticket.number in outcome.detail
    assert ctx.ticket is None and ctx.foreign_ticket is None and ctx.closed_ticket is None


def test_a_new_mail_from_a_subcontractor_opens_no_ticket(room: Room, fixers) -> None:
    _ctx, outcome = _run(room, message(sender="pawel@fixers.test", subject="Hello there"))
    assert outcome.reason == "subcontractor_not_handed"
    assert outcome.detail == "pawel@fixers.test: no ticket handed to them"


@pytest.mark.parametrize("address", ["carl@org-a.test", "unknown@nowhere.test"])
def test_everyone_else_passes_untouched(room: Room, fixers, address: str) -> None:
    _org, _other, ticket = fixers
    _ctx, outcome = _run(room, message(sender=address, subject=f"Re: [#{ticket.number}]"))
    assert outcome is None
