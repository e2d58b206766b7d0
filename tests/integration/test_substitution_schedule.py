"""The scheduler starts and ends substitutions (issue 13), with a controlled clock: exactly
once, catch-up after downtime, two racing schedulers, the audit log, live changes and the
timeline rule (only tickets the substitute acted on)."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select
from substitution_support import HOUR, loaded, plan, real_now

from helpdesk_app.domain import checklists, fields, substitution_schedule, tickets
from helpdesk_app.jobs.scheduler import SubstitutionScheduler
from helpdesk_app.live.bus import ACCESS_CHANGE, access_topic, user_topic
from helpdesk_app.models import (
    AuditEvent,
    ChecklistTemplate,
    ChecklistTemplateItem,
    CustomField,
    EventKind,
    FieldScope,
    Substitution,
    SubstitutionState,
    TicketType,
    TimelineEvent,
)

MINUTE = timedelta(minutes=1)


def _audit(db, action: str) -> list[AuditEvent]:
    return db.exec(select(AuditEvent).where(AuditEvent.action == action)).all()


def _state(db, sid: int) -> str:
    db.expire_all()
    return db.get(Substitution, sid).state


def test_starts_and_ends_exactly_once_at_the_boundaries(db, world, all_changes):
    now = real_now()
    start, end = now + HOUR, now + 2 * HOUR
    tina = world.users["technician2"]
    sid = plan(db, world.actor("technician"), world.users["technician"], tina, start, end)
    assert substitution_schedule.run_pass(db, start - MINUTE).started == []
    assert _state(db, sid) == SubstitutionState.SCHEDULED
    first = substitution_schedule.run_pass(db, start)
    assert first.started == [sid] and first.ended == []
    assert substitution_schedule.run_pass(db, start + MINUTE).started == []
    assert _state(db, sid) == SubstitutionState.ACTIVE
    assert db.get(Substitution, sid).started_at == start
    assert substitution_schedule.run_pass(db, end - MINUTE).ended == []
    assert substitution_schedule.run_pass(db, end).ended == [sid]
    assert substitution_schedule.run_pass(db, end + HOUR).ended == []
    assert _state(db, sid) == SubstitutionState.ENDED
    [started], [ended] = _audit(db, "substitution.started"), _audit(db, "substitution.ended")
    assert started.actor_id is None and ended.target_id == str(sid)  # the system did it
    details = json.loads(started.details)  # built by the database, read like any entry
    assert (details["absent"], details["substitute"]) == ("Tom Technician", "Tina Technician")
    assert details["starts_at"] == start.isoformat() and details["ends_at"] == end.isoformat()
    assert started.target_label == "Tom Technician → Tina Technician"
    # the substitute's open pages heard of both, once each
    access = [c for c in all_changes if c.kind == ACCESS_CHANGE]
    assert [c.topics for c in access] == [(access_topic(tina.id), user_topic(tina.id))] * 2


def test_catch_up_after_downtime_starts_and_ends_everything_due(db, world):
    now = real_now()
    tom, tina, cora = (world.users[k] for k in ("technician", "technician2", "coordinator"))
    over = plan(db, world.actor("technician"), tom, tina, now + HOUR, now + 2 * HOUR)
    running = plan(db, world.actor("coordinator"), cora, tina, now + HOUR, now + 10 * HOUR)
    later = plan(db, world.actor("technician"), tom, tina, now + 11 * HOUR, now + 12 * HOUR)
    # the app was down from before the first start until after the first end
    result = substitution_schedule.run_pass(db, now + 3 * HOUR)
    assert sorted(result.started) == sorted([over, running]) and result.ended == [over]
    assert [_state(db, s) for s in (over, running, later)] == [
        SubstitutionState.ENDED, SubstitutionState.ACTIVE, SubstitutionState.SCHEDULED]
    assert len(_audit(db, "substitution.started")) == 2
    assert len(_audit(db, "substitution.ended")) == 1


def test_two_racing_passes_start_each_substitution_once(engine, db, world):
    now = real_now()
    people = [world.users[k] for k in ("technician", "technician2", "coordinator", "admin")]
    ids = [plan(db, world.actor("admin"), people[i], people[(i + 1) % 4],
                now + HOUR, now + 2 * HOUR) for i in (0, 2)]
    barrier = threading.Barrier(2)
    results: list[substitution_schedule.PassResult] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with Session(engine) as s:
                barrier.wait(timeout=10)
                results.append(substitution_schedule.run_pass(s, now + HOUR))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    started = [sid for r in results for sid in r.started]
    assert sorted(started) == sorted(ids)  # each by exactly one of the two
    assert len(_audit(db, "substitution.started")) == 2


def test_only_the_leading_scheduler_runs_the_pass(engine, db, world):
    now = real_now()
    sid = plan(db, world.actor("technician"), world.users["technician"],
               world.users["technician2"], now + HOUR, now + 2 * HOUR)
    first = SubstitutionScheduler(30, engine=engine, owner="worker-1")
    second = SubstitutionScheduler(30, engine=engine, owner="worker-2")
    assert first.ttl == timedelta(seconds=90)
    start, sec = now + HOUR, timedelta(seconds=1)
    assert first.tick(start - 10 * sec).started == []
    assert second.tick(start) is None  # worker-1 holds the lease
    assert first.tick(start + 5 * sec).started == [sid]
    # worker-1 died; its lease ran out, worker-2 takes over and ends it at its end
    assert second.tick(now + 2 * HOUR).ended == [sid]
    assert first.tick(now + 2 * HOUR + sec) is None


def test_a_failed_pass_is_logged_and_retried(engine, db, world, monkeypatch):
    now = real_now()
    sid = plan(db, world.actor("technician"), world.users["technician"],
               world.users["technician2"], now + HOUR, now + 2 * HOUR)
    sched = SubstitutionScheduler(30, engine=engine, owner="w")

    def broken(*_a, **_k):
        raise RuntimeError("database went away")

    # fails after the UPDATE, before the commit: the state change goes with its audit entry
    monkeypatch.setattr(substitution_schedule, "_announce", broken)
    assert sched.tick(now + HOUR) is None
    assert _state(db, sid) == SubstitutionState.SCHEDULED  # nothing half-done
    assert _audit(db, "substitution.started") == []
    monkeypatch.undo()
    assert sched.tick(now + HOUR).started == [sid]
    assert len(_audit(db, "substitution.started")) == 1


def test_the_timeline_shows_it_only_where_the_substitute_acted(db, world, make, changes):
    now = real_now()
    admin, client = world.actor("admin"), world.users["client"]
    tom, tina = world.users["technician"], world.users["technician2"]
    worked, untouched = (make.ticket(admin, s, requester=client) for s in ("Worked", "Quiet"))
    for t in (worked, untouched):
        db.refresh(t)
        tickets.update_ticket(db, admin, t.id, t.version, {"assignee_id": tina.id})
    sid = plan(db, world.actor("technician2"), tina, tom, now - HOUR, now + HOUR, now=now)
    substitute = loaded(db, tom)
    assert substitute.covering_ids == {tina.id}
    tickets.add_comment(db, substitute, worked.id, "Looking into it", public=True)
    tickets.add_comment(db, substitute, worked.id, "Still on it", public=False)

    def kinds(ticket_id: int) -> list[tuple[str, dict]]:
        return [(e.kind, e.data) for e in db.exec(
            select(TimelineEvent).where(TimelineEvent.ticket_id == ticket_id)
            .order_by(col(TimelineEvent.created_at), col(TimelineEvent.id))).all()]

    events = kinds(worked.id)
    subst = [(i, d) for i, (k, d) in enumerate(events) if k == EventKind.SUBSTITUTION]
    [(at, data)] = subst  # once, however often the substitute acts
    assert events[at + 1][0] == EventKind.REPLY  # just before the substitute's first act
    assert (data["phase"], data["absent"], data["substitute"]) == (
        "started", tina.full_name, tom.full_name)
    changes.clear()
    result = substitution_schedule.run_pass(db, now + HOUR)
    assert result.ended == [sid] and result.timeline_events == 1
    assert kinds(worked.id)[-1] == (EventKind.SUBSTITUTION, {
        "phase": "ended", "substitution_id": sid, "absent": tina.full_name,
        "substitute": tom.full_name})
    assert all(k != EventKind.SUBSTITUTION for k, _d in kinds(untouched.id))
    # the ticket's open pages re-read their timeline
    assert [c.ticket_id for c in changes if c.kind == "substitution"] == [worked.id]


def test_a_substitute_acting_on_their_own_ticket_leaves_no_substitution_event(db, world,
                                                                             make):
    now = real_now()
    admin, client = world.actor("admin"), world.users["client"]
    tom, tina = world.users["technician"], world.users["technician2"]
    own = make.ticket(admin, "Tom's own", requester=client)
    db.refresh(own)
    tickets.update_ticket(db, admin, own.id, own.version, {"assignee_id": tom.id})
    plan(db, world.actor("technician2"), tina, tom, now - HOUR, now + HOUR, now=now)
    tickets.add_comment(db, loaded(db, tom), own.id, "Mine anyway", public=True)
    assert db.exec(select(TimelineEvent).where(
        TimelineEvent.kind == EventKind.SUBSTITUTION)).all() == []


def test_taking_over_the_ticket_counts_as_acting_on_behalf(db, world, make):
    now = real_now()
    admin, client = world.actor("admin"), world.users["client"]
    tom, tina = world.users["technician"], world.users["technician2"]
    ticket = make.ticket(admin, "Take over", requester=client)
    db.refresh(ticket)
    tickets.update_ticket(db, admin, ticket.id, ticket.version, {"assignee_id": tina.id})
    plan(db, world.actor("technician2"), tina, tom, now - HOUR, now + HOUR, now=now)
    db.refresh(ticket)
    # the assignment moves it to Tom: judged by who it belonged to before the change
    tickets.update_ticket(db, loaded(db, tom), ticket.id, ticket.version,
                          {"assignee_id": tom.id})
    [event] = db.exec(select(TimelineEvent).where(
        TimelineEvent.kind == EventKind.SUBSTITUTION)).all()
    assert event.data["absent"] == tina.full_name and event.author_id == tom.id


@pytest.mark.parametrize("act", ["field", "checklist"])
def test_a_field_or_checklist_change_counts_as_acting_on_behalf(db, world, make, act):
    now = real_now()
    admin, client = world.actor("admin"), world.users["client"]
    tom, tina = world.users["technician"], world.users["technician2"]
    contract = make.contract_24x7(world.org_a.id)
    type_id = db.exec(select(TicketType.id).where(TicketType.contract_id == contract.id)).one()
    field = CustomField(key="site", name_pl="Obiekt", name_en="Site", field_type="short_text")
    template = ChecklistTemplate(ticket_type_id=type_id, name_pl="Przegląd",
                                 name_en="Inspection")
    db.add_all([field, template])
    db.commit()
    db.add_all([FieldScope(field_id=field.id),
                ChecklistTemplateItem(template_id=template.id, label_pl="Zasilanie",
                                      label_en="Power")])
    db.commit()
    ticket = make.ticket(admin, "Covered", requester=client)
    db.refresh(ticket)
    tickets.update_ticket(db, admin, ticket.id, ticket.version, {"assignee_id": tina.id})
    plan(db, world.actor("technician2"), tina, tom, now - HOUR, now + HOUR, now=now)
    substitute = loaded(db, tom)
    if act == "field":
        fields.save_values(db, substitute, ticket.id, {"site": "PS-7"})
    else:
        (item,) = checklists.items_for(db, substitute, ticket.id)
        checklists.set_done(db, substitute, ticket.id, item.id, True)
    kinds = [(e.kind, e.author_id) for e in db.exec(
        select(TimelineEvent).where(TimelineEvent.ticket_id == ticket.id)
        .order_by(col(TimelineEvent.id))).all()]
    own = EventKind.FIELD if act == "field" else EventKind.CHECKLIST
    assert kinds[-2:] == [(EventKind.SUBSTITUTION, tom.id), (own, tom.id)]


def test_a_big_catch_up_goes_in_batches_each_once(db, world, make):
    now = real_now()
    people = [make.user(world.provider, "technician", name=f"T{i}") for i in range(6)]
    ids = [plan(db, world.actor("admin"), people[i], people[i + 3], now + HOUR,
                now + 2 * HOUR) for i in range(3)]
    result = substitution_schedule.run_pass(db, now + 3 * HOUR, batch=2)
    assert sorted(result.started) == sorted(ids) and sorted(result.ended) == sorted(ids)
    assert len(_audit(db, "substitution.started")) == 3
    assert len(_audit(db, "substitution.ended")) == 3
