"""The access policy as a role × action × ticket-relationship matrix (no database needed)."""

from __future__ import annotations

import dataclasses

import pytest

from helpdesk_app.domain import access, permissions
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
    ghost = Actor(user_id=ME, role="contractor", organisation_id=ORG_A,
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


# --------------------------------------------------------------------------- queue limits
# A technician whose custom role limits them to queues: restricted × own queue / other
# queue / assigned to them (in another queue) / a queue nobody listed, × each action.

OWN_Q, OTHER_Q, LONELY_Q = 1, 2, 3
TECH = 1


def _limited(limited: bool, role: str = "technician") -> Actor:
    return dataclasses.replace(actor_for(role), visible_queue_ids=(
        frozenset({OWN_Q}) if limited else None), permissions=frozenset())


QUEUE_TICKETS = {
    "own-queue": Ticket(id=11, number="2026-000011", subject="s", requester_id=ME,
                        organisation_id=ORG_A, queue_id=OWN_Q, created_by_id=ME),
    "other-queue": Ticket(id=12, number="2026-000012", subject="s", requester_id=ME,
                          organisation_id=ORG_A, queue_id=OTHER_Q, created_by_id=ME),
    "assigned": Ticket(id=13, number="2026-000013", subject="s", requester_id=ME,
                       organisation_id=ORG_A, queue_id=OTHER_Q, assignee_id=TECH,
                       created_by_id=ME),
    "unlisted-queue": Ticket(id=14, number="2026-000014", subject="s", requester_id=ME,
                             organisation_id=ORG_A, queue_id=LONELY_Q, created_by_id=ME),
}


def _limited_expected(limited: bool, relation: str, action: Action) -> bool:
    if action is Action.CREATE_FOR_OTHERS:
        return True
    return not limited or relation in ("own-queue", "assigned")


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("relation", list(QUEUE_TICKETS))
@pytest.mark.parametrize("limited", [True, False], ids=["restricted", "unrestricted"])
@pytest.mark.parametrize("role", ["technician", "coordinator"])
def test_queue_limit_matrix(role: str, limited: bool, relation: str, action: Action) -> None:
    actor = _limited(limited, role)
    ticket = QUEUE_TICKETS[relation]
    assert access.can(actor, action, ticket) is _limited_expected(limited, relation, action)
    assert access.can_see_ticket(actor, ticket) is _limited_expected(limited, relation,
                                                                     Action.VIEW)


@pytest.mark.parametrize("relation", list(QUEUE_TICKETS))
def test_restricted_actor_gets_not_found_never_forbidden(relation: str) -> None:
    actor, ticket = _limited(True), QUEUE_TICKETS[relation]
    if _limited_expected(True, relation, Action.VIEW):
        assert access.require(actor, Action.EDIT, ticket) is ticket
    else:
        with pytest.raises(NotFound):
            access.require(actor, Action.VIEW, ticket)


def test_restricted_with_no_queues_sees_only_assigned() -> None:
    actor = dataclasses.replace(actor_for("technician"), visible_queue_ids=frozenset())
    seen = {rel for rel, t in QUEUE_TICKETS.items() if access.can_see_ticket(actor, t)}
    assert seen == {"assigned"}


def test_admins_and_clients_ignore_a_queue_limit() -> None:
    # A stray limit on an admin or a client (never set by actor_loading) changes nothing.
    admin = dataclasses.replace(actor_for("admin"), visible_queue_ids=frozenset({OWN_Q}))
    assert all(access.can_see_ticket(admin, t) for t in QUEUE_TICKETS.values())
    client = dataclasses.replace(actor_for("client"), visible_queue_ids=frozenset({99}))
    assert access.can_see_ticket(client, QUEUE_TICKETS["other-queue"])  # their own ticket


# --------------------------------------------------------------------------- permissions


@pytest.mark.parametrize("role,expected", [
    ("admin", set(permissions.PERMISSIONS)),
    ("coordinator", {permissions.BULK_EDIT, permissions.REPORTS_VIEW,
                     permissions.WORKTIME_MANAGE}),
    ("technician", {permissions.BULK_EDIT}),
    ("client", set()),
])
def test_builtin_roles_keep_todays_rights(role: str, expected: set[str]) -> None:
    assert permissions.effective(actor_for(role)) == expected


def test_custom_permission_set_narrows_and_extends_the_base_role() -> None:
    tech = dataclasses.replace(actor_for("technician"),
                               permissions=frozenset({permissions.CONFIG_SLA}))
    assert access.has(tech, permissions.CONFIG_SLA)
    assert not access.has(tech, permissions.BULK_EDIT)
    assert access.admits(tech, frozenset({"admin", "coordinator", "technician"}),
                         permissions.CONFIG_SLA)
    assert not access.admits(tech, frozenset({"admin", "coordinator", "technician"}),
                             permissions.REPORTS_VIEW)
    with pytest.raises(Forbidden):
        access.require_permission(tech, permissions.USERS_MANAGE)


def test_clients_never_gain_permissions_even_if_an_actor_claims_them() -> None:
    client = dataclasses.replace(actor_for("client"),
                                 permissions=frozenset(permissions.PERMISSIONS))
    assert permissions.effective(client) == frozenset()
    assert not access.admits(client, frozenset({"admin", "coordinator", "technician"}))


def test_permission_keys_are_cleaned_to_the_vocabulary() -> None:
    assert permissions.clean(["reports.view", "root", "tickets.bulk_edit"]) == [
        "tickets.bulk_edit", "reports.view"]
    assert permissions.clean("reports.view") == []



# --------------------------------------------------------------------------- subcontractors
# A subcontractor of SUB_ORG × a ticket handed to their organisation / one withdrawn from
# it (nothing handed: handed_to_org_id None) / one handed to another subcontractor.

SUB_ORG, OTHER_SUB = 4, 5
SUB_ACTIONS = {Action.VIEW, Action.REPLY, Action.NOTE, Action.ATTACH, Action.CHECKLIST,
               Action.LOG_WORK, Action.VIEW_SLA}
SUB_TICKETS = {
    "handed": Ticket(id=21, number="2026-000021", subject="s", requester_id=ME,
                     organisation_id=ORG_A, queue_id=1, created_by_id=ME,
                     handed_to_org_id=SUB_ORG),
    "withdrawn": Ticket(id=22, number="2026-000022", subject="s", requester_id=ME,
                        organisation_id=ORG_A, queue_id=1, created_by_id=ME),
    "other": Ticket(id=23, number="2026-000023", subject="s", requester_id=ME,
                    organisation_id=ORG_A, queue_id=1, created_by_id=ME,
                    handed_to_org_id=OTHER_SUB),
}


def _sub() -> Actor:
    return Actor(user_id=30, role=Role.SUBCONTRACTOR, organisation_id=SUB_ORG,
                 is_client_manager=False, full_name="Sub", email="s@sub.test", language="pl",
                 timezone="Europe/Warsaw")


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("relation", list(SUB_TICKETS))
def test_subcontractor_matrix(relation: str, action: Action) -> None:
    ticket = SUB_TICKETS[relation]
    allowed = relation == "handed" and action in SUB_ACTIONS
    assert access.can(_sub(), action, ticket) is allowed
    assert access.can_see_ticket(_sub(), ticket) is (relation == "handed")


def test_subcontractors_never_edit_the_header_nor_read_the_desk_s_internals() -> None:
    handed = SUB_TICKETS["handed"]
    for action in (Action.EDIT, Action.VIEW_INTERNAL, Action.CREATE_FOR_OTHERS):
        with pytest.raises(Forbidden):
            access.require(_sub(), action, handed)
    for relation in ("withdrawn", "other"):  # never "forbidden": it does not exist for them
        with pytest.raises(NotFound):
            access.require(_sub(), Action.VIEW, SUB_TICKETS[relation])


def test_subcontractors_see_public_and_shared_events_only() -> None:
    handed = SUB_TICKETS["handed"]
    reply = TimelineEvent(id=1, ticket_id=21, kind="reply", is_public=True)
    note = TimelineEvent(id=2, ticket_id=21, kind="note", is_public=False)
    shared = TimelineEvent(id=3, ticket_id=21, kind="note", is_public=False,
                           shared_with_org_id=SUB_ORG)
    elsewhere = TimelineEvent(id=4, ticket_id=21, kind="note", is_public=False,
                              shared_with_org_id=OTHER_SUB)
    sub = _sub()
    assert access.can_see_event(sub, handed, reply) and access.can_see_event(sub, handed, shared)
    assert not access.can_see_event(sub, handed, note)
    assert not access.can_see_event(sub, handed, elsewhere)
    assert not access.can_see_event(sub, SUB_TICKETS["withdrawn"], shared)
    # clients never see a shared note either (it is internal)
    assert not access.can_see_event(actor_for("client"), handed, shared)


def test_a_subcontractor_without_an_organisation_match_sees_nothing() -> None:
    # a stray subcontractor whose organisation was never handed anything
    lonely = dataclasses.replace(_sub(), organisation_id=99)
    assert not any(access.can_see_ticket(lonely, t) for t in SUB_TICKETS.values())
    assert not access.admits(_sub(), frozenset(Role.STAFF))


def test_a_subcontractor_holds_the_reports_permission_only_and_no_custom_role() -> None:
    # the SLA board of the tickets handed to them; every other page admits them by role
    assert permissions.effective(_sub()) == {permissions.REPORTS_VIEW}
    assert access.admits(_sub(), frozenset(Role.AGENTS), permissions.REPORTS_VIEW)
    assert not access.admits(_sub(), frozenset(Role.STAFF), permissions.REPORTS_VIEW)
    claimed = dataclasses.replace(_sub(), permissions=frozenset(permissions.PERMISSIONS))
    assert permissions.effective(claimed) == {permissions.REPORTS_VIEW}
