"""A technician whose custom role limits them to queues sees only those queues' tickets
(plus the ones assigned to them) everywhere: list, counts, chips, search, the ticket,
attachments, the SLA board, notifications and bulk changes. Unrestricted staff unchanged."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from helpdesk_app.domain import (
    access,
    actor_loading,
    attachments,
    auth,
    bulk,
    inapp_notifications,
    permissions,
    queues_admin,
    sla_board,
    tickets,
)
from helpdesk_app.domain.attachments import IncomingFile
from helpdesk_app.domain.errors import Forbidden, NotFound
from helpdesk_app.models import Attachment, Notification, Role, Ticket


@pytest.fixture
def limited(db: Session, world, make):
    """Tom (technician) limited to Network (queue2) by his role; tickets in both queues,
    one Service Desk ticket assigned to him."""
    admin = world.actor("admin")
    client = world.users["client"]
    network = make.ticket(admin, "Router down", requester=client, queue_id=world.queue2.id)
    desk = make.ticket(admin, "Printer jam", requester=client, queue_id=world.queue.id)
    mine = make.ticket(admin, "Printer assigned", requester=client, queue_id=world.queue.id)
    tickets.update_ticket(db, admin, mine.id, mine.version,
                          {"assignee_id": world.users["technician"].id})
    role = make.custom_role("Network team", queues=(world.queue2,))
    tom = make.give_role(world.users["technician"], role)
    return {"tom": tom, "network": network, "desk": desk, "mine": mine, "role": role}


def _ids(db, actor, **q) -> set[int]:
    return {r.id for r in tickets.list_tickets(db, actor, tickets.ListQuery(page_size=100,
                                                                            **q)).rows}


def test_actor_loading_gives_the_role_queues_and_memberships(db, world, make, limited):
    assert limited["tom"].visible_queue_ids == {world.queue2.id}
    make.member(world.queue, world.users["technician"])
    again = actor_loading.load(db, world.users["technician"])
    assert again.visible_queue_ids == {world.queue.id, world.queue2.id}
    # memberships alone never limit a technician without a limited custom role
    make.member(world.queue2, world.users["technician2"])
    assert actor_loading.load(db, world.users["technician2"]).visible_queue_ids is None


def test_session_resolves_to_the_limited_actor(db, world, limited, password):
    token, actor = auth.login(db, world.users["technician"].email, password)
    assert actor.visible_queue_ids == {world.queue2.id}
    assert auth.resolve_session(db, token).visible_queue_ids == {world.queue2.id}


def test_list_shows_own_queue_and_assigned_only(db, world, limited):
    tom = limited["tom"]
    assert _ids(db, tom) == {limited["network"].id, limited["mine"].id}
    # filtering on the other queue finds only what is assigned to him there
    assert _ids(db, tom, queue_id=world.queue.id) == {limited["mine"].id}
    # an unrestricted technician still sees everything
    assert {limited["desk"].id, limited["network"].id} <= _ids(db, world.actor("technician2"))


def test_search_does_not_find_other_queues(db, world, limited):
    tom = limited["tom"]
    assert _ids(db, tom, search="Printer jam") == set()
    assert _ids(db, tom, search=limited["desk"].number) == set()
    with pytest.raises(NotFound):
        tickets.find_by_number(db, tom, limited["desk"].number)
    assert tickets.find_by_number(db, tom, limited["network"].number) == limited["network"].id


def test_counts_and_chips_cover_only_visible_queues(db, world, limited):
    counts = tickets.queue_counts(db, limited["tom"])
    assert [(qid, n) for qid, _name, n in counts] == [(world.queue2.id, 1)]
    assert [o.id for o in queues_admin.visible_queues(db, limited["tom"])] == [world.queue2.id]
    everyone = {qid for qid, _n, _c in tickets.queue_counts(db, world.actor("technician2"))}
    assert everyone == {world.queue.id, world.queue2.id}


def test_ticket_page_read_is_not_found_for_another_queue(db, limited):
    with pytest.raises(NotFound):
        tickets.get_ticket(db, limited["tom"], limited["desk"].id)
    assert tickets.get_ticket(db, limited["tom"], limited["mine"].id).id == limited["mine"].id


def test_attachment_of_another_queue_is_not_found(db, world, limited):
    tickets.add_comment(db, world.actor("admin"), limited["desk"].id, "log", public=True,
                        files=[IncomingFile("log.txt", b"secret", "text/plain")])
    [att] = db.exec(select(Attachment)).all()
    with pytest.raises(NotFound):
        attachments.open_attachment(db, limited["tom"], att.id)
    row, _path = attachments.open_attachment(db, world.actor("technician2"), att.id)
    assert row.id == att.id


def test_sla_board_counts_only_visible_tickets(db, world, make, limited):
    now = datetime.now(UTC)
    # Tom's role lacks "reports": refused like a built-in technician
    with pytest.raises(Forbidden):
        sla_board.board(db, limited["tom"], now)
    reporting = make.custom_role("Network lead", perms=(permissions.REPORTS_VIEW,),
                                 queues=(world.queue2,))
    lead = make.give_role(world.users["technician2"], reporting)
    board = sla_board.board(db, lead, now)
    everything = sla_board.board(db, world.actor("coordinator"), now)
    assert board.active_total == 1  # only the Network ticket
    assert everything.active_total == 3


def test_bulk_never_touches_other_queues(db, world, limited):
    tom = limited["tom"]
    result = bulk.apply(db, tom, [limited["desk"].id, limited["network"].id],
                        {"priority": 4})
    assert result.changed == [limited["network"].id]
    [failure] = result.failures
    assert (failure.ticket_id, failure.reason, failure.number) == (
        limited["desk"].id, "not_found", "")
    assert db.get(Ticket, limited["desk"].id).priority != 4
    assert set(bulk.ticket_ids_for(db, tom, tickets.ListQuery())) == {
        limited["network"].id, limited["mine"].id}


def test_a_role_without_bulk_rights_cannot_bulk_edit(db, world, make, limited):
    role = make.custom_role("No bulk", perms=(), limited=False)
    actor = make.give_role(world.users["technician2"], role)
    with pytest.raises(Forbidden):
        bulk.apply(db, actor, [limited["network"].id], {"priority": 4})


def test_notifications_skip_tickets_the_technician_cannot_see(db, world, make, limited):
    for row in db.exec(select(Notification)).all():
        db.delete(row)
    db.commit()
    admin, client = world.actor("admin"), world.users["client"]
    make.ticket(admin, "Desk again", requester=client, queue_id=world.queue.id)
    make.ticket(admin, "Network again", requester=client, queue_id=world.queue2.id)
    tom_id = world.users["technician"].id
    rows = db.exec(select(Notification).where(Notification.user_id == tom_id)).all()
    numbers = {db.get(Ticket, n.ticket_id).subject for n in rows}
    assert numbers == {"Network again"}
    other = db.exec(select(Notification).where(
        Notification.user_id == world.users["technician2"].id)).all()
    assert {db.get(Ticket, n.ticket_id).subject for n in other} == {"Desk again",
                                                                   "Network again"}


def test_bell_hides_notifications_of_tickets_no_longer_visible(db, world, limited):
    tom = limited["tom"]
    inapp_notifications.notify(db, [tom.user_id], "new_ticket", ticket_id=limited["desk"].id,
                               data={}, now=datetime.now(UTC))
    db.commit()
    listed = inapp_notifications.list_notifications(db, tom, limit=50)
    assert limited["desk"].id not in {n.ticket_id for n in listed}


def test_moving_a_ticket_to_another_queue_is_a_hand_off(db, world, limited):
    tom, ticket = limited["tom"], limited["network"]
    db.refresh(ticket)
    tickets.update_ticket(db, tom, ticket.id, ticket.version, {"queue_id": world.queue.id})
    with pytest.raises(NotFound):
        tickets.get_ticket(db, tom, ticket.id)
    assert access.can_see_ticket(world.actor("technician2"), db.get(Ticket, ticket.id))


def test_clients_and_admins_ignore_custom_roles(db, world, make):
    role = make.custom_role("Odd", queues=(world.queue2,))
    admin = world.users["admin"]
    admin.custom_role_id = role.id
    db.add(admin)
    db.commit()
    loaded = actor_loading.load(db, admin)
    assert loaded.visible_queue_ids is None and loaded.role == Role.ADMIN
    assert actor_loading.load_many(db, [admin])[admin.id].visible_queue_ids is None


@pytest.mark.parametrize("sort", ["priority", "updated"])
def test_page_in_sort_index_order_lists_the_same_tickets(db, world, limited, monkeypatch,
                                                         sort):
    """Many matches: the page query hides the scope from the index choice (a plan, not a
    rule); it must list exactly what the other plan lists."""
    from helpdesk_app.domain import tickets_queries

    query = tickets.ListQuery(page_size=100, sort=sort, status=None)
    monkeypatch.setattr(tickets_queries, "_SCAN_ROWS_MAX", 0)  # never: index + sort
    by_sort = [r.id for r in tickets.list_tickets(db, limited["tom"], query).rows]
    monkeypatch.setattr(tickets_queries, "_SCAN_ROWS_MAX", 10**9)  # always: scan in order
    assert tickets_queries._scan_in_sort_order(db, limited["tom"], query, 2, 100)
    by_scan = [r.id for r in tickets.list_tickets(db, limited["tom"], query).rows]
    assert by_scan == by_sort and set(by_scan) == {limited["network"].id, limited["mine"].id}


def test_mail_to_a_limited_coordinator_only_for_visible_queues(db, world, make):
    from helpdesk_app.models import OutboundMail

    role = make.custom_role("Network coordination", base=Role.COORDINATOR,
                            queues=(world.queue2,))
    cora = make.give_role(world.users["coordinator"], role)
    admin, client = world.actor("admin"), world.users["client"]
    make.ticket(admin, "Desk mail", requester=client, queue_id=world.queue.id)
    make.ticket(admin, "Network mail", requester=client, queue_id=world.queue2.id)
    mails = db.exec(select(OutboundMail).where(OutboundMail.user_id == cora.user_id)).all()
    subjects = {db.get(Ticket, m.ticket_id).subject for m in mails}
    assert subjects == {"Network mail"}  # new-ticket mail: coordinators, but not Desk's
