"""Work time configuration (issue 14): activity types and contract rates, for holders of
"worktime.billing" (admins; others through a custom role). A changed rate re-rates the
unbilled entries of its contract and leaves billed ones alone; every save is audited. The
resolve rule ("resolving needs a work entry") is set on queues and ticket types."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, col, select

from helpdesk_app.domain import (
    contracts,
    permissions,
    queues_admin,
    tickets,
    worktime,
    worktime_admin,
    worktime_billing,
)
from helpdesk_app.domain.contracts import TicketTypeInput
from helpdesk_app.domain.errors import Forbidden, FormInvalid, Invalid
from helpdesk_app.domain.worktime import EntryForm
from helpdesk_app.domain.worktime_admin import ActivityForm, RateForm
from helpdesk_app.domain.worktime_billing import LockForm
from helpdesk_app.models import (
    ActivityType,
    AuditEvent,
    ContractRate,
    Role,
    TicketType,
    WorkEntry,
)

NOW = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)  # Wednesday, 14:00 in Warsaw


def _audits(db, action: str) -> list[dict]:
    db.expire_all()
    return [json.loads(a.details) for a in db.exec(
        select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.id)))]


def _errors(e: pytest.ExceptionInfo) -> dict[str, str]:
    return {field: key for field, (key, _params) in e.value.errors.items()}


@pytest.fixture
def desk(db, world, make):
    """A 24/7 contract of organisation A billing 180 PLN/h, each started 15 minutes, and
    a ticket under it."""
    contract = make.contract_24x7(world.org_a.id, "Serwis A")
    db.add(ContractRate(contract_id=contract.id, hourly_rate_minor=18000, rounding="up",
                        rounding_minutes=15))
    db.commit()
    return make.ticket(world.actor("coordinator"), "Serwer", requester=world.users["client"])


@pytest.fixture
def billing_coordinator(make, world):
    """A coordinator whose custom role adds "worktime.billing" to the built-in set."""
    role = make.custom_role(base=Role.COORDINATOR, limited=False, perms=(
        *permissions.BUILTIN[Role.COORDINATOR], permissions.WORKTIME_BILLING))
    return make.give_role(make.user(world.provider, Role.COORDINATOR, name="Bea Billing"),
                          role)


# --------------------------------------------------------------------------- activity types


def test_an_admin_adds_edits_deactivates_and_reactivates_an_activity_type(db, world):
    admin = world.actor("admin")
    new_id = worktime_admin.save_activity(db, admin, None, ActivityForm(
        key="workshop", name_pl="Warsztat", name_en="Workshop", billable=False,
        sort_order="9"))
    row = db.get(ActivityType, new_id)
    assert (row.key, row.billable, row.on_site, row.sort_order, row.is_active) == (
        "workshop", False, False, 9, True)
    # the key stays whatever the form sends; the rest changes
    worktime_admin.save_activity(db, admin, new_id, ActivityForm(
        key="other", name_pl="Warsztat serwisowy", name_en="Workshop", billable=True,
        on_site=True, sort_order="9"))
    db.refresh(row)
    assert (row.key, row.name_pl, row.billable, row.on_site) == (
        "workshop", "Warsztat serwisowy", True, True)

    worktime_admin.set_activity_active(db, admin, new_id, False)
    listed = {a.key: a for a in worktime_admin.list_activities(db, admin)}
    assert listed["workshop"].is_active is False  # listed although inactive
    assert [a.key for a in worktime.activity_types(db)] == [
        "remote", "on_site", "travel", "consultation"]  # no longer offered
    with pytest.raises(Invalid):
        worktime.activity(db, new_id)
    worktime_admin.set_activity_active(db, admin, new_id, True)
    assert db.get(ActivityType, new_id).is_active

    saved = _audits(db, "worktime.activity_saved")
    assert saved[0]["key"] == [None, "workshop"] and saved[0]["billable"] == [None, False]
    assert saved[1] == {"name_pl": ["Warsztat", "Warsztat serwisowy"],
                        "billable": [False, True], "on_site": [False, True]}
    assert saved[2:] == [{"is_active": [True, False]}, {"is_active": [False, True]}]


def test_an_activity_in_use_shows_its_count_and_is_deactivated_never_deleted(db, world, desk):
    remote = db.exec(select(ActivityType).where(ActivityType.key == "remote")).one()
    worktime.add_entry(db, world.actor("technician"), desk.id,
                       EntryForm(duration="1:00", activity_type_id=remote.id), now=NOW)
    admin = world.actor("admin")
    assert {a.key: a.entries for a in worktime_admin.list_activities(db, admin)}["remote"] == 1
    assert not hasattr(worktime_admin, "delete_activity")
    worktime_admin.set_activity_active(db, admin, remote.id, False)
    [view] = worktime.entries_for(db, admin, desk.id, "en")
    assert view.activity == "Remote"  # the entry keeps showing its type


def test_an_activity_form_reports_every_problem_at_once_and_writes_nothing(db, world):
    before = len(db.exec(select(ActivityType)).all())
    with pytest.raises(FormInvalid) as e:
        worktime_admin.save_activity(db, world.actor("admin"), None, ActivityForm(
            key="remote", name_pl=" ", name_en="x" * 81, sort_order="pięć"))
    assert _errors(e) == {"key": "worktime_admin.key_taken",
                          "name_pl": "worktime_admin.name_required",
                          "name_en": "worktime_admin.name_too_long",
                          "sort_order": "worktime_admin.number_invalid"}
    with pytest.raises(FormInvalid) as e:
        worktime_admin.save_activity(db, world.actor("admin"), None, ActivityForm(
            key="Na miejscu", name_pl="A", name_en="B"))
    assert _errors(e) == {"key": "worktime_admin.key_invalid"}
    assert len(db.exec(select(ActivityType)).all()) == before
    assert _audits(db, "worktime.activity_saved") == []


def test_only_holders_of_the_billing_permission_configure(db, world, desk,
                                                          billing_coordinator):
    form = ActivityForm(key="night", name_pl="Noc", name_en="Night")
    for who in ("technician", "coordinator", "client"):
        actor = world.actor(who)
        for attempt in (lambda a=actor: worktime_admin.save_activity(db, a, None, form),
                        lambda a=actor: worktime_admin.list_activities(db, a),
                        lambda a=actor: worktime_admin.save_rate(
                            db, a, desk.contract_id, RateForm(hourly_rate="1,00")),
                        lambda a=actor: worktime_admin.contract_options(db, a)):
            with pytest.raises(Forbidden):
                attempt()
    assert worktime_admin.save_activity(db, billing_coordinator, None, form)
    assert worktime_admin.save_rate(db, billing_coordinator, desk.contract_id,
                                    RateForm(hourly_rate="200")).changed


# --------------------------------------------------------------------------- rates


def test_the_rate_form_takes_polish_amounts_percent_and_minutes():
    rule = worktime_admin.parse_rate(RateForm(
        hourly_rate="1 234,5", currency="eur", rounding="up", rounding_minutes="15",
        minimum_visit_minutes="60", after_hours_pct="150 %", weekend_pct="200%",
        on_site_pct=""))
    assert (rule.hourly_rate_minor, rule.currency, rule.rounding, rule.rounding_minutes,
            rule.minimum_visit_minutes, rule.after_hours_pct, rule.weekend_pct,
            rule.on_site_pct) == (123450, "EUR", "up", 15, 60, 150, 200, 100)
    assert worktime_admin.parse_rate(RateForm(hourly_rate="180.00")).hourly_rate_minor == 18000
    # no rounding: a block typed anyway is not kept
    assert worktime_admin.parse_rate(RateForm(hourly_rate="180", rounding="none",
                                              rounding_minutes="15")).rounding_minutes == 0


def test_a_bad_rate_form_names_every_problem_next_to_its_field():
    with pytest.raises(FormInvalid) as e:
        worktime_admin.parse_rate(RateForm(
            hourly_rate="180,005", currency="zł", rounding="up", rounding_minutes="",
            minimum_visit_minutes="-5", after_hours_pct="0", weekend_pct="2000 %",
            on_site_pct="120"))
    assert _errors(e) == {
        "hourly_rate": "worktime_admin.rate_format", "currency": "rating.currency_invalid",
        "rounding_minutes": "rating.rounding_minutes_missing",
        "minimum_visit_minutes": "worktime_admin.number_invalid",
        "after_hours_pct": "rating.after_hours_pct_invalid",
        "weekend_pct": "rating.weekend_pct_invalid"}
    with pytest.raises(FormInvalid) as e:
        worktime_admin.parse_rate(RateForm(hourly_rate="", rounding="sometimes",
                                           rounding_minutes="2000"))
    assert _errors(e) == {"hourly_rate": "worktime_admin.rate_format",
                          "rounding": "rating.rounding_unknown",
                          "rounding_minutes": "rating.rounding_minutes_invalid"}
    with pytest.raises(FormInvalid) as e:
        worktime_admin.parse_rate(RateForm(hourly_rate="100 000"))
    assert _errors(e) == {"hourly_rate": "worktime_admin.rate_too_high"}


def test_the_form_shows_the_rule_as_typed_and_what_a_change_would_touch(db, world, desk):
    admin = world.actor("admin")
    worktime.add_entry(db, world.actor("technician"), desk.id,
                       EntryForm(duration="1:00"), now=NOW)
    info = worktime_admin.rate_info(db, admin, desk.contract_id, "pl")
    assert (info.form.hourly_rate, info.form.rounding, info.form.rounding_minutes,
            info.form.after_hours_pct) == ("180,00", "up", "15", "100")
    assert (info.has_rate, info.unlocked, info.locked) == (True, 1, 0)
    assert worktime_admin.rate_info(db, admin, desk.contract_id, "en").form.hourly_rate == \
        "180.00"


def test_a_contract_without_a_rate_starts_blank_and_saving_creates_it(db, world, make):
    admin = world.actor("admin")
    bare = make.contract_24x7(world.org_b.id, "Bez stawki")
    info = worktime_admin.rate_info(db, admin, bare.id, "pl")
    assert (info.has_rate, info.form.hourly_rate, info.form.currency) == (False, "", "PLN")
    assert worktime_admin.save_rate(db, admin, bare.id, RateForm(hourly_rate="95")).changed
    assert db.get(ContractRate, bare.id).hourly_rate_minor == 9500
    [details] = _audits(db, "worktime.rate_changed")
    assert details == {"hourly_rate_minor": [0, 9500], "entries_rerated": 0}


def test_a_changed_rate_rerates_unbilled_entries_and_leaves_billed_ones(db, world, desk):
    admin, tech = world.actor("admin"), world.actor("technician")
    billed = worktime.add_entry(db, tech, desk.id, EntryForm(day="29.06.2026",
                                                             duration="1:00"), now=NOW)
    open_ = worktime.add_entry(db, tech, desk.id, EntryForm(day="30.06.2026",
                                                            duration="1:00"), now=NOW)
    assert worktime_billing.lock_period(db, admin, LockForm(
        contract_id=desk.contract_id, day_from="29.06.2026", day_to="29.06.2026",
        ref="FV 6/2026")) == 1

    saved = worktime_admin.save_rate(db, admin, desk.contract_id, RateForm(
        hourly_rate="240,00", rounding="up", rounding_minutes="15"))
    assert (saved.changed, saved.rerated) == (True, 1)
    db.expire_all()
    assert db.get(WorkEntry, open_).amount_minor == 24000
    assert db.get(WorkEntry, billed).amount_minor == 18000  # as invoiced
    assert _audits(db, "worktime.rate_changed") == [
        {"hourly_rate_minor": [18000, 24000], "entries_rerated": 1}]

    # the same rule again: nothing to change, nothing re-rated or audited
    again = worktime_admin.save_rate(db, admin, desk.contract_id, RateForm(
        hourly_rate="240", rounding="up", rounding_minutes="15"))
    assert (again.changed, again.rerated) == (False, 0)
    assert len(_audits(db, "worktime.rate_changed")) == 1


def test_re_rating_goes_through_every_unbilled_entry_in_batches(db, world, desk, monkeypatch):
    monkeypatch.setattr(worktime_admin, "RERATE_BATCH", 2)
    tech = world.actor("technician")
    ids = [worktime.add_entry(db, tech, desk.id, EntryForm(duration=f"0:{10 * n}"), now=NOW)
           for n in range(1, 6)]
    saved = worktime_admin.save_rate(db, world.actor("admin"), desk.contract_id, RateForm(
        hourly_rate="60", rounding="none", after_hours_pct="150"))
    assert saved.rerated == 5
    db.expire_all()
    # 1 PLN a minute, no rounding: 10, 20, ... 50 minutes
    assert [db.get(WorkEntry, i).amount_minor for i in ids] == [1000, 2000, 3000, 4000, 5000]


def test_a_refused_rate_changes_nothing(db, world, desk):
    eid = worktime.add_entry(db, world.actor("technician"), desk.id,
                             EntryForm(duration="1:00"), now=NOW)
    with pytest.raises(FormInvalid):
        worktime_admin.save_rate(db, world.actor("admin"), desk.contract_id,
                                 RateForm(hourly_rate="dużo"))
    db.expire_all()
    assert db.get(ContractRate, desk.contract_id).hourly_rate_minor == 18000
    assert db.get(WorkEntry, eid).amount_minor == 18000
    assert _audits(db, "worktime.rate_changed") == []


# --------------------------------------------------------------------------- resolve rule


def test_the_resolve_rule_is_set_on_a_queue_and_audited_like_its_other_fields(db, world,
                                                                              desk):
    admin = world.actor("admin")
    queue = world.queue
    queues_admin.save_queue(db, admin, queue.id, name=queue.name, description="",
                            requires_work_entry=True)
    assert [v.requires_work_entry for v in queues_admin.list_queues(db, admin)
            if v.id == queue.id] == [True]
    assert _audits(db, "queue.updated") == [{"requires_work_entry": [False, True]}]
    # a caller that does not know the rule keeps it
    queues_admin.save_queue(db, admin, queue.id, name=queue.name, description="Pierwsza")
    db.refresh(queue)
    assert queue.requires_work_entry
    db.refresh(desk)
    with pytest.raises(Invalid) as e:
        tickets.update_ticket(db, admin, desk.id, desk.version, {"status": "resolved"})
    assert e.value.key == "worktime.resolve_needs_entry"


def test_the_resolve_rule_is_set_on_a_ticket_type_and_audited(db, world, make, desk):
    admin = world.actor("admin")
    ttype = db.exec(select(TicketType).where(TicketType.contract_id == desk.contract_id)).one()
    contracts.save_ticket_type(db, admin, TicketTypeInput(
        desk.contract_id, ttype.name_pl, ttype.name_en, ttype.reaction_minutes,
        ttype.resolution_minutes, requires_work_entry=True), ttype.id)
    db.refresh(ttype)
    assert ttype.requires_work_entry
    [view] = [t for t in contracts.list_ticket_types(db, admin) if t.id == ttype.id]
    assert view.requires_work_entry
    assert _audits(db, "config.sla.ticket_type.updated") == [
        {"requires_work_entry": [False, True]}]
    ticket = make.ticket(world.actor("coordinator"), "Typ wymaga pracy",
                         requester=world.users["client"], ticket_type_id=ttype.id)
    assert ticket.ticket_type_id == ttype.id and worktime.requires_entry(db, ticket)


def test_re_rating_commits_each_batch_and_a_rule_changed_meanwhile_wins(db, world, desk,
                                                                        monkeypatch):
    """A big contract is re-rated in short transactions (the page does it in the
    background): each batch reads the rule as it is then, so a change saved half-way
    through applies to the rest, and what is done stays done."""
    monkeypatch.setattr(worktime_admin, "RERATE_BATCH", 2)
    admin, tech = world.actor("admin"), world.actor("technician")
    ids = [worktime.add_entry(db, tech, desk.id, EntryForm(duration="1:00"), now=NOW)
           for _ in range(5)]
    saved = worktime_admin.save_rule(db, admin, desk.contract_id, RateForm(
        hourly_rate="60", rounding="none"))
    assert (saved.changed, saved.rerated) == (True, 5)
    db.expire_all()
    assert db.get(WorkEntry, ids[0]).amount_minor == 18000  # the rule alone re-rates nothing

    seen = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        if done == 2:  # after the first batch committed, another admin changes the rate
            with Session(db.get_bind()) as other:
                committed = other.get(WorkEntry, ids[0]).amount_minor
                assert committed == 6000, "the first batch is committed"
                worktime_admin.save_rule(other, admin, desk.contract_id, RateForm(
                    hourly_rate="120", rounding="none"))

    assert worktime_admin.rerate_contract(db, admin, desk.contract_id, progress) == 5
    assert seen == [(0, 5), (2, 5), (4, 5), (5, 5)]
    db.expire_all()
    assert [db.get(WorkEntry, i).amount_minor for i in ids] == [6000, 6000, 12000, 12000,
                                                               12000]
    with pytest.raises(Forbidden):
        worktime_admin.rerate_contract(db, tech, desk.contract_id)
