"""Work entries on tickets (issue 14): logging one's own time, corrections by a coordinator
(timeline + audit), locked entries, who sees whose entries (staff, subcontractors,
clients), the resolve rule, and what an entry bills under its contract."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlmodel import col, select

from helpdesk_app.domain import handover, tickets, worktime
from helpdesk_app.domain.errors import Conflict, Forbidden, FormInvalid, Invalid, NotFound
from helpdesk_app.domain.worktime import EntryForm
from helpdesk_app.models import (
    ActivityType,
    AuditEvent,
    ContractRate,
    EventKind,
    OrgKind,
    Queue,
    Role,
    Ticket,
    TimelineEvent,
    WorkEntry,
)

NOW = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)  # Wednesday, 14:00 in Warsaw


def _activity(db, key: str) -> ActivityType:
    return db.exec(select(ActivityType).where(ActivityType.key == key)).one()


def _work_events(db, ticket_id: int) -> list[TimelineEvent]:
    return list(db.exec(select(TimelineEvent).where(
        TimelineEvent.ticket_id == ticket_id, TimelineEvent.kind == EventKind.WORK)
        .order_by(col(TimelineEvent.id))).all())


@pytest.fixture
def desk(db, world, make):
    """A 24/7 contract billing 180 PLN/h, each started 15 minutes, and a ticket under it."""
    contract = make.contract_24x7(world.org_a.id)
    db.add(ContractRate(contract_id=contract.id, hourly_rate_minor=18000, rounding="up",
                        rounding_minutes=15))
    db.commit()
    ticket = make.ticket(world.actor("coordinator"), "Serwer nie wstaje",
                         requester=world.users["client"])
    assert ticket.contract_id == contract.id
    return ticket


def test_a_technician_logs_a_start_end_and_it_is_rated_timelined_and_live(
        db, world, desk, changes):
    tech = world.actor("technician")
    entry_id = worktime.add_entry(db, tech, desk.id, EntryForm(
        day="01.07.2026", start="8:00", end="9:10", description="Restart, logi",
        activity_type_id=_activity(db, "remote").id), now=NOW)
    e = db.get(WorkEntry, entry_id)
    assert (e.user_id, e.seconds, e.work_date) == (tech.user_id, 70 * 60, date(2026, 7, 1))
    assert e.started_at == datetime(2026, 7, 1, 6, 0, tzinfo=UTC)  # 8:00 CEST
    assert (e.organisation_id, e.contract_id) == (desk.organisation_id, desk.contract_id)
    # 70 min, each started 15 min -> 75 min at 180 PLN/h = 225.00 PLN
    assert (e.billable, e.billable_minutes, e.amount_minor, e.currency) == (
        True, 75, 22500, "PLN")
    [event] = _work_events(db, desk.id)
    assert not event.is_public and event.author_id == tech.user_id
    assert event.data["action"] == "added" and event.data["seconds"] == 4200
    assert any(c.ticket_id == desk.id and c.kind == EventKind.WORK for c in changes)
    assert db.exec(select(AuditEvent).where(col(AuditEvent.action).startswith("worktime"))
                   ).all() == []  # one's own time: the timeline is enough


def test_a_duration_entry_takes_its_activity_types_defaults(db, world, desk):
    tech = world.actor("technician")
    on_site = _activity(db, "on_site")
    e = db.get(WorkEntry, worktime.add_entry(db, tech, desk.id, EntryForm(
        day="30.06.2026", duration="1:30", activity_type_id=on_site.id), now=NOW))
    assert (e.seconds, e.on_site, e.billable, e.started_at) == (5400, True, True, None)
    e2 = db.get(WorkEntry, worktime.add_entry(db, tech, desk.id, EntryForm(
        duration="20 min", billable=False), now=NOW))
    assert e2.work_date == date(2026, 7, 1) and (e2.billable_minutes, e2.amount_minor) == (0, 0)


def test_every_problem_of_the_form_is_reported_at_once_and_nothing_is_written(
        db, world, desk):
    with pytest.raises(FormInvalid) as e:
        worktime.add_entry(db, world.actor("technician"), desk.id, EntryForm(
            day="32.13.2026", start="8:00", end="", activity_type_id=99999,
            description="x" * 2001), now=NOW)
    assert {f: k for f, (k, _p) in e.value.errors.items()} == {
        "day": "date.invalid", "end": "worktime.start_end_both",
        "activity": "worktime.activity_invalid",
        "description": "worktime.description_too_long"}
    with pytest.raises(FormInvalid) as e:
        worktime.add_entry(db, world.actor("technician"), desk.id, EntryForm(
            day="02.07.2026", duration="1:00"), now=NOW)
    assert e.value.errors["day"][0] == "worktime.in_future"
    with pytest.raises(FormInvalid) as e:
        worktime.add_entry(db, world.actor("technician"), desk.id, EntryForm(
            start="13:00", end="15:00"), now=NOW)  # ends 15:00 local, it is 14:00 now
    assert e.value.errors["end"][0] == "worktime.in_future"
    assert db.exec(select(WorkEntry)).all() == [] and _work_events(db, desk.id) == []


def test_only_a_coordinator_logs_and_corrects_for_others_and_that_is_audited(
        db, world, desk):
    tech, tech2 = world.actor("technician"), world.actor("technician2")
    coord = world.actor("coordinator")
    with pytest.raises(Forbidden):
        worktime.add_entry(db, tech, desk.id, EntryForm(duration="1:00",
                                                        user_id=tech2.user_id), now=NOW)
    eid = worktime.add_entry(db, coord, desk.id, EntryForm(duration="1:00",
                                                           user_id=tech.user_id), now=NOW)
    assert db.get(WorkEntry, eid).user_id == tech.user_id
    with pytest.raises(Forbidden):
        worktime.edit_entry(db, tech2, eid, EntryForm(duration="2:00"), now=NOW)
    with pytest.raises(Forbidden):
        worktime.delete_entry(db, tech2, eid, now=NOW)
    worktime.edit_entry(db, coord, eid, EntryForm(duration="0:45"), now=NOW)
    assert db.get(WorkEntry, eid).seconds == 2700
    worktime.edit_entry(db, tech, eid, EntryForm(duration="0:50"), now=NOW)  # own: fine
    actions = [(a.action, json.loads(a.details).get("seconds"))
               for a in db.exec(select(AuditEvent).where(
                   col(AuditEvent.action).startswith("worktime")).order_by(
                   col(AuditEvent.id))).all()]
    assert actions == [("worktime.added_for", 3600), ("worktime.corrected", [3600, 2700])]
    assert [e.data["action"] for e in _work_events(db, desk.id)] == [
        "added", "changed", "changed"]
    worktime.delete_entry(db, coord, eid, now=NOW)
    assert db.get(WorkEntry, eid) is None
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "worktime.removed")).one()


def test_a_locked_entry_cannot_change_or_go(db, world, desk):
    tech = world.actor("technician")
    eid = worktime.add_entry(db, tech, desk.id, EntryForm(duration="1:00"), now=NOW)
    entry = db.get(WorkEntry, eid)
    entry.locked_at, entry.lock_ref = NOW, "FV 7/2026"
    db.add(entry)
    db.commit()
    for attempt in (lambda: worktime.edit_entry(db, tech, eid, EntryForm(duration="2:00")),
                    lambda: worktime.delete_entry(db, world.actor("admin"), eid)):
        with pytest.raises(Conflict) as e:
            attempt()
        assert e.value.key == "worktime.locked" and e.value.params == {"ref": "FV 7/2026"}
    [view] = worktime.entries_for(db, tech, desk.id)
    assert view.locked and not view.can_change and view.seconds == 3600


def test_who_sees_whose_entries(db, world, make, desk):
    fixers = make.org("Fixers", OrgKind.SUBCONTRACTOR)
    pawel = make.actor(make.user(fixers, Role.SUBCONTRACTOR, name="Paweł Fixer"))
    stranger = make.actor(make.user(make.org("Others", OrgKind.SUBCONTRACTOR),
                                    Role.SUBCONTRACTOR))
    coord, tech = world.actor("coordinator"), world.actor("technician")
    worktime.add_entry(db, tech, desk.id, EntryForm(duration="1:00"), now=NOW)
    with pytest.raises(NotFound):  # not handed to them: the ticket does not exist for them
        worktime.add_entry(db, pawel, desk.id, EntryForm(duration="1:00"), now=NOW)
    assert handover.hand_over(db, coord, [desk.id], fixers.id).succeeded == 1
    worktime.add_entry(db, pawel, desk.id, EntryForm(duration="2:00"), now=NOW)
    # staff see both; the subcontractor only their organisation's
    assert sorted(v.seconds for v in worktime.entries_for(db, tech, desk.id)) == [3600, 7200]
    assert [v.seconds for v in worktime.entries_for(db, pawel, desk.id)] == [7200]
    assert worktime.totals_for(db, pawel, desk.id).seconds == 7200
    assert worktime.totals_for(db, coord, desk.id).seconds == 10800
    # their timeline shows their own work event, not the desk's
    mine = [e for e in tickets.get_ticket(db, pawel, desk.id).events
            if e.kind == EventKind.WORK]
    assert [e.data["seconds"] for e in mine] == [7200]
    with pytest.raises(NotFound):
        worktime.entries_for(db, stranger, desk.id)
    with pytest.raises(Forbidden):
        worktime.entries_for(db, world.actor("client"), desk.id)
    staff_entry = next(v for v in worktime.entries_for(db, coord, desk.id)
                       if v.user_id == tech.user_id)
    with pytest.raises(NotFound):  # a guessed id of the desk's entry
        worktime.edit_entry(db, pawel, staff_entry.id, EntryForm(duration="0:10"), now=NOW)


def test_resolving_needs_an_entry_where_the_queue_asks_for_one(db, world, desk):
    coord = world.actor("coordinator")
    queue = db.get(Queue, desk.queue_id)
    queue.requires_work_entry = True
    db.add(queue)
    db.commit()
    db.refresh(desk)
    with pytest.raises(Invalid) as e:
        tickets.update_ticket(db, coord, desk.id, desk.version, {"status": "resolved"})
    assert e.value.key == "worktime.resolve_needs_entry"
    worktime.add_entry(db, coord, desk.id, EntryForm(duration="0:15"), now=NOW)
    db.refresh(desk)
    tickets.update_ticket(db, coord, desk.id, desk.version, {"status": "resolved"})
    assert db.get(Ticket, desk.id).status == "resolved"


def test_an_entry_without_a_contract_counts_minutes_and_bills_nothing(db, world, make):
    ticket = make.ticket(world.actor("coordinator"), "Bez umowy",
                         requester=world.users["client"])
    assert ticket.contract_id is None
    e = db.get(WorkEntry, worktime.add_entry(db, world.actor("technician"), ticket.id,
                                             EntryForm(duration="1:10"), now=NOW))
    assert (e.billable_minutes, e.amount_minor) == (70, 0)
