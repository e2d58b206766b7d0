"""The pipeline works in batches (one session, configuration read once per batch): each
message must still be its own transaction that sees what the ones before it did."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from helpdesk_app.domain import tickets, tx_cache, workflow
from helpdesk_app.mail.inbound import pipeline, store
from helpdesk_app.models import (
    EventKind,
    InboundMail,
    InboundStatus,
    MailSource,
    Status,
    Ticket,
    TicketStatus,
)
from tests.mail_support import ADDRESS, Room, message


def _store(room: Room, *msgs) -> list[int]:
    return [store.store_raw(room.db, m.as_bytes(), source=MailSource.SMTP,
                            mail_from=str(m["From"]), rcpt_to=[ADDRESS]) for m in msgs]


def _mails(room: Room, ids: list[int]) -> list[InboundMail]:
    room.db.expire_all()
    return [room.db.get(InboundMail, i) for i in ids]


def test_batches_group_fresh_messages_and_isolate_retried_ones() -> None:
    rows = [(1, 0), (2, 0), (3, 1), (4, 0), (5, 0), (6, 0), (7, 2)]
    assert pipeline.batches(rows, size=2) == [[1, 2], [3], [4, 5], [6], [7]]
    assert pipeline.batches([], size=2) == []


def test_one_batch_turns_many_messages_into_tickets_each_committed(room: Room) -> None:
    ids = _store(room, *(message(sender="carl@org-a.test", subject=f"Problem {n}")
                         for n in range(5)))
    result = pipeline.process_pending(room.engine)
    assert (result.processed, result.outcomes) == (5, {InboundStatus.DONE: 5})
    mails = _mails(room, ids)
    assert [m.attempts for m in mails] == [1] * 5
    subjects = [room.db.get(Ticket, m.ticket_id).subject for m in mails]
    assert subjects == [f"Problem {n}" for n in range(5)]
    numbers = {room.db.get(Ticket, m.ticket_id).number for m in mails}
    assert len(numbers) == 5
    # every new ticket got its auto-reply and its SLA deadlines, as one by one
    assert len(room.outbox("carl@org-a.test")) == 5
    assert all(room.db.get(Ticket, m.ticket_id).resolution_due_at is not None
               or room.db.get(Ticket, m.ticket_id).contract_id is None for m in mails)


def test_a_later_message_in_the_batch_sees_what_an_earlier_one_changed(room: Room) -> None:
    """Two replies to a ticket waiting on the client, in one batch: the first puts it back
    to open; the second must see 'open' (not a stale 'pending') and change nothing."""
    first = room.deliver(message(sender="carl@org-a.test"))
    ticket = room.db.get(Ticket, first.ticket_id)
    agent = room.world.actor("admin")
    tickets.update_ticket(room.db, agent, ticket.id, ticket.version,
                          {"status": Status.PENDING})
    ids = _store(room, *(message(sender="carl@org-a.test", subject=f"Re: [#{ticket.number}]",
                                 body=f"Answer {n}") for n in range(2)))
    assert pipeline.batches(pipeline.pending(room.engine)) == [ids]  # really one batch
    pipeline.process_pending(room.engine)
    assert [m.status for m in _mails(room, ids)] == [InboundStatus.DONE] * 2
    room.db.expire_all()
    assert room.db.get(Ticket, ticket.id).status == Status.OPEN
    reopened = [e for e in room.events(ticket.id)
                if e.kind == EventKind.STATUS and e.data.get("new") == Status.OPEN]
    assert len(reopened) == 1
    replies = [e.body for e in room.events(ticket.id) if e.kind == EventKind.REPLY]
    assert replies == ["Answer 0", "Answer 1"]


def test_a_change_made_elsewhere_during_a_batch_is_seen_by_its_next_message(
        room: Room, open_session, monkeypatch: pytest.MonkeyPatch) -> None:
    """An agent puts the ticket on 'pending' between two messages of one batch: the
    second client reply must see 'pending' and take the ticket back to 'open' (a batch
    must not serve tickets it read for an earlier message)."""
    first = room.deliver(message(sender="carl@org-a.test"))
    ticket = room.db.get(Ticket, first.ticket_id)
    ids = _store(room, *(message(sender="carl@org-a.test", subject=f"Re: [#{ticket.number}]",
                                 body=f"Answer {n}") for n in range(2)))
    real = pipeline._process_one
    calls: list[int] = []

    def then_agent_acts(db, mail_id, channels, *, force):
        status = real(db, mail_id, channels, force=force)
        calls.append(mail_id)
        if len(calls) == 1:
            other = open_session()
            current = other.get(Ticket, ticket.id)
            tickets.update_ticket(other, room.world.actor("admin"), ticket.id,
                                  current.version, {"status": Status.PENDING})
        return status

    monkeypatch.setattr(pipeline, "_process_one", then_agent_acts)
    pipeline.process_pending(room.engine)
    assert calls == ids
    room.db.expire_all()
    assert room.db.get(Ticket, ticket.id).status == Status.OPEN
    statuses = [e.data.get("new") for e in room.events(ticket.id) if e.kind == EventKind.STATUS]
    assert statuses[-2:] == [Status.PENDING, Status.OPEN]


def test_a_quarantined_message_does_not_spoil_the_rest_of_its_batch(
        room: Room, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _store(room, message(sender="carl@org-a.test", subject="One"),
                 message(sender="carl@org-a.test", subject="Boom"),
                 message(sender="carl@org-a.test", subject="Three"))
    real = tickets.create_ticket

    def flaky(db, actor, data, **kw):
        if data.subject == "Boom":
            db.flush()
            raise RuntimeError("disk on fire")
        return real(db, actor, data, **kw)

    monkeypatch.setattr(tickets, "create_ticket", flaky)
    pipeline.process_pending(room.engine)
    one, boom, three = _mails(room, ids)
    assert (one.status, three.status) == (InboundStatus.DONE, InboundStatus.DONE)
    assert (boom.status, boom.reason) == (InboundStatus.QUARANTINED, "processing_error")
    assert "disk on fire" in boom.detail
    assert room.db.get(Ticket, three.ticket_id).subject == "Three"
    assert room.db.exec(select(func.count()).select_from(Ticket)
                        .where(Ticket.subject == "Boom")).one() == 0


def test_a_retried_message_runs_alone_so_a_poison_one_spends_only_its_own_attempts(
        room: Room) -> None:
    ids = _store(room, *(message(sender="carl@org-a.test", subject=f"M{n}") for n in range(3)))
    # the middle one was being processed when the worker died (its attempt was counted)
    room.db.execute(InboundMail.__table__.update().where(InboundMail.id == ids[1])
                    .values(attempts=1))
    room.db.commit()
    assert pipeline.batches(pipeline.pending(room.engine)) == [[ids[0]], [ids[1]], [ids[2]]]
    pipeline.process_pending(room.engine)
    assert [m.attempts for m in _mails(room, ids)] == [1, 2, 1]


def test_configuration_is_read_once_per_batch_and_afresh_in_the_next(
        room: Room, open_session) -> None:
    """An admin's change made while a batch runs is seen by the next batch."""
    db: Session = open_session()
    with tx_cache.batch(db):
        before = workflow.all_statuses(db)[Status.OPEN].name_en
        admin = open_session()
        row = admin.get(TicketStatus, Status.OPEN)
        row.name_en = "In progress"
        admin.add(row)
        admin.commit()
        db.commit()  # a message's commit inside the batch keeps the batch's cache
        assert workflow.all_statuses(db)[Status.OPEN].name_en == before
    # outside a batch the cache lives for one transaction only
    assert workflow.all_statuses(db)[Status.OPEN].name_en == "In progress"
    db.commit()


