"""Opening tickets, their numbers and looking them up by number."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from helpdesk_app.domain import tickets
from helpdesk_app.domain.errors import FormInvalid, Invalid, NotFound
from helpdesk_app.domain.tickets import NewTicket
from helpdesk_app.models import (
    Channel,
    EventKind,
    Priority,
    Status,
    Ticket,
    TicketCounter,
    TimelineEvent,
)


def _events(db: Session, ticket_id: int) -> list[TimelineEvent]:
    return list(db.exec(select(TimelineEvent).where(TimelineEvent.ticket_id == ticket_id)
                        .order_by(TimelineEvent.id)).all())


def test_client_creates_ticket(db: Session, world) -> None:
    client = world.actor("client")
    row = tickets.create_ticket(db, client, NewTicket(subject="  VPN   is\tdown ",
                                                      body="  since 8:00 \n"))
    assert row.subject == "VPN is down"  # whitespace collapsed
    assert row.status == Status.NEW and row.priority == Priority.NORMAL
    assert row.channel == Channel.WEB
    assert row.requester == "Carl Client" and row.organisation == "Org A"
    assert row.queue == "Service Desk" and row.assignee == ""
    ticket = db.get(Ticket, row.id)
    assert ticket.requester_id == ticket.created_by_id == client.user_id
    assert ticket.version == 1
    [created] = _events(db, row.id)
    assert created.kind == EventKind.CREATED and created.is_public
    assert created.author_id == client.user_id
    assert created.body == "since 8:00"
    assert created.data == {"channel": Channel.WEB}


@pytest.mark.parametrize("channel", [Channel.PHONE, Channel.EMAIL, Channel.CHAT, Channel.WEB])
def test_staff_creates_on_behalf_with_channel(db: Session, world, channel: str) -> None:
    tech = world.actor("technician")
    requester = world.users["other-client"]
    row = tickets.create_ticket(db, tech, NewTicket(
        subject="Phoned in: printer", body="Caller says...", requester_id=requester.id,
        queue_id=world.queue2.id, priority=Priority.HIGH, channel=channel))
    ticket = db.get(Ticket, row.id)
    assert ticket.requester_id == requester.id
    assert ticket.created_by_id == tech.user_id
    assert ticket.organisation_id == world.org_b.id
    assert (ticket.channel, ticket.priority, ticket.queue_id) == (
        channel, Priority.HIGH, world.queue2.id)
    [created] = _events(db, row.id)
    assert created.author_id == tech.user_id
    assert created.data == {"channel": channel}
    # The requester sees it as theirs.
    detail = tickets.get_ticket(db, world.actor("other-client"), row.id)
    assert detail.channel == channel and detail.events[0].data == {"channel": channel}


@pytest.mark.parametrize("subject", ["", "   ", "\t\n", None])
def test_subject_required(db: Session, world, subject) -> None:
    for actor in (world.actor("client"), world.actor("admin")):
        with pytest.raises(FormInvalid) as exc:
            tickets.create_ticket(db, actor, NewTicket(
                subject=subject, requester_id=world.users["client"].id))
        assert exc.value.errors == {"subject": ("ticket.subject_required", {})}
    assert db.exec(select(Ticket)).all() == []
    assert db.exec(select(TicketCounter)).all() == []  # no number burnt


def test_subject_and_body_length_limits(db: Session, world) -> None:
    client = world.actor("client")
    with pytest.raises(FormInvalid) as exc:
        tickets.create_ticket(db, client, NewTicket(subject="x" * 251))
    assert exc.value.errors == {"subject": ("ticket.subject_too_long", {"max": 250})}
    with pytest.raises(FormInvalid) as exc:
        tickets.create_ticket(db, client, NewTicket(subject="ok", body="x" * 100_001))
    assert exc.value.errors == {"body": ("ticket.body_too_long", {"max": 100_000})}
    assert tickets.create_ticket(db, client, NewTicket(subject="x" * 250)).subject == "x" * 250


def test_invalid_requester(db: Session, world, make) -> None:
    admin = world.actor("admin")
    inactive = make.user(world.org_a, active=False)
    cases = {
        None: "ticket.requester_required",
        999_999: "ticket.requester_invalid",
        world.users["technician"].id: "ticket.requester_invalid",
        inactive.id: "ticket.requester_invalid",
    }
    for requester_id, key in cases.items():
        with pytest.raises(FormInvalid) as exc:
            tickets.create_ticket(db, admin, NewTicket(subject="s", requester_id=requester_id))
        assert exc.value.errors == {"requester": (key, {})}
    assert db.exec(select(Ticket)).all() == []


@pytest.mark.parametrize(
    ("field", "value", "key"),
    [
        ("channel", "fax", "ticket.channel_invalid"),
        ("priority", 0, "ticket.priority_invalid"),
        ("priority", 5, "ticket.priority_invalid"),
        ("queue_id", 999_999, "ticket.queue_invalid"),
    ],
)
def test_invalid_staff_choices(db: Session, world, field, value, key) -> None:
    data = NewTicket(subject="s", requester_id=world.users["client"].id)
    setattr(data, field, value)
    with pytest.raises(Invalid) as exc:
        tickets.create_ticket(db, world.actor("coordinator"), data)
    assert exc.value.key == key
    assert db.exec(select(Ticket)).all() == []


def test_inactive_queue_refused_and_default_queue_skips_it(db: Session, world, make) -> None:
    closed = make.queue("Closed queue", active=False)
    with pytest.raises(Invalid) as exc:
        tickets.create_ticket(db, world.actor("admin"), NewTicket(
            subject="s", requester_id=world.users["client"].id, queue_id=closed.id))
    assert exc.value.key == "ticket.queue_invalid"


def test_no_active_queue(db: Session, make) -> None:
    org = make.org()
    client = make.actor(make.user(org))
    with pytest.raises(Invalid) as exc:
        tickets.create_ticket(db, client, NewTicket(subject="s"))
    assert exc.value.key == "ticket.no_queue"


def test_numbers_are_formatted_unique_and_sequential(db: Session, world) -> None:
    client = world.actor("client")
    year = datetime.now(ZoneInfo("Europe/Warsaw")).year
    numbers = [tickets.create_ticket(db, client, NewTicket(subject=f"t{i}")).number
               for i in range(5)]
    assert all(re.fullmatch(r"\d{4}-\d{6}", n) for n in numbers)
    assert numbers == [f"{year}-{i:06d}" for i in range(1, 6)]
    assert len(set(numbers)) == 5
    counter = db.get(TicketCounter, year)
    assert counter.last_value == 5


def test_numbers_continue_from_counter(db: Session, world) -> None:
    year = datetime.now(ZoneInfo("Europe/Warsaw")).year
    db.add(TicketCounter(year=year, last_value=41))
    db.commit()
    row = tickets.create_ticket(db, world.actor("client"), NewTicket(subject="s"))
    assert row.number == f"{year}-000042"


def test_numbers_sequential_across_sessions(db: Session, world, open_session) -> None:
    a, b = db, open_session()
    client = world.actor("client")
    n1 = tickets.create_ticket(a, client, NewTicket(subject="a")).number
    n2 = tickets.create_ticket(b, client, NewTicket(subject="b")).number
    n3 = tickets.create_ticket(a, client, NewTicket(subject="c")).number
    assert [int(n[5:]) for n in (n1, n2, n3)] == [1, 2, 3]


@pytest.fixture
def numbered(db: Session, world, make):
    client = world.actor("client")
    make.ticket(client, "first")
    return make.ticket(client, "second")


@pytest.mark.parametrize("fmt", ["{y}-2", "#{y}-000002", " #{y}-2 ", "{y}-000002"])
def test_find_by_number_accepts_typed_forms(db: Session, world, numbered, fmt) -> None:
    year = numbered.number[:4]
    for role in ("client", "client-manager", "technician"):
        assert tickets.find_by_number(db, world.actor(role), fmt.format(y=year)) == numbered.id


@pytest.mark.parametrize("text", ["", "nonsense", "2026", "#", None])
def test_find_by_number_rejects_garbage(db: Session, world, numbered, text) -> None:
    with pytest.raises(NotFound) as exc:
        tickets.find_by_number(db, world.actor("admin"), text)
    assert exc.value.key == "ticket.number_not_found"


def test_find_by_number_unknown(db: Session, world, numbered) -> None:
    year = numbered.number[:4]
    with pytest.raises(NotFound) as exc:
        tickets.find_by_number(db, world.actor("admin"), f"{year}-999")
    assert exc.value.key == "ticket.number_not_found"
    assert exc.value.params == {"number": f"{year}-000999"}


def test_find_by_number_other_org_is_not_found(db: Session, world, numbered) -> None:
    # Same error as for an unknown number: existence is not confirmed.
    with pytest.raises(NotFound) as exc:
        tickets.find_by_number(db, world.actor("other-client"), numbered.number)
    assert exc.value.key == "ticket.number_not_found"
    # A plain colleague of the requester does not see it either; the manager does.
    with pytest.raises(NotFound):
        tickets.find_by_number(db, world.actor("colleague"), numbered.number)
    assert tickets.find_by_number(db, world.actor("client-manager"), numbered.number) == numbered.id


def test_every_problem_of_the_form_is_reported_at_once(db: Session, world) -> None:
    with pytest.raises(FormInvalid) as exc:
        tickets.create_ticket(db, world.actor("technician"), NewTicket(
            subject="  ", body="x" * 100_001))
    assert set(exc.value.errors) == {"subject", "body", "requester"}
    assert db.exec(select(Ticket)).all() == []
