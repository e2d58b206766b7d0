"""The access matrix grows by role × relation (issue 13): a queue-limited substitute sees
and may work on exactly what the absent colleague could, during the substitution only —
in the list, counts, search, the ticket, attachments and writes — before / during / after
the period, when the scheduler is late, after a cancellation and along a chain."""

from __future__ import annotations

import pytest
from sqlmodel import select
from substitution_support import HOUR, loaded, plan, real_now

from helpdesk_app.domain import (
    access,
    actor_loading,
    attachments,
    auth,
    substitution_schedule,
    substitutions,
    tickets,
)
from helpdesk_app.domain.attachments import IncomingFile
from helpdesk_app.domain.errors import NotFound
from helpdesk_app.models import Attachment, Role, Ticket


@pytest.fixture
def desk(db, world, make):
    """Tom (substitute) limited to Network, Tina (absent) to Service Desk, Bob to Other.
    D: a Service Desk ticket with a file; X: an Other-queue ticket assigned to Tina;
    Y: an unassigned Other-queue ticket; N: a Network ticket."""
    admin, client = world.actor("admin"), world.users["client"]
    other = make.queue("Other")
    bob = make.user(world.provider, Role.TECHNICIAN, name="Bob Builder")
    make.give_role(world.users["technician"], make.custom_role("Net", queues=(world.queue2,)))
    make.give_role(world.users["technician2"], make.custom_role("Desk", queues=(world.queue,)))
    make.give_role(bob, make.custom_role("Oth", queues=(other,)))
    d = make.ticket(admin, "Desk printer", requester=client, queue_id=world.queue.id)
    tickets.add_comment(db, admin, d.id, "config", public=True,
                        files=[IncomingFile("router.cfg", b"secret-config", "text/plain")])
    x = make.ticket(admin, "Tina's far ticket", requester=client, queue_id=other.id)
    db.refresh(x)
    tickets.update_ticket(db, admin, x.id, x.version,
                          {"assignee_id": world.users["technician2"].id})
    y = make.ticket(admin, "Other unassigned", requester=client, queue_id=other.id)
    n = make.ticket(admin, "Network switch", requester=client, queue_id=world.queue2.id)
    [att] = db.exec(select(Attachment)).all()
    return {"tom": world.users["technician"], "tina": world.users["technician2"],
            "bob": bob, "other": other, "D": d.id, "X": x.id, "Y": y.id, "N": n.id,
            "att": att.id}


def _seen(db, actor) -> set[str]:
    ids = {r.id for r in tickets.list_tickets(
        db, actor, tickets.ListQuery(page_size=100, status=None)).rows}
    names = {"Desk printer": "D", "Tina's far ticket": "X", "Other unassigned": "Y",
             "Network switch": "N"}
    return {names[db.get(Ticket, i).subject] for i in ids}


def _relation(db, world, desk, relation: str) -> None:
    now = real_now()
    admin, tom, tina = world.actor("admin"), desk["tom"], desk["tina"]
    if relation == "before":
        plan(db, admin, tina, tom, now + HOUR, now + 2 * HOUR)
    elif relation == "during":
        plan(db, admin, tina, tom, now - HOUR, now + HOUR, now=now)
    elif relation == "after":
        plan(db, admin, tina, tom, now - 3 * HOUR, now - HOUR, now=now - 4 * HOUR)
        substitution_schedule.run_pass(db, now - 2 * HOUR)
        substitution_schedule.run_pass(db, now)
    elif relation == "scheduler late":  # started, its end passed, not yet ended by a pass
        plan(db, admin, tina, tom, now - 3 * HOUR, now - HOUR, now=now - 4 * HOUR)
        substitution_schedule.run_pass(db, now - 2 * HOUR)
    elif relation == "cancelled":
        sid = plan(db, admin, tina, tom, now - HOUR, now + HOUR, now=now)
        substitutions.cancel(db, admin, sid)
    elif relation == "chain":  # Tina → Bob, then Bob (away too) → Tom: Tom covers both
        plan(db, admin, tina, desk["bob"], now - HOUR, now + HOUR, now=now)
        plan(db, admin, desk["bob"], tom, now - HOUR, now + HOUR, now=now)
    else:
        assert relation == "none"


VISIBLE = {"none": {"N"}, "before": {"N"}, "during": {"N", "D", "X"}, "after": {"N"},
           "scheduler late": {"N"}, "cancelled": {"N"}, "chain": {"N", "D", "X", "Y"}}


