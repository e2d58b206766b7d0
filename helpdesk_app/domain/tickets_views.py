"""Tickets as pages and forms see them: the list's query and row, the detail with its
timeline, the input of a new ticket, and the builders that turn rows into these views in
a few batched queries (`_rows`, `_change_labels`). Shared by `tickets_queries` and
`tickets_writes`; no access checks and no writes here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from helpdesk_app.domain import attachments, sla
from helpdesk_app.domain import sla_outcome as outcomes
from helpdesk_app.domain.actor import Actor
from helpdesk_app.models import (
    ActivityType,
    Channel,
    Contract,
    EventKind,
    Organisation,
    Priority,
    Queue,
    Ticket,
    TicketType,
    TimelineEvent,
    User,
)

SORTS = ("priority", "updated", "number", "status", "due", "field")
# SLA list filters: breached, at risk (warning), running late-or-not, key contracts only
SLA_FILTERS = ("breached", "at_risk", "key")


# --------------------------------------------------------------------------- views


@dataclass(frozen=True)
class TicketRow:
    id: int
    number: str
    subject: str
    status: str
    priority: int
    channel: str
    queue: str
    organisation: str
    requester: str
    assignee: str
    updated_at: datetime
    sla_state: str = "none"
    # the next deadline that matters: reaction while unanswered, else resolution
    sla_due_at: datetime | None = None
    is_key: bool = False
    # a finished ticket's SLA outcome (met / late by how much), None while open
    sla_outcome: outcomes.Outcome | None = None
    assignee_id: int | None = None  # agents' lists mark an assignee who is away (issue 13)
    # read with the row: the version the agent has on screen (bulk changes lock on it)
    version: int = 0


@dataclass(frozen=True)
class TicketPage:
    rows: list[TicketRow]
    total: int
    total_capped: bool  # True when there are more than `total` matches
    page: int
    page_size: int


@dataclass(frozen=True)
class AttachmentView:
    id: int
    filename: str
    size: int
    content_type: str


@dataclass(frozen=True)
class EventView:
    id: int
    kind: str
    author: str
    author_is_staff: bool
    is_public: bool
    body: str
    data: dict[str, Any]
    created_at: datetime
    attachments: list[AttachmentView]
    shared: bool = False  # an internal event shared with a subcontractor


@dataclass(frozen=True)
class TicketDetail:
    id: int
    number: str
    subject: str
    status: str
    priority: int
    channel: str
    queue_id: int
    queue: str
    organisation: str
    requester: str
    requester_email: str
    assignee_id: int | None
    assignee: str
    version: int
    created_at: datetime
    updated_at: datetime
    events: list[EventView]
    # labels for ids that change events refer to: "user:7" -> "Anna Nowak", "queue:2" -> ...
    names: dict[str, str] = field(default_factory=dict)
    contract_id: int | None = None  # agents only
    ticket_type_id: int | None = None
    handed_to: str = ""  # staff only: the subcontractor organisation it is handed to now


# ListQuery.status for "resolved or closed": not a possible status key (keys are
# [a-z][a-z0-9_]*), so no status can shadow it.
INACTIVE = "!active"


@dataclass
class ListQuery:
    page: int = 1
    page_size: int = 25
    sort: str = "priority"
    descending: bool = True
    # a status key, "active" for the statuses that still need work (new/open/pending),
    # or INACTIVE for the others (resolved/closed)
    status: str | None = None
    queue_id: int | None = None
    assignee: str | None = None  # "mine", "unassigned" or a user id as text
    priority: int | None = None
    organisation_id: int | None = None
    channel: str | None = None
    search: str = ""
    sla: str | None = None  # one of SLA_FILTERS
    # custom fields: (field key, op, value) filters and the field to sort by (sort="field");
    # see domain.fields.filter_clause for the ops
    field_filters: list[tuple[str, str, Any]] = field(default_factory=list)
    field_sort: str | None = None


@dataclass
class NewTicket:
    subject: str
    body: str = ""
    requester_id: int | None = None  # staff: the client the ticket is for
    queue_id: int | None = None
    priority: int = Priority.NORMAL
    channel: str = Channel.WEB
    files: list[attachments.IncomingFile] = field(default_factory=list)
    contract_id: int | None = None  # staff: needed when the client has several contracts
    ticket_type_id: int | None = None  # under the ticket's contract; default: its first type
    # Custom field values from a form (key -> form text / typed value). A dict, even an
    # empty one, means "a form was filled": create-time rules (required fields, who may
    # edit what, dependencies) are enforced. None (mail, API, imports): no values, no gate.
    fields: dict[str, Any] | None = None


@dataclass
class Via:
    """How a trusted system caller (the mail pipeline) creates or answers a ticket on a
    user's behalf. Never filled from a form: it sets what a client may not choose."""

    channel: str = Channel.EMAIL
    queue_id: int | None = None  # the inbound address's queue (else the default queue)
    contract_id: int | None = None  # the inbound address's contract, when valid
    event_data: dict[str, Any] = field(default_factory=dict)  # merged into the event's data
    max_files: int = attachments.MAX_FILES_PER_MESSAGE
    # Runs inside the transaction, after the ticket and event are flushed and before the
    # commit: the caller records what it did (e.g. marks the mail done) atomically.
    before_commit: Callable[[Ticket, TimelineEvent], None] | None = None


