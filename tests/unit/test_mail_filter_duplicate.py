"""filters/duplicate.py: a Message-ID already on a ticket (a message that is `done`) means
the same message again; it is ignored and points at that ticket."""

from __future__ import annotations

import pytest
from mail_filter_support import make_room, stored_context
from sqlalchemy import update

from helpdesk_app.mail.inbound.filters import duplicate
from helpdesk_app.models import InboundMail, InboundStatus
from tests.mail_support import Room, message


@pytest.fixture
def room(db, world, monkeypatch: pytest.MonkeyPatch) -> Room:
    return make_room(db, world, monkeypatch)


def test_a_message_seen_for_the_first_time_goes_on(room: Room) -> None:
    ctx = stored_context(room.db, message(sender="carl@org-a.test", message_id="one@org-a.test"))
    assert duplicate.run(room.db, ctx) is None


def test_a_message_without_message_id_cannot_be_a_duplicate(room: Room) -> None:
    raw = b"From: carl@org-a.test\r\nSubject: no id\r\n\r\nbody\r\n"
    room.deliver(raw, mail_from="carl@org-a.test")
    assert duplicate.run(room.db, stored_context(room.db, raw)) is None


def test_the_same_message_id_as_a_done_message_is_ignored_with_its_ticket(room: Room) -> None:
    msg = message(sender="carl@org-a.test", message_id="twice@org-a.test")
    first = room.deliver(msg)
    assert first.status == InboundStatus.DONE
    outcome = duplicate.run(room.db, stored_context(room.db, msg))
    assert (outcome.status, outcome.reason, outcome.ticket_id) == (
        InboundStatus.IGNORED, "duplicate", first.ticket_id)
    assert f"#{first.id}" in outcome.detail


def test_an_earlier_copy_that_was_not_done_does_not_count(room: Room) -> None:
    msg = message(sender="carl@org-a.test", message_id="retry@org-a.test")
    first = room.deliver(msg)
    room.db.execute(update(InboundMail).where(InboundMail.id == first.id)
                    .values(status=InboundStatus.QUARANTINED))
    room.db.commit()
    assert duplicate.run(room.db, stored_context(room.db, msg)) is None
