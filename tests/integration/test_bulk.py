"""Bulk changes from the agent list (domain/bulk.py): 500 tickets with a mix of allowed,
refused and conflicting ones; each ticket goes through the single-edit rules."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from sqlmodel import Session, col, func, select

from helpdesk_app.db import session_scope
from helpdesk_app.domain import bulk, tickets
from helpdesk_app.domain.errors import Invalid
from helpdesk_app.domain.tickets import ListQuery
from helpdesk_app.models import (
    EventKind,
    Priority,
    Status,
    StatusTransition,
    Ticket,
    TimelineEvent,
)
from helpdesk_app.models.base import utcnow

N = 500
IN_ORG_A = 300  # the rest are organisation B's


@pytest.fixture
def many(db: Session, world) -> list[int]:
    """N new, unassigned tickets in the default queue: IN_ORG_A of organisation A, the rest
    of organisation B. Inserted directly (creating 500 through the domain is slow and is
    tested elsewhere); ids in list order (priority, then newest first)."""
    admin = world.users["admin"]
    now = utcnow()
    for i in range(N):
        requester = world.users["client" if i < IN_ORG_A else "other-client"]
        db.add(Ticket(number=f"2026-9{i:05d}", subject=f"Bulk {i}", requester_id=requester.id,
                      organisation_id=requester.organisation_id, queue_id=world.queue.id,
                      created_by_id=admin.id, created_at=now, updated_at=now))
    db.commit()
    return bulk.ticket_ids_for(db, world.actor("admin"), ListQuery(status="active"))


def _state(db: Session, ids: list[int]) -> dict[int, tuple]:
    db.expire_all()
    return {t.id: (t.status, t.assignee_id, t.priority, t.queue_id, t.version)
            for t in db.exec(select(Ticket).where(col(Ticket.id).in_(ids)))}


def _events(db: Session, ids: list[int]) -> dict[int, list[TimelineEvent]]:
    out: dict[int, list[TimelineEvent]] = {i: [] for i in ids}
    for e in db.exec(select(TimelineEvent).where(col(TimelineEvent.ticket_id).in_(ids))
                     .order_by(col(TimelineEvent.id))):
        out[e.ticket_id].append(e)
    return out


def test_500_tickets_mixed_allowed_unchanged_refused_conflicting_missing(
        db: Session, world, many, open_session, changes) -> None:
    tech, tech2 = world.actor("technician"), world.actor("technician2")
    assert len(many) == N
    # 10 tickets already have the target values before the agent selects: nothing to do.
    already = many[:10]
    for tid in already:
        tickets.update_ticket(db, world.actor("admin"), tid, 1,
                              {"status": Status.PENDING, "assignee_id": tech.user_id})
    # 30 are closed, and the workflow only allows new -> pending: refused by the workflow.
    closed = many[200:230]
    for tid in closed:
        db.get(Ticket, tid).status = Status.CLOSED
    db.add(StatusTransition(contract_id=None, from_key=Status.NEW, to_key=Status.PENDING))
    db.commit()
    # The agent selects "all matching" (versions as of now) ...
    selection = bulk.selection_for(db, tech, ListQuery())
    assert len(selection) == N
    # ... then another agent edits 40 of them in another session before the run,
    other = open_session()
    bumped = many[100:140]
    for tid in bumped:
        tickets.update_ticket(other, tech2, tid, 1, {"priority": Priority.HIGH})
    # and the browser adds 15 ids of tickets that do not exist plus duplicates and junk.
    missing = [10_000_000 + i for i in range(15)]
    sent = [*selection, *selection[:5], *((m, 1) for m in missing)]
    before = _state(db, many)
    events_before = {k: len(v) for k, v in _events(db, many).items()}
    changes.clear()
    calls: list[tuple[int, int]] = []

    started = time.perf_counter()
    result = bulk.apply(db, tech, sent, {"status": Status.PENDING,
                                         "assignee_id": tech.user_id},
                        progress=lambda d, t: calls.append((d, t)))
    elapsed = time.perf_counter() - started
    print(f"\nbulk apply of {result.total} tickets: {elapsed:.2f} s")

    allowed = [t for t in many if t not in set(already) | set(bumped) | set(closed)]
    assert len(allowed) == 420
    assert result.total == N + len(missing)
    assert sorted(result.changed) == sorted(allowed)
    assert sorted(result.unchanged) == sorted(already)
    assert result.succeeded == N - len(bumped) - len(closed)
    assert result.counts() == {"conflict": len(bumped), "not_found": len(missing),
                               "invalid": len(closed)}
    by_id = {f.ticket_id: f for f in result.failures}
    for tid in closed:  # the workflow's reason, with the ticket's number
        assert (by_id[tid].reason, by_id[tid].key) == ("invalid",
                                                       "status.transition_not_allowed")
        assert by_id[tid].number == db.get(Ticket, tid).number
    for tid in bumped:
        f = by_id[tid]
        assert (f.reason, f.key) == ("conflict", "ticket.conflict")
        assert f.number == db.get(Ticket, tid).number  # visible: the agent sees which one
    for tid in missing:
        assert (by_id[tid].reason, by_id[tid].key, by_id[tid].number) == (
            "not_found", "ticket.not_found", "")
    # progress per batch of 100, ending at the total
    assert calls == [(0, 515), (100, 515), (200, 515), (300, 515), (400, 515), (500, 515),
                     (515, 515)]

    after = _state(db, many)
    events = _events(db, many)
    for tid in allowed:
        assert after[tid] == (Status.PENDING, tech.user_id, Priority.NORMAL, world.queue.id,
                              before[tid][4] + 1)
        assert result.versions[tid] == before[tid][4] + 1
        new = events[tid][events_before[tid]:]
        assert {(e.kind, e.author_id) for e in new} == {
            (EventKind.STATUS, tech.user_id), (EventKind.ASSIGNMENT, tech.user_id)}
        assert len(new) == 2
        status_event = next(e for e in new if e.kind == EventKind.STATUS)
        assert status_event.data == {"old": Status.NEW, "new": Status.PENDING}
        assert status_event.is_public is True
    for tid in [*already, *bumped, *closed]:  # refused or nothing to do: untouched
        assert after[tid] == before[tid]
        assert len(events[tid]) == events_before[tid]
    # one live change per changed ticket, published after its commit
    assert Counter(c.ticket_id for c in changes) == Counter(allowed)
    assert {c.kind for c in changes} == {"update"}


def test_500_tickets_refused_for_a_client_manager(db: Session, world, many, changes) -> None:
    """The same 500 ids sent by a client manager's browser: own organisation's tickets are
    forbidden (visible, not editable), the others not found and not even numbered."""
    manager = world.actor("client-manager")
    before = _state(db, many)
    events_before = {k: len(v) for k, v in _events(db, many).items()}
    result = bulk.apply(db, manager, [(t, 1) for t in many], {"status": Status.CLOSED})
    assert result.succeeded == 0
    assert result.counts() == {"forbidden": IN_ORG_A, "not_found": N - IN_ORG_A}
    own = {t.id for t in db.exec(select(Ticket).where(
        Ticket.organisation_id == world.org_a.id))}
    for f in result.failures:
        if f.ticket_id in own:
            assert (f.reason, f.key) == ("forbidden", "error.forbidden")
            assert f.number.startswith("2026-9")
        else:
            assert (f.reason, f.key, f.number) == ("not_found", "ticket.not_found", "")
    assert _state(db, many) == before
    assert {k: len(v) for k, v in _events(db, many).items()} == events_before
    assert changes == []


def test_500_tickets_invalid_values_change_nothing(db: Session, world, many) -> None:
    tech = world.actor("technician")
    before = _state(db, many)
    for change, key in (({"status": "no-such-status"}, None),  # the workflow's key
                        ({"queue_id": 999_999}, "ticket.queue_invalid"),
                        ({"assignee_id": world.users["client"].id}, "ticket.assignee_invalid"),
                        ({"priority": 17}, "ticket.priority_invalid")):
        result = bulk.apply(db, tech, [(t, 1) for t in many], change)
        assert result.succeeded == 0
        assert result.counts() == {"invalid": N}
        assert len({f.key for f in result.failures}) == 1
        assert key is None or result.failures[0].key == key
    assert _state(db, many) == before


def test_every_field_and_unassign(db: Session, world, many) -> None:
    tech = world.actor("technician")
    ids = many[:3]
    change = {"queue_id": world.queue2.id, "priority": Priority.URGENT,
              "assignee_id": world.users["technician2"].id}
    assert bulk.apply(db, tech, ids, change).changed == ids
    assert set(_state(db, ids).values()) == {
        (Status.NEW, world.users["technician2"].id, Priority.URGENT, world.queue2.id, 2)}
    result = bulk.apply(db, tech, [(t, 2) for t in ids], {"assignee_id": None})
    assert result.changed == ids
    assert {v[1] for v in _state(db, ids).values()} == {None}
    kinds = [e.kind for e in _events(db, ids)[ids[0]]]
    assert Counter(kinds) == Counter({EventKind.QUEUE: 1, EventKind.PRIORITY: 1,
                                      EventKind.ASSIGNMENT: 2})


def test_ids_without_versions_lock_at_run_time(db: Session, world, many,
                                               open_session) -> None:
    """Plain ids (API/scripts): an edit made before the run is not a conflict, the
    version read when the batch starts is used. The list UI always sends seen versions."""
    tech = world.actor("technician")
    tickets.update_ticket(open_session(), world.actor("technician2"), many[0], 1,
                          {"priority": Priority.LOW})
    result = bulk.apply(db, tech, many[:2], {"status": Status.OPEN})
    assert sorted(result.changed) == sorted(many[:2])
    assert _state(db, many[:1])[many[0]][::4] == (Status.OPEN, 3)


def test_selection_follows_filter_access_and_cap(db: Session, world, many) -> None:
    manager = world.actor("client-manager")
    own = bulk.ticket_ids_for(db, manager, ListQuery(status="active"))
    assert len(own) == IN_ORG_A
    assert own == [t for t in many if t in set(own)]  # the list's order
    assert set(bulk.ticket_ids_for(db, world.actor("client"), ListQuery())) == set(own)
    assert bulk.ticket_ids_for(db, world.actor("admin"), ListQuery(status="closed")) == []
    capped = bulk.selection_for(db, world.actor("admin"), ListQuery(page=3, page_size=5),
                                cap=7)
    assert capped == [(t, 1) for t in many[:7]]  # list order, paging ignored
    with pytest.raises(Invalid):
        bulk.ticket_ids_for(db, world.actor("admin"), ListQuery(sort="bogus"))


def test_row_versions_are_those_read_with_the_page_so_a_later_edit_conflicts(
        db: Session, world, many, open_session) -> None:
    tech = world.actor("technician")
    page = tickets.list_tickets(db, tech, ListQuery(status="active", page_size=5))
    tickets.update_ticket(open_session(), world.actor("technician2"), page.rows[0].id, 1,
                          {"priority": Priority.LOW})
    versions = bulk.row_versions(page.rows)
    assert versions == {r.id: 1 for r in page.rows}
    result = bulk.apply(db, tech, list(versions.items()), {"status": Status.OPEN})
    assert result.counts() == {"conflict": 1}
    # what a client may not see has no version at all (their list never shows it)
    other = db.exec(select(Ticket).where(Ticket.organisation_id == world.org_b.id)).first()
    rows = tickets.list_tickets(db, world.actor("client-manager"), ListQuery(page_size=100)).rows
    assert rows and other.id not in bulk.row_versions(rows)


def test_request_level_errors(db: Session, world, many) -> None:
    tech = world.actor("technician")
    with pytest.raises(Invalid) as e:
        bulk.apply(db, tech, many[:1], {})
    assert e.value.key == "bulk.nothing_to_change"
    with pytest.raises(Invalid) as e:
        bulk.apply(db, tech, many[:1], {"contract_id": None})
    assert e.value.key == "ticket.field_not_editable"
    with pytest.raises(Invalid) as e:
        bulk.apply(db, tech, list(range(1, bulk.SELECTION_CAP + 2)), {"priority": 1})
    assert e.value.key == "bulk.too_many"
    junk = bulk.apply(db, tech, [-5, 0, 2**40, (2**63, 1)], {"priority": Priority.LOW})
    assert [f.reason for f in junk.failures] == ["not_found"] * 4
    assert db.exec(select(func.count()).select_from(TimelineEvent)).one() == 0


# --------------------------------------------------------------------------- page state

AGENT = "anna.nowak@pomocnik.example"


def test_state_selection_is_server_side(demo_db) -> None:
    """A browser can only tick rows its page shows; the seen versions stay on the server."""
    from state_support import call_handler, state_for

    from helpdesk_app.state.agent_list import AgentListState

    state = state_for(AgentListState, AGENT)
    call_handler(AgentListState, "on_load", state)
    shown = [int(r.id) for r in state.rows]
    assert len(shown) == 25
    with session_scope() as db:
        hidden = db.exec(select(Ticket.id).where(col(Ticket.id).not_in(shown))).first()
        versions = {t.id: t.version for t in db.exec(
            select(Ticket).where(col(Ticket.id).in_(shown)))}
    call_handler(AgentListState, "toggle_row", state, str(hidden), True)  # crafted
    call_handler(AgentListState, "toggle_row", state, "abc", True)
    assert state.selected_count == 0
    call_handler(AgentListState, "toggle_page", state, True)
    assert state._selected == versions
    assert state.page_all_selected and state.selected_count == 25
    call_handler(AgentListState, "toggle_row", state, str(shown[0]), False)
    assert state.selected_count == 24 and str(shown[0]) not in state.page_selected
    # nothing chosen in the action bar: refused before anything runs
    assert call_handler(AgentListState, "apply_bulk", state) is None
    assert state.bulk_error and not state._pending_bulk
    call_handler(AgentListState, "set_value", state, "b_priority", "4")
    assert call_handler(AgentListState, "apply_bulk", state) is AgentListState.run_bulk
    assert state._pending_bulk["change"] == {"priority": 4}
    assert sorted(state._pending_bulk["selection"]) == sorted(
        (t, v) for t, v in versions.items() if t != shown[0])
    # "all matching" takes every match with its version now; a filter change drops it
    call_handler(AgentListState, "select_all_matching", state)
    assert state.all_matching and state.selected_count == state.total > 25
    call_handler(AgentListState, "set_filter", state, "f_priority", "4")
    assert state.selected_count == 0 and not state.all_matching
    # only filter vars can be set that way, whatever a crafted event names
    call_handler(AgentListState, "set_filter", state, "_selection", "x")
    call_handler(AgentListState, "set_filter", state, "token", "forged")
    assert state.f_priority == "4" and state.token != "forged"
