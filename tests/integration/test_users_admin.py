"""Users admin (domain/users_admin.py): create without a password, edit with every field
checked, deactivate (never delete; sessions end), the guards around admins, and the
paged, searchable list."""

from __future__ import annotations

import dataclasses

import pytest
from sqlmodel import Session, select

from helpdesk_app.domain import auth, directory, users_admin
from helpdesk_app.domain.errors import Conflict, Forbidden, FormInvalid, NotFound
from helpdesk_app.domain.users_admin import UserFilter, UserInput
from helpdesk_app.models import OrgKind, Role, User, UserSession


def _keys(exc: pytest.ExceptionInfo) -> dict[str, str]:
    return {field: key for field, (key, _params) in exc.value.errors.items()}


def _input(org_id: int | None, **kw) -> UserInput:
    base = {"full_name": "Łucja Żak", "email": "Lucja.Zak@Org-A.test", "role": Role.CLIENT,
            "organisation_id": org_id, "is_client_manager": False, "language": "en",
            "timezone": "Europe/London"}
    return UserInput(**(base | kw))


def _open_sessions(db: Session, user_id: int) -> int:
    return len(db.exec(select(UserSession).where(UserSession.user_id == user_id,
                                                 UserSession.revoked == False)).all())  # noqa: E712


def test_admin_creates_a_client_without_a_password_and_pickers_find_them(db, world):
    user_id = users_admin.create_user(db, world.actor("admin"),
                                      _input(world.org_a.id, is_client_manager=True))
    user = db.get(User, user_id)
    assert (user.email, user.full_name, user.role, user.organisation_id) == (
        "lucja.zak@org-a.test", "Łucja Żak", "client", world.org_a.id)
    assert (user.is_client_manager, user.language, user.timezone, user.is_active) == (
        True, "en", "Europe/London", True)
    assert user.password_hash == auth.NO_PASSWORD
    with pytest.raises(auth.AuthFailed):  # signs in only after an invitation sets a password
        auth.login(db, user.email, "")
    assert user.search_text == "łucja żak lucja.zak@org-a.test"
    found = directory.find_clients(db, world.actor("technician"), "łucja")
    assert [o.id for o in found] == [user_id]
    row = users_admin.get_user(db, world.actor("admin"), user_id)
    assert not row.has_password and row.organisation == "Org A"


def test_staff_belong_to_the_provider_and_subcontractors_to_theirs(db, world, make):
    admin = world.actor("admin")
    sub = make.org("Fixers", OrgKind.SUBCONTRACTOR)
    person = users_admin.create_user(db, admin, _input(sub.id, role=Role.SUBCONTRACTOR,
                                                       email="t@fixers.test"))
    assert db.get(User, person).organisation_id == sub.id
    for role, org, key in (
            (Role.ADMIN, world.org_a, "useradmin.org_kind_for_admin"),
            (Role.COORDINATOR, sub, "useradmin.org_kind_for_coordinator"),
            (Role.TECHNICIAN, world.org_a, "useradmin.org_kind_for_technician"),
            # (issue 13) technicians no longer belong to subcontractor organisations
            (Role.TECHNICIAN, sub, "useradmin.org_kind_for_technician"),
            (Role.SUBCONTRACTOR, world.provider, "useradmin.org_kind_for_subcontractor"),
            (Role.SUBCONTRACTOR, world.org_a, "useradmin.org_kind_for_subcontractor"),
            (Role.CLIENT, world.provider, "useradmin.org_kind_for_client"),
            (Role.CLIENT, sub, "useradmin.org_kind_for_client")):
        with pytest.raises(FormInvalid) as bad:
            users_admin.create_user(db, admin, _input(org.id, role=role))
        assert _keys(bad) == {"organisation": key}, role


def test_every_bad_field_is_reported_at_once_and_nothing_is_written(db, world):
    before = len(db.exec(select(User)).all())
    with pytest.raises(FormInvalid) as bad:
        users_admin.create_user(db, world.actor("admin"), UserInput(
            full_name="  ", email="not-an-address", role="boss", organisation_id=None,
            is_client_manager=True, language="de", timezone="Mars/Olympus"))
    assert _keys(bad) == {
        "full_name": "useradmin.name_required", "email": "useradmin.email_invalid",
        "role": "useradmin.role_invalid", "organisation": "useradmin.organisation_required",
        "is_client_manager": "useradmin.manager_only_clients",
        "language": "useradmin.language_invalid", "timezone": "useradmin.timezone_invalid"}
    assert len(db.exec(select(User)).all()) == before


