"""Notification preferences (domain/notification_settings.py): role defaults, saving with
validation and permissions, `wants` with scopes; the settings page state and the client
notification list, called as a crafted websocket message would call them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import reflex as rx
from sqlalchemy import event
from sqlmodel import Session, select
from state_support import call_handler, state_for

from helpdesk_app.db import session_scope
from helpdesk_app.domain import inapp_notifications
from helpdesk_app.domain import notification_settings as prefs
from helpdesk_app.domain.errors import Forbidden, Invalid, NotFound
from helpdesk_app.domain.notification_settings import Channels, PrefInput
from helpdesk_app.models import (
    Notification,
    NotificationKind,
    NotificationPreference,
    Ticket,
    User,
)
from helpdesk_app.state.notification_prefs import NotificationPrefsState, PrefRow
from helpdesk_app.state.notifications import NotificationState

K = NotificationKind
STAFF_EVENTS = [K.NEW_TICKET, K.PUBLIC_REPLY, K.INTERNAL_NOTE, K.ASSIGNMENT, K.STATUS_CHANGE,
                K.SLA_WARNING, K.SLA_BREACH, K.HANDOVER]
CLIENT_EVENTS = [K.PUBLIC_REPLY, K.STATUS_CHANGE, K.TICKET_CLOSED]


def _rows(db: Session, user: User) -> dict[str, NotificationPreference]:
    db.expire_all()
    return {r.event: r for r in db.exec(select(NotificationPreference)
                                        .where(NotificationPreference.user_id == user.id))}


def _by_event(views) -> dict[str, tuple[bool, bool]]:
    return {v.event: (v.in_app, v.email) for v in views}


# --------------------------------------------------------------------------- defaults


def test_role_defaults(db: Session, world, make) -> None:
    tech = _by_event(prefs.effective(db, world.users["technician"]))
    assert list(tech) == STAFF_EVENTS  # no ticket_closed for staff
    assert tech == {K.NEW_TICKET: (True, False), K.PUBLIC_REPLY: (True, True),
                    K.INTERNAL_NOTE: (True, False), K.ASSIGNMENT: (True, True),
                    K.STATUS_CHANGE: (True, False), K.SLA_WARNING: (True, False),
                    K.SLA_BREACH: (True, True), K.HANDOVER: (True, True)}
    coordinator = _by_event(prefs.effective(db, world.users["coordinator"]))
    assert coordinator[K.NEW_TICKET] == (True, True)  # coordinators triage by mail too
    assert _by_event(prefs.effective(db, world.users["admin"])) == tech

    client = _by_event(prefs.effective(db, world.users["client"]))
    assert client == {K.PUBLIC_REPLY: (True, True), K.STATUS_CHANGE: (True, False),
                      K.TICKET_CLOSED: (True, True)}
    assert all(v.is_default for v in prefs.effective(db, world.users["client"]))
    # subcontractors (issue 13) hear of tickets handed to them and withdrawn, nothing else
    sub = make.user(make.org(kind="subcontractor"), "subcontractor")
    assert _by_event(prefs.effective(db, sub)) == {K.HANDOVER: (True, True)}


# --------------------------------------------------------------------------- saving


def test_a_user_saves_their_own_and_a_default_choice_removes_the_row(db: Session, world,
                                                                      make) -> None:
    tech = world.users["technician"]
    actor = world.actor("technician")
    prefs.save(db, actor, tech.id, [
        PrefInput(K.PUBLIC_REPLY, in_app=True, email=False),
        PrefInput(K.SLA_WARNING, in_app=False, email=True, queue_ids=[world.queue2.id],
                  organisation_ids=[world.org_b.id, world.org_b.id]),
    ])
    views = {v.event: v for v in prefs.effective(db, tech)}
    assert (views[K.PUBLIC_REPLY].in_app, views[K.PUBLIC_REPLY].email) == (True, False)
    assert not views[K.PUBLIC_REPLY].is_default
    assert views[K.SLA_WARNING].queue_ids == [world.queue2.id]
    assert views[K.SLA_WARNING].organisation_ids == [world.org_b.id]  # de-duplicated
    assert views[K.ASSIGNMENT].is_default  # events not sent keep theirs
    assert set(_rows(db, tech)) == {K.PUBLIC_REPLY, K.SLA_WARNING}

    # Back to the default (no scope): the row goes, future default changes apply.
    prefs.save(db, actor, tech.id, [PrefInput(K.PUBLIC_REPLY, in_app=True, email=True)])
    assert set(_rows(db, tech)) == {K.SLA_WARNING}
    # The default channels with a scope are a real choice: stored.
    prefs.save(db, actor, tech.id, [PrefInput(K.ASSIGNMENT, True, True,
                                              queue_ids=[world.queue.id])])
    assert _rows(db, tech)[K.ASSIGNMENT].queue_ids == [world.queue.id]


@pytest.mark.parametrize("bad", [
    PrefInput("no_such_event", True, True),
    PrefInput(K.TICKET_CLOSED, True, True),  # not a staff event
    PrefInput(K.NEW_TICKET, True, True, organisation_ids=[999_999]),
    PrefInput(K.NEW_TICKET, True, True, contract_ids=[999_999]),
    PrefInput(K.NEW_TICKET, True, True, queue_ids=[999_999]),
    PrefInput(K.NEW_TICKET, True, True, queue_ids=["x"]),  # type: ignore[list-item]
], ids=["unknown-event", "client-event", "org", "contract", "queue", "not-a-number"])
def test_save_validates_events_and_scopes(db: Session, world, bad: PrefInput) -> None:
    tech = world.users["technician"]
    with pytest.raises(Invalid):
        # A valid choice first: nothing of a refused save is stored.
        prefs.save(db, world.actor("technician"), tech.id,
                   [PrefInput(K.ASSIGNMENT, False, False), bad])
    db.rollback()
    assert _rows(db, tech) == {}


def test_save_refuses_duplicates_provider_orgs_and_client_scopes(db: Session, world) -> None:
    tech, client = world.users["technician"], world.users["client"]
    with pytest.raises(Invalid):
        prefs.save(db, world.actor("technician"), tech.id,
                   [PrefInput(K.ASSIGNMENT, False, False), PrefInput(K.ASSIGNMENT, True, True)])
    with pytest.raises(Invalid):  # the provider is not a client organisation
        prefs.save(db, world.actor("technician"), tech.id,
                   [PrefInput(K.ASSIGNMENT, True, True, organisation_ids=[world.provider.id])])
    for internal in (K.INTERNAL_NOTE, K.NEW_TICKET, K.ASSIGNMENT, K.SLA_BREACH):
        with pytest.raises(Invalid):
            prefs.save(db, world.actor("client"), client.id, [PrefInput(internal, True, True)])
    with pytest.raises(Invalid):  # clients hear of their own tickets only: no scope
        prefs.save(db, world.actor("client"), client.id,
                   [PrefInput(K.PUBLIC_REPLY, True, True, queue_ids=[world.queue.id])])
    db.rollback()
    assert _rows(db, tech) == {} and _rows(db, client) == {}


def test_only_the_user_or_an_admin_may_save(db: Session, world) -> None:
    coordinator = world.users["coordinator"]
    choice = [PrefInput(K.NEW_TICKET, True, False)]
    for actor, target in (("technician", "coordinator"), ("client", "coordinator"),
                          ("coordinator", "technician2")):
        with pytest.raises(Forbidden):
            prefs.save(db, world.actor(actor), world.users[target].id, choice)
    assert _rows(db, coordinator) == {}

    prefs.save(db, world.actor("admin"), coordinator.id, choice)
    assert _rows(db, coordinator)[K.NEW_TICKET].email is False
    prefs.save(db, world.actor("admin"), world.users["client"].id,
               [PrefInput(K.STATUS_CHANGE, False, False)])
    assert _rows(db, world.users["client"])[K.STATUS_CHANGE].in_app is False
    with pytest.raises(NotFound):
        prefs.save(db, world.actor("admin"), 999_999, choice)


def test_scope_options_are_for_staff(db: Session, world) -> None:
    options = prefs.scope_options(db, world.actor("technician"))
    assert [o.label for o in options.organisations] == ["Org A", "Org B"]  # clients only
    assert {o.label for o in options.queues} == {"Service Desk", "Network"}
    with pytest.raises(Forbidden):
        prefs.scope_options(db, world.actor("client"))


# --------------------------------------------------------------------------- wants


def test_wants_applies_rows_scopes_and_role_limits(db: Session, world, make) -> None:
    tech, client = world.users["technician"], world.users["client"]
    contract = make.contract_24x7(world.org_a.id, reaction=None, resolution=None)
    db.add_all([
        NotificationPreference(user_id=tech.id, event=K.NEW_TICKET, in_app=True, email=True,
                               organisation_ids=[world.org_a.id], queue_ids=[world.queue.id],
                               contract_ids=[contract.id]),
        # written around save(): a client row for an internal event is still ignored
        NotificationPreference(user_id=client.id, event=K.INTERNAL_NOTE, in_app=True,
                               email=True),
    ])
    db.commit()
    loaded = prefs.load(db, [tech.id, client.id, None])
    inside = Ticket(organisation_id=world.org_a.id, queue_id=world.queue.id,
                    contract_id=contract.id)
    assert prefs.wants(loaded, tech.id, tech.role, K.NEW_TICKET, inside) == Channels(True, True)
    for outside in (Ticket(organisation_id=world.org_b.id, queue_id=world.queue.id,
                           contract_id=contract.id),
                    Ticket(organisation_id=world.org_a.id, queue_id=world.queue2.id,
                           contract_id=contract.id),
                    Ticket(organisation_id=world.org_a.id, queue_id=world.queue.id,
                           contract_id=None)):
        assert prefs.wants(loaded, tech.id, tech.role, K.NEW_TICKET, outside) == prefs.NOTHING
    # No row: the default, whatever the ticket.
    assert prefs.wants(loaded, tech.id, tech.role, K.SLA_BREACH, inside) == Channels(True, True)
    assert prefs.wants(loaded, client.id, client.role, K.INTERNAL_NOTE, inside) == prefs.NOTHING
    assert prefs.wants(loaded, tech.id, tech.role, K.TICKET_CLOSED, inside) == prefs.NOTHING


def test_load_is_one_query_for_any_number_of_users(db: Session, world, make) -> None:
    staff = [make.user(world.provider, "technician") for _ in range(12)]
    for u in staff:
        db.add(NotificationPreference(user_id=u.id, event=K.NEW_TICKET, email=False))
    db.commit()
    statements: list[str] = []
    bind = db.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(bind, "before_cursor_execute", listener)
    try:
        loaded = prefs.load(db, [u.id for u in staff])
    finally:
        event.remove(bind, "before_cursor_execute", listener)
    assert len(statements) == 1 and len(loaded) == 12


# --------------------------------------------------------------------------- page states

AGENT = "anna.nowak@pomocnik.example"
CLIENT = "ewa.lewandowska@wodociagi-lodz.example"
OTHER_CLIENT = "michal.kaminski@dabrowski-law.example"


def _prefs_state(email: str | None) -> NotificationPrefsState:
    return state_for(NotificationPrefsState, email)


def _call(name: str, state, *args):
    return call_handler(NotificationPrefsState, name, state, *args)


def _stored(email: str) -> dict[str, NotificationPreference]:
    with session_scope() as db:
        user = db.exec(select(User).where(User.email == email)).one()
        return {r.event: r for r in db.exec(select(NotificationPreference)
                                            .where(NotificationPreference.user_id == user.id))}


@pytest.fixture
def clean_prefs(demo_db) -> None:
    with session_scope() as db:
        for model in (NotificationPreference, Notification):
            for row in db.exec(select(model)).all():
                db.delete(row)
        db.commit()


def test_settings_page_saves_the_users_own_choices(clean_prefs) -> None:
    anon = _prefs_state(None)
    assert isinstance(_call("on_load", anon), rx.event.EventSpec)  # → /login
    assert anon.rows == []

    state = _prefs_state(AGENT)
    state.ui_lang = "en"
    assert _call("on_load", state) is None
    assert [r.event for r in state.rows] == STAFF_EVENTS
    assert state.rows[0].label == "New ticket" and state.queue_opts and state.org_opts
    _call("toggle", state, K.STATUS_CHANGE, "in_app", False)
    _call("toggle", state, K.STATUS_CHANGE, "colour", True)  # not a channel: ignored
    _call("toggle_scope", state, "queue_ids", state.queue_opts[0].value, True)
    _call("toggle_scope", state, "password", "1", True)  # not a scope: ignored
    _call("save", state)
    stored = _stored(AGENT)
    assert stored[K.STATUS_CHANGE].in_app is False
    # The page's one scope goes to every event.
    assert all(r.queue_ids == [int(state.queue_opts[0].value)] for r in stored.values())
    assert set(stored) == set(STAFF_EVENTS)

    # Reloaded: what was stored.
    fresh = _prefs_state(AGENT)
    _call("on_load", fresh)
    row = next(r for r in fresh.rows if r.event == K.STATUS_CHANGE)
    assert row.in_app is False and fresh.queue_ids == [state.queue_opts[0].value]

    # A crafted scope id that does not exist: refused, nothing changes.
    _call("toggle_scope", fresh, "org_ids", "999999", True)
    _call("save", fresh)
    assert fresh.error != "" and _stored(AGENT)[K.STATUS_CHANGE].in_app is False
    assert all(r.organisation_ids == [] for r in _stored(AGENT).values())


def test_client_settings_have_no_internal_events_and_no_scope(clean_prefs) -> None:
    state = _prefs_state(CLIENT)
    _call("on_load", state)
    assert [r.event for r in state.rows] == CLIENT_EVENTS
    assert state.org_opts == [] and state.queue_opts == []
    state.rows = [*state.rows, PrefRow(event=K.INTERNAL_NOTE, in_app=True, email=True)]
    _call("save", state)  # a crafted internal event: refused as a whole
    assert state.error != "" and _stored(CLIENT) == {}

    _call("on_load", state)
    _call("toggle_scope", state, "org_ids", "1", True)  # clients have no scope: ignored
    _call("toggle", state, K.TICKET_CLOSED, "email", False)
    _call("save", state)
    assert state.error == ""
    stored = _stored(CLIENT)
    assert set(stored) == {K.TICKET_CLOSED} and stored[K.TICKET_CLOSED].email is False
    assert stored[K.TICKET_CLOSED].organisation_ids == []
    assert _stored(OTHER_CLIENT) == {}


def test_clients_read_their_notifications_on_the_portal(clean_prefs) -> None:
    with session_scope() as db:
        client = db.exec(select(User).where(User.email == CLIENT)).one()
        ticket = db.exec(select(Ticket).where(Ticket.requester_id == client.id)).first()
        inapp_notifications.notify(db, [client.id], K.STATUS_CHANGE, ticket_id=ticket.id,
                             data={"actor": "Anna Nowak", "old": "open", "new": "pending"},
                             now=datetime.now(UTC))
        db.commit()
        number = ticket.number
    state = state_for(NotificationState, CLIENT)
    state.ui_lang = "en"
    call_handler(NotificationState, "start", state)
    assert state.unread == 1
    assert call_handler(NotificationState, "on_load_portal", state) is None
    [item] = state.items
    assert item.href == f"/portal/tickets/{number}"
    assert item.text == f"{number}: status Open → Waiting for client (Anna Nowak)"
    call_handler(NotificationState, "mark_all_read", state)
    assert state.unread == 0

    agent = state_for(NotificationState, AGENT)
    assert isinstance(call_handler(NotificationState, "on_load_portal", agent),
                      rx.event.EventSpec)  # → /agent/notifications
    assert agent.items == []
