"""The organisation and user admin pages, driven through their states like a browser:
admins work the lists and forms; everybody else is redirected and their direct handler
calls change nothing."""

from __future__ import annotations

import pytest
from sqlmodel import func, select
from state_support import DEMO_PASSWORD, call_handler, state_for

from helpdesk_app.db import session_scope
from helpdesk_app.domain import auth
from helpdesk_app.domain.errors import AuthFailed
from helpdesk_app.i18n import t
from helpdesk_app.models import Organisation, OrganisationDomain, User
from helpdesk_app.state.admin_organisations import AdminOrganisationsState as O
from helpdesk_app.state.admin_users import AdminUsersState as U

ADMIN = "admin@pomocnik.example"
OTHERS = ("koordynator@pomocnik.example", "anna.nowak@pomocnik.example",
          "ewa.lewandowska@wodociagi-lodz.example")
WATER = "Miejskie Wodociągi Łódź S.A."


def _snapshot() -> tuple:
    with session_scope() as db:
        users = db.exec(select(User.id, User.email, User.role, User.is_active,
                               User.organisation_id).order_by(User.id)).all()
        orgs = db.exec(select(Organisation.id, Organisation.name, Organisation.kind,
                              Organisation.is_active).order_by(Organisation.id)).all()
        domains = db.exec(select(OrganisationDomain.domain).order_by(
            OrganisationDomain.domain)).all()
    return [tuple(r) for r in users], [tuple(r) for r in orgs], list(domains)


def _id_of(model, **where) -> int:
    with session_scope() as db:
        return db.exec(select(model.id).filter_by(**where)).one()


@pytest.mark.parametrize("cls", [U, O])
def test_pages_redirect_everybody_but_admins(demo_db, cls):
    for email, target in zip(OTHERS, ("/agent", "/agent", "/portal"), strict=True):
        state = state_for(cls, email)
        assert target in str(call_handler(cls, "on_load", state))
        assert state.rows == []
    assert "/login" in str(call_handler(cls, "on_load", state_for(cls, None)))
    admin = state_for(cls, ADMIN)
    assert call_handler(cls, "on_load", admin) is None
    assert admin.total > 0 and admin.rows


def test_direct_calls_by_non_admins_change_nothing(demo_db):
    before = _snapshot()
    water = _id_of(Organisation, name=WATER)
    victim = _id_of(User, email="jan.kowalski@wodociagi-lodz.example")
    for email in OTHERS:
        s = state_for(U, email)
        s.u_name, s.u_email, s.u_role, s.u_org = "Evil", "evil@x.test", "admin", str(water)
        call_handler(U, "save", s)  # create
        s.u_id = str(victim)
        call_handler(U, "save", s)  # overwrite someone
        s.u_active = True
        call_handler(U, "toggle_active", s)
        call_handler(U, "edit_user", s, str(victim))
        call_handler(U, "search", s, "kowalski")
        assert s.rows == [] and s.u_email == "evil@x.test"  # nothing was loaded for them
        o = state_for(O, email)
        o.o_name, o.o_kind, o.o_domains = "Evil Org", "client", "evil.test"
        call_handler(O, "save", o)
        o.o_id, o.o_active = str(water), True
        call_handler(O, "save", o)
        call_handler(O, "toggle_active", o)
        call_handler(O, "delete", o)
        call_handler(O, "edit_organisation", o, str(water))
        assert o.rows == [] and o.o_users == 0
    assert _snapshot() == before


def test_form_setters_and_filters_accept_only_their_own_fields(demo_db):
    s = state_for(U, ADMIN)
    call_handler(U, "on_load", s)
    call_handler(U, "set_value", s, "u_id", "1")
    call_handler(U, "set_value", s, "u_active", False)
    call_handler(U, "set_filter", s, "u_id", "1")
    call_handler(U, "set_filter", s, "_user_id", "1")
    assert (s.u_id, s.u_active) == ("", True)
    o = state_for(O, ADMIN)
    call_handler(O, "set_value", o, "o_id", "1")
    call_handler(O, "set_filter", o, "o_id", "1")
    assert o.o_id == ""