@pytest.mark.parametrize("tz", ["", "../../etc/passwd", "Europe/Warszawa"])
def test_time_zone_must_be_a_real_zone(db, world, tz):
    with pytest.raises(FormInvalid) as bad:
        users_admin.create_user(db, world.actor("admin"), _input(world.org_a.id, timezone=tz))
    assert _keys(bad) == {"timezone": "useradmin.timezone_invalid"}


def test_email_is_unique_whatever_the_case(db, world):
    admin = world.actor("admin")
    taken = world.users["colleague"].email.upper()
    with pytest.raises(FormInvalid) as bad:
        users_admin.create_user(db, admin, _input(world.org_a.id, email=taken))
    assert _keys(bad) == {"email": "useradmin.email_taken"}
    carl = world.users["client"]
    with pytest.raises(FormInvalid) as bad:
        users_admin.update_user(db, admin, carl.id, _input(world.org_a.id, email=taken))
    assert _keys(bad) == {"email": "useradmin.email_taken"}
    # keeping one's own address (in another case) is fine
    users_admin.update_user(db, admin, carl.id, _input(
        world.org_a.id, full_name="Carl Renamed", email=carl.email.upper()))
    db.refresh(carl)
    assert (carl.email, carl.full_name) == (carl.email.lower(), "Carl Renamed")
    assert carl.search_text.startswith("carl renamed ")


def test_client_manager_flag_only_for_clients(db, world):
    with pytest.raises(FormInvalid) as bad:
        users_admin.update_user(
            db, world.actor("admin"), world.users["technician"].id,
            _input(world.provider.id, role=Role.TECHNICIAN, is_client_manager=True,
                   email=world.users["technician"].email))
    assert _keys(bad) == {"is_client_manager": "useradmin.manager_only_clients"}


def test_no_new_people_in_a_deactivated_organisation_but_existing_ones_stay_editable(
        db, world):
    world.org_b.is_active = False
    db.add(world.org_b)
    db.commit()
    admin = world.actor("admin")
    with pytest.raises(FormInvalid) as bad:
        users_admin.create_user(db, admin, _input(world.org_b.id))
    assert _keys(bad) == {"organisation": "useradmin.organisation_inactive"}
    olga = world.users["other-client"]
    users_admin.update_user(db, admin, olga.id, _input(world.org_b.id, email=olga.email,
                                                       full_name="Olga Renamed"))
    assert db.get(User, olga.id).full_name == "Olga Renamed"


def test_deactivating_a_person_ends_their_sessions_and_keeps_them(db, world, password):
    admin = world.actor("admin")
    tom = world.users["technician"]
    token, _ = auth.login(db, tom.email, password)
    auth.login(db, tom.email, password)
    users_admin.set_user_active(db, admin, tom.id, False)
    assert _open_sessions(db, tom.id) == 0 and auth.resolve_session(db, token) is None
    with pytest.raises(auth.AuthFailed):
        auth.login(db, tom.email, password)
    assert db.get(User, tom.id) is not None  # never deleted
    assert not hasattr(users_admin, "delete_user")
    users_admin.set_user_active(db, admin, tom.id, True)
    assert auth.login(db, tom.email, password)[1].user_id == tom.id


def test_an_admin_cannot_lock_themselves_out(db, world):
    ada = world.users["admin"]
    with pytest.raises(Conflict, match=r"useradmin.cannot_deactivate_self"):
        users_admin.set_user_active(db, world.actor("admin"), ada.id, False)
    with pytest.raises(Conflict, match=r"useradmin.cannot_demote_self"):
        users_admin.update_user(db, world.actor("admin"), ada.id, _input(
            world.provider.id, role=Role.COORDINATOR, email=ada.email))
    db.refresh(ada)
    assert ada.is_active and ada.role == Role.ADMIN


