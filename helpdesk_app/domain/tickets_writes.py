"""Ticket writes: create (`create_ticket`), reply / internal note (`add_comment`) and
header edits with optimistic locking (`update_ticket`, `set_status_as_client`).

Every function takes a session and an actor, checks access through `domain.access`,
writes the ticket and its timeline event in one transaction, and queues a change event
for live pages (published after commit).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from helpdesk_app.domain import (
    access,
    attachments,
    checklists,
    contracts,
    fields,
    sla,
    substitution_schedule,
    tx_cache,
    workflow,
)
from helpdesk_app.domain import notification_dispatch as dispatch
from helpdesk_app.domain.access import Action
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import Conflict, Forbidden, FormInvalid, Invalid
from helpdesk_app.domain.numbering import next_number
from helpdesk_app.domain.tickets_queries import _contract_and_type, _today
from helpdesk_app.domain.tickets_views import NewTicket, TicketRow, Via, _rows
from helpdesk_app.live.bus import queue_change
from helpdesk_app.models import (
    Channel,
    EventKind,
    Priority,
    Queue,
    Role,
    Status,
    StatusCategory,
    Ticket,
    TicketStatus,
    TimelineEvent,
    User,
)
from helpdesk_app.models.base import utcnow

SUBJECT_MAX = 250
BODY_MAX = 100_000


# --------------------------------------------------------------------------- writes


def _subject_error(subject: str) -> tuple[str, dict] | None:
    if not subject:
        return "ticket.subject_required", {}
    if len(subject) > SUBJECT_MAX:
        return "ticket.subject_too_long", {"max": SUBJECT_MAX}
    return None


def _clean_subject(subject: str) -> str:
    subject = " ".join((subject or "").split())
    if (error := _subject_error(subject)) is not None:
        raise Invalid(error[0], **error[1])
    return subject


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if len(body) > BODY_MAX:
        raise Invalid("ticket.body_too_long", max=BODY_MAX)
    return body


def _check_new_ticket(db: Session, actor: Actor, data: NewTicket) -> None:
    """The new-ticket form's own fields, all at once (FormInvalid), before anything else."""
    errors: dict[str, tuple[str, dict]] = {}
    if (error := _subject_error(" ".join((data.subject or "").split()))) is not None:
        errors["subject"] = error
    if len((data.body or "").strip()) > BODY_MAX:
        errors["body"] = ("ticket.body_too_long", {"max": BODY_MAX})
    if actor.is_staff:
        requester = db.get(User, data.requester_id) if data.requester_id else None
        if not data.requester_id:
            errors["requester"] = ("ticket.requester_required", {})
        elif requester is None or requester.role != Role.CLIENT or not requester.is_active:
            errors["requester"] = ("ticket.requester_invalid", {})
    if errors:
        raise FormInvalid(errors)


def _default_queue_id(db: Session) -> int:
    queue = db.exec(select(Queue).where(Queue.is_active.is_(True)).order_by(col(Queue.id))).first()
    if queue is None:
        raise Invalid("ticket.no_queue")
    return queue.id


