"""The "users.manage" permission (a custom role): staff who hold it manage people and
organisations like an admin does, but cannot reach an admin's account, grant the admin
role or change their own role — the permission does not escalate to admin."""

from __future__ import annotations

import pytest

from helpdesk_app.domain import (
    directory,
    invitations,
    organisations_admin,
    permissions,
    two_factor,
    users_admin,
)
from helpdesk_app.domain.errors import Forbidden
from helpdesk_app.domain.organisations_admin import OrgInput
from helpdesk_app.domain.users_admin import UserFilter, UserInput
from helpdesk_app.models import Organisation, Role, User, UserFactor


def _input(user: User | None = None, **kw) -> UserInput:
    base = {"full_name": "Nina Nowak", "email": "nina@org-a.test", "role": Role.CLIENT,
            "organisation_id": None, "is_client_manager": False, "language": "pl",
            "timezone": "Europe/Warsaw"}
    if user is not None:
        base |= {"full_name": user.full_name, "email": user.email, "role": user.role,
                 "organisation_id": user.organisation_id}
    return UserInput(**(base | kw))


@pytest.fixture
def manager(world, make):
    """A technician whose custom role adds "users.manage" to the technician's rights."""
    role = make.custom_role("People desk", base=Role.TECHNICIAN, limited=False,
                            perms=(permissions.BULK_EDIT, permissions.USERS_MANAGE))
    return make.give_role(world.users["technician"], role)


def test_a_user_manager_creates_edits_and_deactivates_clients(db, world, manager):
    new_id = users_admin.create_user(db, manager, _input(organisation_id=world.org_a.id))
    client = db.get(User, new_id)
    users_admin.update_user(db, manager, new_id, _input(client, full_name="Nina Nowak-Kowal"))
    users_admin.set_user_active(db, manager, new_id, False)
    db.refresh(client)
    assert (client.full_name, client.is_active) == ("Nina Nowak-Kowal", False)
    page = users_admin.list_users(db, manager, UserFilter(text="nowak"))
    assert [r.id for r in page.rows] == [new_id]


def test_a_user_manager_manages_organisations(db, world, manager):
    org_id = organisations_admin.save_organisation(db, manager, OrgInput("Nowa Firma", "client"))
    assert db.get(Organisation, org_id).name == "Nowa Firma"
    assert world.org_a.id in {o.id for o in organisations_admin.all_organisations(db, manager)}


def test_staff_without_the_permission_are_refused(db, world):
    coordinator = world.actor("coordinator")
    with pytest.raises(Forbidden):
        users_admin.list_users(db, coordinator)
    with pytest.raises(Forbidden):
        users_admin.create_user(db, coordinator, _input(organisation_id=world.org_a.id))
    with pytest.raises(Forbidden):
        organisations_admin.all_organisations(db, coordinator)
    with pytest.raises(Forbidden):
        invitations.send_invitation(db, coordinator, world.users["client"].id)


def test_a_user_manager_cannot_create_or_promote_to_admin(db, world, manager):
    with pytest.raises(Forbidden):
        users_admin.create_user(db, manager, _input(
            role=Role.ADMIN, email="root@provider.test", organisation_id=world.provider.id))
    tina = world.users["technician2"]
    with pytest.raises(Forbidden):
        users_admin.update_user(db, manager, tina.id, _input(tina, role=Role.ADMIN))
    db.refresh(tina)
    assert tina.role == Role.TECHNICIAN
    assert directory.user_by_email(db, "root@provider.test") is None


def test_a_user_manager_cannot_touch_an_admin_account(db, world, manager):
    admin = world.users["admin"]
    db.add(UserFactor(user_id=admin.id, kind="email", confirmed=True))
    db.commit()
    with pytest.raises(Forbidden):
        users_admin.update_user(db, manager, admin.id, _input(admin, full_name="Hacked"))
    with pytest.raises(Forbidden):
        users_admin.set_user_active(db, manager, admin.id, False)
    with pytest.raises(Forbidden):
        two_factor.reset_user_factors(db, manager, admin.id)
    with pytest.raises(Forbidden):
        invitations.send_invitation(db, manager, admin.id)
    db.refresh(admin)
    assert (admin.full_name, admin.is_active) == ("Ada Admin", True)
    assert two_factor.confirmed_factors(db, admin.id)  # the factor is still there


def test_a_user_manager_cannot_change_their_own_role(db, world, manager):
    me = db.get(User, manager.user_id)
    with pytest.raises(Forbidden):
        users_admin.update_user(db, manager, me.id, _input(me, role=Role.COORDINATOR))
    users_admin.update_user(db, manager, me.id, _input(me, full_name="Tom T. Technician"))
    db.refresh(me)
    assert (me.role, me.full_name) == (Role.TECHNICIAN, "Tom T. Technician")


def test_a_user_manager_resets_a_technicians_lost_factor(db, world, manager):
    tina = world.users["technician2"]
    db.add(UserFactor(user_id=tina.id, kind="email", confirmed=True))
    db.commit()
    two_factor.reset_user_factors(db, manager, tina.id)
    assert two_factor.confirmed_factors(db, tina.id) == {}
