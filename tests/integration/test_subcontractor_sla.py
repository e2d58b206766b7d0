"""Subcontractors and the SLA: they see the deadlines of the tickets handed to them (not
the contract behind them) and an SLA board counting those tickets only; their public
reply is the first agent response (on the reply path, in the history the sweep reads and
in the bulk recompute alike), and their status changes pause, resume and resolve the
clocks like the desk's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from helpdesk_app.domain import contracts, handover, sla, sla_board, sla_recompute, tickets
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.contracts import CalendarInput, ContractInput, TicketTypeInput
from helpdesk_app.domain.errors import Forbidden, NotFound
from helpdesk_app.models import (
    EventKind,
    OrgKind,
    Role,
    SlaAlert,
    Status,
    Ticket,
    TimelineEvent,
)
from helpdesk_app.models.base import utcnow


@dataclass
class SubSla:
    world: object
    sub: Actor
    coord: Actor
    org_id: int


@pytest.fixture
def sub_sla(db: Session, world, make) -> SubSla:
    """Org A on a 24/7 contract (reaction 1 h, resolution 8 h); a subcontractor "Fixers"."""
    admin = world.actor("admin")
    cal = contracts.save_calendar(db, admin, CalendarInput("24/7", always_open=True))
    contract = contracts.save_contract(
        db, admin, ContractInput(world.org_a.id, "Umowa A", date(2020, 1, 1), cal))
    contracts.save_ticket_type(db, admin, TicketTypeInput(
        contract, "Awaria", "Failure", reaction_minutes=60, resolution_minutes=480))
    fixers = make.org("Fixers", OrgKind.SUBCONTRACTOR)
    pawel = make.user(fixers, Role.SUBCONTRACTOR, name="Paweł Fixer")
    return SubSla(world, make.actor(pawel), world.actor("coordinator"), fixers.id)


def _handed_ticket(db: Session, make, s: SubSla, subject: str) -> Ticket:
    t = make.ticket(s.world.actor("client"), subject)
    assert handover.hand_over(db, s.coord, [t.id], s.org_id).failures == []
    return _fresh(db, t.id)


def _fresh(db: Session, ticket_id: int) -> Ticket:
    db.expire_all()
    return db.get(Ticket, ticket_id)


def _reply_at(db: Session, ticket_id: int, body: str):
    return db.exec(select(TimelineEvent.created_at).where(
        TimelineEvent.ticket_id == ticket_id, TimelineEvent.body == body)).one()


def test_a_subcontractor_s_public_reply_is_the_first_response(db, make, sub_sla) -> None:
    t = _handed_ticket(db, make, sub_sla, "Pump station alarm")
    assert (t.status, t.sla_state, t.first_response_at) == (Status.NEW, "running", None)
    # their note is not an answer to the client
    tickets.add_comment(db, sub_sla.sub, t.id, "Parts ordered", public=False)
    assert _fresh(db, t.id).first_response_at is None
    tickets.add_comment(db, sub_sla.sub, t.id, "We will be there at 10:00", public=True)
    t = _fresh(db, t.id)
    assert t.first_response_at == _reply_at(db, t.id, "We will be there at 10:00")
    # like the desk's first answer, it takes the new ticket into work
    assert t.status == Status.OPEN and t.sla_state == "running"
    report = tickets.sla_report(db, sub_sla.coord, t.id, utcnow())
    assert report.result.reaction.state == "met"


def test_the_sweep_history_and_the_bulk_recompute_agree(db, make, sub_sla) -> None:
    t = _handed_ticket(db, make, sub_sla, "Valve alarm")
    tickets.add_comment(db, sub_sla.sub, t.id, "On site tomorrow", public=True)
    answered = _reply_at(db, t.id, "On site tomorrow")
    assert sla.load_history(db, [t.id])[t.id].first_response_at == answered
    columns = ("first_response_at", "reaction_due_at", "resolution_due_at", "sla_state")
    stored = {c: getattr(_fresh(db, t.id), c) for c in columns}
    # forget the stored answer, then let the configuration-change path find it again
    ticket = db.get(Ticket, t.id)
    ticket.first_response_at = None
    db.add(ticket)
    db.commit()
    sla_recompute.recompute_many(db, [t.id], utcnow())
    again = _fresh(db, t.id)
    assert again.first_response_at == answered
    assert {c: getattr(again, c) for c in columns} == stored


def test_their_answer_still_counts_after_a_withdrawal(db, make, sub_sla) -> None:
    # the answer reached the client; a later withdrawal does not un-answer the ticket
    t = _handed_ticket(db, make, sub_sla, "Old alarm")
    tickets.add_comment(db, sub_sla.sub, t.id, "Checked, all fine", public=True)
    handover.withdraw(db, sub_sla.coord, t.id)
    sla_recompute.recompute_many(db, [t.id], utcnow())
    assert _fresh(db, t.id).first_response_at == _reply_at(db, t.id, "Checked, all fine")


def test_their_status_changes_pause_resume_and_resolve_like_staff(db, make, sub_sla) -> None:
    t = _handed_ticket(db, make, sub_sla, "Sensor alarm")
    sub = sub_sla.sub
    tickets.add_comment(db, sub, t.id, "Looking into it", public=True)
    t = _fresh(db, t.id)
    first_due = t.resolution_due_at

    version = tickets.set_status_as_client(db, sub, t.id, t.version, Status.PENDING)
    t = _fresh(db, t.id)
    assert (t.sla_state, t.resolution_due_at) == ("paused", None)
    assert t.sla_paused_since is not None

    version = tickets.set_status_as_client(db, sub, t.id, version, Status.OPEN)
    t = _fresh(db, t.id)
    assert t.sla_state == "running" and t.resolution_due_at >= first_due

    tickets.set_status_as_client(db, sub, t.id, version, Status.RESOLVED)
    t = _fresh(db, t.id)
    assert t.sla_state == "met" and t.resolved_at is not None
    assert t.sla_next_check_at is None
    # the timeline (the history the SLA is derived from) says who did it: new -> open by
    # their reply, then pending, open, resolved
    authors = db.exec(select(TimelineEvent.author_id).where(
        TimelineEvent.ticket_id == t.id, TimelineEvent.kind == EventKind.STATUS)).all()
    assert authors == [sub.user_id] * 4


def test_the_reaction_deadline_counts_down_until_they_answer(db, make, sub_sla) -> None:
    t = _handed_ticket(db, make, sub_sla, "Late alarm")
    assert t.reaction_due_at == t.created_at + timedelta(minutes=60)
    row = tickets.list_tickets(db, sub_sla.sub, tickets.ListQuery()).rows[0]
    assert (row.number, row.sla_state, row.sla_due_at) == (t.number, "running",
                                                           t.reaction_due_at)
    tickets.add_comment(db, sub_sla.sub, t.id, "Answer", public=True)
    row = tickets.list_tickets(db, sub_sla.sub, tickets.ListQuery()).rows[0]
    assert row.sla_due_at == _fresh(db, t.id).resolution_due_at


def test_they_see_the_clocks_of_a_handed_ticket_not_the_contract(db, make, sub_sla) -> None:
    t = _handed_ticket(db, make, sub_sla, "Meter alarm")
    now = utcnow()
    desk = tickets.sla_report(db, sub_sla.coord, t.id, now)
    theirs = tickets.sla_report(db, sub_sla.sub, t.id, now)
    assert theirs.result == desk.result  # the same clocks and deadlines
    assert theirs.result.reaction.due_at == t.reaction_due_at
    assert (theirs.contract, theirs.is_key, theirs.calendar) == ("", False, "")
    assert (theirs.ticket_type_pl, theirs.ticket_type_en) == ("", "")
    assert theirs.result.explain is None and desk.result.explain is not None
    assert desk.contract == "Umowa A"


def test_no_deadlines_of_a_ticket_not_handed_to_them(db, make, sub_sla) -> None:
    t = _handed_ticket(db, make, sub_sla, "Withdrawn alarm")
    handover.withdraw(db, sub_sla.coord, t.id)
    plain = make.ticket(sub_sla.world.actor("client"), "Never handed")
    for ticket_id in (t.id, plain.id):
        with pytest.raises(NotFound):
            tickets.sla_report(db, sub_sla.sub, ticket_id, utcnow())
    with pytest.raises(Forbidden):  # the client's own ticket: still the desk's figures
        tickets.sla_report(db, sub_sla.world.actor("client"), plain.id, utcnow())


# --------------------------------------------------------------------------- the SLA board


def _set(db: Session, ticket: Ticket, **values) -> Ticket:
    """Stored SLA fields as the sweep would have left them (no recomputation)."""
    row = db.get(Ticket, ticket.id)
    for name, value in values.items():
        setattr(row, name, value)
    db.add(row)
    db.commit()
    return row


@pytest.fixture
def board_tickets(db: Session, make, sub_sla) -> dict[str, Ticket]:
    """Fixers: one ticket at risk (assigned), one breached today, one resolved on time;
    at risk elsewhere: one withdrawn from Fixers, one handed to Other Fixers, one never
    handed; a breached never-handed ticket resolved late."""
    now = utcnow()
    tom = sub_sla.world.users["technician"]
    risky = dict(status=Status.OPEN, sla_state="warning", first_response_at=now,
                 resolution_due_at=now + timedelta(minutes=30), assignee_id=tom.id)
    made = {name: _handed_ticket(db, make, sub_sla, name)
            for name in ("risky", "late", "done", "withdrawn")}
    _set(db, made["risky"], **risky)
    _set(db, made["late"], status=Status.OPEN, sla_state="breached",
         resolution_due_at=now - timedelta(minutes=5))
    _set(db, made["done"], status=Status.RESOLVED, sla_state="met", resolved_at=now)
    handover.withdraw(db, sub_sla.coord, made["withdrawn"].id)
    _set(db, made["withdrawn"], **risky)
    others = make.org("Other Fixers", OrgKind.SUBCONTRACTOR)
    made["other"] = make.ticket(sub_sla.world.actor("client"), "other")
    assert handover.hand_over(db, sub_sla.coord, [made["other"].id], others.id).failures == []
    _set(db, made["other"], **risky)
    made["plain"] = _set(db, make.ticket(sub_sla.world.actor("client"), "plain"), **risky)
    made["plain-late"] = _set(db, make.ticket(sub_sla.world.actor("client"), "plain-late"),
                              status=Status.RESOLVED, sla_state="breached", resolved_at=now)
    for name in ("late", "plain"):
        # dated now, so "today" holds it whatever the hour the test runs at
        db.add(SlaAlert(ticket_id=made[name].id, clock="resolution", level="breach",
                        point_at=now, due_at=now, created_at=now))
    db.commit()
    made["stranger"] = make.actor(make.user(others, Role.SUBCONTRACTOR, name="Stefan"))
    return made


def test_their_board_counts_only_the_tickets_handed_to_them(db, sub_sla, board_tickets):
    b = sla_board.board(db, sub_sla.sub, utcnow(), tz="UTC")
    risky = board_tickets["risky"]
    assert [r.number for r in b.at_risk] == [risky.number] and b.at_risk_total == 1
    assert (b.buckets[sla_board.AT_RISK], b.buckets[sla_board.BREACHED]) == (1, 1)
    assert b.active_total == 2  # risky + late; not withdrawn, other or plain
    assert (b.breaches.today, b.breaches.week) == (1, 1)  # the plain ticket's breach: no
    assert (b.overall.met, b.overall.breached) == (1, 0)  # "done"; not "plain-late"
    assert sum(d.met + d.breached for d in b.chart) == 1


def test_their_board_names_no_assignee_contract_or_ticket_type(db, sub_sla, board_tickets):
    theirs = sla_board.board(db, sub_sla.sub, utcnow(), tz="UTC")
    row = theirs.at_risk[0]
    assert (row.assignee, row.contract, row.is_key) == ("", "", False)
    assert theirs.by_contract == [] and theirs.by_type == [] and not theirs.desk
    desk = sla_board.board(db, sub_sla.coord, utcnow(), tz="UTC")
    assert desk.desk and desk.by_contract and desk.by_type
    mine = next(r for r in desk.at_risk if r.number == row.number)
    assert (mine.assignee, mine.contract) == ("Tom Technician", "Umowa A")
    # the desk's board counts every ticket: 4 at risk, 2 breaches today
    assert (desk.at_risk_total, desk.breaches.today) == (4, 2)


def test_another_subcontractor_s_board_holds_only_their_own(db, sub_sla, board_tickets):
    b = sla_board.board(db, board_tickets["stranger"], utcnow(), tz="UTC")
    assert [r.number for r in b.at_risk] == [board_tickets["other"].number]
    assert b.active_total == 1 and b.breaches.today == 0 and b.overall.total == 0
