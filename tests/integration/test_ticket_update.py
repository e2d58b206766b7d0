"""Header edits: validation, optimistic locking, one timeline event per changed field."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from helpdesk_app.domain import tickets
from helpdesk_app.domain.errors import Conflict, Invalid
from helpdesk_app.models import EventKind, Priority, Status, Ticket, TimelineEvent


def _events(db: Session, ticket_id: int) -> list[TimelineEvent]:
    return list(db.exec(select(TimelineEvent).where(TimelineEvent.ticket_id == ticket_id)
                        .order_by(TimelineEvent.id)).all())


def _fresh(db: Session, ticket_id: int) -> Ticket:
    db.expire_all()
    return db.get(Ticket, ticket_id)


@pytest.fixture
def ticket(world, make) -> Ticket:
    return make.ticket(world.actor("client"), "Scanner offline")


def test_update_each_field_records_event(db: Session, world, ticket) -> None:
    coord = world.actor("coordinator")
    tech = world.users["technician"]
    changes = {"status": Status.PENDING, "priority": Priority.URGENT,
               "queue_id": world.queue2.id, "assignee_id": tech.id}
    updated_before = ticket.updated_at
    new_version = tickets.update_ticket(db, coord, ticket.id, 1, changes)
    assert new_version == 2
    fresh = _fresh(db, ticket.id)
    assert (fresh.status, fresh.priority, fresh.queue_id, fresh.assignee_id, fresh.version) == (
        Status.PENDING, Priority.URGENT, world.queue2.id, tech.id, 2)
    assert fresh.updated_at > updated_before
    events = {e.kind: e for e in _events(db, ticket.id)[1:]}
    assert set(events) == {EventKind.STATUS, EventKind.PRIORITY, EventKind.QUEUE,
                           EventKind.ASSIGNMENT}
    expected = {
        EventKind.STATUS: (True, Status.NEW, Status.PENDING),
        EventKind.PRIORITY: (False, Priority.NORMAL, Priority.URGENT),
        EventKind.QUEUE: (False, world.queue.id, world.queue2.id),
        EventKind.ASSIGNMENT: (False, None, tech.id),
    }
    for kind, (public, old, new) in expected.items():
        e = events[kind]
        assert e.author_id == coord.user_id
        assert e.is_public is public, kind
        assert e.data == {"old": old, "new": new}, kind


def test_unchanged_values_make_no_event_and_no_version(db: Session, world, ticket) -> None:
    before = len(_events(db, ticket.id))
    version = tickets.update_ticket(db, world.actor("admin"), ticket.id, 1,
                                    {"status": Status.NEW, "priority": Priority.NORMAL})
    assert version == 1
    assert _fresh(db, ticket.id).version == 1
    assert len(_events(db, ticket.id)) == before


def test_only_changed_fields_recorded(db: Session, world, ticket) -> None:
    tickets.update_ticket(db, world.actor("admin"), ticket.id, 1,
                          {"status": Status.NEW, "priority": Priority.LOW})
    [event] = _events(db, ticket.id)[1:]
    assert event.kind == EventKind.PRIORITY


def test_unassign(db: Session, world, ticket) -> None:
    admin = world.actor("admin")
    tech = world.users["technician"].id
    v = tickets.update_ticket(db, admin, ticket.id, 1, {"assignee_id": tech})
    v = tickets.update_ticket(db, admin, ticket.id, v, {"assignee_id": None})
    assert _fresh(db, ticket.id).assignee_id is None
    assert _events(db, ticket.id)[-1].data == {"old": tech, "new": None}


def test_optimistic_locking(db: Session, world, ticket, open_session) -> None:
    """Two agents open version 1; the first save wins, the second gets Conflict."""
    first, second = world.actor("technician"), world.actor("coordinator")
    s1, s2 = open_session(), open_session()
    v1 = tickets.get_ticket(s1, first, ticket.id).version
    v2 = tickets.get_ticket(s2, second, ticket.id).version
    assert v1 == v2 == 1
    assert tickets.update_ticket(s1, first, ticket.id, v1, {"priority": Priority.HIGH}) == 2
    with pytest.raises(Conflict) as exc:
        tickets.update_ticket(s2, second, ticket.id, v2, {"priority": Priority.LOW})
    assert exc.value.key == "ticket.conflict"
    fresh = _fresh(db, ticket.id)
    assert (fresh.priority, fresh.version) == (Priority.HIGH, 2)
    prio_events = [e for e in _events(db, ticket.id) if e.kind == EventKind.PRIORITY]
    assert [(e.author_id, e.data["new"]) for e in prio_events] == [(first.user_id, Priority.HIGH)]
    # After reloading, the second agent can save on top of the first.
    v = tickets.get_ticket(open_session(), second, ticket.id).version
    assert tickets.update_ticket(open_session(), second, ticket.id, v,
                                 {"priority": Priority.LOW}) == 3


def test_conflict_with_stale_object_in_same_session(db: Session, world, ticket,
                                                    open_session) -> None:
    """Even when the session still caches version 1, the write is guarded in SQL."""
    admin = world.actor("admin")
    assert db.get(Ticket, ticket.id).version == 1  # cached in `db`
    tickets.update_ticket(open_session(), world.actor("technician"), ticket.id, 1,
                          {"status": Status.OPEN})
    with pytest.raises(Conflict):
        tickets.update_ticket(db, admin, ticket.id, 1, {"status": Status.CLOSED})
    assert _fresh(db, ticket.id).status == Status.OPEN


def test_stale_version_conflicts_even_without_changes(db: Session, world, ticket) -> None:
    admin = world.actor("admin")
    tickets.update_ticket(db, admin, ticket.id, 1, {"status": Status.OPEN})
    with pytest.raises(Conflict):
        tickets.update_ticket(db, admin, ticket.id, 1, {"priority": Priority.HIGH})


def test_stale_version_conflicts_even_when_nothing_would_change(db: Session, world,
                                                               ticket) -> None:
    """The agent's form is out of date: say so rather than pretend the save worked."""
    admin = world.actor("admin")
    tickets.update_ticket(db, admin, ticket.id, 1, {"status": Status.OPEN})
    with pytest.raises(Conflict):
        tickets.update_ticket(db, admin, ticket.id, 1, {"status": Status.OPEN})
    assert _fresh(db, ticket.id).version == 2


