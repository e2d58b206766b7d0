"""Change events: published after commit only, with topics and the public flag."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from helpdesk_app.domain import tickets
from helpdesk_app.domain.errors import Conflict, Invalid
from helpdesk_app.live.bus import Change, queue_change
from helpdesk_app.models import Priority, Queue, Status


def test_created_ticket_publishes(db: Session, world, changes) -> None:
    row = tickets.create_ticket(db, world.actor("client"), tickets.NewTicket(subject="Hi"))
    org = world.org_a.id
    assert changes == [Change(ticket_id=row.id, organisation_id=org, kind="created",
                              public=True, topics=("tickets", f"org:{org}", f"ticket:{row.id}"))]


def test_committed_reply_publishes(db: Session, world, make, changes) -> None:
    ticket = make.ticket(world.actor("client"), "Wi-Fi")
    changes.clear()
    tickets.add_comment(db, world.actor("technician"), ticket.id, "Checking", public=True)
    org = world.org_a.id
    [change] = changes
    assert change.ticket_id == ticket.id and change.organisation_id == org
    assert change.kind == "reply"
    assert change.public is True
    assert change.topics == ("tickets", f"org:{org}", f"ticket:{ticket.id}")


def test_internal_note_is_not_public(db: Session, world, make, changes) -> None:
    ticket = make.ticket(world.actor("client"), "Wi-Fi")
    changes.clear()
    tickets.add_comment(db, world.actor("technician"), ticket.id, "internal", public=False)
    [change] = changes
    assert (change.kind, change.public) == ("note", False)
    assert change.topics[-1] == f"ticket:{ticket.id}"


def test_update_public_only_when_status_changes(db: Session, world, make, changes) -> None:
    ticket = make.ticket(world.actor("client"), "Wi-Fi")
    admin = world.actor("admin")
    changes.clear()
    v = tickets.update_ticket(db, admin, ticket.id, 1, {"priority": Priority.HIGH})
    tickets.update_ticket(db, admin, ticket.id, v, {"status": Status.OPEN})
    assert [(c.kind, c.public) for c in changes] == [("update", False), ("update", True)]


def test_rolled_back_transaction_publishes_nothing(db: Session, world, changes) -> None:
    db.add(Queue(name="Doomed"))
    db.flush()
    queue_change(db, ticket_id=1, organisation_id=world.org_a.id, kind="reply", public=True)
    db.rollback()
    assert changes == []
    assert db.exec(select(Queue).where(Queue.name == "Doomed")).first() is None
    # A later commit on the same session does not resurrect the dropped change.
    tickets.create_ticket(db, world.actor("client"), tickets.NewTicket(subject="Later"))
    assert [c.kind for c in changes] == ["created"]


def test_reply_whose_commit_fails_publishes_nothing(db: Session, world, make, changes) -> None:
    ticket = make.ticket(world.actor("client"), "Wi-Fi")
    changes.clear()

    def failing_commit() -> None:
        raise RuntimeError("database went away")

    db.commit = failing_commit  # type: ignore[method-assign]
    try:
        with pytest.raises(RuntimeError):
            tickets.add_comment(db, world.actor("technician"), ticket.id, "lost", public=True)
    finally:
        del db.commit  # back to Session.commit
    db.rollback()
    db.commit()
    assert changes == []
    assert [e.kind for e in tickets.get_ticket(db, world.actor("admin"), ticket.id).events] == [
        "created"]


def test_nothing_published_before_commit(db: Session, world, changes) -> None:
    queue_change(db, ticket_id=7, organisation_id=world.org_a.id, kind="reply", public=True)
    assert changes == []
    db.commit()
    assert [c.ticket_id for c in changes] == [7]


def test_failed_operations_publish_nothing(db: Session, world, make, open_session,
                                           changes) -> None:
    ticket = make.ticket(world.actor("client"), "Wi-Fi")
    changes.clear()
    try:
        tickets.add_comment(db, world.actor("client"), ticket.id, " ", public=True)
    except Invalid:
        db.rollback()
    other = open_session()
    tickets.update_ticket(other, world.actor("admin"), ticket.id, 1, {"status": Status.OPEN})
    changes.clear()
    try:
        tickets.update_ticket(db, world.actor("admin"), ticket.id, 1, {"status": Status.CLOSED})
    except Conflict:
        db.rollback()
    db.commit()
    assert changes == []
