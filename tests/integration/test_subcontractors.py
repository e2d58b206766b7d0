"""Subcontractors (issue 13): handing tickets over and back, and the access matrix of a
subcontractor × a ticket handed to them / withdrawn from them / handed to another
subcontractor - lists, counts, search, the detail, events, attachments, notifications,
checklists, fields and statuses, through the domain (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlmodel import col, select

from helpdesk_app.domain import (
    attachments,
    checklists,
    fields,
    handover,
    inapp_notifications,
    organisations_admin,
    tickets,
    workflow,
)
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.attachments import IncomingFile
from helpdesk_app.domain.errors import Conflict, Forbidden, Invalid, NotFound
from helpdesk_app.models import (
    Attachment,
    AuditEvent,
    ChecklistTemplate,
    ChecklistTemplateItem,
    ContractSubcontractor,
    CustomField,
    EventKind,
    FieldPermission,
    FieldScope,
    Handover,
    Notification,
    OrgKind,
    OutboundMail,
    Role,
    Ticket,
    TicketStatus,
    TicketType,
    TimelineEvent,
)


@dataclass
class Subs:
    """Two subcontractor organisations; tickets handed / withdrawn / handed elsewhere."""

    world: object
    sub: Actor  # Paweł of "Fixers"
    colleague: Actor  # another person at Fixers (not named in handovers)
    stranger: Actor  # someone at "Other Fixers"
    handed: Ticket
    withdrawn: Ticket
    other: Ticket  # handed to Other Fixers
    plain: Ticket  # never handed
    org_id: int
    other_org_id: int


def _hand(db, actor: Actor, ticket: Ticket, org_id: int, user_id: int | None = None,
          note: str = "") -> None:
    result = handover.hand_over(db, actor, [ticket.id], org_id, user_id, note)
    assert result.failures == [], result.failures


@pytest.fixture
def subs(db, world, make) -> Subs:
    fixers = make.org("Fixers", OrgKind.SUBCONTRACTOR)
    others = make.org("Other Fixers", OrgKind.SUBCONTRACTOR)
    pawel = make.user(fixers, Role.SUBCONTRACTOR, name="Paweł Fixer")
    colleague = make.user(fixers, Role.SUBCONTRACTOR, name="Celina Fixer")
    stranger = make.user(others, Role.SUBCONTRACTOR, name="Stefan Stranger")
    coord, client = world.actor("coordinator"), world.users["client"]
    made = [make.ticket(coord, subject, requester=client)
            for subject in ("Pump station alarm", "Old pump alarm", "Valve alarm",
                            "Plain alarm")]
    handed, withdrawn, other, plain = made
    _hand(db, coord, handed, fixers.id, pawel.id, "Please go on site")
    _hand(db, coord, withdrawn, fixers.id)
    handover.withdraw(db, coord, withdrawn.id)
    _hand(db, coord, other, others.id)
    for t in made:
        db.refresh(t)
    return Subs(world, make.actor(pawel), make.actor(colleague), make.actor(stranger),
                handed, withdrawn, other, plain, fixers.id, others.id)


# --------------------------------------------------------------------------- lists


def test_the_list_count_and_search_hold_only_tickets_handed_to_them(db, subs: Subs) -> None:
    page = tickets.list_tickets(db, subs.sub, tickets.ListQuery(page_size=100))
    assert [r.number for r in page.rows] == [subs.handed.number] and page.total == 1
    # the whole organisation sees it, not only the named person
    assert tickets.list_tickets(db, subs.colleague, tickets.ListQuery()).total == 1
    stranger = tickets.list_tickets(db, subs.stranger, tickets.ListQuery())
    assert [r.number for r in stranger.rows] == [subs.other.number]
    # search: a number or words of a ticket not handed to them finds nothing
    for text in (subs.withdrawn.number, subs.other.number, subs.plain.number, "Valve"):
        assert tickets.list_tickets(db, subs.sub, tickets.ListQuery(search=text)).total == 0
    found = tickets.list_tickets(db, subs.sub, tickets.ListQuery(search="alarm"))
    assert [r.number for r in found.rows] == [subs.handed.number]
    assert tickets.list_tickets(db, subs.sub, tickets.ListQuery(status="active")).total == 1


@pytest.mark.parametrize("relation", ["withdrawn", "other", "plain"])
def test_a_ticket_not_handed_to_them_does_not_exist_for_them(db, subs: Subs,
                                                             relation: str) -> None:
    ticket = getattr(subs, relation)
    with pytest.raises(NotFound):
        tickets.find_by_number(db, subs.sub, ticket.number)
    with pytest.raises(NotFound):
        tickets.get_ticket(db, subs.sub, ticket.id)
    with pytest.raises(NotFound):
        tickets.add_comment(db, subs.sub, ticket.id, "hello", public=False)
    with pytest.raises(NotFound):
        handover.accept(db, subs.sub, ticket.id)
    with pytest.raises(NotFound):
        checklists.items_for(db, subs.sub, ticket.id)


def test_the_detail_holds_public_and_shared_events_only(db, subs: Subs) -> None:
    tech = subs.world.actor("technician")
    tickets.add_comment(db, tech, subs.handed.id, "Desk only: client owes us money",
                        public=False)
    tickets.add_comment(db, tech, subs.handed.id, "Key is at the reception", public=False,
                        share=True)
    tickets.add_comment(db, subs.sub, subs.handed.id, "On my way", public=False)
    tickets.add_comment(db, subs.sub, subs.handed.id, "We will come at 9", public=True)
    detail = tickets.get_ticket(db, subs.sub, subs.handed.id)
    bodies = [e.body for e in detail.events]
    assert "Desk only: client owes us money" not in bodies
    assert {"Key is at the reception", "On my way", "We will come at 9"} <= set(bodies)
    assert "Please go on site" in bodies  # the handover's note
    # the desk's business stays blank (as for clients)
    assert detail.queue == "" and detail.assignee == "" and detail.requester_email == ""
    assert detail.contract_id is None and detail.handed_to == ""
    handed = next(e for e in detail.events if e.kind == EventKind.HANDOVER)
    assert detail.names[f"org:{handed.data['org']}"] == "Fixers"
    assert detail.names[f"user:{handed.data['user']}"] == "Paweł Fixer"
    # a client sees the subcontractor's public reply, never a shared note or a handover
    client_view = tickets.get_ticket(db, subs.world.actor("client"), subs.handed.id)
    client_bodies = [e.body for e in client_view.events]
    assert "We will come at 9" in client_bodies
    assert not {"Key is at the reception", "On my way", "Please go on site"} & set(
        client_bodies)
    assert all(e.kind != EventKind.HANDOVER for e in client_view.events)
    # staff see who it is handed to
    staff_view = tickets.get_ticket(db, tech, subs.handed.id)
    assert staff_view.handed_to == "Fixers"
    assert next(e for e in staff_view.events if e.body == "Key is at the reception").shared


def test_sharing_a_note_needs_a_handed_ticket(db, subs: Subs) -> None:
    with pytest.raises(Invalid) as refused:
        tickets.add_comment(db, subs.world.actor("technician"), subs.plain.id, "x",
                            public=False, share=True)
    assert refused.value.key == "handover.share_not_handed"
    # a public reply is never "shared": it is public anyway
    event_id = tickets.add_comment(db, subs.world.actor("technician"), subs.handed.id,
                                   "Public", public=True, share=True)
    assert db.get(TimelineEvent, event_id).shared_with_org_id is None


def test_attachments_follow_the_events(db, subs: Subs) -> None:
    tech = subs.world.actor("technician")

    def attach(ticket: Ticket, name: str, **kw) -> int:
        tickets.add_comment(db, tech, ticket.id, name, files=[IncomingFile(
            name, b"bytes of " + name.encode(), "text/plain")], **kw)
        return db.exec(select(Attachment.id).where(Attachment.filename == name)).one()

    shared = attach(subs.handed, "plan.txt", public=False, share=True)
    internal = attach(subs.handed, "invoice.txt", public=False)
    public = attach(subs.handed, "photo.txt", public=True)
    elsewhere = attach(subs.other, "other.txt", public=True)
    assert attachments.open_attachment(db, subs.sub, shared)[0].filename == "plan.txt"
    assert attachments.open_attachment(db, subs.sub, public)[0].filename == "photo.txt"
    for refused in (internal, elsewhere):
        with pytest.raises(NotFound):
            attachments.open_attachment(db, subs.sub, refused)
    handover.withdraw(db, subs.world.actor("coordinator"), subs.handed.id)
    for gone in (shared, public):
        with pytest.raises(NotFound):
            attachments.open_attachment(db, subs.sub, gone)


# --------------------------------------------------------------------------- handing over


def test_handing_over_writes_event_audit_notification_and_mail(db, subs: Subs) -> None:
    events = db.exec(select(TimelineEvent).where(
        TimelineEvent.ticket_id == subs.handed.id,
        TimelineEvent.kind == EventKind.HANDOVER)).all()
    assert [(e.data["action"], e.is_public, e.shared_with_org_id) for e in events] == [
        ("handed", False, subs.org_id)]
    entry = db.exec(select(AuditEvent).where(AuditEvent.action == "handover.handed",
                                             AuditEvent.target_id == str(subs.handed.id))
                    ).one()
    assert "Fixers" in entry.details
    # the named person is told (in the app and by mail), not the colleague
    told = db.exec(select(Notification).where(Notification.ticket_id == subs.handed.id,
                                              Notification.kind == "handover.handed")).all()
    assert [n.user_id for n in told] == [subs.sub.user_id]
    mails = db.exec(select(OutboundMail).where(OutboundMail.ticket_id == subs.handed.id,
                                               OutboundMail.kind == "handover_handed")).all()
    assert [m.to_addr for m in mails] == [subs.sub.email]
    assert "/agent/tickets/" + subs.handed.number in mails[0].raw.decode("utf-8", "replace")
    # without a named person, everyone at the subcontractor hears of it
    everyone = db.exec(select(Notification.user_id).where(
        Notification.ticket_id == subs.withdrawn.id,
        Notification.kind == "handover.handed")).all()
    assert sorted(everyone) == sorted([subs.sub.user_id, subs.colleague.user_id])


def test_withdrawal_ends_access_and_tells_the_subcontractor(db, subs: Subs) -> None:
    mails = db.exec(select(OutboundMail).where(OutboundMail.ticket_id == subs.withdrawn.id,
                                               OutboundMail.kind == "handover_withdrawn")
                    ).all()
    assert sorted(m.to_addr for m in mails) == sorted([subs.sub.email, subs.colleague.email])
    h = db.exec(select(Handover).where(Handover.ticket_id == subs.withdrawn.id)).one()
    assert h.state == "withdrawn" and h.ended_at is not None
    assert db.get(Ticket, subs.withdrawn.id).handed_to_org_id is None
    # their notifications about it are gone with the ticket (the access policy)
    # no in-app row about it: they could never read it (the ticket is gone for them)
    assert db.exec(select(Notification).where(Notification.ticket_id == subs.withdrawn.id,
                                              Notification.kind == "handover.withdrawn")
                   ).all() == []
    ids = {n.ticket_id for n in inapp_notifications.list_notifications(db, subs.sub)}
    assert subs.withdrawn.id not in ids and subs.handed.id in ids
    assert inapp_notifications.unread_count(db, subs.sub) == 1


def test_who_may_hand_over_and_take_back(db, subs: Subs) -> None:
    w = subs.world
    for actor in (w.actor("technician"), w.actor("client"), subs.sub):
        with pytest.raises(Forbidden):
            handover.hand_over(db, actor, [subs.plain.id], subs.org_id)
        with pytest.raises(Forbidden):
            handover.withdraw(db, actor, subs.handed.id)
        with pytest.raises(Forbidden):
            handover.choices(db, actor, [subs.plain.id])
    # an admin may; handing a ticket that is already handed is a conflict, per ticket
    result = handover.hand_over(db, w.actor("admin"), [subs.plain.id, subs.handed.id],
                                subs.org_id)
    assert result.changed == [subs.plain.id]
    assert [(f.number, f.reason, f.key) for f in result.failures] == [
        (subs.handed.number, "conflict", "handover.already_handed")]
    assert db.get(Ticket, subs.handed.id).handed_to_org_id == subs.org_id  # unchanged


def test_bad_targets_are_refused(db, subs: Subs, make) -> None:
    coord = subs.world.actor("coordinator")
    client_org = subs.world.org_a.id
    for org_id, user_id, key in (
            (client_org, None, "handover.org_invalid"),
            (999_999, None, "handover.org_invalid"),
            (subs.org_id, subs.stranger.user_id, "handover.person_invalid"),
            (subs.org_id, subs.world.users["technician"].id, "handover.person_invalid")):
        with pytest.raises(Invalid) as refused:
            handover.hand_over(db, coord, [subs.plain.id], org_id, user_id)
        assert refused.value.key == key
    with pytest.raises(Invalid):
        handover.hand_over(db, coord, [subs.plain.id], subs.org_id, note="x" * 2001)
    assert db.get(Ticket, subs.plain.id).handed_to_org_id is None


def test_accept_and_return(db, subs: Subs) -> None:
    with pytest.raises(NotFound):  # another subcontractor's ticket
        handover.accept(db, subs.sub, subs.other.id)
    handover.accept(db, subs.colleague, subs.handed.id)  # anyone of the organisation
    with pytest.raises(Conflict):
        handover.accept(db, subs.sub, subs.handed.id)
    h = db.exec(select(Handover).where(Handover.ticket_id == subs.handed.id)).one()
    assert h.state == "accepted" and h.accepted_at is not None
    told = db.exec(select(Notification.user_id).where(
        Notification.kind == "handover.accepted")).all()
    assert told == [subs.world.users["coordinator"].id]
    handover.return_ticket(db, subs.sub, subs.handed.id, "Not our kind of pump")
    assert db.get(Ticket, subs.handed.id).handed_to_org_id is None
    with pytest.raises(NotFound):
        tickets.get_ticket(db, subs.sub, subs.handed.id)
    returned = db.exec(select(TimelineEvent).where(
        TimelineEvent.ticket_id == subs.handed.id, TimelineEvent.kind == EventKind.HANDOVER)
        .order_by(col(TimelineEvent.id))).all()
    assert [e.data["action"] for e in returned] == ["handed", "accepted", "returned"]
    assert returned[-1].body == "Not our kind of pump"
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "handover.returned")).one()
    # back on the desk: it may be handed again, to someone else
    _hand(db, subs.world.actor("coordinator"), subs.handed, subs.other_org_id)
    assert tickets.get_ticket(db, subs.stranger, subs.handed.id).number == subs.handed.number


def test_suggestions_put_the_contract_s_subcontractors_first(db, subs: Subs, make) -> None:
    w = subs.world
    contract = make.contract_24x7(w.org_a.id)
    ticket = make.ticket(w.actor("coordinator"), "Under contract", requester=w.users["client"])
    assert ticket.contract_id == contract.id
    coord = w.actor("coordinator")
    assert [c.suggested for c in handover.choices(db, coord, [ticket.id])] == [False, False]
    handover.assign_contracts(db, w.actor("admin"), subs.other_org_id, [contract.id])
    got = handover.choices(db, coord, [ticket.id])
    assert [(c.name, c.suggested) for c in got] == [("Other Fixers", True), ("Fixers", False)]
    assert db.exec(select(ContractSubcontractor)).all()[0].organisation_id == \
        subs.other_org_id
    entry = db.exec(select(AuditEvent).where(
        AuditEvent.action == "handover.contracts_changed")).one()
    assert entry.target_label == "Other Fixers"
    with pytest.raises(Invalid):
        handover.assign_contracts(db, w.actor("admin"), w.org_a.id, [contract.id])
    with pytest.raises(Invalid):
        handover.assign_contracts(db, w.actor("admin"), subs.org_id, [contract.id + 999])
    with pytest.raises(Forbidden):
        handover.assign_contracts(db, w.actor("technician"), subs.org_id, [contract.id])


# --------------------------------------------------------------------------- working on it


def test_statuses_follow_the_subcontractor_flag(db, subs: Subs) -> None:
    resolved = db.get(TicketStatus, "resolved")
    resolved.subcontractor_visible = False
    db.add(resolved)
    db.commit()
    keys = [v.key for v in tickets.status_choices(db, subs.sub, subs.handed.id, "en")]
    assert "open" in keys and "resolved" not in keys
    with pytest.raises(Forbidden):
        tickets.set_status_as_client(db, subs.sub, subs.handed.id, subs.handed.version,
                                     "resolved")
    tickets.set_status_as_client(db, subs.sub, subs.handed.id, subs.handed.version, "open")
    assert db.get(Ticket, subs.handed.id).status == "open"
    # labels: a status hidden from subcontractors reads as its category
    labels = workflow.labels(db, "en", for_client=False, for_subcontractor=True)
    assert labels["resolved"] == "Resolved" and labels["open"] == "Open"
    # the header edit (priority, queue, assignee) is never theirs
    with pytest.raises(Forbidden):
        tickets.update_ticket(db, subs.sub, subs.handed.id, 2, {"priority": 4})
    with pytest.raises(NotFound):
        tickets.set_status_as_client(db, subs.sub, subs.other.id, 1, "open")


def test_custom_fields_follow_the_subcontractor_permission(db, subs: Subs) -> None:
    shown = CustomField(key="site_code", name_pl="Kod obiektu", name_en="Site code",
                        field_type="short_text")
    hidden = CustomField(key="margin", name_pl="Marża", name_en="Margin",
                         field_type="short_text")
    db.add_all([shown, hidden])
    db.commit()
    db.add_all([FieldScope(field_id=shown.id), FieldScope(field_id=hidden.id),
                FieldPermission(field_id=shown.id, role=Role.SUBCONTRACTOR, can_view=True,
                                can_edit=True)])
    db.commit()
    tech = subs.world.actor("technician")
    fields.save_values(db, tech, subs.handed.id, {"site_code": "PS-7", "margin": "40%"})
    seen = {v.key: v.text for v in fields.values_for(db, subs.sub, subs.handed.id)}
    assert seen == {"site_code": "PS-7"}
    fields.save_values(db, subs.sub, subs.handed.id, {"site_code": "PS-8"})
    with pytest.raises(Forbidden):
        fields.save_values(db, subs.sub, subs.handed.id, {"margin": "0%"})
    assert {v.key for v in fields.values_for(db, tech, subs.handed.id)} == {
        "site_code", "margin"}
    with pytest.raises(NotFound):
        fields.values_for(db, subs.sub, subs.other.id)


def test_subcontractors_tick_the_checklist_clients_do_not(db, subs: Subs, make) -> None:
    w = subs.world
    contract = make.contract_24x7(w.org_a.id)
    type_id = db.exec(select(TicketType.id).where(TicketType.contract_id == contract.id)).one()
    template = ChecklistTemplate(ticket_type_id=type_id, name_pl="Przegląd",
                                 name_en="Inspection")
    db.add(template)
    db.commit()
    db.add(ChecklistTemplateItem(template_id=template.id, label_pl="Zasilanie",
                                 label_en="Power"))
    db.commit()
    ticket = make.ticket(w.actor("coordinator"), "Inspection", requester=w.users["client"])
    assert ticket.contract_id == contract.id
    _hand(db, w.actor("coordinator"), ticket, subs.org_id)
    (item,) = checklists.items_for(db, subs.sub, ticket.id)
    assert checklists.set_done(db, subs.sub, ticket.id, item.id, True).done
    tick = db.exec(select(TimelineEvent).where(TimelineEvent.ticket_id == ticket.id,
                                               TimelineEvent.kind == EventKind.CHECKLIST)).one()
    assert tick.shared_with_org_id == subs.org_id  # their own tick shows in their timeline
    with pytest.raises(Forbidden):
        checklists.items_for(db, w.actor("client"), ticket.id)
    with pytest.raises(NotFound):
        checklists.set_done(db, subs.stranger, ticket.id, item.id, False)


def test_a_staff_only_note_notification_never_reaches_the_subcontractor(db, subs: Subs) -> None:
    # a client's public reply goes to the desk; a note to the assignee - never to them
    tickets.add_comment(db, subs.world.actor("client"), subs.handed.id, "Any news?",
                        public=True)
    tickets.add_comment(db, subs.world.actor("technician"), subs.handed.id, "internal",
                        public=False)
    kinds = db.exec(select(Notification.kind).where(
        Notification.user_id == subs.sub.user_id)).all()
    assert set(kinds) == {"handover.handed"}


def test_a_bulk_handover_mails_every_ticket_past_the_outside_cap(db, subs: Subs, make) -> None:
    coord, client = subs.world.actor("coordinator"), subs.world.users["client"]
    many = [make.ticket(coord, f"Meter {i}", requester=client) for i in range(12)]
    result = handover.hand_over(db, coord, [t.id for t in many], subs.org_id, subs.sub.user_id)
    assert result.succeeded == 12 and result.failures == []
    mails = db.exec(select(OutboundMail).where(OutboundMail.to_addr == subs.sub.email,
                                               OutboundMail.kind == "handover_handed")).all()
    # like staff, not capped at 10 automatic mails an hour (work handed to them)
    assert {m.ticket_id for m in mails} >= {t.id for t in many}


def test_two_coordinators_handing_the_same_ticket_at_once_one_wins(db, subs: Subs,
                                                                  open_session) -> None:
    second = open_session()
    stale = second.get(Ticket, subs.plain.id)  # the second coordinator read it unhanded
    assert stale.handed_to_org_id is None
    _hand(db, subs.world.actor("coordinator"), subs.plain, subs.org_id)
    result = handover.hand_over(second, subs.world.actor("admin"), [subs.plain.id],
                                subs.other_org_id)
    assert [f.key for f in result.failures] == ["handover.already_handed"]
    db.expire_all()
    assert db.get(Ticket, subs.plain.id).handed_to_org_id == subs.org_id
    opened = db.exec(select(Handover).where(Handover.ticket_id == subs.plain.id)).all()
    assert [h.organisation_id for h in opened] == [subs.org_id]  # no second handover row


def test_deactivating_a_subcontractor_brings_its_handed_tickets_back(db, subs: Subs) -> None:
    admin = subs.world.actor("admin")
    mails_before = len(db.exec(select(OutboundMail)).all())

    back = organisations_admin.set_organisation_active(db, admin, subs.org_id, False)

    assert back == 1  # the handed ticket; the withdrawn one was back already
    db.expire_all()
    assert db.get(Ticket, subs.handed.id).handed_to_org_id is None
    assert db.get(Ticket, subs.other.id).handed_to_org_id == subs.other_org_id  # not theirs
    h = db.exec(select(Handover).where(Handover.ticket_id == subs.handed.id)).one()
    assert (h.state, h.ended_by_id) == ("withdrawn", admin.user_id)
    event = db.exec(select(TimelineEvent).where(
        TimelineEvent.ticket_id == subs.handed.id, TimelineEvent.kind == EventKind.HANDOVER)
        .order_by(col(TimelineEvent.id).desc())).first()
    assert event.data["action"] == "withdrawn" and event.data["reason"] == "org_deactivated"
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "handover.withdrawn",
                                            AuditEvent.target_id == str(subs.handed.id))
                   ).one() is not None
    # its people are gone: nobody is mailed about it
    assert len(db.exec(select(OutboundMail)).all()) == mails_before
    # handing anything more to it is refused
    with pytest.raises(Invalid):
        handover.hand_over(db, subs.world.actor("coordinator"), [subs.plain.id], subs.org_id)
    # reactivating brings nothing back on its own
    assert organisations_admin.set_organisation_active(db, admin, subs.org_id, True) == 0
    assert db.get(Ticket, subs.handed.id).handed_to_org_id is None


def test_a_bulk_handover_reports_progress_after_each_ticket(db, subs: Subs) -> None:
    calls: list[tuple[int, int]] = []
    result = handover.hand_over(db, subs.world.actor("coordinator"),
                                [subs.plain.id, subs.handed.id], subs.org_id,
                                progress=lambda done, total: calls.append((done, total)))
    assert (result.succeeded, len(result.failures)) == (1, 1)  # handed: already handed
    assert calls == [(0, 2), (1, 2), (2, 2)]
