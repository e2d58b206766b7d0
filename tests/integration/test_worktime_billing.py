"""Locking billed work time (issue 14): a period of one contract or of every contract of an
organisation is locked once under its invoice number (a second lock takes nothing); a
preview says what a lock would take; locked entries refuse changes; only an admin
unlocks, with a reason; both are audited."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlmodel import col, select

from helpdesk_app.domain import permissions, worktime, worktime_billing
from helpdesk_app.domain.errors import Conflict, Forbidden, FormInvalid
from helpdesk_app.domain.worktime import EntryForm
from helpdesk_app.domain.worktime_billing import LockForm
from helpdesk_app.models import AuditEvent, ContractRate, Role, WorkEntry

NOW = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
LOCKED_AT = datetime(2026, 7, 2, 9, 0, tzinfo=UTC)


def _audits(db, action: str) -> list[dict]:
    db.expire_all()
    return [json.loads(a.details) for a in db.exec(
        select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.id)))]


def _entry(db, actor, ticket, day: str, duration: str = "1:00") -> int:
    return worktime.add_entry(db, actor, ticket.id, EntryForm(day=day, duration=duration),
                              now=NOW)


def _june(contract_id: int, ref: str = "FV 6/2026", **kw) -> LockForm:
    return LockForm(contract_id=contract_id, day_from="01.06.2026", day_to="30.06.2026",
                    ref=ref, **kw)


@pytest.fixture
def desk(db, world, make):
    """Organisation A: two contracts (180 PLN/h and 100 PLN/h, no rounding) with a ticket
    each; organisation B: one contract at 180 PLN/h with a ticket."""
    def contract(org_id: int, name: str, rate: int):
        c = make.contract_24x7(org_id, name)
        db.add(ContractRate(contract_id=c.id, hourly_rate_minor=rate))
        db.commit()
        return c

    a1 = contract(world.org_a.id, "A serwis", 18000)
    a2 = contract(world.org_a.id, "A sieć", 10000)
    b = contract(world.org_b.id, "B serwis", 18000)
    coord = world.actor("coordinator")
    return {
        "a1": make.ticket(coord, "A1", requester=world.users["client"], contract_id=a1.id),
        "a2": make.ticket(coord, "A2", requester=world.users["client"], contract_id=a2.id),
        "b": make.ticket(coord, "B", requester=world.users["other-client"], contract_id=b.id),
    }


@pytest.fixture
def billing_coordinator(make, world):
    """A coordinator whose custom role adds "worktime.billing": may lock, not unlock."""
    role = make.custom_role(base=Role.COORDINATOR, limited=False, perms=(
        *permissions.BUILTIN[Role.COORDINATOR], permissions.WORKTIME_BILLING))
    return make.give_role(make.user(world.provider, Role.COORDINATOR, name="Bea Billing"),
                          role)


def test_locking_a_period_locks_its_unbilled_entries_once(db, world, desk):
    admin, tech = world.actor("admin"), world.actor("technician")
    a1 = desk["a1"]
    in_june = [_entry(db, tech, a1, "01.06.2026"), _entry(db, tech, a1, "30.06.2026")]
    july = _entry(db, tech, a1, "01.07.2026")
    other_contract = _entry(db, tech, desk["a2"], "15.06.2026")

    assert worktime_billing.lock_period(db, admin, _june(a1.contract_id),
                                        now=LOCKED_AT) == 2
    db.expire_all()
    for eid in in_june:
        e = db.get(WorkEntry, eid)
        assert (e.locked_at, e.locked_by_id, e.lock_ref) == (LOCKED_AT, admin.user_id,
                                                            "FV 6/2026")
    assert db.get(WorkEntry, july).locked_at is None
    assert db.get(WorkEntry, other_contract).locked_at is None
    assert _audits(db, "worktime.locked") == [
        {"ref": "FV 6/2026", "entries": 2, "from": "2026-06-01", "to": "2026-06-30"}]

    # the same period again (say, another invoice by mistake): nothing is re-locked
    assert worktime_billing.lock_period(db, admin, _june(a1.contract_id, "FV 7/2026")) == 0
    db.expire_all()
    assert {db.get(WorkEntry, eid).lock_ref for eid in in_june} == {"FV 6/2026"}
    assert len(_audits(db, "worktime.locked")) == 1
    # and the entries now refuse to change
    with pytest.raises(Conflict) as e:
        worktime.edit_entry(db, tech, in_june[0], EntryForm(duration="2:00"), now=NOW)
    assert e.value.params == {"ref": "FV 6/2026"}


def test_an_organisation_lock_covers_each_of_its_contracts_and_nothing_else(
        db, world, make, desk):
    admin, tech = world.actor("admin"), world.actor("technician")
    mine = [_entry(db, tech, desk["a1"], "10.06.2026"), _entry(db, tech, desk["a2"],
                                                               "11.06.2026")]
    theirs = _entry(db, tech, desk["b"], "12.06.2026")
    no_contract = make.ticket(world.actor("coordinator"), "Bez umowy",
                              requester=world.users["client"],
                              contract_id=desk["a1"].contract_id)
    no_contract.contract_id = None
    db.add(no_contract)
    db.commit()
    loose = _entry(db, tech, no_contract, "12.06.2026")
    done = worktime_billing.lock_period(db, admin, LockForm(
        organisation_id=world.org_a.id, day_from="2026-06-01", day_to="30.06.2026",
        ref="FV 6/2026/A"))
    assert done == 2
    db.expire_all()
    assert [db.get(WorkEntry, i).lock_ref for i in mine] == ["FV 6/2026/A"] * 2
    assert db.get(WorkEntry, theirs).locked_at is None
    assert db.get(WorkEntry, loose).locked_at is None  # bills nothing: not on an invoice
    [details] = _audits(db, "worktime.locked")
    assert details["entries"] == 2


def test_the_preview_says_what_a_lock_would_take(db, world, desk):
    admin, tech = world.actor("admin"), world.actor("technician")
    a1 = desk["a1"]
    _entry(db, tech, a1, "02.06.2026", "1:30")
    capped = db.get(WorkEntry, _entry(db, tech, a1, "03.06.2026", "0:30"))
    capped.capped = True
    db.add(capped)
    db.commit()
    _entry(db, tech, a1, "31.05.2026")  # before the period
    found = worktime_billing.preview(db, admin, _june(a1.contract_id, ref=""))
    assert (found.entries, found.seconds, found.billable_minutes, found.amounts,
            found.capped) == (2, 7200, 120, (("PLN", 36000),), 1)
    # what was locked is no longer in the preview
    worktime_billing.lock_period(db, admin, _june(a1.contract_id))
    assert worktime_billing.preview(db, admin, _june(a1.contract_id)).entries == 0
    # the whole form is checked only for the last look before a lock
    with pytest.raises(FormInvalid) as e:
        worktime_billing.preview(db, admin, _june(a1.contract_id, ref=" "), with_ref=True)
    assert e.value.errors["ref"][0] == "worktime_billing.ref_required"


def test_the_lock_form_reports_every_problem_at_once(db, world, desk):
    admin = world.actor("admin")
    with pytest.raises(FormInvalid) as e:
        worktime_billing.lock_period(db, admin, LockForm(day_from="31.02.2026", day_to="",
                                                         ref=""))
    assert {f: k for f, (k, _p) in e.value.errors.items()} == {
        "scope": "worktime_billing.scope_required", "day_from": "date.invalid",
        "day_to": "worktime_billing.day_required", "ref": "worktime_billing.ref_required"}
    with pytest.raises(FormInvalid) as e:
        worktime_billing.lock_period(db, admin, LockForm(
            contract_id=desk["a1"].contract_id, day_from="30.06.2026", day_to="01.06.2026",
            ref="x" * 81))
    assert {f: k for f, (k, _p) in e.value.errors.items()} == {
        "day_to": "worktime_billing.period_reversed", "ref": "worktime_billing.ref_too_long"}
    assert _audits(db, "worktime.locked") == []


def test_locking_needs_the_billing_permission_and_unlocking_an_admin(
        db, world, desk, billing_coordinator):
    tech = world.actor("technician")
    a1 = desk["a1"]
    eid = _entry(db, tech, a1, "05.06.2026")
    for who in ("technician", "coordinator", "client"):
        for attempt in (lambda a=world.actor(who): worktime_billing.lock_period(
                            db, a, _june(a1.contract_id)),
                        lambda a=world.actor(who): worktime_billing.preview(
                            db, a, _june(a1.contract_id)),
                        lambda a=world.actor(who): worktime_billing.recent_locks(db, a)):
            with pytest.raises(Forbidden):
                attempt()
    # the billing coordinator locks, sees the billed periods, but cannot undo an invoice
    assert worktime_billing.lock_period(db, billing_coordinator, _june(a1.contract_id)) == 1
    [billed] = worktime_billing.recent_locks(db, billing_coordinator)
    assert (billed.ref, billed.contract_id, billed.entries, billed.day_from) == (
        "FV 6/2026", a1.contract_id, 1, date(2026, 6, 5))
    with pytest.raises(Forbidden):
        worktime_billing.unlock(db, billing_coordinator, ref="FV 6/2026", reason="Korekta")
    db.expire_all()
    assert db.get(WorkEntry, eid).locked_at is not None
    assert _audits(db, "worktime.unlocked") == []


def test_an_admin_unlocks_an_invoice_with_a_reason_and_it_is_audited(db, world, desk):
    admin, tech = world.actor("admin"), world.actor("technician")
    a1, a2 = desk["a1"], desk["a2"]
    one, two = _entry(db, tech, a1, "05.06.2026"), _entry(db, tech, a2, "06.06.2026")
    worktime_billing.lock_period(db, admin, LockForm(
        organisation_id=world.org_a.id, day_from="01.06.2026", day_to="30.06.2026",
        ref="FV 6/2026"))

    with pytest.raises(FormInvalid) as e:
        worktime_billing.unlock(db, admin, ref="FV 6/2026", reason="  ")
    assert e.value.errors == {"reason": ("worktime_billing.reason_required", {})}
    with pytest.raises(FormInvalid) as e:
        worktime_billing.unlock(db, admin, ref="FV 99/2026", reason="Korekta")
    assert e.value.errors["unlock_ref"][0] == "worktime_billing.nothing_to_unlock"

    # one contract of the invoice: the other keeps its lock
    assert worktime_billing.unlock(db, admin, ref="FV 6/2026", reason="Faktura anulowana",
                                   contract_id=a1.contract_id) == 1
    db.expire_all()
    first, second = db.get(WorkEntry, one), db.get(WorkEntry, two)
    assert (first.locked_at, first.locked_by_id, first.lock_ref) == (None, None, "")
    assert second.lock_ref == "FV 6/2026" and second.locked_at is not None
    assert _audits(db, "worktime.unlocked") == [
        {"ref": "FV 6/2026", "entries": 1, "reason": "Faktura anulowana"}]
    worktime.edit_entry(db, tech, one, EntryForm(duration="0:45"), now=NOW)  # changes again
    assert db.get(WorkEntry, one).seconds == 2700


def test_last_month_is_the_calendar_month_before():
    assert worktime_billing.last_month(date(2026, 3, 31)) == (date(2026, 2, 1),
                                                              date(2026, 2, 28))
    assert worktime_billing.last_month(date(2026, 1, 1)) == (date(2025, 12, 1),
                                                             date(2025, 12, 31))
