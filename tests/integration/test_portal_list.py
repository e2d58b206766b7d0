"""The client portal's list: paging, total, text search and open / closed / all filters,
all through the access policy (a client never sees another organisation's tickets, a
plain client only their own); and the portal page state driving it."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select
from state_support import call_handler, state_for

from helpdesk_app.db import session_scope
from helpdesk_app.domain import tickets
from helpdesk_app.domain.actor import Actor
from helpdesk_app.models import Status, Ticket, User


@pytest.fixture
def many(db: Session, world, make) -> dict[str, list[Ticket]]:
    """Carl 25 tickets (every 5th closed, "Drukarka" in 3 subjects), his colleague 4,
    the other organisation 6 (two called "Drukarka" too)."""
    made: dict[str, list[Ticket]] = {"client": [], "colleague": [], "other-client": []}
    for who, n in (("client", 25), ("colleague", 4), ("other-client", 6)):
        for i in range(n):
            subject = ("Drukarka " if (who == "client" and i < 3) or
                       (who == "other-client" and i < 2) else "Laptop ") + f"{who} {i}"
            t = make.ticket(world.actor(who), subject)
            if i % 5 == 4:
                t.status = Status.CLOSED if i % 2 else Status.RESOLVED
                db.add(t)
            made[who].append(t)
    db.commit()
    return made


def _ids(page: tickets.TicketPage) -> set[int]:
    return {r.id for r in page.rows}


def test_paging_and_total_for_a_plain_client(db: Session, world, many) -> None:
    client = world.actor("client")
    q = dict(page_size=10, sort="updated", status=None)
    pages = [tickets.list_tickets(db, client, tickets.ListQuery(page=p, **q)) for p in (1, 2, 3)]
    assert [p.total for p in pages] == [25, 25, 25]
    assert [len(p.rows) for p in pages] == [10, 10, 5]
    seen = set().union(*(_ids(p) for p in pages))
    assert seen == {t.id for t in many["client"]}  # only their own, each once


@pytest.mark.parametrize("who, expected", [("client", (20, 5)), ("client-manager", (24, 5))])
def test_open_closed_all_filters(db: Session, world, many, who, expected) -> None:
    actor = world.actor(who)
    active = tickets.list_tickets(db, actor, tickets.ListQuery(status="active", page_size=100))
    done = tickets.list_tickets(db, actor, tickets.ListQuery(status=tickets.INACTIVE,
                                                             page_size=100))
    every = tickets.list_tickets(db, actor, tickets.ListQuery(status=None, page_size=100))
    assert (active.total, done.total) == expected
    assert _ids(active) | _ids(done) == _ids(every) and not _ids(active) & _ids(done)
    assert all(r.status in (Status.CLOSED, Status.RESOLVED) for r in done.rows)
    other_org = {t.id for t in many["other-client"]}
    assert not _ids(every) & other_org


def test_search_goes_through_the_access_policy(db: Session, world, many) -> None:
    def search(who: str, text: str) -> set[int]:
        return _ids(tickets.list_tickets(db, world.actor(who), tickets.ListQuery(
            search=text, status=None, page_size=100)))

    mine = {t.id for t in many["client"][:3]}
    assert search("client", "drukarka") == mine  # case-insensitive, only their own
    assert search("client-manager", "Drukarka") == mine  # the org: colleague has none
    assert search("other-client", "drukarka") == {t.id for t in many["other-client"][:2]}
    colleague_ticket = many["colleague"][0]
    assert search("client", colleague_ticket.number) == set()  # a colleague's number
    assert search("client-manager", colleague_ticket.number) == {colleague_ticket.id}
    assert search("client", many["other-client"][0].number) == set()
    assert search("client", "%") == set()  # LIKE wildcards are text


# ---------------------------------------------------------------- the page state (demo data)

CLIENT = "ewa.lewandowska@wodociagi-lodz.example"


def _counts(email: str) -> tuple[int, int]:
    with session_scope() as db:
        actor = Actor.from_user(db.exec(select(User).where(User.email == email)).one())
        mine = db.exec(select(Ticket).where(Ticket.requester_id == actor.user_id)).all()
        done = sum(1 for t in mine if t.status in (Status.RESOLVED, Status.CLOSED))
        return len(mine), done


def test_portal_state_pages_filters_and_searches(demo_db) -> None:
    from helpdesk_app.state.portal import PAGE_SIZE, PortalState

    total, done = _counts(CLIENT)
    assert total > PAGE_SIZE, "the demo client has more than a page of tickets"
    portal = state_for(PortalState, CLIENT)
    call_handler(PortalState, "on_load", portal)
    assert portal.status_filter == "active" and portal.total == total - done
    call_handler(PortalState, "set_filter", portal, "all")
    assert (portal.total, len(portal.rows), portal.pages) == (
        total, PAGE_SIZE, -(-total // PAGE_SIZE))
    assert portal.total_label.startswith(str(total)) and "zgłosze" in portal.total_label
    first_page = [r.number for r in portal.rows]
    call_handler(PortalState, "go_page", portal, 2)
    assert portal.page == 2 and not {r.number for r in portal.rows} & set(first_page)
    call_handler(PortalState, "go_page", portal, 99)  # clamped
    assert portal.page == portal.pages
    call_handler(PortalState, "set_filter", portal, "closed")
    assert portal.total == done and portal.page == 1
    call_handler(PortalState, "set_filter", portal, "bogus")  # ignored
    assert portal.status_filter == "closed"

    # text: the list filters (over every status) and says so
    assert portal.rows, "the demo client has closed tickets"
    subject = portal.rows[0].subject
    portal.lookup = subject
    assert call_handler(PortalState, "find", portal, {}) is None
    assert portal.search == subject and portal.status_filter == "all" and portal.rows
    assert all(subject.lower() in r.subject.lower() for r in portal.rows)
    portal.lookup = "zzz-nic-takiego"
    call_handler(PortalState, "find", portal, {})
    assert portal.rows == [] and portal.total == 0 and "zzz-nic-takiego" in portal.empty_message
    call_handler(PortalState, "clear_search", portal)
    assert (portal.search, portal.lookup, portal.total) == ("", "", total)

    # a whole ticket number opens the ticket
    portal.lookup = first_page[0]
    assert call_handler(PortalState, "find", portal, {}) is not None
    assert portal.lookup_error == ""
