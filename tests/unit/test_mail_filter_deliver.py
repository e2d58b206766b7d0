"""filters/deliver.py: the last step. A client's new mail opens a ticket and gets the
auto-reply with its number; a follow-up adds only its new text; staff mail is an internal
note; automatic mail is a note that never reopens; nothing automatic is ever answered."""

from __future__ import annotations

import pytest
from mail_filter_support import make_room, stored_context

from helpdesk_app.domain import notification_dispatch as dispatch
from helpdesk_app.domain import tickets, workflow
from helpdesk_app.mail.inbound.filters import deliver, find_ticket, noise, sender
from helpdesk_app.models import EventKind, InboundMail, InboundStatus, Ticket
from tests.mail_support import Room, message, message_id_of


@pytest.fixture
def room(db, world, monkeypatch: pytest.MonkeyPatch) -> Room:
    return make_room(db, world, monkeypatch)


def deliver_it(room: Room, msg, **ctx_fields):
    """noise, sender and find_ticket first (deliver relies on what they found)."""
    ctx = stored_context(room.db, msg, channel=room.channel)
    for step in (noise, sender, find_ticket):
        assert step.run(room.db, ctx) is None
    for name, value in ctx_fields.items():
        setattr(ctx, name, value)
    return ctx, deliver.run(room.db, ctx)


def test_a_clients_new_mail_opens_a_ticket_and_gets_the_auto_reply(room: Room) -> None:
    ctx, outcome = deliver_it(room, message(sender="carl@org-a.test", subject="Drukarka",
                                            body="Nie drukuje."))
    assert (outcome.status, outcome.reason) == (InboundStatus.DONE, "new_ticket")
    ticket = room.db.get(Ticket, outcome.ticket_id)
    assert (ticket.subject, ticket.queue_id) == ("Drukarka", room.world.queue2.id)
    created = room.events(ticket.id)[0]
    assert (created.id, created.kind, created.body) == (outcome.event_id, EventKind.CREATED,
                                                        "Nie drukuje.")
    room.db.expire_all()
    assert room.db.get(InboundMail, ctx.mail.id).status == InboundStatus.DONE
    [reply] = room.outbox("carl@org-a.test")
    assert reply.kind == "auto_reply" and reply.ticket_id == ticket.id


def test_the_auto_reply_goes_through_notify(room: Room,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Like every outgoing mail: domain/notification_dispatch.py queues it (the filter only decides
    whether this mail may be answered at all)."""
    calls = []
    real = dispatch.auto_reply

    def spy(db, ticket, requester, **kw):
        calls.append((ticket.id, requester.email, kw))
        return real(db, ticket, requester, **kw)

    monkeypatch.setattr(dispatch, "auto_reply", spy)
    msg = message(sender="carl@org-a.test", subject="Skaner")
    _ctx, outcome = deliver_it(room, msg)
    assert calls == [(outcome.ticket_id, "carl@org-a.test",
                      {"in_reply_to": message_id_of(msg), "from_addr": room.channel.address})]
    [reply] = room.outbox("carl@org-a.test")
    assert reply.kind == dispatch.AUTO_REPLY


def test_an_empty_subject_gets_a_placeholder(room: Room) -> None:
    _ctx, outcome = deliver_it(room, message(sender="carl@org-a.test", subject=""))
    assert room.db.get(Ticket, outcome.ticket_id).subject == deliver.NO_SUBJECT


@pytest.mark.parametrize("headers", [{"Precedence": "bulk"}, {"Auto-Submitted": "auto-generated"}])
def test_noisy_mail_opens_a_ticket_without_an_auto_reply(room: Room, headers) -> None:
    _ctx, outcome = deliver_it(room, message(sender="carl@org-a.test", headers=headers))
    assert outcome.reason == "new_ticket" and room.outbox("carl@org-a.test") == []


def test_a_follow_up_adds_only_the_new_text_as_a_public_reply(room: Room) -> None:
    _ctx, first = deliver_it(room, message(sender="carl@org-a.test"))
    ticket = room.db.get(Ticket, first.ticket_id)
    _ctx, outcome = deliver_it(room, message(
        sender="carl@org-a.test", subject=f"Re: [#{ticket.number}]",
        body="Still broken.\n\nOn Mon, 3 Mar 2025 at 10:00 Pomocnik <h@x.pl> wrote:\n> old"))
    assert (outcome.reason, outcome.ticket_id) == ("follow_up", ticket.id)
    event = room.events(ticket.id)[-1]
    assert (event.kind, event.is_public, event.body) == (EventKind.REPLY, True, "Still broken.")
    assert len(room.outbox("carl@org-a.test")) == 1  # no second auto-reply


def test_an_automatic_follow_up_is_an_internal_note(room: Room) -> None:
    _ctx, first = deliver_it(room, message(sender="carl@org-a.test"))
    ticket = room.db.get(Ticket, first.ticket_id)
    ctx, outcome = deliver_it(room, message(
        sender="carl@org-a.test", subject=f"Automatic reply: [#{ticket.number}]",
        body="Out of office."))
    assert ctx.automatic and outcome.reason == "follow_up"
    event = room.events(ticket.id)[-1]
    assert (event.kind, event.is_public, event.data["mail_automatic"]) == (
        EventKind.NOTE, False, True)


def test_staff_mail_on_a_ticket_is_an_internal_note(room: Room) -> None:
    _ctx, first = deliver_it(room, message(sender="carl@org-a.test"))
    ticket = room.db.get(Ticket, first.ticket_id)
    tech = room.world.users["technician"]
    deliver_it(room, message(sender=tech.email, subject=f"Re: [#{ticket.number}]",
                             body="Toner is fake"))
    event = room.events(ticket.id)[-1]
    assert (event.kind, event.is_public, event.author_id) == (EventKind.NOTE, False, tech.id)


def test_new_mail_from_staff_is_quarantined_for_an_admin(room: Room) -> None:
    _ctx, outcome = deliver_it(room, message(sender=room.world.users["technician"].email))
    assert (outcome.status, outcome.reason) == (InboundStatus.QUARANTINED, "staff_new_mail")


def test_mail_to_a_ticket_the_workflow_keeps_closed_opens_a_new_one_that_names_it(
        room: Room) -> None:
    _ctx, first = deliver_it(room, message(sender="carl@org-a.test"))
    old = room.db.get(Ticket, first.ticket_id)
    tickets.update_ticket(room.db, room.world.actor("admin"), old.id, old.version,
                          {"status": "closed"})
    workflow.save_transitions(room.db, room.world.actor("admin"), None,
                              [("new", "open"), ("open", "closed")])
    _ctx, outcome = deliver_it(room, message(sender="carl@org-a.test",
                                             subject=f"Re: [#{old.number}]", body="Again"))
    assert outcome.reason == "new_ticket" and outcome.ticket_id != old.id
    created = room.events(outcome.ticket_id)[0]
    assert created.body == f"↪ #{old.number}\n\nAgain" and created.data["follows"] == old.number


def test_a_body_over_the_limit_is_cut_with_a_mark(room: Room) -> None:
    _ctx, outcome = deliver_it(room, message(sender="carl@org-a.test",
                                             body="x" * (tickets.BODY_MAX + 10)))
    body = room.events(outcome.ticket_id)[0].body
    assert len(body) == tickets.BODY_MAX and body.endswith("[…]")
