"""Unread marks (domain/ticket_seen.py): who sees a ticket as unread, marking it seen,
own actions vs other people's, the access policy, the per-user change, two queries a page."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlmodel import Session

from helpdesk_app.domain import access, ticket_seen, tickets
from helpdesk_app.domain.errors import NotFound
from helpdesk_app.live.bus import SEEN_CHANGE, seen_topic
from helpdesk_app.models import Status, Ticket


def _assign(db: Session, by, ticket: Ticket, user) -> None:
    db.refresh(ticket)
    tickets.update_ticket(db, by, ticket.id, ticket.version,
                          {"assignee_id": user.id if user else None})


def _unread(db: Session, actor, *ts: Ticket) -> set[int]:
    return ticket_seen.unread_ids(db, actor, [t.id for t in ts])


@pytest.fixture
def people(world):
    return {k: world.actor(k) for k in ("technician", "technician2", "coordinator", "client",
                                         "other-client", "admin")}


def test_never_opened_counts_only_when_mine_or_unassigned_and_new(db, world, make, people):
    client, tom, tina = people["client"], people["technician"], people["technician2"]
    fresh = make.ticket(client, "Unassigned and new", requester=world.users["client"])
    theirs = make.ticket(client, "Tina's", requester=world.users["client"])
    _assign(db, people["coordinator"], theirs, world.users["technician2"])
    mine = make.ticket(client, "Tom's", requester=world.users["client"])
    _assign(db, people["coordinator"], mine, world.users["technician"])
    assert fresh.status == Status.NEW

    assert _unread(db, tom, fresh, theirs, mine) == {fresh.id, mine.id}
    assert _unread(db, tina, fresh, theirs, mine) == {fresh.id, theirs.id}
    # no longer new (someone took it further): not the whole team's news any more
    db.refresh(fresh)
    tickets.update_ticket(db, tina, fresh.id, fresh.version, {"status": Status.OPEN})
    assert _unread(db, tom, fresh) == set()


def test_a_ticket_i_made_and_took_myself_is_not_news_to_me(db, world, make, people):
    tom = people["technician"]
    t = make.ticket(tom, "Caller on the phone", requester=world.users["client"])
    _assign(db, tom, t, world.users["technician"])
    assert _unread(db, tom, t) == set()
    # assigned, so no longer "unassigned and new": Tina, who never opened it, is not bothered
    assert _unread(db, people["technician2"], t) == set()


def test_mark_seen_then_own_actions_stay_read_and_others_make_it_unread(db, world, make,
                                                                         people):
    tom, tina, client = people["technician"], people["technician2"], people["client"]
    t = make.ticket(client, "Printer", requester=world.users["client"])
    _assign(db, people["coordinator"], t, world.users["technician"])
    assert _unread(db, tom, t) == {t.id}

    assert ticket_seen.mark_seen(db, tom, t.id) is True
    assert _unread(db, tom, t) == set()
    assert ticket_seen.seen_at(db, tom, t.id) is not None

    tickets.add_comment(db, tom, t.id, "On it", public=True)
    tickets.add_comment(db, tom, t.id, "note to self", public=False)
    db.refresh(t)
    tickets.update_ticket(db, tom, t.id, t.version, {"status": Status.OPEN})
    assert _unread(db, tom, t) == set()

    tickets.add_comment(db, tina, t.id, "I know this printer", public=False)
    assert _unread(db, tom, t) == {t.id}
    assert ticket_seen.mark_seen(db, tom, t.id) is True
    assert _unread(db, tom, t) == set()

    tickets.add_comment(db, client, t.id, "Still broken", public=True)
    assert _unread(db, tom, t) == {t.id}
    # marking again updates the one row (upsert), no duplicate
    ticket_seen.mark_seen(db, tom, t.id)
    ticket_seen.mark_seen(db, tom, t.id)
    assert _unread(db, tom, t) == set()


def test_opened_once_anything_new_counts_even_if_not_mine(db, world, make, people):
    tom, tina, client = people["technician"], people["technician2"], people["client"]
    t = make.ticket(client, "Not Tom's", requester=world.users["client"])
    _assign(db, people["coordinator"], t, world.users["technician2"])
    assert _unread(db, tom, t) == set()
    ticket_seen.mark_seen(db, tom, t.id)
    tickets.add_comment(db, tina, t.id, "done", public=True)
    assert _unread(db, tom, t) == {t.id}


def test_access_clients_and_invisible_tickets(db, world, make, people):
    tom, client, other = people["technician"], people["client"], people["other-client"]
    t = make.ticket(client, "Carl's", requester=world.users["client"])
    with pytest.raises(NotFound):
        ticket_seen.mark_seen(db, other, t.id)
    with pytest.raises(NotFound):
        ticket_seen.mark_seen(db, tom, 999_999)
    assert _unread(db, other, t) == set()  # outside their scope: never flagged

    ticket_seen.mark_seen(db, client, t.id)  # harmless for clients
    tickets.add_comment(db, tom, t.id, "internal only", public=False)
    assert _unread(db, client, t) == set()  # an internal note is not news a client sees
    tickets.add_comment(db, tom, t.id, "We are on it", public=True)
    assert _unread(db, client, t) == {t.id}


def test_marks_are_per_user(db, world, make, people):
    tom, tina, client = people["technician"], people["technician2"], people["client"]
    t = make.ticket(client, "Shared", requester=world.users["client"])
    ticket_seen.mark_seen(db, tom, t.id)
    ticket_seen.mark_seen(db, tina, t.id)
    tickets.add_comment(db, client, t.id, "more", public=True)
    ticket_seen.mark_seen(db, tom, t.id)
    assert _unread(db, tom, t) == set()
    assert _unread(db, tina, t) == {t.id}


def test_taking_a_mark_away_tells_only_that_users_tabs(db, world, make, people, all_changes):
    tom, client = people["technician"], people["client"]
    t = make.ticket(client, "Bell", requester=world.users["client"])
    all_changes.clear()
    assert ticket_seen.mark_seen(db, tom, t.id) is True  # unassigned and new: was unread
    seen = [c for c in all_changes if c.kind == SEEN_CHANGE]
    assert len(seen) == 1
    assert seen[0].topics == (seen_topic(tom.user_id),)
    assert seen[0].ticket_id == 0 and not seen[0].public
    all_changes.clear()
    assert ticket_seen.mark_seen(db, tom, t.id) is False  # nothing new: nothing published
    assert all_changes == []


def test_flags_for_a_page_take_two_queries_one_of_them_on_the_timeline(db, world, make, people):
    client, tom = people["client"], people["technician"]
    made = [make.ticket(client, f"T{i}", requester=world.users["client"]) for i in range(6)]
    for t in made[:3]:
        ticket_seen.mark_seen(db, tom, t.id)
    tickets.add_comment(db, client, made[0].id, "news", public=True)
    statements: list[str] = []

    def capture(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    bind = db.get_bind()
    event.listen(bind, "before_cursor_execute", capture)
    try:
        flags = ticket_seen.unread_ids(db, tom, [t.id for t in made])
    finally:
        event.remove(bind, "before_cursor_execute", capture)
    assert len(statements) == 2
    assert sum("timeline_event" in s for s in statements) == 1
    # seen + news; three never-opened unassigned new tickets
    assert flags == {made[0].id, made[3].id, made[4].id, made[5].id}


def test_who_wrote_when_is_shared_only_by_equal_scopes_and_the_marks_agree(db, world, make,
                                                                          people):
    """A live pass reads `latest_by_author` once per scope and page: what one agent's
    marks are computed from gives another agent of the same scope the same marks as a
    query of their own, and a client's scope never sees an internal note in it."""
    tom, tina, client = people["technician"], people["technician2"], people["client"]
    made = [make.ticket(client, f"T{i}", requester=world.users["client"]) for i in range(3)]
    ids = [t.id for t in made]
    for t in made:
        for someone in (tom, tina, client):
            ticket_seen.mark_seen(db, someone, t.id)
    tickets.add_comment(db, tina, made[0].id, "internal only", public=False)
    tickets.add_comment(db, tom, made[1].id, "We are on it", public=True)

    assert (access.list_scope_key(tom, names_self=False)
            == access.list_scope_key(tina, names_self=False))
    staff_latest = ticket_seen.latest_by_author(db, tina, ids)
    assert ticket_seen.unread_ids(db, tom, ids, staff_latest) == {made[0].id}
    assert ticket_seen.unread_ids(db, tom, ids) == {made[0].id}
    # her own note is not news to her; tom's reply is
    assert ticket_seen.unread_ids(db, tina, ids, staff_latest) == {made[1].id}
    client_latest = ticket_seen.latest_by_author(db, client, ids)
    tina_id = world.users["technician2"].id
    assert tina_id in {author for author, _at in staff_latest[made[0].id]}
    assert tina_id not in {author for author, _at in client_latest.get(made[0].id, [])}
    assert ticket_seen.unread_ids(db, client, ids, client_latest) == {made[1].id}
