"""Handing tickets over to subcontractors: hand over (coordinators and admins, one ticket
or a selection), accept and return (the subcontractor), withdraw (coordinators, admins).

- A ticket is handed to one subcontractor organisation at a time, optionally naming a
  person there (who gets the mail; everyone of the organisation sees the ticket,
  domain/access.py). The open handover is `Ticket.handed_to_org_id`, taken with a
  conditional UPDATE (`... WHERE handed_to_org_id IS NULL`), so two coordinators handing
  the same ticket at once cannot both succeed; the `handover` rows are the history.
- Every step is a HANDOVER timeline event (internal, shared with the subcontractor), an
  audit entry (`handover.*`), a live change (the subcontractor's open pages re-query: a
  withdrawal closes their ticket page at once) and a notification
  (notification_dispatch: the subcontractor hears of handed / withdrawn, the
  coordinator who handed it and the assignee of accepted / returned), in one transaction.
- The form suggests the subcontractors assigned to the ticket's contract first
  (`choices`); the assignment is edited on the subcontractor organisation's admin page
  (`assign_contracts`).
- Handing over changes nothing else: assignee, queue, status and SLA stay the desk's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, delete, select

from helpdesk_app.domain import access, audit, bulk
from helpdesk_app.domain import notification_dispatch as dispatch
from helpdesk_app.domain.access import Action
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from helpdesk_app.live.bus import queue_change
from helpdesk_app.models import (
    Contract,
    ContractSubcontractor,
    EventKind,
    Handover,
    HandoverState,
    Organisation,
    OrgKind,
    Role,
    Ticket,
    TimelineEvent,
    User,
)
from helpdesk_app.models.base import utcnow

NOTE_MAX = 2000
# Who hands tickets over and takes them back.
COORDINATING = (Role.ADMIN, Role.COORDINATOR)
ORG_DEACTIVATED = "org_deactivated"  # why a withdrawal happened (timeline data)
HANDED, ACCEPTED, RETURNED, WITHDRAWN = (HandoverState.HANDED, HandoverState.ACCEPTED,
                                         HandoverState.RETURNED, HandoverState.WITHDRAWN)


@dataclass(frozen=True)
class SubcontractorChoice:
    id: int
    name: str
    suggested: bool  # assigned to the contract of (one of) the tickets


@dataclass(frozen=True)
class PersonChoice:
    id: int
    name: str


@dataclass(frozen=True)
class HandoverView:
    id: int
    organisation_id: int
    organisation: str
    user_id: int | None
    person: str
    state: str
    note: str
    created_by: str
    created_at: datetime
    accepted_at: datetime | None


def _require_coordinator(actor: Actor) -> None:
    if actor.role not in COORDINATING:
        raise Forbidden()


def _note(text: str) -> str:
    note = (text or "").strip()
    if len(note) > NOTE_MAX:
        raise Invalid("handover.note_too_long", max=NOTE_MAX)
    return note


# --------------------------------------------------------------------------- reads


def choices(db: Session, actor: Actor, ticket_ids: Iterable[int] = ()
            ) -> list[SubcontractorChoice]:
    """Active subcontractor organisations, those serving the contract of any of
    `ticket_ids` (that the actor may see) first, then the others, each by name."""
    _require_coordinator(actor)
    ids = sorted({int(i) for i in ticket_ids})[:bulk.SELECTION_CAP]
    contract_ids = set(db.exec(
        select(Ticket.contract_id).where(col(Ticket.id).in_(ids), access.ticket_scope(actor),
                                         col(Ticket.contract_id).is_not(None))
    ).all()) if ids else set()
    suggested = set(db.exec(
        select(ContractSubcontractor.organisation_id)
        .where(col(ContractSubcontractor.contract_id).in_(contract_ids))
    ).all()) if contract_ids else set()
    orgs = db.exec(select(Organisation).where(Organisation.kind == OrgKind.SUBCONTRACTOR,
                                              col(Organisation.is_active).is_(True))
                   .order_by(col(Organisation.name))).all()
    return sorted((SubcontractorChoice(o.id, o.name, o.id in suggested) for o in orgs),
                  key=lambda c: not c.suggested)


def people(db: Session, actor: Actor, org_id: int) -> list[PersonChoice]:
    """The active subcontractor accounts of an organisation (a handover may name one)."""
    _require_coordinator(actor)
    rows = db.exec(select(User).where(User.organisation_id == org_id,
                                      User.role == Role.SUBCONTRACTOR,
                                      col(User.is_active).is_(True))
                   .order_by(col(User.full_name))).all()
    return [PersonChoice(u.id, u.full_name) for u in rows]


def _open(db: Session, ticket: Ticket) -> Handover | None:
    if ticket.handed_to_org_id is None:
        return None
    return db.exec(select(Handover).where(Handover.ticket_id == ticket.id,
                                          col(Handover.ended_at).is_(None),
                                          Handover.organisation_id == ticket.handed_to_org_id)
                   .order_by(col(Handover.id).desc())).first()


def current(db: Session, actor: Actor, ticket_id: int) -> HandoverView | None:
    """The ticket's open handover, for anyone who may see the ticket (staff, and the
    subcontractor it is handed to); None when it is not handed over."""
    ticket = access.require(actor, Action.VIEW, db.get(Ticket, ticket_id))
    h = _open(db, ticket)
    if h is None:
        return None
    org = db.get(Organisation, h.organisation_id)
    names = dict(db.exec(select(User.id, User.full_name).where(
        col(User.id).in_([i for i in (h.user_id, h.created_by_id) if i]))).all())
    return HandoverView(h.id, h.organisation_id, org.name if org else "", h.user_id,
                        names.get(h.user_id, "") if h.user_id else "", h.state, h.note,
                        names.get(h.created_by_id, ""), h.created_at, h.accepted_at)


# --------------------------------------------------------------------------- writes


def _event(db: Session, actor: Actor, ticket: Ticket, h: Handover, action: str, note: str,
           now: datetime, reason: str = "") -> TimelineEvent:
    data = {"action": action, "org": h.organisation_id, "user": h.user_id, "handover": h.id}
    if reason:
        data["reason"] = reason
    event = TimelineEvent(
        ticket_id=ticket.id, kind=EventKind.HANDOVER, author_id=actor.user_id,
        is_public=False, body=note, created_at=now, shared_with_org_id=h.organisation_id,
        data=data)
    db.add(event)
    db.flush()
    return event


def _subcontractor_people(db: Session, h: Handover) -> list[int]:
    """Who at the subcontractor hears of it: the named person, else everyone there."""
    if h.user_id is not None:
        return [h.user_id]
    return list(db.exec(select(User.id).where(User.organisation_id == h.organisation_id,
                                              User.role == Role.SUBCONTRACTOR,
                                              col(User.is_active).is_(True))).all())


def _record(db: Session, actor: Actor, ticket: Ticket, h: Handover, action: str,
            event: TimelineEvent, recipients: list[int], note: str, now: datetime) -> None:
    """The audit entry, the notification and the live change of one step."""
    org = db.get(Organisation, h.organisation_id)
    audit.record(db, actor, f"handover.{action}",
                 target=audit.Target("ticket", ticket.id, ticket.number),
                 details={"organisation": org.name if org else h.organisation_id,
                          "person": h.user_id, "handover": h.id, "note": note[:200]})
    dispatch.ticket_event(db, actor, ticket, dispatch.HANDOVER, event=event, now=now,
                          data={"action": action, "recipients": recipients,
                                "organisation": org.name if org else ""})
    queue_change(db, ticket_id=ticket.id, organisation_id=ticket.organisation_id,
                 kind=EventKind.HANDOVER, public=False)


def _check_target(db: Session, org_id: int, user_id: int | None) -> Organisation:
    org = db.get(Organisation, org_id) if org_id else None
    if org is None or org.kind != OrgKind.SUBCONTRACTOR or not org.is_active:
        raise Invalid("handover.org_invalid")
    if user_id is not None:
        user = db.get(User, user_id)
        if (user is None or user.role != Role.SUBCONTRACTOR or not user.is_active
                or user.organisation_id != org.id):
            raise Invalid("handover.person_invalid")
    return org


def _hand_one(db: Session, actor: Actor, ticket_id: int, org: Organisation,
              user_id: int | None, note: str) -> None:
    ticket = access.require(actor, Action.EDIT, db.get(Ticket, ticket_id))
    now = utcnow()
    taken = db.execute(update(Ticket).where(col(Ticket.id) == ticket.id,
                                            col(Ticket.handed_to_org_id).is_(None))
                       .values(handed_to_org_id=org.id, updated_at=now))
    if taken.rowcount != 1:
        db.rollback()
        raise Conflict("handover.already_handed", number=ticket.number)
    db.refresh(ticket)
    h = Handover(ticket_id=ticket.id, organisation_id=org.id, user_id=user_id, note=note,
                 created_by_id=actor.user_id, created_at=now)
    db.add(h)
    db.flush()
    event = _event(db, actor, ticket, h, HANDED, note, now)
    _record(db, actor, ticket, h, HANDED, event, _subcontractor_people(db, h), note, now)
    db.commit()


def hand_over(db: Session, actor: Actor, ticket_ids: Sequence[int], org_id: int,
              user_id: int | None = None, note: str = "", *,
              progress: bulk.Progress | None = None) -> bulk.BulkResult:
    """Hand each ticket to subcontractor organisation `org_id` (optionally naming
    `user_id` there); each ticket commits on its own, refusals are collected like a bulk
    edit's (a ticket already handed over: Conflict; one the actor may not see: not
    found, its number not revealed). Raises only for a request that fits no ticket.
    `progress(done, total)` is called before the first ticket and after each one."""
    _require_coordinator(actor)
    note = _note(note)
    org = _check_target(db, org_id, user_id)
    items = bulk._normalise(list(ticket_ids))
    if not items:
        raise Invalid("bulk.nothing_selected")
    if len(items) > bulk.SELECTION_CAP:
        raise Invalid("bulk.too_many", max=bulk.SELECTION_CAP)
    ids = [tid for tid, _ in items]
    numbers = dict(db.exec(select(Ticket.id, Ticket.number).where(
        col(Ticket.id).in_(ids), access.ticket_scope(actor))).all())
    result = bulk.BulkResult(total=len(ids))
    if progress:
        progress(0, result.total)
    for done, tid in enumerate(ids, 1):
        try:
            if tid == 0:
                raise NotFound("ticket.not_found")
            _hand_one(db, actor, tid, org, user_id, note)
        except DomainError as e:
            db.rollback()
            result.failures.append(bulk.BulkFailure(tid, numbers.get(tid, ""),
                                                    bulk._reason(e), e.key, dict(e.params)))
        else:
            result.changed.append(tid)
        if progress:
            progress(done, result.total)
    return result


def _mine(db: Session, actor: Actor, ticket_id: int) -> tuple[Ticket, Handover]:
    """A subcontractor's open handover of a ticket handed to their organisation."""
    ticket = access.require(actor, Action.VIEW, db.get(Ticket, ticket_id))
    if not actor.is_subcontractor:
        raise Forbidden()
    h = _open(db, ticket)
    if h is None or h.organisation_id != actor.organisation_id:
        raise NotFound("ticket.not_found")
    return ticket, h


