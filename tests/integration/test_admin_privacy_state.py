"""AdminPrivacyState (/admin/privacy) driven through its handlers as a crafted websocket
message would: only admins find people, preview or erase; the erasure needs the typed
address; nobody else learns whether an address exists."""

from __future__ import annotations

from sqlmodel import select
from state_support import call_handler, state_for

from helpdesk_app.db import session_scope
from helpdesk_app.models import User
from helpdesk_app.state.admin_privacy import AdminPrivacyState

ADMIN = "admin@pomocnik.example"
PERSON = "michal.kaminski@dabrowski-law.example"
OTHERS = ("koordynator@pomocnik.example", "anna.nowak@pomocnik.example",
          "ewa.lewandowska@wodociagi-lodz.example", None)


def _call(name: str, state, *args):
    return call_handler(AdminPrivacyState, name, state, *args)


def test_only_admins_find_preview_or_erase(demo_db) -> None:
    for email in OTHERS:
        state = state_for(AdminPrivacyState, email)
        _call("set_value", state, "p_email", PERSON)
        _call("set_value", state, "p_confirm", PERSON)
        state.p_id, state.plan_lines = "1", ["forged"]
        for handler in ("find", "preview_erasure", "erase", "start_export"):
            _call(handler, state)
        assert state.p_name == "" and state.erased == ""
    with session_scope() as db:
        assert db.exec(select(User).where(User.email == PERSON)).one().is_active


def test_an_admin_previews_and_erases_only_with_the_typed_address(demo_db) -> None:
    state = state_for(AdminPrivacyState, ADMIN)
    state.ui_lang = "en"
    _call("on_load", state)
    assert len(state.retention_lines) == 2 and "off" in state.retention_lines[0]
    _call("set_value", state, "p_email", "nobody@nowhere.test")
    _call("find", state)
    assert state.error == "Nobody has this e-mail address." and state.p_id == ""
    _call("set_value", state, "p_email", PERSON)
    _call("find", state)
    assert state.p_address == PERSON and state.error == ""
    _call("erase", state)  # no preview yet: nothing happens
    assert state.erased == ""
    _call("preview_erasure", state)
    assert state.plan_lines[0].startswith("They become Anonim")
    _call("set_value", state, "p_confirm", "someone@else.test")
    _call("erase", state)
    assert state.erased == "" and "Type the person's e-mail" in state.error
    _call("set_value", state, "p_confirm", PERSON)
    _call("erase", state)
    assert state.erased.startswith("Anonim") and state.p_id == ""
    with session_scope() as db:
        assert db.exec(select(User).where(User.email == PERSON)).first() is None
