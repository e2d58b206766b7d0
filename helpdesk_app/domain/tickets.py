"""Ticket use cases: create, list, read, reply/note, edit with optimistic locking.

Every function takes a session and an actor, checks access through `domain.access`,
writes the ticket and its timeline event in one transaction, and queues a change event
for live pages (published after commit).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, literal, or_, update
from sqlmodel import Session, col, select

from helpdesk_app.config import get_settings
from helpdesk_app.domain import (
    access,
    attachments,
    checklists,
    contracts,
    fields,
    notify,
    sla,
    tx_cache,
    workflow,
)
from helpdesk_app.domain.access import Action
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import Conflict, Forbidden, Invalid, NotFound
from helpdesk_app.domain.numbering import next_number, normalise_number
from helpdesk_app.live.bus import queue_change
from helpdesk_app.models import (
    Attachment,
    BusinessCalendar,
    Channel,
    Contract,
    EventKind,
    Organisation,
    Priority,
    Queue,
    Role,
    Status,
    StatusCategory,
    Ticket,
    TicketStatus,
    TicketType,
    TimelineEvent,
    User,
)
from helpdesk_app.models.base import utcnow

SUBJECT_MAX = 250
BODY_MAX = 100_000
PAGE_SIZE_MAX = 100
# Counting every match of a broad filter over a million rows is wasted work: the pager
# only needs to know there are "more than N".
COUNT_CAP = 10_000

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


@dataclass
class ListQuery:
    page: int = 1
    page_size: int = 25
    sort: str = "priority"
    descending: bool = True
    status: str | None = None  # a status key, or "active" for new/open/pending
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


# --------------------------------------------------------------------------- reads


def _filters(db: Session, actor: Actor, q: ListQuery) -> list[Any]:
    clauses: list[Any] = [access.ticket_scope(actor)]
    if q.status == "active":
        clauses.append(col(Ticket.status).in_(workflow.active_keys(db)))
    elif q.status:
        clauses.append(Ticket.status == q.status)
    if q.queue_id:
        clauses.append(Ticket.queue_id == q.queue_id)
    if q.priority:
        clauses.append(Ticket.priority == q.priority)
    if q.organisation_id:
        clauses.append(Ticket.organisation_id == q.organisation_id)
    if q.channel:
        clauses.append(Ticket.channel == q.channel)
    if q.assignee == "mine":
        clauses.append(Ticket.assignee_id == actor.user_id)
    elif q.assignee == "unassigned":
        clauses.append(col(Ticket.assignee_id).is_(None))
    elif q.assignee and q.assignee.isdigit():
        clauses.append(Ticket.assignee_id == int(q.assignee))
    for key, op, value in q.field_filters:
        clauses.append(fields.filter_clause(db, actor, key, op, value))
    if q.sla == "breached":
        clauses.append(Ticket.sla_state == "breached")
    elif q.sla == "at_risk":
        clauses.append(Ticket.sla_state == "warning")
    elif q.sla == "key":
        clauses.append(col(Ticket.contract_id).in_(
            select(Contract.id).where(col(Contract.is_key).is_(True))))
    text = (q.search or "").strip()
    if text:
        number = normalise_number(text)
        if number:
            clauses.append(Ticket.number == number)
        elif text.isdigit():
            # "123" finds 2026-000123 (any year) and subjects containing 123.
            clauses.append(
                or_(col(Ticket.number).like(f"%-{int(text):06d}"),
                    col(Ticket.subject).ilike(f"%{text}%"))
            )
        else:
            escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            clauses.append(col(Ticket.subject).ilike(f"%{escaped}%", escape="\\"))
    return clauses


def _order(db: Session, actor: Actor, q: ListQuery) -> list[Any]:
    def d(column: Any) -> Any:
        return column.desc() if q.descending else column.asc()

    if q.sort == "field":
        if not q.field_sort:
            raise Invalid("list.bad_sort")
        value = fields.sort_column(fields.viewable_field(db, actor, q.field_sort))
        return [value.is_(None), d(value), d(col(Ticket.id))]  # empty values last
    if q.sort == "updated":
        return [d(col(Ticket.updated_at)), d(col(Ticket.id))]
    if q.sort == "number":
        return [d(col(Ticket.number))]
    if q.sort == "due":
        # Soonest deadline first; tickets without a running clock last on both backends.
        due = col(Ticket.resolution_due_at)
        return [due.is_(None), due.desc() if q.descending else due.asc(), d(col(Ticket.id))]
    if q.sort == "status":
        return [d(col(Ticket.status)), col(Ticket.priority).desc(), col(Ticket.updated_at).desc()]
    return [d(col(Ticket.priority)), d(col(Ticket.updated_at)), d(col(Ticket.id))]


def list_tickets(db: Session, actor: Actor, q: ListQuery) -> TicketPage:
    """One page of the tickets `actor` may see. Never loads more than a page of rows."""
    if q.sort not in SORTS:
        raise Invalid("list.bad_sort")
    if q.sla is not None and q.sla not in SLA_FILTERS:
        raise Invalid("list.bad_filter")
    page_size = max(1, min(q.page_size, PAGE_SIZE_MAX))
    page = max(1, q.page)
    clauses = _filters(db, actor, q)
    # LIMIT/OFFSET as literals (clamped integers, never user text): with bound parameters
    # SQLite's planner cannot see the page size and picks a full scan in priority order
    # for small queues (0.8 s at 1M tickets instead of 0.1 ms; see docs/performance.md).
    rows = db.exec(
        select(Ticket).where(*clauses).order_by(*_order(db, actor, q))
        .offset(literal((page - 1) * page_size, literal_execute=True))
        .limit(literal(page_size, literal_execute=True))
    ).all()
    capped = select(Ticket.id).where(*clauses).limit(COUNT_CAP + 1).subquery()
    total = db.exec(select(func.count()).select_from(capped)).one()
    return TicketPage(
        rows=_rows(db, rows),
        total=min(total, COUNT_CAP),
        total_capped=total > COUNT_CAP,
        page=page,
        page_size=page_size,
    )


def _names(db: Session, model: Any, ids: set[int], attr: str) -> dict[int, str]:
    if not ids:
        return {}
    return {r.id: getattr(r, attr) for r in db.exec(select(model).where(col(model.id).in_(ids)))}


def _rows(db: Session, tickets: list[Ticket]) -> list[TicketRow]:
    """Labels for one page of tickets in three small queries, not one per row."""
    queues = _names(db, Queue, {t.queue_id for t in tickets}, "name")
    orgs = _names(db, Organisation, {t.organisation_id for t in tickets}, "name")
    people = _names(
        db, User,
        {t.requester_id for t in tickets} | {t.assignee_id for t in tickets if t.assignee_id},
        "full_name",
    )
    contract_ids = {t.contract_id for t in tickets if t.contract_id}
    key_contracts = set(db.exec(
        select(Contract.id).where(col(Contract.id).in_(contract_ids),
                                  col(Contract.is_key).is_(True))
    ).all()) if contract_ids else set()
    return [
        TicketRow(
            id=t.id, number=t.number, subject=t.subject, status=t.status, priority=t.priority,
            channel=t.channel, queue=queues.get(t.queue_id, ""),
            organisation=orgs.get(t.organisation_id, ""),
            requester=people.get(t.requester_id, ""),
            assignee=people.get(t.assignee_id, "") if t.assignee_id else "",
            updated_at=t.updated_at,
            sla_state=t.sla_state,
            sla_due_at=_next_due(t),
            is_key=t.contract_id in key_contracts,
        )
        for t in tickets
    ]


def _next_due(t: Ticket) -> datetime | None:
    if t.first_response_at is None and t.reaction_due_at is not None:
        if t.resolution_due_at is None:
            return t.reaction_due_at
        return min(t.reaction_due_at, t.resolution_due_at)
    return t.resolution_due_at


def queue_counts(db: Session, actor: Actor) -> list[tuple[int, str, int]]:
    """Active tickets per queue, as (queue id, name, count), for the agent sidebar."""
    counts = dict(
        db.exec(
            select(Ticket.queue_id, func.count())
            .where(access.ticket_scope(actor), col(Ticket.status).in_(workflow.active_keys(db)))
            .group_by(Ticket.queue_id)
        ).all()
    )
    queues = db.exec(select(Queue).where(Queue.is_active.is_(True)).order_by(Queue.name)).all()
    return [(q.id, q.name, counts.get(q.id, 0)) for q in queues]


def _load_visible(db: Session, actor: Actor, ticket_id: int) -> Ticket:
    ticket = db.get(Ticket, ticket_id)
    return access.require(actor, Action.VIEW, ticket)


def find_by_number(db: Session, actor: Actor, number_text: str) -> int:
    """Ticket id for a number the actor typed; NotFound for unknown and for invisible ones."""
    number = normalise_number(number_text)
    if number is None:
        raise NotFound("ticket.number_not_found", number=(number_text or "").strip()[:40])
    ticket = db.exec(select(Ticket).where(Ticket.number == number)).first()
    if ticket is None or not access.can_see_ticket(actor, ticket):
        raise NotFound("ticket.number_not_found", number=number)
    return ticket.id


def get_ticket(db: Session, actor: Actor, ticket_id: int) -> TicketDetail:
    """The ticket header and the part of its timeline `actor` may see."""
    ticket = _load_visible(db, actor, ticket_id)
    events = db.exec(
        select(TimelineEvent)
        .where(TimelineEvent.ticket_id == ticket.id, access.event_scope(actor))
        .order_by(col(TimelineEvent.created_at), col(TimelineEvent.id))
    ).all()
    event_ids = [e.id for e in events]
    files: dict[int, list[AttachmentView]] = {}
    if event_ids:
        for a in db.exec(
            select(Attachment).where(col(Attachment.event_id).in_(event_ids))
            .order_by(col(Attachment.id))
        ):
            files.setdefault(a.event_id, []).append(
                AttachmentView(a.id, a.filename, a.size, a.content_type)
            )
    author_ids = {e.author_id for e in events if e.author_id}
    authors = {
        u.id: u for u in db.exec(select(User).where(col(User.id).in_(author_ids)))
    } if author_ids else {}
    people = _names(
        db, User, {ticket.requester_id} | ({ticket.assignee_id} if ticket.assignee_id else set()),
        "full_name",
    )
    is_staff = actor.is_staff
    requester = db.get(User, ticket.requester_id)
    queue = db.get(Queue, ticket.queue_id)
    names = _change_labels(db, [e for e in events if e.kind in _LABELLED_KINDS]) if is_staff else {}
    org = db.get(Organisation, ticket.organisation_id)
    return TicketDetail(
        id=ticket.id,
        number=ticket.number,
        subject=ticket.subject,
        status=ticket.status,
        priority=ticket.priority,
        channel=ticket.channel,
        queue_id=ticket.queue_id,
        queue=queue.name if queue else "",
        organisation=org.name if org else "",
        requester=people.get(ticket.requester_id, ""),
        requester_email=requester.email if requester and is_staff else "",
        # Agent-only fields are blanked for clients rather than merely hidden in the page.
        assignee_id=ticket.assignee_id if is_staff else None,
        assignee=people.get(ticket.assignee_id, "") if is_staff and ticket.assignee_id else "",
        version=ticket.version,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        events=[
            EventView(
                id=e.id,
                kind=e.kind,
                author=authors[e.author_id].full_name if e.author_id in authors else "",
                author_is_staff=(
                    e.author_id in authors and authors[e.author_id].role in Role.STAFF
                ),
                is_public=e.is_public,
                body=e.body,
                data=_event_data_for(actor, e),
                created_at=e.created_at,
                attachments=files.get(e.id, []),
            )
            for e in events
        ],
        names=names,
        contract_id=ticket.contract_id if is_staff else None,
        ticket_type_id=ticket.ticket_type_id if is_staff else None,
    )


_LABELLED_KINDS = (EventKind.ASSIGNMENT, EventKind.QUEUE, EventKind.ESCALATION,
                   EventKind.CONTRACT, EventKind.TICKET_TYPE)


def _change_labels(db: Session, events: list[TimelineEvent]) -> dict[str, str]:
    users: set[int] = set()
    queues: set[int] = set()
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
    return labels


def _event_data_for(actor: Actor, event: TimelineEvent) -> dict[str, Any]:
    # Clients get only what their own public events need; internal events never reach them.
    return dict(event.data or {}) if actor.is_staff else {
        k: v for k, v in (event.data or {}).items() if k in ("old", "new", "channel", "field")
    }


# --------------------------------------------------------------------------- writes


def _clean_subject(subject: str) -> str:
    subject = " ".join((subject or "").split())
    if not subject:
        raise Invalid("ticket.subject_required")
    if len(subject) > SUBJECT_MAX:
        raise Invalid("ticket.subject_too_long", max=SUBJECT_MAX)
    return subject


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if len(body) > BODY_MAX:
        raise Invalid("ticket.body_too_long", max=BODY_MAX)
    return body


def _today(now: datetime) -> date:
    return now.astimezone(ZoneInfo(get_settings().default_timezone)).date()


def _contract_and_type(db: Session, organisation_id: int, now: datetime,
                       wanted_contract_id: int | None, wanted_type_id: int | None, *,
                       must_pick: bool) -> tuple[Contract | None, int | None]:
    """The ticket's contract and type.

    Contract: the one asked for (it must be valid today for the organisation), else the
    organisation's only valid contract. With several valid contracts an agent must pick
    (`must_pick`); a client's ticket then starts without one and an agent classifies it.
    Type: the one asked for, which must belong to the contract, else the contract's first.
    """
    valid = contracts.valid_contracts(db, organisation_id, _today(now))
    if wanted_contract_id:
        contract = next((c for c in valid if c.id == wanted_contract_id), None)
        if contract is None:
            raise Invalid("ticket.contract_invalid")
    elif len(valid) == 1:
        contract = valid[0]
    elif valid and must_pick:
        raise Invalid("ticket.contract_required")
    else:
        contract = None
    if contract is None:
        if wanted_type_id:
            raise Invalid("ticket.type_invalid")
        return None, None
    types = contracts.active_types(db, contract.id)
    if wanted_type_id:
        if wanted_type_id not in {t.id for t in types}:
            raise Invalid("ticket.type_invalid")
        return contract, wanted_type_id
    return contract, types[0].id if types else None


def _default_queue_id(db: Session) -> int:
    queue = db.exec(select(Queue).where(Queue.is_active.is_(True)).order_by(col(Queue.id))).first()
    if queue is None:
        raise Invalid("ticket.no_queue")
    return queue.id


def create_ticket(db: Session, actor: Actor, data: NewTicket, *,
                  via: Via | None = None) -> TicketRow | None:
    """Open a ticket: a client for themselves (web, or mail with `via`), staff on behalf
    of a client (any channel). Returns its list row (None with `via`)."""
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
    notify.ticket_event(db, actor, ticket, notify.NEW_TICKET, event=event, now=now)
    queue_change(db, ticket_id=ticket.id, organisation_id=ticket.organisation_id,
                 kind=EventKind.CREATED, public=True)
    db.commit()
    if via is not None:  # a system caller reads what it needs itself; skip the list row
        return None
    return _rows(db, [ticket])[0]


def add_comment(db: Session, actor: Actor, ticket_id: int, body: str, *, public: bool,
                files: list[attachments.IncomingFile] | None = None,
                via: Via | None = None) -> int:
    """A public reply or an internal note, optionally with attachments. Returns the event id.
    `via`: a mail follow-up (its event data and before-commit hook)."""
    files = files or []
    ticket = db.get(Ticket, ticket_id)
    access.require(actor, Action.REPLY if public else Action.NOTE, ticket)
    if files:
        access.require(actor, Action.ATTACH, ticket)
    body = _clean_body(body)
    if not body and not files:
        raise Invalid("comment.empty")
    attachments.validate_files(files, max_files=via.max_files if via else None)
    now = utcnow()
    event = TimelineEvent(
        ticket_id=ticket.id, kind=EventKind.REPLY if public else EventKind.NOTE,
        author_id=actor.user_id, is_public=public, body=body, created_at=now,
        data=dict(via.event_data) if via else {},
    )
    db.add(event)
    db.flush()
    if via is not None and via.before_commit is not None:
        via.before_commit(ticket, event)
    attachments.store_files(db, actor, ticket, event, files)
    values: dict[str, Any] = {"updated_at": now}
    # A client answering a ticket that waited on them (or was resolved) puts it back in
    # the agents' court; the first public agent reply takes a new ticket into work.
    old_status = ticket.status
    current = db.get(TicketStatus, ticket.status)
    category = current.category if current else None
    client_back = actor.is_client and category in (StatusCategory.WAITING,
                                                     StatusCategory.RESOLVED)
    first_answer = actor.is_staff and public and category == StatusCategory.NEW
    new_status = (workflow.first_of_category(db, ticket.contract_id, StatusCategory.OPEN)
                  if client_back or first_answer else None)
    if new_status:
        values.update(status=new_status, version=Ticket.version + 1)
        db.add(TimelineEvent(
            ticket_id=ticket.id, kind=EventKind.STATUS, author_id=actor.user_id, is_public=True,
            data={"old": ticket.status, "new": new_status}, created_at=now,
        ))
    db.execute(update(Ticket).where(Ticket.id == ticket.id).values(**values))
    if new_status or (public and actor.is_staff):
        sla.recompute_ticket(db, ticket.id, now)  # status or first agent response changed
    notify.ticket_event(db, actor, ticket, notify.PUBLIC_REPLY if public else notify.INTERNAL_NOTE,
                        event=event, now=now)
    if new_status:
        notify.ticket_event(db, actor, ticket, notify.STATUS_CHANGE,
                            data={"old": old_status, "new": new_status},
                            now=now)
    queue_change(db, ticket_id=ticket.id, organisation_id=ticket.organisation_id,
                 kind=event.kind, public=public or bool(new_status))
    db.commit()
    return event.id


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
    "confirm fixed"); nothing else is editable for them."""
    ticket = db.get(Ticket, ticket_id)
    access.require(actor, Action.VIEW, ticket)
    if not actor.is_client:
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
    now = utcnow()
    result = db.execute(
        update(Ticket)
        .where(Ticket.id == ticket.id, Ticket.version == expected_version)
        .values(**diff, updated_at=now, version=Ticket.version + 1)
    )
    if result.rowcount != 1:  # someone saved between our read and our write
        db.rollback()
        raise Conflict("ticket.conflict")
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
        notify.ticket_event(db, actor, ticket, notify.ASSIGNMENT,
                            data={"old": old["assignee_id"], "new": diff["assignee_id"]}, now=now)
    if "status" in diff:
        notify.ticket_event(db, actor, ticket, notify.STATUS_CHANGE,
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


@dataclass(frozen=True)
class SlaReport:
    contract: str
    is_key: bool
    ticket_type_pl: str
    ticket_type_en: str
    calendar: str
    result: sla.SlaResult


def sla_report(db: Session, actor: Actor, ticket_id: int, now: datetime) -> SlaReport | None:
    """The ticket's SLA with the explanation of its due dates (agents only); None without a
    contract. Computed from the timeline now, so it always agrees with the stored fields."""
    ticket = db.get(Ticket, ticket_id)
    access.require(actor, Action.VIEW_INTERNAL, ticket)
    contract = db.get(Contract, ticket.contract_id) if ticket.contract_id else None
    if contract is None:
        return None
    ttype = db.get(TicketType, ticket.ticket_type_id) if ticket.ticket_type_id else None
    calendar = db.get(BusinessCalendar, contract.calendar_id)
    return SlaReport(
        contract=contract.name, is_key=contract.is_key,
        ticket_type_pl=ttype.name_pl if ttype else "",
        ticket_type_en=ttype.name_en if ttype else "",
        calendar=calendar.name if calendar else "",
        result=sla.compute(sla.load_inputs(db, ticket), now, explain=True),
    )


@dataclass(frozen=True)
class ContractChoice:
    id: int
    name: str
    is_key: bool
    types: list[tuple[int, str, str]]  # (id, name_pl, name_en)


def classification_choices(db: Session, actor: Actor, *, requester_id: int | None = None,
                           ticket_id: int | None = None) -> list[ContractChoice]:
    """The contracts (valid today) and their ticket types an agent may choose from for a
    requester's new ticket or an existing ticket. Agents only."""
    if not actor.is_staff:
        raise Forbidden()
    if ticket_id is not None:
        ticket = db.get(Ticket, ticket_id)
        access.require(actor, Action.EDIT, ticket)
        org_id = ticket.organisation_id
    else:
        requester = db.get(User, requester_id) if requester_id else None
        if requester is None or requester.role != Role.CLIENT:
            return []
        org_id = requester.organisation_id
    return [
        ContractChoice(c.id, c.name, c.is_key,
                       [(t.id, t.name_pl, t.name_en) for t in contracts.active_types(db, c.id)])
        for c in contracts.valid_contracts(db, org_id, _today(utcnow()))
    ]


def status_choices(db: Session, actor: Actor, ticket_id: int,
                   lang: str) -> list[workflow.StatusView]:
    """The statuses `actor` may pick for the ticket now: agents the allowed moves (and the
    current status), clients only the moves marked "client may set"."""
    ticket = _load_visible(db, actor, ticket_id)
    return workflow.choices_for(db, actor, ticket, lang)


def client_classification(db: Session, actor: Actor) -> tuple[int | None, int | None]:
    """The contract and ticket type a client's new ticket will get (they choose neither):
    the organisation's only valid contract and its first type, or (None, None)."""
    contract, type_id = _contract_and_type(db, actor.organisation_id, utcnow(), None, None,
                                           must_pick=False)
    return (contract.id if contract else None), type_id