def accept(db: Session, actor: Actor, ticket_id: int) -> None:
    """The subcontractor takes the handed ticket on."""
    ticket, h = _mine(db, actor, ticket_id)
    now = utcnow()
    done = db.execute(update(Handover).where(col(Handover.id) == h.id,
                                             Handover.state == HANDED,
                                             col(Handover.ended_at).is_(None))
                      .values(state=ACCEPTED, accepted_at=now))
    if done.rowcount != 1:
        db.rollback()
        raise Conflict("handover.already_accepted")
    db.refresh(h)
    event = _event(db, actor, ticket, h, ACCEPTED, "", now)
    _record(db, actor, ticket, h, ACCEPTED, event, [h.created_by_id, ticket.assignee_id],
            "", now)
    db.execute(update(Ticket).where(col(Ticket.id) == ticket.id).values(updated_at=now))
    db.commit()


def _end(db: Session, actor: Actor, ticket: Ticket, h: Handover, state: str, note: str,
         recipients: list[int | None], reason: str = "") -> None:
    """Close the open handover `h` (returned / withdrawn): the ticket is no longer handed."""
    now = utcnow()
    ended = db.execute(update(Handover).where(col(Handover.id) == h.id,
                                              col(Handover.ended_at).is_(None))
                       .values(state=state, ended_at=now, ended_by_id=actor.user_id))
    if ended.rowcount != 1:
        db.rollback()
        raise Conflict("handover.not_handed")
    db.refresh(h)
    event = _event(db, actor, ticket, h, state, note, now, reason)
    # Told while the ticket is still theirs to see: the mail says their access ended.
    _record(db, actor, ticket, h, state, event, [r for r in recipients if r], note, now)
    released = db.execute(update(Ticket).where(col(Ticket.id) == ticket.id,
                                               Ticket.handed_to_org_id == h.organisation_id)
                          .values(handed_to_org_id=None, updated_at=now))
    if released.rowcount != 1:  # nothing of this step stays (event, audit, mail)
        db.rollback()
        raise Conflict("handover.not_handed")
    db.commit()


