"""NotificationState called directly, as a crafted websocket message would call it: a user
only counts, reads and marks their own notifications; texts come from the catalogs; the
per-user change topic and the bell's extra watch slot."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
import reflex as rx
from async_support import run_async
from sqlmodel import select
from state_support import call_handler, state_for

from helpdesk_app.db import session_scope
from helpdesk_app.domain import auth, inapp_notifications
from helpdesk_app.live.bus import USER_CHANGE, Change, bus, queue_user_change
from helpdesk_app.models import Notification, Ticket, User
from helpdesk_app.state import live
from helpdesk_app.state.notifications import NotificationState

AGENT = "anna.nowak@pomocnik.example"
AGENT2 = "piotr.zielinski@pomocnik.example"
CLIENT = "ewa.lewandowska@wodociagi-lodz.example"
DUE = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # 10:30 in Warsaw


@pytest.fixture
def clean_demo(demo_db) -> None:
    """The shared demo database (tests/integration/conftest.py), without inapp_notifications."""
    with session_scope() as db:
        for n in db.exec(select(Notification)).all():
            db.delete(n)
        db.commit()


def _state(email: str | None) -> NotificationState:
    return state_for(NotificationState, email)


def _call(name: str, state, *args):
    return call_handler(NotificationState, name, state, *args)


def _user_id(email: str) -> int:
    with session_scope() as db:
        return db.exec(select(User.id).where(User.email == email)).one()


def _notify(email: str, kind: str = "sla_warning", clock: str = "reaction") -> tuple[int, str]:
    """A notification for `email` about the first ticket; returns (its id, ticket number)."""
    with session_scope() as db:
        ticket = db.exec(select(Ticket).order_by(Ticket.id)).first()
        inapp_notifications.notify(db, [_user_id(email)], kind, ticket_id=ticket.id,
                             data={"clock": clock, "due_at": DUE.isoformat()},
                             now=datetime.now(UTC))
        db.commit()
        nid = db.exec(select(Notification.id).order_by(Notification.id.desc())).first()
        return nid, ticket.number


def _read(nid: int) -> bool:
    with session_scope() as db:
        return db.get(Notification, nid).read_at is not None


def test_count_and_list_in_the_users_language(clean_demo):
    _, number = _notify(AGENT)
    _notify(AGENT, kind="sla_breach", clock="resolution")
    _notify(AGENT2)
    state = _state(AGENT)
    _call("start", state)
    assert state.unread == 2 and state.unread_label == "2"

    state.ui_lang = "pl"
    assert _call("on_load", state) is None
    assert [i.kind for i in state.items] == ["sla_breach", "sla_warning"]
    warning = state.items[1]
    assert warning.text == f"{number}: zagrożony SLA (Reakcja), termin 2.03.2026, 10:30"
    assert warning.href == f"/agent/tickets/{number}" and not warning.read
    assert "Rozwiązanie" in state.items[0].text

    state.ui_lang = "en"
    _call("on_load", state)
    assert state.items[1].text.startswith(f"{number}: SLA at risk (Reaction), due ")


def test_only_own_notifications_can_be_marked(clean_demo):
    mine, _ = _notify(AGENT)
    theirs, _ = _notify(AGENT2)
    state = _state(AGENT)
    _call("on_load", state)
    _call("mark_read", state, theirs)  # a crafted id of someone else's notification
    _call("mark_read", state, "not-a-number")
    assert not _read(theirs) and not _read(mine) and state.unread == 1

    _call("mark_read", state, str(mine))
    assert _read(mine) and state.unread == 0 and state.items[0].read

    other, _ = _notify(AGENT)
    _call("mark_all_read", state)
    assert _read(other) and not _read(theirs)


def test_clients_and_logged_out_tabs_get_nothing(clean_demo):
    _notify(AGENT)
    client = _state(CLIENT)
    _call("start", client)
    assert client.unread == 0
    assert isinstance(_call("on_load", client), rx.event.EventSpec)  # → /portal
    assert client.items == []

    anon = _state(None)
    anon.unread = 5
    _call("start", anon)  # the bell empties itself quietly
    assert anon.unread == 0
    assert "/login" in str(_call("mark_all_read", anon))

    # A revoked session stops working on the next event.
    state = _state(AGENT)
    _call("start", state)
    assert state.unread == 1
    with session_scope() as db:
        auth.logout(db, state.token)
    assert "/login" in str(_call("mark_all_read", state))
    assert state.user_role == ""
    _call("start", state)  # and its bell empties
    assert state.unread == 0


def test_user_changes_are_published_once_per_user_after_commit(clean_demo):
    seen: list[Change] = []
    handle = bus.subscribe(seen.append)
    try:
        with session_scope() as db:
            queue_user_change(db, 7, 8, 7)
            queue_user_change(db, 8)
            db.rollback()
            assert seen == []
            queue_user_change(db, 7, 8, 7)
            queue_user_change(db, 8)
            db.commit()
    finally:
        bus.unsubscribe(handle)
    assert [c.topics for c in seen] == [("user:7",), ("user:8",)]
    assert all(c.kind == USER_CHANGE and not c.public for c in seen)


# ---- state/live.py: a page watch plus the bell's watch in one tab


class _Page:
    def __init__(self, token: str) -> None:
        self.router = SimpleNamespace(session=SimpleNamespace(client_token=token))
        self.calls: list[list[Change]] = []

    def _live_refresh(self, changes: list[Change]) -> None:
        self.calls.append(changes)


class _Bell(_Page):
    pass


def _change(topic: str) -> Change:
    return Change(ticket_id=0, organisation_id=0, kind="x", public=False, topics=(topic,))


def test_live_slots_keep_the_page_watch_semantics_and_add_the_bell(monkeypatch):
    monkeypatch.setattr(live, "_watches", {})
    page, bell, same = _Page("tab1"), _Bell("tab1"), _Page("tab2")
    live.watch(page, {"tickets"}, public_only=False)
    live.watch(bell, {"user:1"}, public_only=False, slot="bell")
    live.watch(same, {"user:2"}, public_only=False)
    live.watch(same, {"user:2"}, public_only=False, slot="bell")
    assert live.watching(page) and not live.watching(bell)
    assert live.watching(bell, slot="bell")

    states = {("tab1", _Page): page, ("tab1", _Bell): bell, ("tab2", _Page): same}

    class _Root:
        def __init__(self, token):
            self.token = token

        async def get_state(self, cls):
            return states[(self.token, cls)]

    @contextlib.asynccontextmanager
    async def modify_state(token):
        yield _Root(token.ident)

    app = SimpleNamespace(event_namespace=SimpleNamespace(token_to_sid={"tab1": 1, "tab2": 2}),
                          modify_state=modify_state)
    changes = [_change("tickets"), _change("user:1"), _change("user:2")]
    run_async(live._deliver(app, changes))
    assert page.calls == [[changes[0]]] and bell.calls == [[changes[1]]]
    assert same.calls == [[changes[2]]]  # two watches of one state: one refresh

    live.unwatch(page)  # another page opened in tab1: the bell keeps watching
    run_async(live._deliver(app, changes))
    assert len(page.calls) == 1 and len(bell.calls) == 2

    app.event_namespace.token_to_sid = {}
    run_async(live._deliver(app, changes))  # tabs closed: their watches go
    assert live._watches == {}
