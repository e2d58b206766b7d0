"""The business minutes until the first response (issue 14): written by the SLA engine
when a staff member first answers in public, and filled for older tickets by
`sla_recompute.backfill_first_response` without touching their recorded outcome."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from helpdesk_app.domain import tickets
from helpdesk_app.domain.sla_recompute import backfill_first_response
from helpdesk_app.models import EventKind, Ticket, TimelineEvent
from helpdesk_app.models.base import utcnow
from tests.reports_support import set_ticket


def _answered(db, world, make, minutes_before: int) -> Ticket:
    """A ticket under a 24/7 contract received `minutes_before` the first staff reply."""
    ticket = make.ticket(world.actor("client"), "Serwer")
    tickets.add_comment(db, world.actor("technician"), ticket.id, "Sprawdzam.", public=True)
    reply = db.exec(select(TimelineEvent.created_at).where(
        TimelineEvent.ticket_id == ticket.id, TimelineEvent.kind == EventKind.REPLY)).one()
    return set_ticket(db, ticket, created_at=reply - timedelta(minutes=minutes_before))


def test_the_first_staff_reply_stores_the_minutes_it_took(db, world, make):
    make.contract_24x7(world.org_a.id)
    ticket = make.ticket(world.actor("client"), "Drukarka")
    assert ticket.first_response_minutes is None
    tickets.add_comment(db, world.actor("client"), ticket.id, "Jeszcze jedno", public=True)
    db.expire_all()
    assert db.get(Ticket, ticket.id).first_response_minutes is None  # a client's reply
    tickets.add_comment(db, world.actor("technician"), ticket.id, "Już patrzę", public=True)
    db.expire_all()
    assert db.get(Ticket, ticket.id).first_response_minutes == 0  # answered at once


def test_the_backfill_fills_only_the_missing_minutes(db, world, make):
    make.contract_24x7(world.org_a.id)
    old = _answered(db, world, make, 45)
    old = set_ticket(db, old, first_response_minutes=None, sla_state="breached",
                     sla_minutes_used=7)
    known = _answered(db, world, make, 30)
    known = set_ticket(db, known, first_response_minutes=12)  # already stored: kept
    unanswered = make.ticket(world.actor("client"), "Cisza")
    seen = []
    assert backfill_first_response(db, utcnow(), batch_size=1,
                                   progress=lambda d, t: seen.append((d, t))) == 1
    db.expire_all()
    after = {t.id: t for t in db.exec(select(Ticket).order_by(col(Ticket.id))).all()}
    assert after[old.id].first_response_minutes == 45
    assert (after[old.id].sla_state, after[old.id].sla_minutes_used) == ("breached", 7)
    assert after[known.id].first_response_minutes == 12
    assert after[unanswered.id].first_response_minutes is None
    assert seen == [(1, 1)]
    assert backfill_first_response(db, utcnow()) == 0  # idempotent