def return_ticket(db: Session, actor: Actor, ticket_id: int, note: str = "") -> None:
    """The subcontractor gives the ticket back; their access ends with it."""
    note = _note(note)
    ticket, h = _mine(db, actor, ticket_id)
    _end(db, actor, ticket, h, RETURNED, note, [h.created_by_id, ticket.assignee_id])


def withdraw(db: Session, actor: Actor, ticket_id: int, note: str = "") -> None:
    """A coordinator takes the ticket back from the subcontractor, whose access ends now
    (their open page closes live, with a message)."""
    _require_coordinator(actor)
    note = _note(note)
    ticket = access.require(actor, Action.EDIT, db.get(Ticket, ticket_id))
    h = _open(db, ticket)
    if h is None:
        raise Invalid("handover.not_handed")
    _end(db, actor, ticket, h, WITHDRAWN, note, _subcontractor_people(db, h))


def withdraw_from_deactivated(db: Session, actor: Actor, org_id: int) -> int:
    """A subcontractor organisation was deactivated (its people can no longer sign in):
    every ticket still handed to it comes back to the desk, each withdrawn on its own (a
    timeline event saying why, an audit entry, a live change) and committed on its own.
    Nobody is notified: the subcontractor's people are gone, and the admin who did it
    sees the count. Called by the organisation admin, which checked the actor. Returns
    how many tickets came back."""
    handed = db.exec(select(Ticket).where(Ticket.handed_to_org_id == org_id)
                     .order_by(col(Ticket.id))).all()
    back = 0
    for ticket in handed:
        h = _open(db, ticket)
        if h is None:
            continue
        try:
            _end(db, actor, ticket, h, WITHDRAWN, "", [], reason=ORG_DEACTIVATED)
        except Conflict:  # withdrawn or returned meanwhile: already back
            continue
        back += 1
    return back


