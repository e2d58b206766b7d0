"""The access policy as the rest of the domain applies it: SQL scope, detail, notes, files."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from helpdesk_app.domain import access, attachments, tickets
from helpdesk_app.domain.access import Action
from helpdesk_app.domain.attachments import IncomingFile
from helpdesk_app.domain.errors import Forbidden, FormInvalid, NotFound
from helpdesk_app.models import Attachment, Channel, Priority, Status, Ticket, TimelineEvent

ALL_ROLES = ("admin", "coordinator", "technician", "client", "client-manager")
STAFF_ROLES = ("admin", "coordinator", "technician")


@pytest.fixture
def scenario(world, make):
    """Tickets of the plain client, their colleague (same org) and a client of org B."""
    staff = world.actor("technician")
    own = make.ticket(world.actor("client"), "Own ticket")
    colleague = make.ticket(world.actor("colleague"), "Colleague ticket")
    other = make.ticket(staff, "Other org ticket", requester=world.users["other-client"])
    return {"own": own, "colleague": colleague, "other-org": other}


def _visible(role: str, relation: str) -> bool:
    if role in STAFF_ROLES:
        return True
    return relation == "own" or (role == "client-manager" and relation == "colleague")


@pytest.mark.parametrize("role", ALL_ROLES)
def test_list_scope_and_can_agree(db: Session, world, scenario, role: str) -> None:
    actor = world.actor(role)
    page = tickets.list_tickets(db, actor, tickets.ListQuery(page_size=100))
    listed = {r.id for r in page.rows}
    expected = {t.id for rel, t in scenario.items() if _visible(role, rel)}
    assert listed == expected
    assert page.total == len(expected)
    for relation, ticket in scenario.items():
        assert access.can(actor, Action.VIEW, ticket) is _visible(role, relation)
        assert access.can(actor, Action.EDIT, ticket) is (role in STAFF_ROLES)
        assert access.can(actor, Action.VIEW_INTERNAL, ticket) is (role in STAFF_ROLES)
        assert access.can(actor, Action.NOTE, ticket) is (role in STAFF_ROLES)
        assert access.can(actor, Action.REPLY, ticket) is _visible(role, relation)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_get_ticket_not_found_for_invisible(db: Session, world, scenario, role: str) -> None:
    actor = world.actor(role)
    for relation, ticket in scenario.items():
        if _visible(role, relation):
            assert tickets.get_ticket(db, actor, ticket.id).id == ticket.id
        else:
            with pytest.raises(NotFound):
                tickets.get_ticket(db, actor, ticket.id)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_get_ticket_unknown_id_is_not_found(db: Session, world, role: str) -> None:
    with pytest.raises(NotFound):
        tickets.get_ticket(db, world.actor(role), 999_999)


@pytest.mark.parametrize("role", ["client", "client-manager"])
def test_client_cannot_reply_or_note_on_invisible(db: Session, world, scenario, role) -> None:
    actor = world.actor(role)
    with pytest.raises(NotFound):
        tickets.add_comment(db, actor, scenario["other-org"].id, "hi", public=True)
    before = db.exec(select(TimelineEvent)).all()
    with pytest.raises(NotFound):
        tickets.add_comment(db, actor, scenario["other-org"].id, "hi", public=False)
    assert len(db.exec(select(TimelineEvent)).all()) == len(before)


def test_clients_never_receive_internal_notes(db: Session, world, scenario) -> None:
    tech = world.actor("technician")
    ticket = scenario["own"]
    tickets.add_comment(db, tech, ticket.id, "Public answer", public=True)
    tickets.add_comment(db, tech, ticket.id, "SECRET internal note", public=False)
    staff_view = tickets.get_ticket(db, tech, ticket.id)
    assert any(e.body == "SECRET internal note" and not e.is_public for e in staff_view.events)
    for role in ("client", "client-manager"):
        view = tickets.get_ticket(db, world.actor(role), ticket.id)
        assert view.events, "clients still see the public timeline"
        assert all(e.is_public for e in view.events)
        assert all("SECRET" not in e.body for e in view.events)
        assert "Public answer" in [e.body for e in view.events]


def test_client_does_not_see_assignee(db: Session, world, scenario) -> None:
    coord = world.actor("coordinator")
    ticket = scenario["own"]
    tech = world.users["technician"]
    tickets.update_ticket(db, coord, ticket.id, ticket.version, {"assignee_id": tech.id})
    staff_view = tickets.get_ticket(db, coord, ticket.id)
    assert staff_view.assignee_id == tech.id
    assert staff_view.assignee == "Tom Technician"
    assert staff_view.requester_email == world.users["client"].email
    client_view = tickets.get_ticket(db, world.actor("client"), ticket.id)
    assert client_view.assignee_id is None
    assert client_view.assignee == ""
    assert client_view.requester_email == ""
    # The assignment event is internal, so its data never reaches the client either.
    assert all(e.kind != "assignment" for e in client_view.events)
    assert any(e.kind == "assignment" for e in staff_view.events)


def test_internal_note_attachment_not_openable_by_client(db: Session, world, scenario) -> None:
    tech = world.actor("technician")
    ticket = scenario["own"]
    tickets.add_comment(db, tech, ticket.id, "log attached", public=False,
                        files=[IncomingFile("server.log", b"internal log")])
    tickets.add_comment(db, tech, ticket.id, "manual attached", public=True,
                        files=[IncomingFile("manual.pdf", b"%PDF public")])
    internal = db.exec(select(Attachment).where(Attachment.filename == "server.log")).one()
    public = db.exec(select(Attachment).where(Attachment.filename == "manual.pdf")).one()
    for role in ("client", "client-manager"):
        actor = world.actor(role)
        with pytest.raises(NotFound):
            attachments.open_attachment(db, actor, internal.id)
        row, path = attachments.open_attachment(db, actor, public.id)
        assert row.id == public.id and path.read_bytes() == b"%PDF public"
        names = [a.filename for e in tickets.get_ticket(db, actor, ticket.id).events
                 for a in e.attachments]
        assert names == ["manual.pdf"]
    # Staff may open both; a client of another organisation may open neither.
    assert attachments.open_attachment(db, tech, internal.id)[1].read_bytes() == b"internal log"
    for att in (internal, public):
        with pytest.raises(NotFound):
            attachments.open_attachment(db, world.actor("other-client"), att.id)
    with pytest.raises(NotFound):
        attachments.open_attachment(db, tech, 999_999)


@pytest.mark.parametrize("role", ["client", "client-manager"])
def test_client_cannot_add_internal_note(db: Session, world, scenario, role: str) -> None:
    ticket = scenario["own"]
    count = len(db.exec(select(TimelineEvent)).all())
    with pytest.raises(Forbidden):
        tickets.add_comment(db, world.actor(role), ticket.id, "sneaky", public=False)
    assert len(db.exec(select(TimelineEvent)).all()) == count


@pytest.mark.parametrize("role", ["client", "client-manager"])
@pytest.mark.parametrize("changes", [{"status": Status.CLOSED}, {"priority": Priority.URGENT}])
def test_client_cannot_update_ticket(db: Session, world, scenario, role, changes) -> None:
    ticket = scenario["own"]
    with pytest.raises(Forbidden):
        tickets.update_ticket(db, world.actor(role), ticket.id, ticket.version, changes)
    db.expire_all()
    fresh = db.get(Ticket, ticket.id)
    assert (fresh.status, fresh.priority, fresh.version) == (
        Status.NEW, Priority.NORMAL, ticket.version)


def test_client_cannot_update_invisible_ticket(db: Session, world, scenario) -> None:
    ticket = scenario["other-org"]
    with pytest.raises(NotFound):
        tickets.update_ticket(db, world.actor("client-manager"), ticket.id, ticket.version,
                              {"status": Status.CLOSED})


@pytest.mark.parametrize("role", ["client", "client-manager"])
def test_client_cannot_create_ticket_for_others(db: Session, world, role: str) -> None:
    actor = world.actor(role)
    assert access.can(actor, Action.CREATE_FOR_OTHERS) is False
    colleague = world.users["colleague"]
    row = tickets.create_ticket(db, actor, tickets.NewTicket(
        subject="For my colleague", requester_id=colleague.id, queue_id=world.queue2.id,
        priority=Priority.URGENT, channel=Channel.PHONE))
    ticket = db.get(Ticket, row.id)
    # The requester is always the client themselves; agent-only choices are ignored.
    assert ticket.requester_id == actor.user_id != colleague.id
    assert ticket.created_by_id == actor.user_id
    assert ticket.organisation_id == world.org_a.id
    assert (ticket.channel, ticket.priority, ticket.queue_id) == (
        Channel.WEB, Priority.NORMAL, world.queue.id)
    with pytest.raises(NotFound):
        tickets.get_ticket(db, world.actor("colleague"), ticket.id)


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_can_create_for_clients(db: Session, world, role: str) -> None:
    actor = world.actor(role)
    assert access.can(actor, Action.CREATE_FOR_OTHERS) is True
    row = tickets.create_ticket(db, actor, tickets.NewTicket(
        subject="Phoned in", requester_id=world.users["other-client"].id))
    assert db.get(Ticket, row.id).organisation_id == world.org_b.id


def test_staff_cannot_open_ticket_for_staff(db: Session, world) -> None:
    with pytest.raises(FormInvalid) as exc:
        tickets.create_ticket(db, world.actor("admin"), tickets.NewTicket(
            subject="x", requester_id=world.users["technician"].id))
    assert exc.value.errors == {"requester": ("ticket.requester_invalid", {})}


def test_client_list_rows_hide_nothing_they_should_see(db: Session, world, scenario) -> None:
    # Search and filters are applied *within* the scope, never widening it.
    page = tickets.list_tickets(db, world.actor("client"), tickets.ListQuery(
        search="ticket", organisation_id=world.org_b.id))
    assert page.rows == [] and page.total == 0
    page = tickets.list_tickets(db, world.actor("client"), tickets.ListQuery(
        search=scenario["colleague"].number))
    assert page.rows == []


# --------------------------------------------------------------------------- queue limits


@pytest.mark.parametrize("limited", [True, False], ids=["restricted", "unrestricted"])
def test_queue_limited_technician_scope_and_can_agree(db: Session, world, make,
                                                      limited: bool) -> None:
    """SQL scope and `can` give the same answer for own queue / other queue / assigned."""
    admin, client = world.actor("admin"), world.users["client"]
    own = make.ticket(admin, "own queue", requester=client, queue_id=world.queue2.id)
    other = make.ticket(admin, "other queue", requester=client, queue_id=world.queue.id)
    mine = make.ticket(admin, "assigned", requester=client, queue_id=world.queue.id)
    tickets.update_ticket(db, admin, mine.id, mine.version,
                          {"assignee_id": world.users["technician"].id})
    actor = make.give_role(world.users["technician"],
                           make.custom_role(queues=(world.queue2,), limited=limited))
    listed = {r.id for r in tickets.list_tickets(db, actor,
                                                 tickets.ListQuery(page_size=100)).rows}
    for ticket in (own, other, mine):
        db.refresh(ticket)
        sees = not limited or ticket is not other
        assert (ticket.id in listed) is sees
        assert access.can(actor, Action.VIEW, ticket) is sees
        assert access.can(actor, Action.EDIT, ticket) is sees
        assert access.can(actor, Action.NOTE, ticket) is sees