def test_the_last_active_admin_stays(db, world, make):
    second = make.user(world.provider, Role.ADMIN, name="Second Admin")
    ada = world.users["admin"]
    users_admin.set_user_active(db, make.actor(second), ada.id, False)  # two: one may go
    # The one left cannot be deactivated or demoted by anybody. (Ada's actor stands for
    # "another admin": her sessions are gone, so only the domain rule is under test.)
    with pytest.raises(Conflict, match=r"useradmin.last_admin"):
        users_admin.set_user_active(db, world.actor("admin"), second.id, False)
    with pytest.raises(Conflict, match=r"useradmin.last_admin"):
        users_admin.update_user(db, world.actor("admin"), second.id, _input(
            world.provider.id, role=Role.TECHNICIAN, email=second.email))
    db.refresh(second)
    assert second.is_active and second.role == Role.ADMIN


def test_unknown_user_is_not_found(db, world):
    admin = world.actor("admin")
    with pytest.raises(NotFound):
        users_admin.get_user(db, admin, 999_999)
    with pytest.raises(NotFound):
        users_admin.set_user_active(db, admin, 999_999, False)
    with pytest.raises(NotFound):
        users_admin.update_user(db, admin, 999_999, _input(world.org_a.id))


def test_list_searches_filters_and_pages_by_name(db, world, make):
    admin = world.actor("admin")
    make.user(world.org_b, name="Łukasz Żółkiewski", email="lz@northwind.example")
    make.user(world.org_b, name="Zed Gone", active=False)

    def names(**kw) -> list[str]:
        return [r.full_name for r in users_admin.list_users(db, admin, UserFilter(**kw)).rows]

    everyone = names()
    assert everyone == sorted(everyone) and len(everyone) == 10
    assert names(text="ŻÓŁK") == ["Łukasz Żółkiewski"]
    assert names(text="northwind") == ["Łukasz Żółkiewski"]  # by e-mail
    assert names(text="org a mia") == ["Mia Manager"]  # organisation name + name
    assert names(text="100%") == []
    assert names(role=Role.TECHNICIAN) == ["Tina Technician", "Tom Technician"]
    assert names(organisation_id=world.org_b.id) == [
        "Olga Other", "Zed Gone", "Łukasz Żółkiewski"]
    assert names(active=False) == ["Zed Gone"]
    assert names(organisation_id=world.org_b.id, active=True, text="o") == [
        "Olga Other", "Łukasz Żółkiewski"]
    page = users_admin.list_users(db, admin, UserFilter(per_page=4, page=3))
    assert (page.total, page.pages, page.page, len(page.rows)) == (10, 3, 3, 2)
    beyond = users_admin.list_users(db, admin, UserFilter(per_page=4, page=99))
    assert beyond.page == 3  # a page past the end shows the last one
    typed = users_admin.list_users(db, admin, UserFilter(text="t", per_page=2, page=99))
    assert (typed.total, typed.page, len(typed.rows)) == (10, 5, 2)  # also when searching
    assert users_admin.list_users(db, admin, UserFilter(text="nobody-here", page=5)).page == 1
    row = users_admin.list_users(db, admin, UserFilter(text="mia")).rows[0]
    assert (row.organisation, row.is_client_manager, row.has_password) == ("Org A", True, True)


@pytest.mark.parametrize("role", ["coordinator", "technician", "client", "client-manager"])
def test_only_admins_manage_users_and_nothing_changes(db, world, role):
    actor = world.actor(role)
    carl = world.users["client"]
    snapshot = dataclasses.asdict(users_admin.get_user(db, world.actor("admin"), carl.id))
    count = len(db.exec(select(User)).all())
    calls = [
        lambda: users_admin.list_users(db, actor),
        lambda: users_admin.get_user(db, actor, carl.id),
        lambda: users_admin.create_user(db, actor, _input(world.org_a.id)),
        lambda: users_admin.update_user(db, actor, carl.id, _input(
            world.org_a.id, email=carl.email, is_client_manager=True)),
        lambda: users_admin.set_user_active(db, actor, carl.id, False),
    ]
    for call in calls:
        with pytest.raises(Forbidden):
            call()
    assert len(db.exec(select(User)).all()) == count
    after = dataclasses.asdict(users_admin.get_user(db, world.actor("admin"), carl.id))
    assert after == snapshot


def test_account_enabled_needs_an_active_person_in_an_active_organisation(db, world):
    carl = world.users["client"]
    assert directory.account_enabled(db, carl)
    world.org_a.is_active = False
    db.add(world.org_a)
    db.commit()
    assert not directory.account_enabled(db, carl)
    world.org_a.is_active = True
    carl.is_active = False
    db.add_all([world.org_a, carl])
    db.commit()
    assert not directory.account_enabled(db, carl)