# --------------------------------------------------------------------------- contracts


def contract_choices(db: Session, actor: Actor) -> list[PersonChoice]:
    """Every contract as (id, "name — client"), by name: what a subcontractor may serve."""
    access.require_account_manager(actor)
    rows = db.exec(select(Contract, Organisation)
                   .join(Organisation, col(Organisation.id) == col(Contract.organisation_id))
                   .order_by(col(Contract.name), col(Contract.id))).all()
    return [PersonChoice(c.id, f"{c.name} — {o.name}") for c, o in rows]


def assigned_contracts(db: Session, actor: Actor, org_id: int) -> list[int]:
    """The contracts a subcontractor organisation serves (its admin page)."""
    access.require_account_manager(actor)
    return list(db.exec(select(ContractSubcontractor.contract_id)
                        .where(ContractSubcontractor.organisation_id == org_id)
                        .order_by(col(ContractSubcontractor.contract_id))).all())


def assign_contracts(db: Session, actor: Actor, org_id: int,
                     contract_ids: Iterable[int]) -> None:
    """Set the contracts subcontractor organisation `org_id` serves (whoever manages
    organisations; audited). Commits."""
    access.require_account_manager(actor)
    org = db.get(Organisation, org_id)
    if org is None:
        raise NotFound("orgadmin.not_found")
    if org.kind != OrgKind.SUBCONTRACTOR:
        raise Invalid("handover.not_subcontractor")
    try:
        wanted = sorted({int(c) for c in contract_ids})
    except (TypeError, ValueError):
        raise Invalid("handover.contract_invalid") from None
    known = set(db.exec(select(Contract.id).where(col(Contract.id).in_(wanted))).all()) \
        if wanted else set()
    if known != set(wanted):
        raise Invalid("handover.contract_invalid")
    before = assigned_contracts(db, actor, org_id)
    if before == wanted:
        return
    db.exec(delete(ContractSubcontractor).where(
        col(ContractSubcontractor.organisation_id) == org_id))
    db.add_all(ContractSubcontractor(contract_id=c, organisation_id=org_id) for c in wanted)
    audit.record(db, actor, "handover.contracts_changed",
                 target=audit.Target("organisation", org.id, org.name),
                 details={"contracts": [before, wanted]})
    db.commit()