def create_ticket(db: Session, actor: Actor, data: NewTicket, *,
                  via: Via | None = None) -> TicketRow | None:
    """Open a ticket: a client for themselves (web, or mail with `via`), staff on behalf
    of a client (any channel). Returns its list row (None with `via`)."""
    if via is None:
        _check_new_ticket(db, actor, data)
    subject = _clean_subject(data.subject)
    body = _clean_body(data.body)
    attachments.validate_files(data.files, max_files=via.max_files if via else None)
    if actor.is_staff:
        if not data.requester_id:
            raise Invalid("ticket.requester_required")
        requester = db.get(User, data.requester_id)
        if requester is None or requester.role != Role.CLIENT or not requester.is_active:
            raise Invalid("ticket.requester_invalid")
        if data.channel not in Channel.ALL:
            raise Invalid("ticket.channel_invalid")
        if data.priority not in Priority.ALL:
            raise Invalid("ticket.priority_invalid")
        channel, priority = data.channel, data.priority
        queue_id = data.queue_id or _default_queue_id(db)
    elif actor.is_client and via is not None:
        requester = db.get(User, actor.user_id)
        channel, priority = via.channel, Priority.NORMAL
        queue_id = via.queue_id or _default_queue_id(db)
    elif actor.is_client:
        requester = db.get(User, actor.user_id)
        # Clients choose neither channel, priority nor queue; those are agent decisions.
        channel, priority, queue_id = Channel.WEB, Priority.NORMAL, _default_queue_id(db)
    else:
        raise Invalid("ticket.cannot_create")
    # (a mail batch checks each queue once: domain/tx_cache.py)
    queue = tx_cache.cached(db, ("tickets.queue", queue_id), lambda: db.get(Queue, queue_id),
                            scope="batch")
    if queue is None or not queue.is_active:
        raise Invalid("ticket.queue_invalid")

    now = utcnow()
    wanted_contract = data.contract_id if actor.is_staff else None
    if via is not None and via.contract_id and not wanted_contract:
        # the inbound address's contract, when it is valid for this client today
        valid = contracts.valid_contracts(db, requester.organisation_id, _today(now))
        wanted_contract = via.contract_id if via.contract_id in {c.id for c in valid} else None
    contract, ticket_type_id = _contract_and_type(
        db, requester.organisation_id, now, wanted_contract,
        data.ticket_type_id if actor.is_staff else None, must_pick=actor.is_staff)
    ticket = Ticket(
        number=next_number(db, now),
        subject=subject,
        requester_id=requester.id,
        organisation_id=requester.organisation_id,
        queue_id=queue_id,
        priority=priority,
        status=Status.NEW,
        channel=channel,
        created_by_id=actor.user_id,
        created_at=now,
        updated_at=now,
        contract_id=contract.id if contract else None,
        ticket_type_id=ticket_type_id,
    )
    ticket.status = workflow.first_of_category(
        db, ticket.contract_id, StatusCategory.NEW) or Status.NEW
    explicit_queue = data.queue_id or (via.queue_id if via else None)
    if contract is not None and contract.default_queue_id and not explicit_queue:
        ticket.queue_id = contract.default_queue_id
    # SLA deadlines go into the INSERT: a new ticket has no history to read yet
    sla.apply(db, ticket, now, new=True)
    db.add(ticket)
    db.flush()
    event = TimelineEvent(
        ticket_id=ticket.id, kind=EventKind.CREATED, author_id=actor.user_id, is_public=True,
        body=body, data={"channel": channel, **(via.event_data if via else {})},
        created_at=now,
    )
    db.add(event)
    db.flush()
    if data.fields is not None:  # before any file is written: a refusal leaves nothing
        fields.save_values(db, actor, ticket.id, data.fields, moment="create", commit=False)
    if via is not None and via.before_commit is not None:
        via.before_commit(ticket, event)
    attachments.store_files(db, actor, ticket, event, data.files)
    checklists.instantiate(db, ticket, new=True)
    dispatch.ticket_event(db, actor, ticket, dispatch.NEW_TICKET, event=event, now=now)
    queue_change(db, ticket_id=ticket.id, organisation_id=ticket.organisation_id,
                 kind=EventKind.CREATED, public=True)
    db.commit()
    if via is not None:  # a system caller reads what it needs itself; skip the list row
        return None
    return _rows(db, [ticket])[0]