def test_batch_scoped_cache_is_off_outside_a_batch_and_dropped_on_rollback(
        open_session) -> None:
    db: Session = open_session()
    loads: list[int] = []

    def load() -> int:
        loads.append(1)
        return len(loads)

    assert tx_cache.cached(db, "k", load, scope="batch") == 1
    assert tx_cache.cached(db, "k", load, scope="batch") == 2  # not cached outside a batch
    with tx_cache.batch(db):
        assert tx_cache.cached(db, "k", load, scope="batch") == 3
        db.commit()
        assert tx_cache.cached(db, "k", load, scope="batch") == 3
        db.exec(select(func.count()).select_from(Ticket)).one()  # a transaction to undo
        db.rollback()
        assert tx_cache.cached(db, "k", load, scope="batch") == 4
    assert tx_cache.cached(db, "k", load, scope="tx") == 5
    assert tx_cache.cached(db, "k", load, scope="tx") == 5
    db.commit()
    assert tx_cache.cached(db, "k", load, scope="tx") == 6


def test_a_new_ticket_by_mail_gets_the_same_sla_as_a_full_recompute(room: Room) -> None:
    """The pipeline skips reading history a new ticket cannot have, and reads targets and
    calendars once per batch; the deadlines must match a full recompute from the
    timeline, in business hours (Mon-Fri 8-16 Warsaw)."""
    from datetime import date, time, timedelta

    from helpdesk_app.domain import sla
    from helpdesk_app.models import BusinessCalendar, CalendarWindow, Contract, TicketType

    cal = BusinessCalendar(name="Office", timezone="Europe/Warsaw", always_open=False,
                           holiday_country="PL")
    room.db.add(cal)
    room.db.commit()
    room.db.add_all([CalendarWindow(calendar_id=cal.id, weekday=d, start=time(8),
                                    end=time(16)) for d in range(5)])
    contract = Contract(organisation_id=room.world.org_a.id, name="Office hours",
                        valid_from=date(2020, 1, 1), calendar_id=cal.id)
    room.db.add(contract)
    room.db.commit()
    room.db.add(TicketType(contract_id=contract.id, name_pl="Awaria", name_en="Failure",
                           reaction_minutes=60, resolution_minutes=600, warning_percent=75))
    room.db.commit()

    ids = _store(room, message(sender="carl@org-a.test", subject="A"),
                 message(sender="carl@org-a.test", subject="B"))
    pipeline.process_pending(room.engine)
    for mail in _mails(room, ids):
        ticket = room.db.get(Ticket, mail.ticket_id)
        assert ticket.contract_id == contract.id and ticket.resolution_due_at is not None
        full = sla.compute(sla.load_inputs(room.db, ticket),
                           ticket.created_at + timedelta(seconds=1))
        assert (full.reaction_due_at, full.resolution_due_at) == (
            ticket.reaction_due_at, ticket.resolution_due_at)
        # 600 business minutes are more than one working day: the deadline is days away
        assert ticket.resolution_due_at - ticket.created_at > timedelta(hours=10)


