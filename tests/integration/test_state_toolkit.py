"""The handler toolkit every page state uses: identity re-checked per event, roles
enforced, domain refusals turned into the page's message, (db, actor) never from the
browser."""

from __future__ import annotations

import inspect

from sqlmodel import select
from state_support import call_handler, state_for

from helpdesk_app.db import session_scope
from helpdesk_app.models import ChecklistTemplate
from helpdesk_app.state.admin_checklists import AdminChecklistsState
from helpdesk_app.state.event_guard import refusal

ADMIN = "admin@pomocnik.example"
TECH = "anna.nowak@pomocnik.example"


def _templates() -> int:
    with session_scope() as db:
        return len(db.exec(select(ChecklistTemplate)).all())


def _redirect_path(result) -> str:
    spec = result[0] if isinstance(result, list) else result
    args = {str(name._js_expr): value for name, value in spec.args}
    return str(args["path"]._var_value)


def test_the_browser_sees_handlers_without_db_and_actor():
    fn = AdminChecklistsState.event_handlers["save"].fn
    assert list(inspect.signature(fn).parameters) == ["self"]
    assert refusal(fn, {"db": None, "actor": None}) is not None


def test_anonymous_caller_is_sent_to_login_and_nothing_changes(demo_db):
    before = _templates()
    state = state_for(AdminChecklistsState, None)
    state.f_name_pl = "Włamanie"
    result = call_handler(AdminChecklistsState, "save", state)
    assert "/login" in _redirect_path(result)
    assert _templates() == before


def test_caller_without_the_role_is_sent_to_their_start_page(demo_db):
    before = _templates()
    state = state_for(AdminChecklistsState, TECH)
    result = call_handler(AdminChecklistsState, "save", state)
    assert "/agent" in _redirect_path(result)
    assert _templates() == before


def test_domain_refusal_becomes_the_pages_message_and_keeps_the_form(demo_db):
    state = state_for(AdminChecklistsState, ADMIN)
    state.f_name_pl, state.f_items = "Lista bez typu", "krok 1"
    assert call_handler(AdminChecklistsState, "save", state) is None
    assert state.error != "" and state.message == ""
    assert (state.f_name_pl, state.f_items) == ("Lista bez typu", "krok 1")
