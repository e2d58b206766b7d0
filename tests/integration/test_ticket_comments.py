"""Replies and internal notes: validation, status side effects, timeline authorship."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from helpdesk_app.domain import tickets
from helpdesk_app.domain.attachments import IncomingFile
from helpdesk_app.domain.errors import Invalid, NotFound
from helpdesk_app.models import EventKind, Status, Ticket, TimelineEvent


def _events(db: Session, ticket_id: int) -> list[TimelineEvent]:
    return list(db.exec(select(TimelineEvent).where(TimelineEvent.ticket_id == ticket_id)
                        .order_by(TimelineEvent.id)).all())


def _set_status(db: Session, ticket: Ticket, status: str) -> None:
    ticket.status = status
    db.add(ticket)
    db.commit()


def _fresh(db: Session, ticket_id: int) -> Ticket:
    db.expire_all()
    return db.get(Ticket, ticket_id)


@pytest.fixture
def ticket(world, make) -> Ticket:
    return make.ticket(world.actor("client"), "Laptop will not boot")


@pytest.mark.parametrize("body", ["", "   ", "\n\t "])
@pytest.mark.parametrize("public", [True, False])
def test_empty_comment_refused(db: Session, world, ticket, body: str, public: bool) -> None:
    before = len(_events(db, ticket.id))
    with pytest.raises(Invalid) as exc:
        tickets.add_comment(db, world.actor("technician"), ticket.id, body, public=public)
    assert exc.value.key == "comment.empty"
    assert len(_events(db, ticket.id)) == before
    assert _fresh(db, ticket.id).status == Status.NEW


def test_comment_with_only_a_file_is_fine(db: Session, world, ticket) -> None:
    event_id = tickets.add_comment(db, world.actor("client"), ticket.id, "", public=True,
                                   files=[IncomingFile("photo.jpg", b"\xff\xd8")])
    event = db.get(TimelineEvent, event_id)
    assert event.body == "" and len(event.data["attachments"]) == 1


def test_comment_too_long(db: Session, world, ticket) -> None:
    with pytest.raises(Invalid) as exc:
        tickets.add_comment(db, world.actor("client"), ticket.id, "x" * 100_001, public=True)
    assert exc.value.key == "ticket.body_too_long"


def test_comment_on_unknown_ticket(db: Session, world) -> None:
    with pytest.raises(NotFound):
        tickets.add_comment(db, world.actor("admin"), 999_999, "hello", public=True)


# A closed ticket reopens too where the workflow allows it (the default set allows every
# move; tests/integration/test_closed_ticket_reply.py has the follow-up case).
@pytest.mark.parametrize("status", [Status.PENDING, Status.RESOLVED, Status.CLOSED])
def test_client_reply_reopens(db: Session, world, ticket, status: str) -> None:
    _set_status(db, ticket, status)
    version = _fresh(db, ticket.id).version
    client = world.actor("client")
    event_id = tickets.add_comment(db, client, ticket.id, "Still broken", public=True)
    fresh = _fresh(db, ticket.id)
    assert fresh.status == Status.OPEN
    assert fresh.version == version + 1  # an edit based on the old version must conflict
    reply, change = _events(db, ticket.id)[-2:]
    assert (reply.id, reply.kind, reply.author_id, reply.is_public, reply.body) == (
        event_id, EventKind.REPLY, client.user_id, True, "Still broken")
    assert (change.kind, change.author_id, change.is_public, change.data) == (
        EventKind.STATUS, client.user_id, True, {"old": status, "new": Status.OPEN})


@pytest.mark.parametrize("status", [Status.NEW, Status.OPEN])
def test_client_reply_leaves_other_statuses(db: Session, world, ticket, status: str) -> None:
    _set_status(db, ticket, status)
    tickets.add_comment(db, world.actor("client"), ticket.id, "Any news?", public=True)
    assert _fresh(db, ticket.id).status == status
    assert _events(db, ticket.id)[-1].kind == EventKind.REPLY


def test_staff_public_reply_moves_new_to_open(db: Session, world, ticket) -> None:
    tech = world.actor("technician")
    before = _fresh(db, ticket.id)
    version, updated_at = before.version, before.updated_at
    tickets.add_comment(db, tech, ticket.id, "On it", public=True)
    fresh = _fresh(db, ticket.id)
    assert fresh.status == Status.OPEN
    assert fresh.version == version + 1
    assert fresh.updated_at > updated_at
    reply, change = _events(db, ticket.id)[-2:]
    assert (reply.kind, reply.author_id, reply.is_public) == (EventKind.REPLY, tech.user_id, True)
    assert change.kind == EventKind.STATUS and change.data == {"old": "new", "new": "open"}
    # A second reply changes nothing further.
    tickets.add_comment(db, tech, ticket.id, "Update", public=True)
    assert _fresh(db, ticket.id).status == Status.OPEN
    assert _events(db, ticket.id)[-1].kind == EventKind.REPLY


def test_internal_note_does_not_change_status(db: Session, world, ticket) -> None:
    tech = world.actor("technician")
    before = _fresh(db, ticket.id)
    version, updated_at = before.version, before.updated_at
    event_id = tickets.add_comment(db, tech, ticket.id, "Looks like the SSD", public=False)
    fresh = _fresh(db, ticket.id)
    assert (fresh.status, fresh.version) == (Status.NEW, version)
    assert fresh.updated_at > updated_at
    note = db.get(TimelineEvent, event_id)
    assert (note.kind, note.is_public, note.author_id) == (EventKind.NOTE, False, tech.user_id)


@pytest.mark.parametrize("status", [Status.PENDING, Status.RESOLVED])
def test_staff_reply_does_not_reopen(db: Session, world, ticket, status: str) -> None:
    _set_status(db, ticket, status)
    tickets.add_comment(db, world.actor("technician"), ticket.id, "Waiting for you", public=True)
    assert _fresh(db, ticket.id).status == status


def test_timeline_shows_authors_in_order(db: Session, world, ticket) -> None:
    tech, client = world.actor("technician"), world.actor("client")
    tickets.add_comment(db, tech, ticket.id, "Please restart", public=True)
    tickets.add_comment(db, tech, ticket.id, "internal", public=False)
    tickets.add_comment(db, client, ticket.id, "Done, still broken", public=True)
    staff_view = tickets.get_ticket(db, tech, ticket.id)
    assert [(e.kind, e.author, e.author_is_staff) for e in staff_view.events] == [
        (EventKind.CREATED, "Carl Client", False),
        (EventKind.REPLY, "Tom Technician", True),
        (EventKind.STATUS, "Tom Technician", True),
        (EventKind.NOTE, "Tom Technician", True),
        (EventKind.REPLY, "Carl Client", False),
    ]
    client_view = tickets.get_ticket(db, client, ticket.id)
    assert [e.body for e in client_view.events if e.kind == EventKind.REPLY] == [
        "Please restart", "Done, still broken"]
    assert EventKind.NOTE not in [e.kind for e in client_view.events]


def test_manager_may_reply_on_colleagues_ticket(db: Session, world, ticket) -> None:
    manager = world.actor("client-manager")
    event_id = tickets.add_comment(db, manager, ticket.id, "I'll add details", public=True)
    assert db.get(TimelineEvent, event_id).author_id == manager.user_id
    with pytest.raises(NotFound):
        tickets.add_comment(db, world.actor("colleague"), ticket.id, "me too", public=True)
