"""filters/bounce.py: a failed delivery of our mail becomes an internal note on its
ticket; a delay notice or a bounce of something we never sent is ignored; anything that is
not a bounce goes on."""

from __future__ import annotations

import pytest
from mail_filter_support import make_room, stored_context

from helpdesk_app.mail.inbound.filters import bounce
from helpdesk_app.models import EventKind, InboundMail, InboundStatus, Ticket
from tests.mail_support import ADDRESS, Room, message


@pytest.fixture
def room(db, world, monkeypatch: pytest.MonkeyPatch) -> Room:
    return make_room(db, world, monkeypatch)


def dsn(original_id: str, *, action: str = "failed", status: str = "5.1.1") -> bytes:
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.org-a.test>\r\n"
        f"To: {ADDRESS}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce-1@mx.org-a.test>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.org-a.test\r\n\r\n"
        f"Final-Recipient: rfc822; carl@org-a.test\r\nAction: {action}\r\nStatus: {status}\r\n"
        "\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: <{original_id}>\r\nSubject: whatever\r\n\r\n--B--\r\n").encode()


def our_auto_reply(room: Room):
    """A ticket from carl and our auto-reply to him (an outbox row with its Message-ID)."""
    mail = room.deliver(message(sender="carl@org-a.test"))
    [ours] = room.outbox("carl@org-a.test")
    return room.db.get(Ticket, mail.ticket_id), ours


def test_mail_that_is_not_a_bounce_goes_on(room: Room) -> None:
    assert bounce.run(room.db, stored_context(room.db, message(sender="carl@org-a.test"))) \
        is None


def test_a_failed_delivery_of_our_mail_is_an_internal_note_on_its_ticket(room: Room) -> None:
    ticket, ours = our_auto_reply(room)
    ctx = stored_context(room.db, dsn(ours.message_id), mail_from="")
    outcome = bounce.run(room.db, ctx)
    assert (outcome.status, outcome.reason, outcome.ticket_id) == (
        InboundStatus.DONE, "bounce", ticket.id)
    note = room.events(ticket.id)[-1]
    assert (note.id, note.kind, note.is_public) == (outcome.event_id, EventKind.NOTE, False)
    assert note.data["mail_bounce"]["status"] == "5.1.1" and "carl@org-a.test" in note.body
    room.db.expire_all()
    assert room.db.get(InboundMail, ctx.mail.id).status == InboundStatus.DONE  # claimed
    room.db.refresh(ours)
    assert "bounced 5.1.1" in ours.last_error


def test_a_delay_notice_is_only_information(room: Room) -> None:
    _ticket, ours = our_auto_reply(room)
    ctx = stored_context(room.db, dsn(ours.message_id, action="delayed", status="4.4.7"),
                         mail_from="")
    outcome = bounce.run(room.db, ctx)
    assert (outcome.status, outcome.reason, outcome.detail) == (
        InboundStatus.IGNORED, "bounce_info", "delayed 4.4.7")


def test_a_bounce_of_mail_we_never_sent_is_ignored(room: Room) -> None:
    outcome = bounce.run(room.db, stored_context(room.db, dsn("nobody@nowhere.test"),
                                                 mail_from=""))
    assert (outcome.status, outcome.reason) == (InboundStatus.IGNORED, "bounce_unmatched")
    assert outcome.detail == "5.1.1 carl@org-a.test"
