"""AdminLdapState (/admin/ldap) driven through its handlers, as a crafted websocket message
would call them: admins add a directory, test it and sync it; passwords typed into the
page live only in backend vars; everybody else is refused and changes nothing."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select
from state_support import call_handler, state_for

from helpdesk_app.db import session_scope
from helpdesk_app.models import LdapDirectory, User
from helpdesk_app.state.admin_ldap import AdminLdapState
from tests.ldap_server import BIND_DN, BIND_PW, GROUPS, PASSWORDS, PEOPLE, LdapServer

ADMIN = "admin@pomocnik.example"
OTHERS = ("koordynator@pomocnik.example", "anna.nowak@pomocnik.example",
          "ewa.lewandowska@wodociagi-lodz.example")


@pytest.fixture
def keyed(demo_db, secrets_key) -> None:
    """The demo database, and a key to seal the bind password with."""


def _call(name: str, state, *args):
    return call_handler(AdminLdapState, name, state, *args)


def _filled(server: LdapServer) -> AdminLdapState:
    """The form filled in by an admin (a new name each time: one demo database per file)."""
    state = state_for(AdminLdapState, ADMIN)
    state.ui_lang = "en"
    _call("on_load", state)
    for name, value in (("l_name", f"Uczelnia {uuid.uuid4().hex[:6]}"),
                        ("l_hosts", f"127.0.0.1:{server.port}"),
                        ("l_ca", server.ca_pem), ("l_bind_dn", BIND_DN),
                        ("l_user_base", PEOPLE), ("l_user_filter", "(objectClass=inetOrgPerson)"),
                        ("l_group_base", GROUPS),
                        ("l_mappings", f"cn=helpdesk-staff,{GROUPS} -> technician")):
        _call("set_value", state, name, value)
    _call("set_bind_password", state, BIND_PW)
    return state


def _secrets_in_browser_state(state: AdminLdapState) -> str:
    """Everything of this state a browser receives (its public vars), as text."""
    return repr({k: getattr(state, k) for k in state.base_vars if not k.startswith("_")})


def test_an_admin_tests_saves_and_syncs_a_directory(keyed, ldap_server) -> None:
    state = _filled(ldap_server)
    _call("test_connection", state)
    assert state.test_ok and "4 people" in state.test_title
    _call("save_directory", state)
    assert state.error == "" and state.l_id and state.l_has_password
    assert state.l_name in [r.name for r in state.rows]
    assert BIND_PW not in _secrets_in_browser_state(state)

    _call("set_value", state, "t_login", "anowak")
    _call("set_test_password", state, PASSWORDS["anowak"])
    _call("test_login", state)
    assert state.test_ok and "Anna Nowak may sign in" in state.test_title
    assert PASSWORDS["anowak"] not in _secrets_in_browser_state(state)
    assert state._t_password == ""  # not kept after the test either

    _call("preview_sync", state)
    assert "Dry run: 2 to create" in state.test_title
    with session_scope() as db:
        assert db.exec(select(User).where(User.ldap_directory_id.is_not(None))).all() == []
    _call("run_sync", state)
    assert "Synced: 2 created" in state.test_title
    row = next(r for r in state.rows if r.name == state.l_name)
    assert "2 created" in row.sync_summary


def test_a_failed_test_says_why_on_the_page(keyed, ldap_server) -> None:
    state = _filled(ldap_server)
    _call("set_bind_password", state, "wrong")
    _call("test_connection", state)
    assert state.test_ok is False and BIND_DN in state.test_title
    _call("set_value", state, "l_hosts", "")
    _call("test_connection", state)
    assert state.form_errors["hosts"].startswith("Give at least one server")


def test_everybody_but_admins_is_refused_and_nothing_changes(keyed, ldap_server) -> None:
    with session_scope() as db:
        before = db.exec(select(LdapDirectory)).all()
    for email in (*OTHERS, None):
        state = state_for(AdminLdapState, email)
        sent_to = str(_call("on_load", state))
        assert any(page in sent_to for page in ("/login", "/agent", "/portal"))
        for name, value in (("l_name", "Evil"), ("l_hosts", f"127.0.0.1:{ldap_server.port}"),
                            ("l_user_base", PEOPLE)):
            _call("set_value", state, name, value)
        for handler in ("save_directory", "test_connection", "preview_sync", "run_sync"):
            _call(handler, state)
        assert state.test_title == ""
    with session_scope() as db:
        assert db.exec(select(LdapDirectory)).all() == before