@dataclass(frozen=True)
class SlaReport:
    contract: str
    is_key: bool
    ticket_type_pl: str
    ticket_type_en: str
    calendar: str
    result: sla.SlaResult
    day_minutes: int | None = None  # the calendar's working day, for showing targets
    # wall-clock periods in a pausing status (end None: still paused), sla.pause_periods
    pauses: tuple[tuple[datetime, datetime | None], ...] = ()


@dataclass(frozen=True)
class ContractChoice:
    id: int
    name: str
    is_key: bool
    types: list[tuple[int, str, str]]  # (id, name_pl, name_en)


# --------------------------------------------------------------------------- view builders


def _names(db: Session, model: Any, ids: set[int], attr: str) -> dict[int, str]:
    if not ids:
        return {}
    # two columns, not whole rows: a page's people, queues and organisations on every load
    return dict(db.exec(select(model.id, getattr(model, attr))
                        .where(col(model.id).in_(ids))).all())


# made once: a fresh alias per call makes SQLAlchemy compile the statement every time
_REQUESTER, _ASSIGNEE = aliased(User, name="requester"), aliased(User, name="assignee")


def _rows(db: Session, tickets: list[Ticket]) -> list[TicketRow]:
    """Labels for one page of tickets in one query over the page's ids, not one per row
    (every list load, live probe and refresh runs it: issue 15)."""
    if not tickets:
        return []
    requester, assignee = _REQUESTER, _ASSIGNEE
    labels = {row[0]: row[1:] for row in db.exec(
        select(Ticket.id, Queue.name, Organisation.name, requester.full_name,
               assignee.full_name, Contract.is_key)
        .outerjoin(Queue, Queue.id == Ticket.queue_id)
        .outerjoin(Organisation, Organisation.id == Ticket.organisation_id)
        .outerjoin(requester, requester.id == Ticket.requester_id)
        .outerjoin(assignee, assignee.id == Ticket.assignee_id)
        .outerjoin(Contract, Contract.id == Ticket.contract_id)
        .where(col(Ticket.id).in_([t.id for t in tickets]))).all()}
    none = (None,) * 5
    return [
        TicketRow(
            id=t.id, number=t.number, subject=t.subject, status=t.status, priority=t.priority,
            channel=t.channel, queue=queue or "", organisation=org or "",
            requester=req or "", assignee=(who or "") if t.assignee_id else "",
            updated_at=t.updated_at,
            sla_state=t.sla_state,
            sla_due_at=_next_due(t),
            is_key=bool(is_key),
            sla_outcome=outcomes.of_ticket(t),
            assignee_id=t.assignee_id,
            version=t.version,
        )
        for t in tickets
        for queue, org, req, who, is_key in (labels.get(t.id, none),)
    ]


def _next_due(t: Ticket) -> datetime | None:
    if t.first_response_at is None and t.reaction_due_at is not None:
        if t.resolution_due_at is None:
            return t.reaction_due_at
        return min(t.reaction_due_at, t.resolution_due_at)
    return t.resolution_due_at