def test_reply_bumps_version_so_edit_on_old_view_conflicts(db: Session, world, ticket) -> None:
    admin = world.actor("admin")
    seen = tickets.get_ticket(db, admin, ticket.id).version
    tickets.add_comment(db, world.actor("technician"), ticket.id, "Taking it", public=True)
    with pytest.raises(Conflict):
        tickets.update_ticket(db, admin, ticket.id, seen, {"status": Status.CLOSED})
    assert _fresh(db, ticket.id).status == Status.OPEN


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"status": "archived"}, "status.not_in_set"),  # not in the ticket's status set
        ({"status": None}, "ticket.status_invalid"),
        ({"priority": 0}, "ticket.priority_invalid"),
        ({"priority": "high"}, "ticket.priority_invalid"),
        ({"queue_id": 999_999}, "ticket.queue_invalid"),
        ({"queue_id": None}, "ticket.queue_invalid"),
        ({"assignee_id": 999_999}, "ticket.assignee_invalid"),
        ({"subject": "new subject"}, "ticket.field_not_editable"),
        ({"version": 99}, "ticket.field_not_editable"),
        ({"organisation_id": 1}, "ticket.field_not_editable"),
    ],
)
def test_invalid_changes_rejected(db: Session, world, ticket, changes, key) -> None:
    with pytest.raises(Invalid) as exc:
        tickets.update_ticket(db, world.actor("admin"), ticket.id, 1, changes)
    assert exc.value.key == key
    fresh = _fresh(db, ticket.id)
    assert (fresh.version, fresh.status, fresh.priority) == (1, Status.NEW, Priority.NORMAL)
    assert len(_events(db, ticket.id)) == 1


@pytest.mark.parametrize("who", ["client", "inactive-tech", "inactive-queue"])
def test_assignee_and_queue_must_be_usable(db: Session, world, ticket, make, who) -> None:
    if who == "client":
        changes, key = {"assignee_id": world.users["client"].id}, "ticket.assignee_invalid"
    elif who == "inactive-tech":
        gone = make.user(world.provider, "technician", active=False)
        changes, key = {"assignee_id": gone.id}, "ticket.assignee_invalid"
    else:
        changes, key = {"queue_id": make.queue(active=False).id}, "ticket.queue_invalid"
    with pytest.raises(Invalid) as exc:
        tickets.update_ticket(db, world.actor("coordinator"), ticket.id, 1, changes)
    assert exc.value.key == key


def test_status_event_visible_to_client_others_not(db: Session, world, ticket) -> None:
    tickets.update_ticket(db, world.actor("admin"), ticket.id, 1, {
        "status": Status.RESOLVED, "priority": Priority.HIGH,
        "assignee_id": world.users["technician"].id})
    kinds = [e.kind for e in tickets.get_ticket(db, world.actor("client"), ticket.id).events]
    assert kinds == [EventKind.CREATED, EventKind.STATUS]
    detail = tickets.get_ticket(db, world.actor("client"), ticket.id)
    assert detail.status == Status.RESOLVED and detail.events[-1].data == {
        "old": Status.NEW, "new": Status.RESOLVED}
