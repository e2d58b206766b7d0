"""The SLA sweep (domain/sla_alerts.py) with a controlled clock on SQLite and PostgreSQL:
warnings and breaches exactly once, catch-up, crashes, escalation, paused tickets.

Calendar 24/7 (business time = wall-clock time), so the points are easy to read:
reaction 60 min, resolution 240 min, warning at 75 % →
reaction warning T0+45', due T0+60'; resolution warning T0+180', due T0+240'.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, text
from sqlmodel import Session, col, select

from helpdesk_app.domain import inapp_notifications, sla, sla_alerts
from helpdesk_app.domain.sla_alerts import sweep
from helpdesk_app.models import (
    BusinessCalendar,
    Contract,
    EscalationAction,
    EventKind,
    Notification,
    Priority,
    Role,
    SlaAlert,
    SlaEffect,
    Status,
    StatusCategory,
    Ticket,
    TicketStatus,
    TicketType,
    TicketTypeTarget,
    TimelineEvent,
)

# what these tests count: the sweep's notifications, not the new-ticket ones
SLA_KINDS = ("sla_warning", "sla_breach")

T0 = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


class Desk:
    def __init__(self, db: Session, world, make) -> None:
        self.db, self.world, self.make = db, world, make
        cal = BusinessCalendar(name="24/7", always_open=True, holiday_country=None)
        db.add(cal)
        db.commit()
        self.contract = Contract(organisation_id=world.org_a.id, name="Gold",
                                 valid_from=date(2020, 1, 1), calendar_id=cal.id)
        db.add(self.contract)
        db.commit()
        self.ttype = TicketType(contract_id=self.contract.id, name_pl="Awaria",
                                name_en="Failure", reaction_minutes=60, resolution_minutes=240,
                                warning_percent=75)
        db.add(self.ttype)
        db.commit()

    def rule(self, action: str, queue_id: int | None = None) -> None:
        self.contract.escalation_action = action
        self.contract.escalation_queue_id = queue_id
        self.db.add(self.contract)
        self.db.commit()

    def ticket(self, received: datetime = T0, *, assignee: str | None = None,
               priority: int = Priority.NORMAL) -> Ticket:
        t = self.make.ticket(self.world.actor("client"), "Server down")
        assert t.contract_id == self.contract.id and t.ticket_type_id == self.ttype.id
        t.created_at = received
        t.priority = priority
        t.assignee_id = self.world.users[assignee].id if assignee else None
        self.db.add(t)
        self.db.commit()
        sla.recompute_ticket(self.db, t.id, received)
        self.db.commit()
        return t

    def pause(self, ticket: Ticket, when: datetime) -> None:
        self.db.add(TimelineEvent(ticket_id=ticket.id, kind=EventKind.STATUS, is_public=True,
                                  data={"old": ticket.status, "new": Status.PENDING},
                                  created_at=when))
        ticket.status = Status.PENDING
        self.db.add(ticket)
        self.db.commit()
        sla.recompute_ticket(self.db, ticket.id, when)
        self.db.commit()

    # -- what happened, read back fresh

    def fresh(self, ticket: Ticket) -> Ticket:
        self.db.expire_all()
        return self.db.get(Ticket, ticket.id)

    def alerts(self, ticket: Ticket | None = None) -> list[tuple[int, str, str]]:
        q = select(SlaAlert).order_by(col(SlaAlert.id))
        if ticket is not None:
            q = q.where(SlaAlert.ticket_id == ticket.id)
        return [(a.ticket_id, a.clock, a.level) for a in self.db.exec(q).all()]

    def events(self, ticket: Ticket, *kinds: str) -> list[TimelineEvent]:
        kinds = kinds or (EventKind.SLA_WARNING, EventKind.SLA_BREACH, EventKind.ESCALATION)
        return list(self.db.exec(
            select(TimelineEvent).where(TimelineEvent.ticket_id == ticket.id,
                                        col(TimelineEvent.kind).in_(kinds))
            .order_by(col(TimelineEvent.id))).all())

    def notes(self, ticket: Ticket | None = None) -> Counter:
        q = select(Notification).where(col(Notification.kind).in_(SLA_KINDS))
        if ticket is not None:
            q = q.where(Notification.ticket_id == ticket.id)
        return Counter((n.user_id, n.kind) for n in self.db.exec(q).all())

    def totals(self) -> tuple[int, int, int]:
        """(alerts, SLA/escalation events, notifications) in the whole database."""
        count = lambda sql: self.db.execute(text(sql)).scalar_one()  # noqa: E731
        return (count("SELECT count(*) FROM sla_alert"),
                count("SELECT count(*) FROM timeline_event WHERE kind IN "
                      "('sla_warning', 'sla_breach', 'escalation')"),
                count("SELECT count(*) FROM notification WHERE kind IN "
                      "('sla_warning', 'sla_breach')"))


@pytest.fixture
def desk(db: Session, world, make) -> Desk:
    return Desk(db, world, make)


def test_next_check_is_the_first_warning_point(desk: Desk) -> None:
    t = desk.ticket()
    assert t.sla_next_check_at == at(45)
    assert sweep(desk.db, at(44)).processed == 0  # nothing due yet: not even looked at


def test_warning_and_breach_exactly_once(desk: Desk, world) -> None:
    t = desk.ticket(assignee="technician")
    tech, cora = world.users["technician"].id, world.users["coordinator"].id

    r = sweep(desk.db, at(46))
    assert (r.processed, r.warnings, r.breaches) == (1, 1, 0)
    assert desk.alerts() == [(t.id, "reaction", "warning")]
    [event] = desk.events(t)
    assert event.kind == EventKind.SLA_WARNING and not event.is_public
    assert event.author_id is None
    assert event.data["clock"] == "reaction"
    assert datetime.fromisoformat(event.data["due_at"]) == at(60)
    assert datetime.fromisoformat(event.data["point_at"]) == at(45)
    assert desk.notes() == Counter({(tech, "sla_warning"): 1, (cora, "sla_warning"): 1})
    assert desk.fresh(t).sla_state == sla.WARNING
    assert desk.fresh(t).sla_next_check_at == at(60)  # next: the reaction deadline

    for minute in (46, 47, 59):  # again and again before the deadline: nothing new
        assert sweep(desk.db, at(minute)).warnings == 0
    assert desk.totals() == (1, 1, 2)

    r = sweep(desk.db, at(61))
    assert (r.warnings, r.breaches) == (0, 1)
    assert desk.alerts() == [(t.id, "reaction", "warning"), (t.id, "reaction", "breach")]
    assert desk.fresh(t).sla_state == sla.BREACHED
    assert desk.fresh(t).sla_next_check_at == at(180)  # the resolution clock's warning
    assert desk.notes()[(cora, "sla_breach")] == 1
    assert desk.totals() == (2, 2, 4)

    # A forced revisit (someone reset the check instant) still alerts nothing twice.
    desk.db.execute(text("UPDATE ticket SET sla_next_check_at = :t"), {"t": at(0)})
    desk.db.commit()
    r = sweep(desk.db, at(62))
    assert (r.processed, r.warnings, r.breaches) == (1, 0, 0)
    assert desk.totals() == (2, 2, 4)

    sweep(desk.db, at(181))
    sweep(desk.db, at(241))
    sweep(desk.db, at(300))
    assert desk.alerts() == [(t.id, "reaction", "warning"), (t.id, "reaction", "breach"),
                             (t.id, "resolution", "warning"), (t.id, "resolution", "breach")]
    assert desk.fresh(t).sla_next_check_at is None  # nothing left to look at
    assert desk.totals() == (4, 4, 8)


def test_catch_up_after_a_long_gap(desk: Desk) -> None:
    """The scheduler was down for a day: one run alerts every point it slept through."""
    tickets = [desk.ticket(at(i)) for i in range(3)]
    r = sweep(desk.db, at(24 * 60))
    assert (r.processed, r.warnings, r.breaches) == (3, 6, 6)
    for t in tickets:
        assert sorted(desk.alerts(t)) == [
            (t.id, "reaction", "breach"), (t.id, "reaction", "warning"),
            (t.id, "resolution", "breach"), (t.id, "resolution", "warning")]
        assert desk.fresh(t).sla_next_check_at is None
    assert sweep(desk.db, at(24 * 60 + 1)).processed == 0
    assert desk.totals()[0] == 12


def test_batches_and_the_coordinators_only_when_unassigned(desk: Desk, world) -> None:
    tickets = [desk.ticket(at(i)) for i in range(5)]
    r = sweep(desk.db, at(50), batch_size=2)
    assert (r.processed, r.batches, r.warnings) == (5, 3, 5)
    # No assignee: only the coordinator hears about it.
    assert desk.notes() == Counter({(world.users["coordinator"].id, "sla_warning"): 5})
    assert {a[0] for a in desk.alerts()} == {t.id for t in tickets}


def test_recipients_are_deduplicated_and_inactive_users_skipped(desk: Desk, world, make) -> None:
    away = make.user(world.provider, Role.COORDINATOR, active=False)
    t = desk.ticket(assignee="coordinator")
    sweep(desk.db, at(46))
    assert desk.notes(t) == Counter({(world.users["coordinator"].id, "sla_warning"): 1})
    assert (away.id, "sla_warning") not in desk.notes()


class SimulatedCrash(BaseException):
    """The process dying: not an Exception, so nothing catches it on the way out."""


def _fail_on(monkeypatch, db: Session, ticket: Ticket, error: BaseException, *,
             times: int = 1) -> list:
    """Raise `error` after the SlaAlert row (and its timeline event) of `ticket` were
    inserted, before its inapp_notifications."""
    real = sla_alerts.inapp_notifications.rows_for
    raised: list = []

    def rows_for(user_ids, kind, *, ticket_id, data, now):
        if ticket_id == ticket.id and len(raised) < times:
            # the alert row is in the transaction already: the crash is between steps
            assert db.exec(select(SlaAlert).where(SlaAlert.ticket_id == ticket.id)).first()
            raised.append(ticket_id)
            raise error
        return real(user_ids, kind, ticket_id=ticket_id, data=data, now=now)

    monkeypatch.setattr(sla_alerts.inapp_notifications, "rows_for", rows_for)
    return raised


@pytest.mark.parametrize("batch_size", [200, 1])
def test_crash_after_the_alert_insert_then_rerun(desk: Desk, monkeypatch, open_session,
                                                 batch_size: int) -> None:
    tickets = [desk.ticket(at(i)) for i in range(3)]
    _fail_on(monkeypatch, desk.db, tickets[1], SimulatedCrash())
    with pytest.raises(SimulatedCrash):
        sweep(desk.db, at(50), batch_size=batch_size)
    monkeypatch.undo()

    # What survived the crash, seen from another connection.
    other = open_session()
    survived = other.exec(select(SlaAlert.ticket_id)).all()
    if batch_size == 200:
        assert survived == []  # one batch, rolled back as a whole
    else:
        assert survived == [tickets[0].id]  # its own batch had committed
    assert other.get(Ticket, tickets[1].id).sla_next_check_at == at(46)  # still due

    # The next run (a new process: a new session) completes everything exactly once.
    rerun = open_session()
    r = sweep(rerun, at(51), batch_size=batch_size)
    assert r.warnings == (3 if batch_size == 200 else 2)
    assert sweep(rerun, at(52)).processed == 0
    assert sorted(desk.alerts()) == sorted((t.id, "reaction", "warning") for t in tickets)
    assert desk.totals() == (3, 3, 3)  # one coordinator, one notification per alert


def test_a_failing_ticket_does_not_block_the_others(desk: Desk, monkeypatch) -> None:
    tickets = [desk.ticket(at(i)) for i in range(3)]
    raised = _fail_on(monkeypatch, desk.db, tickets[1], RuntimeError("bug"))
    r = sweep(desk.db, at(50))
    assert raised == [tickets[1].id]
    assert r.failed == [tickets[1].id]
    assert (r.processed, r.warnings) == (2, 2)  # counted once though redone after rollback
    assert sorted(a[0] for a in desk.alerts()) == [tickets[0].id, tickets[2].id]
    assert desk.fresh(tickets[1]).sla_next_check_at == at(46)  # left for the next run

    r = sweep(desk.db, at(51))
    assert (r.processed, r.warnings, r.failed) == (1, 1, [])
    assert desk.totals() == (3, 3, 3)


def test_a_ticket_failing_every_time_never_loops(desk: Desk, monkeypatch) -> None:
    t = desk.ticket()
    _fail_on(monkeypatch, desk.db, t, RuntimeError("always"), times=10**6)
    assert sweep(desk.db, at(50)).failed == [t.id]
    assert desk.totals() == (0, 0, 0)


def test_paused_tickets_are_not_alerted(desk: Desk) -> None:
    t = desk.ticket()
    desk.pause(t, at(10))
    assert desk.fresh(t).sla_next_check_at is None
    assert sweep(desk.db, at(24 * 60)).processed == 0
    # Even when visited (check instant reset by hand), a paused clock raises nothing.
    desk.db.execute(text("UPDATE ticket SET sla_next_check_at = :t"), {"t": at(0)})
    desk.db.commit()
    r = sweep(desk.db, at(24 * 60))
    assert (r.processed, r.warnings, r.breaches) == (1, 0, 0)
    assert desk.fresh(t).sla_state == sla.PAUSED
    assert desk.totals() == (0, 0, 0)


def test_a_pause_after_the_warning_does_not_warn_again(desk: Desk) -> None:
    """The warning point stays where it was; only the deadline moves with the pause."""
    t = desk.ticket()
    sweep(desk.db, at(46))
    desk.pause(t, at(50))
    desk.db.add(TimelineEvent(ticket_id=t.id, kind=EventKind.STATUS, is_public=True,
                              data={"old": Status.PENDING, "new": Status.OPEN},
                              created_at=at(100)))
    t = desk.fresh(t)
    t.status = Status.OPEN
    desk.db.add(t)
    desk.db.commit()
    sla.recompute_ticket(desk.db, t.id, at(100))
    desk.db.commit()
    assert desk.fresh(t).reaction_due_at == at(110)  # 50 min paused
    r = sweep(desk.db, at(105))
    assert (r.warnings, r.breaches) == (0, 0)
    r = sweep(desk.db, at(111))
    assert (r.warnings, r.breaches) == (0, 1)
    assert desk.alerts() == [(t.id, "reaction", "warning"), (t.id, "reaction", "breach")]


def test_live_pages_hear_about_it_after_commit(desk: Desk, all_changes) -> None:
    changes = all_changes
    t = desk.ticket()
    changes.clear()
    sweep(desk.db, at(46))
    ticket_changes = [c for c in changes if c.kind != "notifications"]
    assert [(c.ticket_id, c.kind, c.public) for c in ticket_changes] == [(t.id, "sla", False)]
    # The recipients' bells hear about their new notifications, on their own topics only.
    bells = [c for c in changes if c.kind == "notifications"]
    assert bells and all(len(c.topics) == 1 and c.topics[0].startswith("user:") for c in bells)
    assert all(not c.public for c in bells)
    changes.clear()
    sweep(desk.db, at(47))
    assert changes == []


# ---------------------------------------------------------------------------- escalation


def test_escalation_raises_priority_one_step_per_breach(desk: Desk) -> None:
    desk.rule(EscalationAction.RAISE_PRIORITY)
    t = desk.ticket()
    v = t.version
    sweep(desk.db, at(46))
    assert desk.fresh(t).priority == Priority.NORMAL  # warnings do not escalate
    sweep(desk.db, at(61))
    t = desk.fresh(t)
    assert (t.priority, t.version) == (Priority.HIGH, v + 1)
    [esc] = desk.events(t, EventKind.ESCALATION)
    assert esc.data == {"action": "raise_priority", "clock": "reaction",
                        "old": Priority.NORMAL, "new": Priority.HIGH}
    assert not esc.is_public and esc.author_id is None
    sweep(desk.db, at(62))
    assert desk.fresh(t).priority == Priority.HIGH  # once per breach, not per run

    sweep(desk.db, at(241))  # the resolution clock breaches: one more step
    t = desk.fresh(t)
    assert (t.priority, t.version) == (Priority.URGENT, v + 2)
    sweep(desk.db, at(500))
    assert desk.fresh(t).priority == Priority.URGENT
    assert len(desk.events(t, EventKind.ESCALATION)) == 2


def test_raising_priority_does_not_cascade(desk: Desk) -> None:
    """At HIGH the resolution target is 30 min: raising the priority after the reaction
    breach reveals a resolution breach at once. It is alerted, but not escalated again."""
    desk.db.add(TicketTypeTarget(ticket_type_id=desk.ttype.id, priority=Priority.HIGH,
                                 resolution_minutes=30))
    desk.db.commit()
    desk.rule(EscalationAction.RAISE_PRIORITY)
    t = desk.ticket()
    r = sweep(desk.db, at(61))
    t = desk.fresh(t)
    assert (r.escalations, t.priority) == (1, Priority.HIGH)
    assert ((t.id, "resolution", "breach")) in desk.alerts(t)
    assert t.resolution_due_at == at(30)  # stored SLA reflects the new priority
    assert sweep(desk.db, at(500)).escalations == 0
    assert desk.fresh(t).priority == Priority.HIGH
    # one breach alert per clock, although the deadline moved
    assert Counter(a[1:] for a in desk.alerts(t))[("resolution", "breach")] == 1


def test_escalation_moves_to_the_escalation_queue(desk: Desk, world) -> None:
    desk.rule(EscalationAction.MOVE_QUEUE, world.queue2.id)
    t = desk.ticket()
    assert t.queue_id == world.queue.id
    sweep(desk.db, at(61))
    t = desk.fresh(t)
    assert t.queue_id == world.queue2.id
    [esc] = desk.events(t, EventKind.ESCALATION)
    assert esc.data == {"action": "move_queue", "clock": "reaction",
                        "old": world.queue.id, "new": world.queue2.id}
    sweep(desk.db, at(241))  # already there: nothing more
    assert len(desk.events(t, EventKind.ESCALATION)) == 1


def test_escalation_without_a_queue_configured_does_nothing(desk: Desk) -> None:
    desk.rule(EscalationAction.MOVE_QUEUE, None)
    t = desk.ticket()
    r = sweep(desk.db, at(61))
    assert (r.breaches, r.escalations) == (1, 0)
    assert desk.events(t, EventKind.ESCALATION) == []


def test_escalation_assigns_a_coordinator_when_unassigned(desk: Desk, world, make) -> None:
    desk.rule(EscalationAction.ASSIGN_COORDINATOR)
    busy = world.users["coordinator"]
    idle = make.user(world.provider, Role.COORDINATOR, name="Ida Idle")
    held = desk.ticket(assignee="coordinator")  # keeps `busy` busy
    free = desk.ticket()
    sweep(desk.db, at(61))
    assert desk.fresh(held).assignee_id == busy.id  # assigned tickets keep their assignee
    assert desk.events(held, EventKind.ESCALATION) == []
    free = desk.fresh(free)
    assert free.assignee_id == idle.id  # the least busy coordinator
    [esc] = desk.events(free, EventKind.ESCALATION)
    assert esc.data == {"action": "assign_coordinator", "clock": "reaction",
                        "old": None, "new": idle.id}


def test_coordinator_load_follows_the_configured_statuses(desk: Desk, world, make) -> None:
    """Load = tickets in a status that is not resolving, as the admin defined the statuses
    (ticket_status: category, `closes`, SLA effect), not a fixed list of keys: a custom
    working status counts, a custom closing status does not."""
    desk.db.add_all([
        TicketStatus(key="in_work", name_pl="W pracy", name_en="In work",
                     category=StatusCategory.OPEN, sla_effect=SlaEffect.COUNTS),
        TicketStatus(key="archived", name_pl="Zarchiwizowane", name_en="Archived",
                     category=StatusCategory.CLOSED, sla_effect=SlaEffect.STOPS, closes=True),
        TicketStatus(key="done_here", name_pl="Zrobione", name_en="Done here",
                     category=StatusCategory.OPEN, sla_effect=SlaEffect.STOPS),
    ])
    desk.db.commit()
    desk.rule(EscalationAction.ASSIGN_COORDINATOR)
    busy = world.users["coordinator"]
    other = make.user(world.provider, Role.COORDINATOR, name="Olga Other")

    def hold(user, status: str, n: int) -> None:
        for _ in range(n):
            t = make.ticket(world.actor("client"), "Held")
            t.assignee_id, t.status, t.sla_next_check_at = user.id, status, None
            desk.db.add(t)
        desk.db.commit()

    hold(busy, Status.OPEN, 1)
    hold(busy, "archived", 3)  # closing: not load
    hold(busy, "done_here", 3)  # stops the clock: resolving, not load
    hold(other, "in_work", 2)  # admin's working status: load
    free = desk.ticket()
    sweep(desk.db, at(61))
    assert desk.fresh(free).assignee_id == busy.id  # 1 active against 2


def test_no_rule_no_escalation(desk: Desk) -> None:
    t = desk.ticket()
    r = sweep(desk.db, at(300))
    assert (r.breaches, r.escalations) == (2, 0)
    assert desk.fresh(t).version == t.version


# ---------------------------------------------------------------------------- reads


def test_notifications_for_the_ui(desk: Desk, world, make) -> None:
    t = desk.ticket(assignee="technician")
    tech = world.actor("technician")
    for who in (tech, world.actor("coordinator")):  # the new-ticket notices: already seen
        inapp_notifications.mark_read(desk.db, who, at(0))
    sweep(desk.db, at(61))
    assert inapp_notifications.unread_count(desk.db, tech) == 2
    shown = inapp_notifications.list_notifications(desk.db, tech, unread_only=True)
    assert {n.kind for n in shown} == {"sla_warning", "sla_breach"}
    assert all(n.ticket_number == t.number and n.data["clock"] == "reaction" for n in shown)
    assert inapp_notifications.mark_read(desk.db, tech, at(62), [shown[0].id]) == 1
    assert inapp_notifications.unread_count(desk.db, tech) == 1
    unread = inapp_notifications.list_notifications(desk.db, tech, unread_only=True)
    assert unread[0].id == shown[1].id
    # someone else's ids are ignored
    assert inapp_notifications.mark_read(desk.db, world.actor("coordinator"), at(62),
                                   [shown[1].id]) == 0
    assert inapp_notifications.mark_read(desk.db, tech, at(63)) == 1
    assert inapp_notifications.unread_count(desk.db, tech) == 0
    assert inapp_notifications.unread_count(desk.db, world.actor("coordinator")) == 2


def test_a_client_never_sees_a_notification_about_a_ticket_out_of_reach(desk: Desk, world,
                                                                         db) -> None:
    t = desk.ticket()
    other = world.users["other-client"]
    db.add(Notification(user_id=other.id, ticket_id=t.id, kind="sla_warning", data={}))
    db.commit()
    assert inapp_notifications.unread_count(db, world.actor("other-client")) == 0
    assert inapp_notifications.list_notifications(db, world.actor("other-client")) == []


def test_the_due_query_is_an_index_range(desk: Desk, engine) -> None:
    """The statement the sweep really sends, explained by the database: a range on
    ix_ticket_sla_next_check, never a scan of the ticket table."""
    for i in range(3):
        desk.ticket(at(i))
    seen: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "FROM ticket" in statement and "sla_next_check_at <=" in statement:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        sweep(desk.db, at(50), batch_size=2)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert len(seen) >= 3  # first batch, a batch after the cursor, the empty one
    with engine.connect() as conn:
        for statement, params in seen:
            if engine.dialect.name == "sqlite":
                plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
                text_plan = " | ".join(str(row[-1]) for row in plan)
                assert "ix_ticket_sla_next_check" in text_plan, text_plan
                assert "SCAN ticket" not in text_plan, text_plan
            else:
                conn.exec_driver_sql("SET enable_seqscan = off")  # tiny table: force
                plan = conn.exec_driver_sql("EXPLAIN " + statement, params).all()
                text_plan = " | ".join(row[0] for row in plan)
                assert "ix_ticket_sla_next_check" in text_plan, text_plan


def test_the_scheduler_job_only_calls_the_domain_rule(desk: Desk, monkeypatch) -> None:
    """jobs/sla_sweep.run (what the leader's tick calls) is the domain sweep."""
    from helpdesk_app.jobs import sla_sweep as job

    t = desk.ticket()
    seen: list = []
    real = sla_alerts.sweep
    monkeypatch.setattr(sla_alerts, "sweep", lambda db, now, **kw: seen.append(now)
                        or real(db, now, **kw))
    r = job.run(desk.db, at(46), keep_going=lambda: True)
    assert seen == [at(46)] and (r.processed, r.warnings) == (1, 1)
    assert desk.alerts(t) == [(t.id, "reaction", "warning")]


def test_a_failure_in_a_statement_shared_by_the_batch_finds_its_ticket(desk: Desk,
                                                                       monkeypatch) -> None:
    """The alert rows of a batch go in one statement: when it fails, the ticket to blame
    is unknown, so the batch is redone one ticket per transaction."""
    tickets = [desk.ticket(at(i)) for i in range(4)]
    bad = tickets[2].id
    real = sla_alerts._insert_alerts
    calls: list[list[int]] = []

    def insert_alerts(db, visits, ctx):
        ids = [v.ticket.id for v in visits]
        calls.append(ids)
        if bad in ids:
            raise RuntimeError("constraint trouble")
        return real(db, visits, ctx)

    monkeypatch.setattr(sla_alerts, "_insert_alerts", insert_alerts)
    r = sweep(desk.db, at(50), batch_size=3)
    assert r.failed == [bad]
    assert (r.processed, r.warnings) == (3, 3)
    assert calls[0] == [t.id for t in tickets[:3]]  # the batch, then one by one
    assert calls[1:4] == [[tickets[0].id], [tickets[1].id], [bad]]
    assert sorted(a[0] for a in desk.alerts()) == sorted(t.id for t in tickets if t.id != bad)
    assert desk.fresh(tickets[2]).sla_next_check_at == at(47)  # left for the next run
    monkeypatch.undo()
    r = sweep(desk.db, at(51))
    assert (r.processed, r.warnings, r.failed) == (1, 1, [])
    assert desk.totals() == (4, 4, 4)


def test_one_round_trip_per_kind_of_row(desk: Desk, world, engine) -> None:
    """The batch's rows go in shared statements, not one per ticket: alert rows, events,
    notifications and mails each in one (executemany) statement per batch, whatever the
    number of tickets."""
    from helpdesk_app.models import OutboundMail

    tickets = [desk.ticket(at(i), assignee="technician") for i in range(6)]
    counted: Counter = Counter()

    def count(conn, cursor, statement, parameters, context, executemany):
        head = statement.lstrip().split("(")[0].split(" VALUES")[0].strip()
        if head.startswith("INSERT INTO"):
            counted[head.split()[2]] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        r = sweep(desk.db, at(300))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert (r.processed, r.breaches, r.mails) == (6, 12, 12)  # technician + coordinator
    assert counted["sla_alert"] == 1 and counted["notification"] == 1
    assert counted["outbound_mail"] == 1 and counted["timeline_event"] == 1
    mails = desk.db.exec(select(OutboundMail)).all()
    assert {(m.ticket_id, m.user_id) for m in mails} == {
        (t.id, u.id) for t in tickets for u in (world.users["technician"],
                                                world.users["coordinator"])}