def add_comment(db: Session, actor: Actor, ticket_id: int, body: str, *, public: bool,
                files: list[attachments.IncomingFile] | None = None,
                via: Via | None = None, share: bool = False) -> int:
    """A public reply or an internal note, optionally with attachments. Returns the event id.
    `via`: a mail follow-up (its event data and before-commit hook). A client's reply on a
    closed ticket reopens it when the workflow allows (`workflow.reopen_target`), else it
    is refused: `closed_replies.open_follow_up` is the way on.
    `share`: an internal note the subcontractor the ticket is handed to sees too (staff;
    a subcontractor's own notes are always shared with their organisation)."""
    files = files or []
    ticket = db.get(Ticket, ticket_id)
    access.require(actor, Action.REPLY if public else Action.NOTE, ticket)
    if files:
        access.require(actor, Action.ATTACH, ticket)
    shared_with = _shared_with(actor, ticket, public=public, share=share)
    body = _clean_body(body)
    if not body and not files:
        raise Invalid("comment.empty")
    attachments.validate_files(files, max_files=via.max_files if via else None)
    # A client's reply on a closed ticket reopens it where the workflow allows; elsewhere
    # it would sit unseen on a closed ticket, so the client opens a follow-up ticket instead
    # (domain/closed_replies.py). Staff replies and notes on closed tickets stay as they are.
    reopen = None
    if actor.is_client and public and workflow.is_closed_key(db, ticket.status):
        reopen = workflow.reopen_target(db, ticket)
        if reopen is None:
            raise Invalid("comment.closed_use_follow_up", number=ticket.number)
    now = utcnow()
    # a substitute's first action on an absent colleague's ticket says so on the timeline
    substitution_schedule.note_action(db, actor, ticket.id, ticket.assignee_id, now)
    event = TimelineEvent(
        ticket_id=ticket.id, kind=EventKind.REPLY if public else EventKind.NOTE,
        author_id=actor.user_id, is_public=public, body=body, created_at=now,
        data=dict(via.event_data) if via else {}, shared_with_org_id=shared_with,
    )
    db.add(event)
    db.flush()
    if via is not None and via.before_commit is not None:
        via.before_commit(ticket, event)
    attachments.store_files(db, actor, ticket, event, files)
    values: dict[str, Any] = {"updated_at": now}
    # A client answering a ticket that waited on them (or was resolved) puts it back in
    # the agents' court; the first public agent reply takes a new ticket into work. Agents
    # are staff and the subcontractor the ticket is handed to: their public reply answers
    # the client, so it is the first response for the SLA too (sla.first_responses).
    old_status = ticket.status
    current = db.get(TicketStatus, ticket.status)
    category = current.category if current else None
    client_back = actor.is_client and category in (StatusCategory.WAITING,
                                                     StatusCategory.RESOLVED)
    first_answer = actor.is_agent and public and category == StatusCategory.NEW
    new_status = reopen or (workflow.first_of_category(db, ticket.contract_id,
                                                       StatusCategory.OPEN)
                            if client_back or first_answer else None)
    if new_status:
        values.update(status=new_status, version=Ticket.version + 1)
        db.add(TimelineEvent(
            ticket_id=ticket.id, kind=EventKind.STATUS, author_id=actor.user_id, is_public=True,
            data={"old": ticket.status, "new": new_status}, created_at=now,
        ))
    db.execute(update(Ticket).where(Ticket.id == ticket.id).values(**values))
    if new_status or (public and actor.is_agent):
        sla.recompute_ticket(db, ticket.id, now)  # status or first agent response changed
    kind = dispatch.PUBLIC_REPLY if public else dispatch.INTERNAL_NOTE
    dispatch.ticket_event(db, actor, ticket, kind, event=event, now=now)
    if new_status:
        dispatch.ticket_event(db, actor, ticket, dispatch.STATUS_CHANGE,
                            data={"old": old_status, "new": new_status},
                            now=now)
    queue_change(db, ticket_id=ticket.id, organisation_id=ticket.organisation_id,
                 kind=event.kind, public=public or bool(new_status))
    db.commit()
    return event.id


def _shared_with(actor: Actor, ticket: Ticket, *, public: bool, share: bool) -> int | None:
    """The subcontractor organisation an internal note is shared with (None: staff only)."""
    if public:
        return None
    if actor.is_subcontractor:  # their notes are theirs to read back
        return actor.organisation_id
    if share:
        if ticket.handed_to_org_id is None:
            raise Invalid("handover.share_not_handed")
        return ticket.handed_to_org_id
    return None


# field -> (timeline kind, visible to the client?)
_EDITABLE = {
    "status": (EventKind.STATUS, True),
    "priority": (EventKind.PRIORITY, False),
    "queue_id": (EventKind.QUEUE, False),
    "assignee_id": (EventKind.ASSIGNMENT, False),
    "contract_id": (EventKind.CONTRACT, False),
    "ticket_type_id": (EventKind.TICKET_TYPE, False),
}
# changes that move SLA deadlines: recomputed from the timeline in the same transaction
_SLA_FIELDS = {"status", "priority", "contract_id", "ticket_type_id"}


def update_ticket(db: Session, actor: Actor, ticket_id: int, expected_version: int,
                  changes: dict[str, Any]) -> int:
    """Change header fields. Fails with Conflict when someone else saved since
    `expected_version`; nothing is overwritten silently. Returns the new version."""
    ticket = db.get(Ticket, ticket_id)
    access.require(actor, Action.EDIT, ticket)
    unknown = set(changes) - set(_EDITABLE)
    if unknown:
        raise Invalid("ticket.field_not_editable", field=", ".join(sorted(unknown)))
    return _apply_changes(db, actor, ticket, expected_version, changes)


def set_status_as_client(db: Session, actor: Actor, ticket_id: int, expected_version: int,
                         status: str) -> int:
    """A client moves their own ticket into a status marked "client may set" (e.g.
    "confirm fixed"); a subcontractor a ticket handed to them into a status marked
    "visible to subcontractors" (workflow.check_status_change). Nothing else is editable
    for them."""
    ticket = db.get(Ticket, ticket_id)
    access.require(actor, Action.VIEW, ticket)
    if not (actor.is_client or actor.is_subcontractor):
        raise Forbidden()
    return _apply_changes(db, actor, ticket, expected_version, {"status": status})


