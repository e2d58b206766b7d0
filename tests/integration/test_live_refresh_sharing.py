"""Live refresh at scale (issue 15): within one delivery pass, agent-list tabs with the same
access scope and query share one query result; a tab whose probe (the fingerprint of its
last load, computed again) is unchanged is skipped before its state is touched, and a tab
whose fresh page equals what it shows is sent nothing. Whatever the changes, every tab
must end up showing exactly what a fresh load of its view shows — the property checked
here, with passes run as `live._deliver` runs them."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from reflex.istate.data import RouterData
from reflex_base import constants
from sqlmodel import col, select
from state_support import call_handler, state_for

from helpdesk_app.db import session_scope
from helpdesk_app.domain import access, auth, tickets
from helpdesk_app.domain.actor import Actor
from helpdesk_app.live.bus import ACCESS_CHANGE, Change, resync_change, topics_for
from helpdesk_app.models import Priority, Ticket, User, UserSession
from helpdesk_app.models.base import utcnow
from helpdesk_app.state import live
from helpdesk_app.state.agent_list import AgentListState

ANNA = "anna.nowak@pomocnik.example"
PIOTR = "piotr.zielinski@pomocnik.example"
COORD = "koordynator@pomocnik.example"
# (filter, value) views a tab may show; sort columns to go with them
VIEWS = [("f_status", "active"), ("f_status", "pending"), ("f_status", "all"),
         ("f_priority", "4"), ("f_assignee", "mine"), ("f_assignee", "unassigned")]
SORTS = ["priority", "updated", "number"]
CHANGES = [("status", "open"), ("status", "pending"), ("status", "resolved"),
           ("priority", 1), ("priority", 4), ("assignee", "anna"), ("assignee", None)]


def _actor(email: str) -> Actor:
    with session_scope() as db:
        return Actor.from_user(db.exec(select(User).where(User.email == email)).one())


def _tab(email: str, view: tuple[str, str], sort: str) -> AgentListState:
    tab = state_for(AgentListState, email)
    # its own browser tab: the live registry (watch, probe) is keyed by the client token
    session_token = tab.token
    tab.parent_state.parent_state.router = RouterData.from_router_data(
        {constants.RouteVar.CLIENT_TOKEN: uuid.uuid4().hex})
    tab.token = session_token
    call_handler(AgentListState, "on_load", tab)
    call_handler(AgentListState, "set_filter", tab, *view)
    if sort != tab.sort:
        call_handler(AgentListState, "sort_by", tab, sort)
    return tab


def _shown(tab: AgentListState) -> tuple:
    return ([(r.id, r.status_label, r.priority_label, r.assignee, r.updated, r.unread,
              r.assignee_away) for r in tab.rows],
            tab.total, [(q.value, q.count) for q in tab.queue_counts])


def _change(number: int, what: tuple[str, object]) -> Change:
    """Make one change to the `number`-th active ticket as the coordinator."""
    with session_scope() as db:
        ids = db.exec(select(Ticket.id).order_by(col(Ticket.id))).all()
        ticket = db.get(Ticket, ids[number % len(ids)])
        field, value = what
        if field == "assignee":  # (the ticket's field is assignee_id)
            field = "assignee_id"
            if value == "anna":
                value = db.exec(select(User.id).where(User.email == ANNA)).one()
        tickets.update_ticket(db, _actor(COORD), ticket.id, ticket.version, {field: value})
        return Change(ticket_id=ticket.id, organisation_id=ticket.organisation_id,
                      kind="updated", public=True,
                      topics=topics_for(ticket.id, ticket.organisation_id))


def _key(tab: AgentListState) -> tuple[str, type]:
    return (tab.router.session.client_token, AgentListState)


def _one_pass(tabs: list[AgentListState], changes: list[Change]) -> list[AgentListState]:
    """A delivery pass as `live._deliver` runs it: the tabs showing a changed ticket, then
    the probes of the others and the full refresh of those left. Returns the tabs that
    were refreshed."""
    marker = live._pass_results.set({})
    try:
        stale, rest = live.split_stale({_key(tab): changes for tab in tabs}, changes)
        for tab in tabs:
            if _key(tab) in stale:
                tab._live_refresh(changes)
        left = {**stale, **live.still_due(rest)}
        refreshed = [tab for tab in tabs if _key(tab) in left]
        for tab in refreshed:
            if _key(tab) not in stale:
                tab._live_refresh(changes)
    finally:
        live._pass_results.reset(marker)
    return refreshed


def test_staff_without_a_queue_limit_share_a_key_unless_the_view_names_them(demo_db):
    anna, piotr = _actor(ANNA), _actor(PIOTR)
    assert (access.list_scope_key(anna, names_self=False)
            == access.list_scope_key(piotr, names_self=False))
    assert (access.list_scope_key(anna, names_self=True)
            != access.list_scope_key(piotr, names_self=True))


def test_a_pass_queries_once_for_tabs_with_the_same_scope_and_view(demo_db, monkeypatch):
    tabs = [_tab(email, ("f_status", "active"), "priority") for email in (ANNA, PIOTR)]
    calls = []
    real = tickets.list_tickets
    monkeypatch.setattr(tickets, "list_tickets",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    change = _change(3, ("priority", 4))
    _one_pass(tabs, [change])
    assert len(calls) == 1
    # the same rows; their own unread marks apart
    assert ([row[:5] for row in _shown(tabs[0])[0]]
            == [row[:5] for row in _shown(tabs[1])[0]])


def test_a_tab_the_change_does_not_touch_is_sent_nothing(demo_db):
    tab = _tab(ANNA, ("f_status", "pending"), "number")
    before = tab.refreshed
    tab.dirty_vars.clear()
    # a ticket that is not pending stays not pending: this tab's page cannot change
    with session_scope() as db:
        other = db.exec(select(Ticket).where(Ticket.status == "open")
                        .order_by(col(Ticket.id))).first()
        tickets.update_ticket(db, _actor(COORD), other.id, other.version,
                              {"priority": Priority.LOW if other.priority != Priority.LOW
                               else Priority.HIGH})
    refreshed = _one_pass([tab], [Change(other.id, other.organisation_id, "updated", True,
                                         topics_for(other.id, other.organisation_id))])
    assert refreshed == []  # the probe decided: its state was not even locked
    assert tab.refreshed == before and not tab.dirty_vars


def test_a_tab_whose_page_changes_is_refreshed_fully(demo_db):
    tab = _tab(ANNA, ("f_status", "active"), "updated")
    before = tab.refreshed
    change = _change(7, ("priority", 1))  # the newest change sorts first on "updated"
    assert _one_pass([tab], [change]) == [tab]
    assert tab.refreshed == before + 1 and tab.rows[0].id == str(change.ticket_id)


def test_sorting_and_paging_keep_the_counts_shown_and_a_pass_brings_them_up_to_date(
        demo_db, monkeypatch):
    tab = _tab(COORD, ("f_status", "active"), "priority")
    shown = _shown(tab)[2]
    counted = []
    real = tickets.queue_counts
    monkeypatch.setattr(tickets, "queue_counts",
                        lambda *a, **k: counted.append(1) or real(*a, **k))
    change = _change(5, ("status", "resolved"))  # one active ticket fewer in its queue
    call_handler(AgentListState, "sort_by", tab, "number")
    call_handler(AgentListState, "set_filter", tab, "f_priority", "all")
    assert counted == [] and _shown(tab)[2] == shown  # the agent's clicks: the view only
    assert _one_pass([tab], [change]) == [tab]  # the probe sees the counts moved
    assert _shown(tab)[2] != shown and _shown(tab)[2] == _shown(_tab(COORD, (
        "f_status", "active"), "number"))[2]


def test_the_agents_own_access_change_skips_the_probe(demo_db):
    tab = _tab(ANNA, ("f_status", "pending"), "number")
    access_change = Change(0, 0, ACCESS_CHANGE, False, ())
    assert _one_pass([tab], [access_change]) == [tab]


def test_a_page_that_failed_to_load_leaves_no_probe(demo_db):
    tab = _tab(ANNA, ("f_status", "active"), "priority")
    assert _key(tab) in live._probes
    live.forget_tab(tab)  # signing out drops the tab's probe with its watches
    assert _key(tab) not in live._probes


@settings(max_examples=25, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(views=st.lists(st.tuples(st.sampled_from([ANNA, PIOTR, COORD]), st.sampled_from(VIEWS),
                                st.sampled_from(SORTS)), min_size=2, max_size=5),
       steps=st.lists(st.lists(st.tuples(st.integers(0, 200), st.sampled_from(CHANGES)),
                               min_size=1, max_size=3), min_size=1, max_size=4))
def test_every_tab_converges_to_what_a_fresh_load_shows(demo_db, views, steps):
    tabs = [(v, _tab(*v)) for v in views]
    for burst in steps:
        changes = []
        for number, what in burst:
            try:
                changes.append(_change(number, what))
            except Exception:  # a move the workflow refuses: no change, nothing to send
                continue
        random.shuffle(tabs)  # the order tabs are refreshed in must not matter
        _one_pass([tab for _v, tab in tabs], changes)
    for view, tab in tabs:
        assert _shown(tab) == _shown(_tab(*view)), view


def test_a_live_refresh_is_not_activity_an_idle_session_still_expires(demo_db):
    tab = _tab(ANNA, ("f_status", "active"), "priority")
    long_ago = utcnow() - timedelta(minutes=5)
    with session_scope() as db:
        row = db.exec(select(UserSession).where(
            UserSession.token_hash == auth._token_hash(tab.token))).one()
        row.last_seen_at = long_ago
        db.add(row)
        db.commit()
    _one_pass([tab], [_change(5, ("priority", 1))])

    def seen() -> object:
        with session_scope() as db:
            return db.exec(select(UserSession.last_seen_at).where(
                UserSession.token_hash == auth._token_hash(tab.token))).one()

    assert seen() == long_ago  # pushed to the tab: not the person's doing
    call_handler(AgentListState, "next_page", tab)  # the person clicks: that counts
    assert seen() > long_ago


def test_tabs_of_one_desk_hold_its_option_lists_once(demo_db):
    """With 200 agents every list tab shows three lists of 200 people: held once per
    process, not once per tab (RSS per tab, issue 15); another view keeps its own."""
    anna, piotr = _tab(ANNA, ("f_status", "active"), "priority"), \
        _tab(PIOTR, ("f_status", "pending"), "number")
    for name in ("bulk_assignee_opts", "org_opts", "queue_opts", "_agents"):
        assert getattr(anna, name).__wrapped__ is getattr(piotr, name).__wrapped__, name
    assert [o.value for o in anna.agent_opts][:2] == ["mine", "unassigned"]


def test_tabs_showing_a_changed_ticket_are_refreshed_first(demo_db):
    tabs = [_tab(ANNA, ("f_status", "all"), "number") for _ in range(2)]
    for tab in tabs:
        call_handler(AgentListState, "next_page", tab)
    call_handler(AgentListState, "prev_page", tabs[1])  # page 1 again
    on_second_page = int(tabs[0].rows[0].id)
    assert on_second_page not in {int(r.id) for r in tabs[1].rows}
    change = Change(on_second_page, 0, "updated", True, ("tickets",))
    due = {_key(tab): [change] for tab in reversed(tabs)}
    stale, rest = live.split_stale(due, [change])
    assert list(stale) == [_key(tabs[0])]
    assert list(rest) == [_key(tabs[1])]


def test_after_missed_changes_a_resync_brings_every_tab_to_what_a_fresh_load_shows(demo_db):
    """The Redis subscriber was away while tickets changed (nothing was delivered); the
    resync it sends on its return redraws every tab, unread marks included."""
    views = [(ANNA, ("f_status", "active"), "updated"), (PIOTR, ("f_status", "all"), "number"),
             (COORD, ("f_priority", "4"), "priority")]
    tabs = [(v, _tab(*v)) for v in views]
    before = [_shown(tab) for _v, tab in tabs]
    with session_scope() as db:  # committed, never delivered
        for row in tabs[0][1].rows[:3]:
            ticket = db.get(Ticket, int(row.id))
            tickets.update_ticket(db, _actor(COORD), ticket.id, ticket.version,
                                  {"priority": 1 if ticket.priority != 1 else 4})
    assert [_shown(tab) for _v, tab in tabs] == before
    assert any(_shown(_tab(*v)) != shown for v, shown in zip(views, before, strict=True))
    refreshed = _one_pass([tab for _v, tab in tabs], [resync_change()])
    assert len(refreshed) == len(tabs)  # the probes do not decide for a resync
    for view, tab in tabs:
        assert _shown(tab) == _shown(_tab(*view)), view