def test_user_list_searches_filters_and_pages(demo_db):
    s = state_for(U, ADMIN)
    call_handler(U, "on_load", s)
    everyone = s.total
    call_handler(U, "search", s, "WÓJCIK")
    assert [r.name for r in s.rows] == ["Marek Wójcik"]
    assert WATER in s.rows[0].detail
    call_handler(U, "search", s, "")
    call_handler(U, "set_filter", s, "f_role", "technician")
    assert {r.name for r in s.rows} == {"Anna Nowak", "Piotr Zieliński", "James Carter"}
    call_handler(U, "set_filter", s, "f_role", "all")
    call_handler(U, "set_filter", s, "f_org", str(_id_of(Organisation, name=WATER)))
    assert s.total == 3
    call_handler(U, "set_filter", s, "f_org", "all")
    call_handler(U, "set_filter", s, "f_active", "inactive")
    assert s.total == 0 and s.rows == []
    call_handler(U, "set_filter", s, "f_active", "all")
    assert s.total == everyone and s.page == 1
    if s.pages > 1:
        call_handler(U, "go_page", s, 1)
        assert s.page == 2
    call_handler(U, "go_page", s, -99)
    assert s.page == 1


def test_admin_creates_an_organisation_and_a_person_each_error_next_to_its_field(demo_db):
    o = state_for(O, ADMIN)
    call_handler(O, "on_load", o)
    call_handler(O, "new_organisation", o)
    call_handler(O, "set_value", o, "o_name", "Browar Żywiec Test")
    call_handler(O, "set_value", o, "o_kind", "client")
    call_handler(O, "set_value", o, "o_domains", "browar.test\nwodociagi-lodz.example\n")
    call_handler(O, "save", o)
    assert o.error == t("form.invalid", "pl")
    assert o.form_errors == {"domains": t("orgadmin.domain_taken", "pl",
                                          domain="wodociagi-lodz.example",
                                          organisation=WATER)}
    assert o.o_name == "Browar Żywiec Test"  # the form keeps what was typed
    call_handler(O, "set_value", o, "o_domains", "Browar.test, browar-grupa.test")
    call_handler(O, "save", o)
    assert (o.error, o.form_errors, o.panel) == ("", {}, "edit")
    assert o.message == t("orgadmin.saved", "pl")
    assert o.o_domains == "browar-grupa.test\nbrowar.test"
    org_id = o.o_id

    s = state_for(U, ADMIN)
    call_handler(U, "on_load", s)
    call_handler(U, "new_user", s)
    for name, value in (("u_name", "Zenon Piwowar"), ("u_email", "zenon@browar.test"),
                        ("u_role", "coordinator"), ("u_org", org_id), ("u_tz", "Nowhere")):
        call_handler(U, "set_value", s, name, value)
    call_handler(U, "save", s)
    assert s.form_errors == {
        "organisation": t("useradmin.org_kind_for_coordinator", "pl"),
        "timezone": t("useradmin.timezone_invalid", "pl")}
    call_handler(U, "set_value", s, "u_role", "client")
    call_handler(U, "set_value", s, "u_tz", "Europe/Warsaw")
    call_handler(U, "set_value", s, "u_manager", True)
    call_handler(U, "save", s)
    assert (s.error, s.form_errors, s.panel) == ("", {}, "edit")
    assert s.u_status == t("useradmin.no_password", "pl")
    with session_scope() as db:
        zenon = db.exec(select(User).where(User.email == "zenon@browar.test")).one()
        assert (zenon.organisation_id, zenon.is_client_manager) == (int(org_id), True)
    call_handler(U, "search", s, "piwowar")
    assert [r.email for r in s.rows] == ["zenon@browar.test"]


def test_an_admin_cannot_deactivate_themselves_from_the_page(demo_db):
    s = state_for(U, ADMIN)
    call_handler(U, "on_load", s)
    call_handler(U, "edit_user", s, str(_id_of(User, email=ADMIN)))
    call_handler(U, "ask_toggle_active", s)
    assert s.confirm
    call_handler(U, "toggle_active", s)
    assert s.error == t("useradmin.cannot_deactivate_self", "pl") and s.u_active


def test_deactivating_an_organisation_on_the_page_signs_its_people_out(demo_db):
    client = state_for(U, "ewa.lewandowska@wodociagi-lodz.example")  # holds a session
    o = state_for(O, ADMIN)
    call_handler(O, "on_load", o)
    call_handler(O, "edit_organisation", o, str(_id_of(Organisation, name=WATER)))
    call_handler(O, "ask", o, "toggle")
    assert o.confirm == "toggle"
    call_handler(O, "cancel_confirm", o)
    assert o.confirm == "" and o.o_active  # nothing happens without the confirmation
    call_handler(O, "ask", o, "toggle")
    call_handler(O, "toggle_active", o)
    assert (o.o_active, o.message) == (False, t("orgadmin.deactivated", "pl"))
    with session_scope() as db:
        assert auth.resolve_session(db, client.token) is None
        with pytest.raises(AuthFailed):
            auth.login(db, "jan.kowalski@wodociagi-lodz.example", DEMO_PASSWORD)
    call_handler(O, "ask", o, "toggle")
    call_handler(O, "toggle_active", o)  # reactivated: they can sign in again
    assert o.o_active
    with session_scope() as db:
        auth.login(db, "jan.kowalski@wodociagi-lodz.example", DEMO_PASSWORD)
        assert db.exec(select(func.count()).select_from(Organisation).where(
            Organisation.is_active == False)).one() == 0  # noqa: E712


