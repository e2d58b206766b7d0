"""Ticket reads: the list (`list_tickets`: filters, sort, capped count), queue counts,
finding a ticket by number, the detail with its visible timeline (`get_ticket`), the SLA
explanation, and the contract / type / status choices a form offers. Every read goes
through `domain.access`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, literal, or_
from sqlmodel import Session, col, select

from helpdesk_app.config import get_settings
from helpdesk_app.domain import access, calendars, contracts, fields, sla, workflow
from helpdesk_app.domain.access import Action
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import Forbidden, Invalid, NotFound
from helpdesk_app.domain.numbering import normalise_number
from helpdesk_app.domain.tickets_views import (
    _LABELLED_KINDS,
    INACTIVE,
    SLA_FILTERS,
    SORTS,
    AttachmentView,
    ContractChoice,
    EventView,
    ListQuery,
    SlaReport,
    TicketDetail,
    TicketPage,
    _change_labels,
    _event_data_for,
    _names,
    _rows,
)
from helpdesk_app.models import (
    Attachment,
    BusinessCalendar,
    Contract,
    EventKind,
    Organisation,
    Queue,
    Role,
    Ticket,
    TicketType,
    TimelineEvent,
    User,
)
from helpdesk_app.models.base import utcnow

PAGE_SIZE_MAX = 100
# Counting every match of a broad filter over a million rows is wasted work: the pager
# only needs to know there are "more than N".
COUNT_CAP = 10_000
# ListQuery.assignee: the tickets of the people the actor substitutes for (issue 13)
COVERING = "covering"


# --------------------------------------------------------------------------- reads


def _filters(db: Session, actor: Actor, q: ListQuery, *, indexed_scope: bool = True
             ) -> list[Any]:
    # "Substituting for …" (issue 13): a scope of its own, implied by ticket_scope
    clauses: list[Any] = [access.covered_scope(actor, indexed=indexed_scope)
                          if q.assignee == COVERING
                          else access.ticket_scope(actor, indexed=indexed_scope)]
    if q.status == "active":
        clauses.append(col(Ticket.status).in_(workflow.active_keys(db)))
    elif q.status == INACTIVE:
        clauses.append(col(Ticket.status).not_in(workflow.active_keys(db)))
    elif q.status:
        clauses.append(Ticket.status == q.status)
    if q.queue_id:
        clauses.append(Ticket.queue_id == q.queue_id)
        if access.queue_limited(actor) and q.queue_id not in (actor.visible_queue_ids or ()):
            # Outside the actor's queues only their assigned tickets match (ticket_scope);
            # saying so lets the database use the assignee index instead of the queue's.
            clauses.append(col(Ticket.assignee_id).in_(access.assigned_ids(actor)))
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
    if q.sla == "breached":  # overdue now: a finished ticket shows its outcome instead
        clauses.append(Ticket.sla_state == "breached")
        clauses.append(col(Ticket.resolved_at).is_(None))
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


# A queue-limited actor's scope is "in my queues OR assigned to me". SQLite answers it
# from two indexes and sorts every match: fine for a few hundred matches, 30-90 ms for
# tens of thousands (the default "active" view of two big queues at 1M tickets). With
# many matches, walking the sort index and filtering finds a page after a few rows, so
# the page query then hides the scope from the index choice. The capped count, already
# needed for the pager, tells which case it is (matches / highest id = density).
_SCAN_ROWS_MAX = 20_000
_SCANNABLE_SORTS = ("priority", "updated")  # sorts with an index of their own


def _scan_in_sort_order(db: Session, actor: Actor, q: ListQuery, total: int,
                        page_end: int) -> bool:
    # The "Substituting for" view (two colleagues' tickets, tens of thousands closed ones
    # at 1M) is the same case: dense matches are found faster along the sort index.
    many_ways = access.queue_limited(actor) or q.assignee == COVERING
    if not (many_ways and not q.queue_id and total and q.sort in _SCANNABLE_SORTS):
        return False
    top = db.exec(select(func.max(Ticket.id))).one() or 0
    return page_end * top / total <= _SCAN_ROWS_MAX


def list_tickets(db: Session, actor: Actor, q: ListQuery) -> TicketPage:
    """One page of the tickets `actor` may see. Never loads more than a page of rows."""
    if q.sort not in SORTS:
        raise Invalid("list.bad_sort")
    if q.sla is not None and q.sla not in SLA_FILTERS:
        raise Invalid("list.bad_filter")
    page_size = max(1, min(q.page_size, PAGE_SIZE_MAX))
    page = max(1, q.page)
    clauses = _filters(db, actor, q)
    capped = select(Ticket.id).where(*clauses).limit(COUNT_CAP + 1).subquery()
    total = db.exec(select(func.count()).select_from(capped)).one()
    page_clauses = (_filters(db, actor, q, indexed_scope=False)
                    if _scan_in_sort_order(db, actor, q, total, page * page_size) else clauses)
    # LIMIT/OFFSET as literals (clamped integers, never user text): with bound parameters
    # SQLite's planner cannot see the page size and picks a full scan in priority order
    # for small queues (0.8 s at 1M tickets instead of 0.1 ms; see docs/performance.md).
    rows = db.exec(
        select(Ticket).where(*page_clauses).order_by(*_order(db, actor, q))
        .offset(literal((page - 1) * page_size, literal_execute=True))
        .limit(literal(page_size, literal_execute=True))
    ).all() if total else []
    return TicketPage(
        rows=_rows(db, rows),
        total=min(total, COUNT_CAP),
        total_capped=total > COUNT_CAP,
        page=page,
        page_size=page_size,
    )


def queue_counts(db: Session, actor: Actor) -> list[tuple[int, str, int]]:
    """Active tickets per queue, as (queue id, name, count), for the agent sidebar."""
    counts = dict(
        db.exec(
            select(Ticket.queue_id, func.count())
            .where(access.queue_figures_scope(actor),
                   col(Ticket.status).in_(workflow.active_keys(db)))
            .group_by(Ticket.queue_id)
        ).all()
    )
    # only the queues the actor may list (queue limit), in the admin's order
    queues = db.exec(select(Queue).where(Queue.is_active.is_(True), access.queue_scope(actor))
                     .order_by(col(Queue.position), col(Queue.name))).all()
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
    # subcontractors: the names their handover events show (the rest is the desk's)
    labelled = _LABELLED_KINDS if is_staff else (EventKind.HANDOVER, EventKind.WORK)
    names = _change_labels(db, [e for e in events if e.kind in labelled]) \
        if actor.is_agent else {}
    org = db.get(Organisation, ticket.organisation_id)
    return TicketDetail(
        id=ticket.id,
        number=ticket.number,
        subject=ticket.subject,
        status=ticket.status,
        priority=ticket.priority,
        channel=ticket.channel,
        queue_id=ticket.queue_id,
        queue=queue.name if queue and is_staff else "",  # queues are the desk's business
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
                shared=e.shared_with_org_id is not None,
            )
            for e in events
        ],
        names=names,
        contract_id=ticket.contract_id if is_staff else None,
        ticket_type_id=ticket.ticket_type_id if is_staff else None,
        handed_to=_org_name(db, ticket.handed_to_org_id) if is_staff else "",
    )


def _org_name(db: Session, org_id: int | None) -> str:
    org = db.get(Organisation, org_id) if org_id else None
    return org.name if org else ""


# ---------------------------------------------------------------- classification and choices


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


def sla_report(db: Session, actor: Actor, ticket_id: int, now: datetime) -> SlaReport | None:
    """The ticket's SLA with the explanation of its due dates (agents only); None without a
    contract. Computed from the timeline now, so it always agrees with the stored fields.
    A subcontractor gets the clocks (states, targets, deadlines) but not what is behind
    them - contract, ticket type, calendar and the explanation stay the desk's business."""
    ticket = db.get(Ticket, ticket_id)
    access.require(actor, Action.VIEW_SLA, ticket)
    contract = db.get(Contract, ticket.contract_id) if ticket.contract_id else None
    if contract is None:
        return None
    desk = actor.is_staff
    ttype = db.get(TicketType, ticket.ticket_type_id) if ticket.ticket_type_id else None
    calendar = db.get(BusinessCalendar, contract.calendar_id)
    inputs = sla.load_inputs(db, ticket)
    return SlaReport(
        contract=contract.name if desk else "", is_key=contract.is_key and desk,
        ticket_type_pl=ttype.name_pl if ttype and desk else "",
        ticket_type_en=ttype.name_en if ttype and desk else "",
        calendar=calendar.name if calendar and desk else "",
        result=sla.compute(inputs, now, explain=desk),
        pauses=sla.pause_periods(inputs, now),
        day_minutes=calendars.working_day_minutes(sla.spec_for_calendar(db, calendar.id))
        if calendar else None,
    )


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