_LABELLED_KINDS = (EventKind.ASSIGNMENT, EventKind.QUEUE, EventKind.ESCALATION,
                   EventKind.CONTRACT, EventKind.TICKET_TYPE, EventKind.HANDOVER,
                   EventKind.WORK)


def _handover_labels(db: Session, events: list[TimelineEvent]) -> dict[str, str]:
    """"org:<id>" and "user:<id>" names of handover events (the subcontractor, the person)."""
    orgs = {e.data.get("org") for e in events if e.kind == EventKind.HANDOVER}
    users = {e.data.get("user") for e in events if e.kind == EventKind.HANDOVER}
    labels = {f"org:{k}": v for k, v in _names(
        db, Organisation, {i for i in orgs if isinstance(i, int)}, "name").items()}
    labels.update({f"user:{k}": v for k, v in _names(
        db, User, {i for i in users if isinstance(i, int)}, "full_name").items()})
    return labels


def _change_labels(db: Session, events: list[TimelineEvent]) -> dict[str, str]:
    users: set[int] = set()
    queues: set[int] = set()
    handovers = [e for e in events if e.kind == EventKind.HANDOVER]
    events = [e for e in events if e.kind != EventKind.HANDOVER]
    for e in events:
        if e.kind in (EventKind.CONTRACT, EventKind.TICKET_TYPE):
            continue
        by_user = e.kind == EventKind.ASSIGNMENT or (
            e.kind == EventKind.ESCALATION and e.data.get("action") == "assign_coordinator")
        target = users if by_user else queues
        target.update(v for v in (e.data.get("old"), e.data.get("new")) if isinstance(v, int))
    labels = {f"user:{k}": v for k, v in _names(db, User, users, "full_name").items()}
    labels.update({f"queue:{k}": v for k, v in _names(db, Queue, queues, "name").items()})
    contract_ids: set[int] = set()
    type_ids: set[int] = set()
    for e in events:
        ids = {v for v in (e.data.get("old"), e.data.get("new")) if isinstance(v, int)}
        if e.kind == EventKind.CONTRACT:
            contract_ids |= ids
        elif e.kind == EventKind.TICKET_TYPE:
            type_ids |= ids
    labels.update({f"contract:{k}": v
                   for k, v in _names(db, Contract, contract_ids, "name").items()})
    for t in (db.exec(select(TicketType).where(col(TicketType.id).in_(type_ids)))
              if type_ids else []):
        labels[f"type:{t.id}"] = f"{t.name_pl} / {t.name_en}"
    labels.update(_handover_labels(db, handovers))
    labels.update(_work_labels(db, events))
    return labels


def _work_labels(db: Session, events: list[TimelineEvent]) -> dict[str, str]:
    """"user:<id>" (who worked) and "activity_pl/en:<id>" names of work events."""
    work = [e for e in events if e.kind == EventKind.WORK]
    if not work:
        return {}
    users = {e.data.get("user") for e in work}
    labels = {f"user:{k}": v for k, v in _names(
        db, User, {i for i in users if isinstance(i, int)}, "full_name").items()}
    kinds = {e.data.get("activity") for e in work}
    for a in db.exec(select(ActivityType).where(col(ActivityType.id).in_(
            [i for i in kinds if isinstance(i, int)]))):
        labels[f"activity_pl:{a.id}"], labels[f"activity_en:{a.id}"] = a.name_pl, a.name_en
    return labels


_PUBLIC_DATA = ("old", "new", "channel", "field")
# What a subcontractor also reads of the internal events shared with them.
_SHARED_DATA = {EventKind.HANDOVER: ("action", "org", "user"),
                EventKind.CHECKLIST: ("label", "label_en", "done"),
                EventKind.WORK: ("action", "user", "seconds", "activity")}


def _event_data_for(actor: Actor, event: TimelineEvent) -> dict[str, Any]:
    # Clients get only what their own public events need; internal events never reach them.
    if actor.is_staff:
        return dict(event.data or {})
    keep = _PUBLIC_DATA + (_SHARED_DATA.get(event.kind, ()) if actor.is_subcontractor else ())
    return {k: v for k, v in (event.data or {}).items() if k in keep}