def test_the_user_panel_sends_an_invitation_to_someone_without_a_password(demo_db):
    from helpdesk_app.models import OutboundMail

    s = state_for(U, ADMIN)
    call_handler(U, "on_load", s)
    call_handler(U, "new_user", s)
    s.u_name, s.u_email, s.u_role = "Nowa Osoba", "nowa.osoba@wodociagi-lodz.example", "client"
    s.u_org = str(_id_of(Organisation, name=WATER))
    call_handler(U, "save", s)
    assert (s.panel, s.u_has_password) == ("edit", False)
    call_handler(U, "send_invite", s)
    assert s.error == "" and "nowa.osoba@wodociagi-lodz.example" in s.message
    with session_scope() as db:
        mails = db.exec(select(OutboundMail).where(
            OutboundMail.to_addr == "nowa.osoba@wodociagi-lodz.example")).all()
    assert len(mails) == 1 and b"/invite/" in mails[0].raw
    # nobody else can send one by calling the handler
    for email in OTHERS:
        other = state_for(U, email)
        other.u_id = s.u_id
        call_handler(U, "send_invite", other)
    with session_scope() as db:
        assert db.exec(select(func.count()).select_from(OutboundMail).where(
            OutboundMail.to_addr == "nowa.osoba@wodociagi-lodz.example")).one() == 1


def test_the_user_panel_resets_a_lost_second_factor(demo_db):
    from helpdesk_app.domain import two_factor

    email = "anna.nowak@pomocnik.example"
    with session_scope() as db:
        token, anna = auth.login(db, email, DEMO_PASSWORD)
        two_factor.enable_email(db, anna, DEMO_PASSWORD)
    technician = state_for(U, "koordynator@pomocnik.example")
    technician.u_id = str(anna.user_id)
    call_handler(U, "reset_2fa", technician)  # not an admin: nothing happens
    with session_scope() as db:
        assert two_factor.confirmed_factors(db, anna.user_id)
    s = state_for(U, ADMIN)
    call_handler(U, "on_load", s)
    call_handler(U, "edit_user", s, str(anna.user_id))
    assert s.u_has_2fa
    call_handler(U, "reset_2fa", s)
    assert not s.u_has_2fa and s.error == ""
    with session_scope() as db:
        assert two_factor.confirmed_factors(db, anna.user_id) == {}
        assert auth.resolve_session(db, token) is None  # signed out everywhere


def test_a_custom_role_with_users_manage_opens_both_pages_without_the_admin_role(demo_db):
    from helpdesk_app.domain import permissions
    from helpdesk_app.models import CustomRole, Role

    email = "james.carter@pomocnik.example"
    with session_scope() as db:
        role = CustomRole(name="People desk", base_role=Role.TECHNICIAN, limit_to_queues=False,
                          permissions=[permissions.USERS_MANAGE], queue_ids=[])
        db.add(role)
        db.commit()
        james = db.exec(select(User).where(User.email == email)).one()
        james.custom_role_id = role.id
        db.add(james)
        db.commit()
    for cls in (U, O):
        state = state_for(cls, email)
        assert call_handler(cls, "on_load", state) is None
        assert state.total > 0 and state.rows
        assert "users.manage" in state.user_perms
    users = state_for(U, email)
    call_handler(U, "on_load", users)
    assert Role.ADMIN not in {o.value for o in users.role_opts}
    assert Role.CLIENT in {o.value for o in users.role_opts}
    admin_id = _id_of(User, email=ADMIN)
    call_handler(U, "edit_user", users, str(admin_id))
    users.u_name = "Not an admin any more"
    call_handler(U, "save", users)
    assert users.error  # refused: an admin's account is out of a user manager's reach
    with session_scope() as db:
        assert db.get(User, admin_id).full_name != "Not an admin any more"
