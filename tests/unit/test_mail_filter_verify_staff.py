"""filters/verify_staff.py: a staff address in From acts as staff only with our reply
token for that address and ticket, a trusted relay's aligned pass, or an admin's "create
anyway"; otherwise the staff account is dropped and the mail is quarantined (rejected
with the reject policy) as `staff_unverified`. Clients pass untouched."""

from __future__ import annotations

import pytest
from mail_filter_support import make_room, stored_context

from helpdesk_app.config import get_settings
from helpdesk_app.mail.inbound.filters import find_ticket, sender, verify_staff
from helpdesk_app.mail.outbound import reply_token
from helpdesk_app.models import InboundStatus, Ticket
from tests.mail_support import Room, message

RELAY = "mx.pomocnik.test"


@pytest.fixture
def room(db, world, monkeypatch: pytest.MonkeyPatch) -> Room:
    return make_room(db, world, monkeypatch)


def _ticket(room: Room) -> Ticket:
    mail = room.deliver(message(sender="carl@org-a.test"))
    return room.db.get(Ticket, mail.ticket_id)


def _run(room: Room, msg, *, force: bool = False):
    ctx = stored_context(room.db, msg, force=force)
    assert sender.run(room.db, ctx) is None
    assert find_ticket.run(room.db, ctx) is None
    return ctx, verify_staff.run(room.db, ctx)


def _tech(room: Room) -> str:
    return room.world.users["technician"].email


def test_client_mail_passes_untouched(room: Room) -> None:
    ticket = _ticket(room)
    ctx, outcome = _run(room, message(sender="carl@org-a.test",
                                      subject=f"Re: [#{ticket.number}]"))
    assert outcome is None and ctx.ticket.id == ticket.id


def test_staff_mail_with_its_own_token_for_that_ticket_passes(room: Room) -> None:
    ticket = _ticket(room)
    token = reply_token.message_id("pomocnik.test", _tech(room), ticket.id)
    ctx, outcome = _run(room, message(sender=_tech(room), subject=f"Re: [#{ticket.number}]",
                                      references=["root@client.test", token]))
    assert outcome is None and ctx.sender.email == _tech(room) and ctx.ticket.id == ticket.id


def test_staff_mail_without_a_token_is_quarantined_and_loses_the_staff_account(
        room: Room) -> None:
    ticket = _ticket(room)
    ctx, outcome = _run(room, message(sender=_tech(room), subject=f"Re: [#{ticket.number}]"))
    assert (outcome.status, outcome.reason) == (InboundStatus.QUARANTINED, "staff_unverified")
    assert ticket.number in outcome.detail and "no trusted relay configured" in outcome.detail
    assert (ctx.sender, ctx.ticket) == (None, None)


def test_a_token_for_another_address_does_not_pass(room: Room) -> None:
    ticket = _ticket(room)
    token = reply_token.message_id("pomocnik.test", "carl@org-a.test", ticket.id)
    _ctx, outcome = _run(room, message(sender=_tech(room), subject=f"Re: [#{ticket.number}]",
                                       in_reply_to=token))
    assert outcome.reason == "staff_unverified"


def test_a_trusted_relays_pass_vouches(room: Room, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POMOCNIK_MAIL_TRUSTED_AUTHSERV_IDS", f"other.example, {RELAY}")
    get_settings.cache_clear()
    ticket = _ticket(room)
    domain = _tech(room).rsplit("@", 1)[1]
    ctx, outcome = _run(room, message(
        sender=_tech(room), subject=f"Re: [#{ticket.number}]",
        headers={"Authentication-Results": f"{RELAY}; dkim=pass header.d={domain}"}))
    assert outcome is None and any("vouched" in n for n in ctx.notes)


def test_an_admins_create_anyway_accepts_it(room: Room) -> None:
    ticket = _ticket(room)
    ctx, outcome = _run(room, message(sender=_tech(room), subject=f"Re: [#{ticket.number}]"),
                        force=True)
    assert outcome is None and ctx.sender is not None


def test_with_the_reject_policy_it_is_rejected_silently(
        room: Room, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POMOCNIK_MAIL_UNKNOWN_SENDER", "reject")
    get_settings.cache_clear()
    ticket = _ticket(room)
    _ctx, outcome = _run(room, message(sender=_tech(room), subject=f"Re: [#{ticket.number}]"))
    assert (outcome.status, outcome.reason) == (InboundStatus.REJECTED, "staff_unverified")
    assert room.outbox(_tech(room)) == []


def test_staff_mail_without_a_ticket_is_left_to_deliver(room: Room) -> None:
    """Nothing is written as staff without an open ticket: deliver quarantines it as
    staff_new_mail."""
    ctx, outcome = _run(room, message(sender=_tech(room), subject="Lunch?"))
    assert outcome is None and ctx.ticket is None