def test_message_id_lookups_use_the_message_id_index(room: Room) -> None:
    """Duplicate detection and threading look a Message-ID up directly; walking all
    processed mail (what SQLite did through the status index) grew with every message."""
    if room.engine.dialect.name != "sqlite":
        pytest.skip("a SQLite query-plan check (PostgreSQL plans from its statistics)")
    from sqlalchemy import event

    seen: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if re.search(r"inbound_mail\.message_id (=|IN)", statement):
            seen.append((statement, parameters))

    event.listen(room.engine, "before_cursor_execute", capture)
    try:
        first = room.deliver(message(sender="carl@org-a.test"))
        ticket = room.db.get(Ticket, first.ticket_id)
        [ours] = room.outbox("carl@org-a.test")
        room.deliver(message(sender="carl@org-a.test", subject="Re: your message",
                             in_reply_to=ours.message_id, references=[ours.message_id]))
    finally:
        event.remove(room.engine, "before_cursor_execute", capture)
    assert len(seen) >= 2, "no Message-ID lookup was made"
    with room.engine.connect() as conn:
        for statement, parameters in seen:
            plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, parameters).all())
            assert "ix_inbound_mail_message_id_status" in plan, (statement, plan)
    assert ticket is not None


def test_the_sender_is_found_whatever_the_case_of_the_stored_address(room: Room) -> None:
    from helpdesk_app.domain import directory

    client = room.world.users["client"]
    assert directory.user_by_email(room.db, "carl@org-a.test").id == client.id
    client.email = "Carl.Client@Org-A.test"  # stored as typed somewhere else
    room.db.add(client)
    room.db.commit()
    assert directory.user_by_email(room.db, "carl.client@org-a.test").id == client.id
    mail = room.deliver(message(sender="CARL.CLIENT@org-a.TEST"))
    assert room.db.get(Ticket, mail.ticket_id).requester_id == client.id
    assert directory.user_by_email(room.db, "") is None
