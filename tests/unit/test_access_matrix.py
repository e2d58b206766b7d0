"""The access policy as a role × action × ticket-relationship matrix (no database needed)."""

from __future__ import annotations

import pytest

from helpdesk_app.domain import access
from helpdesk_app.domain.access import Action
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import Forbidden, NotFound
from helpdesk_app.models import Role, Ticket, TimelineEvent

PROVIDER, ORG_A, ORG_B = 1, 2, 3
ME, COLLEAGUE, STRANGER = 10, 11, 20
STAFF_ROLES = ("admin", "coordinator", "technician")
CLIENT_ACTIONS = {Action.VIEW, Action.REPLY, Action.ATTACH}


def actor_for(role: str) -> Actor:
    staff = role in STAFF_ROLES
    return Actor(
        user_id=ME if not staff else 1, role=Role.CLIENT if not staff else role,
        organisation_id=PROVIDER if staff else ORG_A,
        is_client_manager=role == "client-manager", full_name=role, email=f"{role}@x.test",
        language="pl", timezone="Europe/Warsaw",
    )


TICKETS = {
    # ticket relationship to a client actor in ORG_A with user id ME
    "own": Ticket(id=1, number="2026-000001", subject="s", requester_id=ME,
                  organisation_id=ORG_A, queue_id=1, created_by_id=ME),
    "colleague": Ticket(id=2, number="2026-000002", subject="s", requester_id=COLLEAGUE,
                        organisation_id=ORG_A, queue_id=1, created_by_id=COLLEAGUE),
    "other-org": Ticket(id=3, number="2026-000003", subject="s", requester_id=STRANGER,
                        organisation_id=ORG_B, queue_id=1, created_by_id=STRANGER),
}


def expected(role: str, relation: str, action: Action) -> bool:
    if action is Action.CREATE_FOR_OTHERS:
        return role in STAFF_ROLES
    if role in STAFF_ROLES:
        return True
    visible = relation == "own" or (role == "client-manager" and relation == "colleague")
    return visible and action in CLIENT_ACTIONS


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("relation", list(TICKETS))
@pytest.mark.parametrize("role", ["admin", "coordinator", "technician", "client",
                                  "client-manager"])
def test_can_matrix(role: str, relation: str, action: Action) -> None:
    assert access.can(actor_for(role), action, TICKETS[relation]) is expected(
        role, relation, action)


@pytest.mark.parametrize("role", ["admin", "coordinator", "technician", "client",
                                  "client-manager"])
@pytest.mark.parametrize("action", [a for a in Action if a is not Action.CREATE_FOR_OTHERS])
def test_no_ticket_means_no_permission(role: str, action: Action) -> None:
    assert access.can(actor_for(role), action, None) is False


def test_unknown_role_sees_nothing() -> None:
    ghost = Actor(user_id=ME, role="subcontractor", organisation_id=ORG_A,
                  is_client_manager=True, full_name="g", email="g@x.test", language="pl",
                  timezone="UTC")
    for action in Action:
        for ticket in TICKETS.values():
            assert access.can(ghost, action, ticket) is False
    assert access.can_see_ticket(ghost, TICKETS["own"]) is False


@pytest.mark.parametrize("role", ["client", "client-manager"])
def test_clients_never_see_internal_events(role: str) -> None:
    ticket = TICKETS["own"]
    note = TimelineEvent(id=1, ticket_id=1, kind="note", is_public=False)
    reply = TimelineEvent(id=2, ticket_id=1, kind="reply", is_public=True)
    actor = actor_for(role)
    assert access.can_see_event(actor, ticket, note) is False
    assert access.can_see_event(actor, ticket, reply) is True
    # A public event on a ticket the client may not see is still invisible.
    assert access.can_see_event(actor, TICKETS["other-org"], reply) is False


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_see_internal_events(role: str) -> None:
    note = TimelineEvent(id=1, ticket_id=3, kind="note", is_public=False)
    assert access.can_see_event(actor_for(role), TICKETS["other-org"], note) is True


def test_require_distinguishes_not_found_from_forbidden() -> None:
    client = actor_for("client")
    # Invisible ticket: NotFound, so a guessed id does not confirm the ticket exists.
    with pytest.raises(NotFound) as exc:
        access.require(client, Action.VIEW, TICKETS["colleague"])
    assert exc.value.key == "ticket.not_found"
    with pytest.raises(NotFound):
        access.require(client, Action.VIEW, None)
    # Visible ticket, agent-only action: Forbidden.
    with pytest.raises(Forbidden):
        access.require(client, Action.EDIT, TICKETS["own"])
    with pytest.raises(Forbidden):
        access.require(client, Action.NOTE, TICKETS["own"])
    assert access.require(client, Action.REPLY, TICKETS["own"]) is TICKETS["own"]
