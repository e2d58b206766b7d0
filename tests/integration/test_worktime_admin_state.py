"""/admin/worktime driven through its state, as crafted browser messages would: the page
opens for holders of "worktime.billing" only, every handler re-checks the actor (a direct
call by anyone else changes nothing), unlocking is for admins even when a custom role
may lock, and a refused rate keeps what was typed with each message by its field."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import col, func, select
from state_support import call_handler, state_for

from helpdesk_app.db import session_scope
from helpdesk_app.domain import permissions, worktime
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.worktime import EntryForm
from helpdesk_app.models import (
    ActivityType,
    AuditEvent,
    ContractRate,
    CustomRole,
    Role,
    Ticket,
    User,
    WorkEntry,
)
from helpdesk_app.state.admin_worktime import AdminWorktimeState as W

ADMIN = "admin@pomocnik.example"
COORD = "koordynator@pomocnik.example"
TECH = "anna.nowak@pomocnik.example"
CLIENT = "ewa.lewandowska@wodociagi-lodz.example"
BILLING = "rozliczenia@pomocnik.example"  # a coordinator with "worktime.billing"
DAY = date.today() - timedelta(days=40)


def _path(result) -> str:
    return str(result)


def _snapshot() -> dict[str, int]:
    with session_scope() as db:
        def count(model, *where) -> int:
            return db.exec(select(func.count()).select_from(model).where(*where)).one()
        return {"activities": count(ActivityType), "rates": count(ContractRate),
                "locked": count(WorkEntry, col(WorkEntry.locked_at).is_not(None)),
                "audit": count(AuditEvent, col(AuditEvent.action).startswith("worktime."))}


@pytest.fixture
def entry(demo_db) -> dict:
    """A technician's hour on a demo ticket under a contract, 40 days ago; removed again
    afterwards (the demo database is shared by the module)."""
    with session_scope() as db:
        # a contract the demo leaves unpriced and without work (demo._work_time)
        priced = select(ContractRate.contract_id)
        ticket = db.exec(select(Ticket).where(col(Ticket.contract_id).is_not(None),
                                              col(Ticket.contract_id).not_in(priced))
                         .order_by(col(Ticket.id))).first()
        tech = Actor.from_user(db.exec(select(User).where(User.email == TECH)).one())
        eid = worktime.add_entry(db, tech, ticket.id, EntryForm(day=DAY.isoformat(),
                                                                duration="1:00"))
        data = {"id": eid, "contract": str(ticket.contract_id)}
    yield data
    with session_scope() as db:
        row = db.get(WorkEntry, data["id"])
        if row is not None:
            db.delete(row)
            db.commit()


@pytest.fixture
def billing_user(demo_db) -> str:
    """A coordinator whose custom role adds "worktime.billing" (same demo password)."""
    with session_scope() as db:
        if db.exec(select(User).where(User.email == BILLING)).first() is None:
            coord = db.exec(select(User).where(User.email == COORD)).one()
            role = CustomRole(name="Rozliczenia", base_role=Role.COORDINATOR, permissions=[
                *sorted(permissions.BUILTIN[Role.COORDINATOR]), permissions.WORKTIME_BILLING],
                limit_to_queues=False)
            db.add(role)
            db.flush()
            db.add(User(email=BILLING, full_name="Beata Rozliczeniowa", role=Role.COORDINATOR,
                        organisation_id=coord.organisation_id,
                        password_hash=coord.password_hash, custom_role_id=role.id))
            db.commit()
    return BILLING


def _lock_fields(state, contract: str, ref: str) -> None:
    for name, value in (("lock_kind", "contract"), ("lock_contract", contract),
                        ("lock_from", DAY.isoformat()), ("lock_to", DAY.isoformat()),
                        ("lock_ref", ref)):
        call_handler(W, "set_lock", state, name, value)


def test_the_page_opens_for_billing_holders_only(demo_db, billing_user):
    for email, target in ((COORD, "/agent"), (TECH, "/agent"), (CLIENT, "/portal"),
                          (None, "/login")):
        assert target in _path(call_handler(W, "on_load", state_for(W, email))), email
    for email in (ADMIN, billing_user):
        state = state_for(W, email)
        assert call_handler(W, "on_load", state) is None
        assert len(state.activities) == 4 and len(state.contract_opts) == 3
        # the lock form starts with last month, in the user's format
        assert state.lock_from.endswith(f".{(date.today().replace(day=1) - timedelta(1)).year}")


def test_direct_calls_without_the_permission_change_nothing(demo_db, entry):
    before = _snapshot()
    for email in (COORD, TECH, CLIENT):
        s = state_for(W, email)
        s.act_key, s.act_name_pl, s.act_name_en = "hacked", "Hack", "Hack"
        call_handler(W, "save_activity", s)
        call_handler(W, "set_activity_active", s, "1", False)
        s.rate_contract, s.r_rate = entry["contract"], "1,00"
        call_handler(W, "save_rate", s)
        s.lock_contract, s.lock_from, s.lock_to = entry["contract"], "2000-01-01", "2100-01-01"
        s.lock_ref, s.lock_confirm = "HACK", True
        call_handler(W, "confirm_lock", s)
        s.unlock_ref, s.unlock_reason = "HACK", "x"
        call_handler(W, "unlock", s)
        call_handler(W, "choose_contract", s, entry["contract"])
        assert s.rate_note == "" and s.locks == []  # nothing was read for them either
    assert _snapshot() == before
    with session_scope() as db:
        assert db.get(ActivityType, 1).is_active


def test_a_billing_coordinator_locks_through_the_page_but_cannot_unlock(
        demo_db, entry, billing_user):
    s = state_for(W, billing_user)
    call_handler(W, "on_load", s)
    _lock_fields(s, entry["contract"], "FV 1/STATE")
    assert s.lock_preview.startswith("Do zablokowania: wpisów 1")
    call_handler(W, "ask_lock", s)
    assert s.lock_confirm and s.error == ""
    call_handler(W, "confirm_lock", s)
    assert s.lock_message == "Zablokowane wpisy: 1, faktura FV 1/STATE."
    assert [r.ref for r in s.locks] == ["FV 1/STATE"]

    s.unlock_ref, s.unlock_reason = "FV 1/STATE", "Pomyłka"
    assert "/agent" in _path(call_handler(W, "unlock", s))
    with session_scope() as db:
        assert db.get(WorkEntry, entry["id"]).lock_ref == "FV 1/STATE"

    admin = state_for(W, ADMIN)
    call_handler(W, "on_load", admin)
    call_handler(W, "choose_unlock", admin, "FV 1/STATE", entry["contract"])
    call_handler(W, "unlock", admin)  # no reason
    assert admin.form_of == "unlock"
    assert admin.form_errors == {"reason": "Podaj powód odblokowania."}
    admin.unlock_reason = "Faktura anulowana"
    call_handler(W, "unlock", admin)
    assert admin.unlock_message == "Odblokowane wpisy: 1, faktura FV 1/STATE."
    with session_scope() as db:
        assert db.get(WorkEntry, entry["id"]).locked_at is None


def test_a_lock_without_an_invoice_number_asks_for_it_and_locks_nothing(demo_db, entry):
    s = state_for(W, ADMIN)
    call_handler(W, "on_load", s)
    _lock_fields(s, entry["contract"], "")
    call_handler(W, "ask_lock", s)
    assert not s.lock_confirm
    assert s.form_errors == {"ref": "Podaj numer faktury."}
    call_handler(W, "confirm_lock", s)  # a "yes" that was never asked for
    with session_scope() as db:
        assert db.get(WorkEntry, entry["id"]).locked_at is None


def test_a_refused_rate_keeps_what_was_typed_and_names_each_field(demo_db, entry):
    s = state_for(W, ADMIN)
    call_handler(W, "on_load", s)
    call_handler(W, "choose_contract", s, entry["contract"])
    assert s.r_rate == "" and "Brak stawki" in s.rate_note
    s.r_rate, s.r_after_hours = "18O,00", "0"
    call_handler(W, "save_rate", s)
    assert s.form_of == "rate" and set(s.form_errors) == {"hourly_rate", "after_hours_pct"}
    assert "18O,00" in s.form_errors["hourly_rate"]
    assert (s.r_rate, s.r_after_hours) == ("18O,00", "0")  # nothing lost
    s.r_rate, s.r_after_hours = "180,00", "150"
    call_handler(W, "save_rate", s)
    assert s.form_errors == {} and s.error == ""
    assert s.message == "Zapisano stawkę; przeliczone nierozliczone wpisy: 1."
    with session_scope() as db:
        assert db.get(WorkEntry, entry["id"]).amount_minor > 0
        db.delete(db.get(ContractRate, int(entry["contract"])))
        db.commit()