@pytest.mark.parametrize("relation", list(VISIBLE))
def test_the_substitute_sees_what_the_absent_person_could_only_in_force(db, world, desk,
                                                                       relation):
    _relation(db, world, desk, relation)
    tom = loaded(db, desk["tom"])
    assert _seen(db, tom) == VISIBLE[relation]
    shown = VISIBLE[relation]
    for key in ("D", "X", "Y"):
        ticket = db.get(Ticket, desk[key])
        assert access.can_see_ticket(tom, ticket) == (key in shown)
        if key in shown:
            assert tickets.get_ticket(db, tom, desk[key]).id == desk[key]
            assert tickets.find_by_number(db, tom, ticket.number) == desk[key]
        else:
            with pytest.raises(NotFound):
                tickets.get_ticket(db, tom, desk[key])
            with pytest.raises(NotFound):
                tickets.find_by_number(db, tom, ticket.number)
            with pytest.raises(NotFound):  # and cannot write to it either
                tickets.add_comment(db, tom, desk[key], "hello", public=False)
    if "D" in shown:
        row, _path = attachments.open_attachment(db, tom, desk["att"])
        assert row.id == desk["att"]
        # the absent colleague's queue is one of the substitute's chips meanwhile
        assert world.queue.id in {q for q, _n, _c in tickets.queue_counts(db, tom)}
        # and they may work on it
        tickets.add_comment(db, tom, desk["D"], "On it", public=True)
    else:
        with pytest.raises(NotFound):
            attachments.open_attachment(db, tom, desk["att"])
        assert world.queue.id not in {q for q, _n, _c in tickets.queue_counts(db, tom)}


def test_covering_an_unlimited_colleague_lifts_the_limit_for_the_period(db, world, desk):
    now = real_now()
    sid = plan(db, world.actor("admin"), world.users["coordinator"], desk["tom"],
               now - HOUR, now + HOUR, now=now)
    tom = loaded(db, desk["tom"])
    assert tom.visible_queue_ids is None and not access.queue_limited(tom)
    assert _seen(db, tom) == {"N", "D", "X", "Y"}
    assert tom.permissions is not None  # still his own role's rights, nothing more
    substitutions.cancel(db, world.actor("admin"), sid)
    assert _seen(db, loaded(db, desk["tom"])) == {"N"}


def test_the_session_of_a_substitute_resolves_with_the_cover(db, world, desk, password):
    now = real_now()
    token, _ = auth.login(db, desk["tom"].email, password)
    assert auth.resolve_session(db, token).covering_ids == frozenset()
    plan(db, world.actor("admin"), desk["tina"], desk["tom"], now - HOUR, now + HOUR, now=now)
    actor = auth.resolve_session(db, token)
    assert actor.covering_ids == {desk["tina"].id}
    assert actor.visible_queue_ids == {world.queue.id, world.queue2.id}


def test_the_covering_view_lists_the_absent_colleagues_tickets(db, world, desk):
    now = real_now()
    tom = loaded(db, desk["tom"])
    assert tickets.list_tickets(db, tom, tickets.ListQuery(
        assignee=tickets.COVERING, status=None)).rows == []
    plan(db, world.actor("admin"), desk["tina"], desk["tom"], now - HOUR, now + HOUR, now=now)
    rows = tickets.list_tickets(db, loaded(db, desk["tom"]), tickets.ListQuery(
        assignee=tickets.COVERING, status=None)).rows
    assert [r.id for r in rows] == [desk["X"]]


def test_the_absent_person_and_other_staff_are_unchanged(db, world, desk):
    now = real_now()
    plan(db, world.actor("admin"), desk["tina"], desk["tom"], now - HOUR, now + HOUR, now=now)
    assert _seen(db, loaded(db, desk["tina"])) == {"D", "X"}
    assert loaded(db, desk["tina"]).covering_ids == frozenset()
    assert _seen(db, loaded(db, desk["bob"])) == {"X", "Y"}  # his queue, as before
    client = loaded(db, world.users["client"])
    assert client.covering_ids == frozenset()
    many = actor_loading.load_many(db, [desk["tom"], desk["tina"], world.users["client"]])
    assert many[desk["tom"].id].covering_ids == {desk["tina"].id}
    assert many[desk["tina"].id].covering_ids == frozenset()


@pytest.mark.parametrize("sort", ["priority", "updated"])
def test_the_covering_view_lists_the_same_in_either_plan(db, world, desk, make, monkeypatch,
                                                         sort):
    """Many matches: the page is read along the sort index (a plan, not a rule); it must
    list exactly what the other plan lists, and only the covered people's tickets."""
    from helpdesk_app.domain import tickets_queries

    now = real_now()
    admin = world.actor("admin")
    for i in range(4):
        t = make.ticket(admin, f"More {i}", requester=world.users["client"],
                        queue_id=world.queue2.id)
        db.refresh(t)
        tickets.update_ticket(db, admin, t.id, t.version, {"assignee_id": desk["tina"].id})
    plan(db, admin, desk["tina"], desk["tom"], now - HOUR, now + HOUR, now=now)
    tom = loaded(db, desk["tom"])
    query = tickets.ListQuery(page_size=3, sort=sort, status=None, assignee=tickets.COVERING)
    monkeypatch.setattr(tickets_queries, "_SCAN_ROWS_MAX", 0)
    by_index = [r.id for r in tickets.list_tickets(db, tom, query).rows]
    monkeypatch.setattr(tickets_queries, "_SCAN_ROWS_MAX", 10**9)
    assert tickets_queries._scan_in_sort_order(db, tom, query, 5, 3)
    by_scan = [r.id for r in tickets.list_tickets(db, tom, query).rows]
    assert by_scan == by_index and len(by_scan) == 3
    assert {db.get(Ticket, i).assignee_id for i in by_scan} == {desk["tina"].id}
    # nobody covered: nothing, whatever the plan
    assert tickets.list_tickets(db, loaded(db, desk["bob"]), query).rows == []
    assert tickets.list_tickets(db, world.actor("client"), query).rows == []