def _apply_changes(db: Session, actor: Actor, ticket: Ticket, expected_version: int,
                   changes: dict[str, Any]) -> int:
    _validate_changes(db, changes)
    changes = _classification(db, ticket, changes)
    diff = {k: v for k, v in changes.items() if getattr(ticket, k) != v}
    if "status" in diff:
        workflow.check_status_change(db, actor, ticket, diff["status"])
    if ticket.version != expected_version:
        raise Conflict("ticket.conflict")
    if not diff:
        return ticket.version
    # Read the old values first: the ORM UPDATE below also refreshes `ticket` in the session.
    old = {name: getattr(ticket, name) for name in diff}
    assignee_before = ticket.assignee_id
    now = utcnow()
    result = db.execute(
        update(Ticket)
        .where(Ticket.id == ticket.id, Ticket.version == expected_version)
        .values(**diff, updated_at=now, version=Ticket.version + 1)
    )
    if result.rowcount != 1:  # someone saved between our read and our write
        db.rollback()
        raise Conflict("ticket.conflict")
    substitution_schedule.note_action(db, actor, ticket.id, assignee_before, now)
    public = False
    for name, new in diff.items():
        kind, is_public = _EDITABLE[name]
        public = public or is_public
        db.add(TimelineEvent(
            ticket_id=ticket.id, kind=kind, author_id=actor.user_id, is_public=is_public,
            data={"old": old[name], "new": new}, created_at=now,
        ))
    if _SLA_FIELDS & set(diff):
        db.flush()
        sla.recompute_ticket(db, ticket.id, now)
    if "ticket_type_id" in diff:
        checklists.instantiate(db, db.get(Ticket, ticket.id))
    if diff.get("assignee_id") is not None:
        dispatch.ticket_event(db, actor, ticket, dispatch.ASSIGNMENT,
                            data={"old": old["assignee_id"], "new": diff["assignee_id"]}, now=now)
    if "status" in diff:
        dispatch.ticket_event(db, actor, ticket, dispatch.STATUS_CHANGE,
                            data={"old": old["status"], "new": diff["status"]}, now=now)
    queue_change(db, ticket_id=ticket.id, organisation_id=ticket.organisation_id,
                 kind="update", public=public)
    db.commit()
    return expected_version + 1


def _classification(db: Session, ticket: Ticket, changes: dict[str, Any]) -> dict[str, Any]:
    """Contract and type changes. A new contract must be one of the organisation's valid
    contracts; the type must belong to the contract. When the contract changes, a type
    that is not the new contract's (the form still showing the old one) becomes the new
    contract's first type."""
    if "contract_id" not in changes and "ticket_type_id" not in changes:
        return changes
    changes = dict(changes)
    contract_id = changes.get("contract_id", ticket.contract_id)
    contract_changed = contract_id != ticket.contract_id
    if contract_changed and contract_id is not None:
        valid = contracts.valid_contracts(db, ticket.organisation_id, _today(utcnow()))
        if contract_id not in {c.id for c in valid}:
            raise Invalid("ticket.contract_invalid")
    type_ids = [t.id for t in contracts.active_types(db, contract_id)] if contract_id else []
    type_id = changes.get("ticket_type_id", ticket.ticket_type_id)
    if type_id is None or type_id in type_ids:
        if type_id is None and contract_changed:
            changes["ticket_type_id"] = type_ids[0] if type_ids else None
        return changes
    if not contract_changed:
        raise Invalid("ticket.type_invalid")
    changes["ticket_type_id"] = type_ids[0] if type_ids else None
    return changes


def _validate_changes(db: Session, changes: dict[str, Any]) -> None:
    if "status" in changes and not isinstance(changes["status"], str):
        raise Invalid("ticket.status_invalid")
    if "priority" in changes and changes["priority"] not in Priority.ALL:
        raise Invalid("ticket.priority_invalid")
    if "queue_id" in changes:
        queue = db.get(Queue, changes["queue_id"]) if changes["queue_id"] else None
        if queue is None or not queue.is_active:
            raise Invalid("ticket.queue_invalid")
    if changes.get("assignee_id") is not None:
        user = db.get(User, changes["assignee_id"])
        if user is None or user.role not in Role.STAFF or not user.is_active:
            raise Invalid("ticket.assignee_invalid")
