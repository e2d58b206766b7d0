"""SLA points found late (catch-up after downtime, finished tickets): recorded at the
instant they happened, exactly once, and announced to nobody."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from helpdesk_app.demo import seed_demo
from helpdesk_app.domain import inapp_notifications, sla
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.sla_alerts import is_news, sweep
from helpdesk_app.models import (
    Contract,
    EscalationAction,
    EventKind,
    Notification,
    OutboundMail,
    Role,
    SlaAlert,
    Status,
    Ticket,
    TimelineEvent,
    User,
)
from helpdesk_app.models.base import utcnow

T0 = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
SLA_EVENTS = (EventKind.SLA_WARNING, EventKind.SLA_BREACH)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def contract(db: Session, world, make) -> Contract:
    """24/7, reaction 60 min, resolution 240 min, warning at 75 %: points at 45, 60, 180
    and 240 minutes after the ticket is received."""
    return make.contract_24x7(world.org_a.id, "Gold",
                              escalation_action=EscalationAction.RAISE_PRIORITY)


def _ticket(db: Session, world, make) -> Ticket:
    t = make.ticket(world.actor("client"), "Server down")
    t.created_at, t.assignee_id = T0, world.users["technician"].id
    db.add(t)
    db.commit()
    sla.recompute_ticket(db, t.id, T0)
    db.commit()
    return t


def _resolve(db: Session, t: Ticket, when: datetime) -> None:
    db.add(TimelineEvent(ticket_id=t.id, kind=EventKind.STATUS, is_public=True,
                         data={"old": t.status, "new": Status.RESOLVED}, created_at=when))
    t.status = Status.RESOLVED
    db.add(t)
    db.commit()
    sla.recompute_ticket(db, t.id, when)
    db.commit()


def _sla_events(db: Session, t: Ticket) -> list[tuple[str, datetime]]:
    db.expire_all()
    return [(e.kind, e.created_at) for e in db.exec(
        select(TimelineEvent).where(TimelineEvent.ticket_id == t.id,
                                    col(TimelineEvent.kind).in_(SLA_EVENTS))
        .order_by(col(TimelineEvent.created_at), col(TimelineEvent.id))).all()]


def _told(db: Session) -> tuple[int, int]:
    """(SLA in-app notifications, SLA mails) in the whole database."""
    notes = db.exec(select(Notification).where(
        col(Notification.kind).in_(("sla_warning", "sla_breach")))).all()
    mails = db.exec(select(OutboundMail).where(
        col(OutboundMail.kind).in_(("sla_warning", "sla_breach")))).all()
    return len(notes), len(mails)


def test_points_found_late_are_dated_when_they_happened_and_told_to_nobody(
        db: Session, world, make, contract) -> None:
    t = _ticket(db, world, make)
    before = _told(db)
    r = sweep(db, at(24 * 60))  # the scheduler was down for a day
    assert (r.warnings, r.breaches, r.quiet, r.notifications, r.mails) == (2, 2, 4, 0, 0)
    assert _sla_events(db, t) == [(EventKind.SLA_WARNING, at(45)),
                                  (EventKind.SLA_BREACH, at(60)),
                                  (EventKind.SLA_WARNING, at(180)),
                                  (EventKind.SLA_BREACH, at(240))]
    assert _told(db) == before
    # Still open: the breach is escalated (a real state of the ticket, not news).
    assert r.escalations == 1
    # Exactly once: a forced revisit records nothing again.
    db.get(Ticket, t.id).sla_next_check_at = at(0)
    db.commit()
    r = sweep(db, at(24 * 60 + 1))
    assert (r.warnings, r.breaches) == (0, 0)
    assert len(db.exec(select(SlaAlert).where(SlaAlert.ticket_id == t.id)).all()) == 4


def test_a_finished_ticket_is_recorded_quietly_before_its_resolution(
        db: Session, world, make, contract) -> None:
    t = _ticket(db, world, make)
    _resolve(db, t, at(250))  # resolved 10 min after the deadline, nobody swept meanwhile
    before = _told(db)
    r = sweep(db, at(251))  # the resolution breach is only 11 minutes old: still quiet
    assert (r.warnings, r.breaches, r.notifications, r.mails, r.escalations) == (2, 2, 0, 0, 0)
    events = _sla_events(db, t)
    assert [when for _kind, when in events] == [at(45), at(60), at(180), at(240)]
    assert all(when < at(250) for _kind, when in events)
    assert _told(db) == before
    assert db.get(Ticket, t.id).priority == t.priority  # not escalated
    assert db.get(Ticket, t.id).sla_next_check_at is None


def test_a_fresh_point_of_an_open_ticket_is_news(db: Session, world, make, contract) -> None:
    t = _ticket(db, world, make)
    r = sweep(db, at(46))
    assert (r.warnings, r.quiet) == (1, 0) and r.notifications >= 1
    assert _sla_events(db, t) == [(EventKind.SLA_WARNING, at(45))]
    # The grace is a setting of the sweep: with none, even a minute late is quiet.
    r = sweep(db, at(61), grace=timedelta(0))
    assert (r.breaches, r.quiet, r.notifications) == (1, 1, 0)


def test_is_news() -> None:
    hour = timedelta(hours=1)
    assert is_news(at(0), at(60), hour)
    assert not is_news(at(0), at(61), hour)


def test_the_demo_starts_quiet(db: Session) -> None:
    """Seed the demo, run the first sweep: the bells show a handful at most, and no
    timeline has an SLA event after its ticket's resolution."""
    seed_demo(db)
    r = sweep(db, utcnow())
    assert r.warnings + r.breaches > 20  # the demo has plenty of late tickets...
    staff = db.exec(select(User).where(col(User.role).in_(Role.STAFF))).all()
    unread = {u.email: inapp_notifications.unread_count(db, Actor.from_user(u))
              for u in staff}
    assert max(unread.values()) <= 5, unread  # ...recorded quietly
    assert _told(db)[1] <= 5
    late: Counter = Counter()
    for ticket in db.exec(select(Ticket).where(col(Ticket.resolved_at).is_not(None))).all():
        for _kind, when in _sla_events(db, ticket):
            if when > ticket.resolved_at:
                late[ticket.number] += 1
    assert not late
