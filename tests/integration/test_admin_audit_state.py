"""The audit page driven through its state: admins see entries in their zone and language
and filter them; everybody else is redirected and their direct calls load nothing."""

from __future__ import annotations

import pytest
from state_support import call_handler, state_for

from helpdesk_app.state.admin_audit import AdminAuditState as A

ADMIN = "admin@pomocnik.example"
OTHERS = ("koordynator@pomocnik.example", "anna.nowak@pomocnik.example",
          "ewa.lewandowska@wodociagi-lodz.example")


def test_admin_sees_sign_ins_in_readable_words_and_filters_them(demo_db):
    state = state_for(A, ADMIN)  # signing in is itself logged
    state.ui_lang = "pl"
    assert call_handler(A, "on_load", state) is None
    assert state.rows and state.rows[0].action == "auth.sign_in.succeeded"
    assert state.rows[0].action_label == "Zalogowanie"
    assert state.rows[0].actor.endswith("<admin@pomocnik.example>")
    assert state.export_href == "/api/audit.csv"

    state.area, state.text = "config.sla", ""
    call_handler(A, "apply", state)
    assert state.rows == [] and state.filtered
    assert state.export_href == "/api/audit.csv?area=config.sla"

    state.area, state.text = "", "admin@pomocnik"
    call_handler(A, "apply", state)
    assert {r.action for r in state.rows} == {"auth.sign_in.succeeded"}
    call_handler(A, "clear", state)
    assert not state.filtered and state.export_href == "/api/audit.csv"


def test_bad_dates_are_reported_next_to_their_field_and_keep_the_table(demo_db):
    state = state_for(A, ADMIN)
    call_handler(A, "on_load", state)
    shown = list(state.rows)
    state.day_from, state.day_to = "31.02.2026", ""
    call_handler(A, "apply", state)
    assert "day_from" in state.form_errors and state.rows == shown
    state.day_from, state.day_to = "02.03.2026", "01.03.2026"
    call_handler(A, "apply", state)
    assert set(state.form_errors) == {"day_to"}
    assert state.day_from == "02.03.2026"  # what was typed stays


@pytest.mark.parametrize("email,target", zip(OTHERS, ("/agent", "/agent", "/portal"),
                                             strict=True))
def test_everybody_but_admins_is_redirected_and_loads_nothing(demo_db, email, target):
    state = state_for(A, email)
    assert target in str(call_handler(A, "on_load", state))
    for name, args in (("apply", ()), ("go_page", (2,)), ("clear", ())):
        assert target in str(call_handler(A, name, state, *args))
    assert state.rows == [] and state.total_label == ""
    anonymous = state_for(A, None)
    assert "/login" in str(call_handler(A, "on_load", anonymous))
