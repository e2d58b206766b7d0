"""Statuses as data: per-contract status sets, allowed transitions, who may set what, and
what clients see. Every status change (UI, bulk, e-mail, API) goes through
`check_status_change`, so a client cannot set a status not marked for clients even by
calling a state's handler directly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeVar

from sqlmodel import Session, col, delete, select

from helpdesk_app.domain import access, audit, permissions, tx_cache
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import FieldChecks, Forbidden, Invalid
from helpdesk_app.i18n import t
from helpdesk_app.models import (
    Contract,
    ContractStatus,
    Role,
    SlaEffect,
    StatusCategory,
    StatusTransition,
    Ticket,
    TicketStatus,
)

# Categories that end the work on a ticket: entering one of them is "resolving".
RESOLVING = (StatusCategory.RESOLVED, StatusCategory.CLOSED)


@dataclass(frozen=True)
class StatusView:
    key: str
    label: str
    colour: str
    category: str


# Status definitions are read several times in one transaction (first status, labels for
# each notification, SLA): tx_cache keeps them for the transaction (or a mail batch).
T = TypeVar("T")


def _cached(db: Session, key: object, load: Callable[[], T]) -> T:
    return tx_cache.cached(db, ("workflow", key), load)


def all_statuses(db: Session) -> dict[str, TicketStatus]:
    """Every status ever defined (retired ones too: old events keep their names)."""
    return _cached(db, "all", lambda: {
        s.key: s for s in db.exec(select(TicketStatus).order_by(col(TicketStatus.sort_order)))})


def status_set(db: Session, contract_id: int | None) -> list[TicketStatus]:
    """The active statuses a ticket under `contract_id` can have, in order: the contract's
    own set when it has one, else the default set."""
    return list(_cached(db, ("set", contract_id), lambda: _status_set(db, contract_id)))


def _status_set(db: Session, contract_id: int | None) -> list[TicketStatus]:
    if contract_id is not None:
        own = db.exec(
            select(TicketStatus).join(ContractStatus,
                                      ContractStatus.status_key == TicketStatus.key)
            .where(ContractStatus.contract_id == contract_id,
                   col(TicketStatus.is_active).is_(True))
            .order_by(col(ContractStatus.sort_order), col(TicketStatus.sort_order))
        ).all()
        if own:
            return list(own)
    return list(db.exec(
        select(TicketStatus).where(col(TicketStatus.is_default).is_(True),
                                   col(TicketStatus.is_active).is_(True))
        .order_by(col(TicketStatus.sort_order))
    ).all())


def _has_own_set(db: Session, contract_id: int | None) -> bool:
    return contract_id is not None and db.exec(
        select(ContractStatus.status_key).where(ContractStatus.contract_id == contract_id)
        .limit(1)).first() is not None


def allowed_next(db: Session, ticket: Ticket) -> set[str]:
    """Status keys the ticket may move to (any actor; clients are narrowed further)."""
    members = {s.key for s in status_set(db, ticket.contract_id)}
    scope = ticket.contract_id if _has_own_set(db, ticket.contract_id) else None
    rules = db.exec(select(StatusTransition).where(
        StatusTransition.contract_id == scope if scope is not None
        else col(StatusTransition.contract_id).is_(None))).all()
    if not rules:  # a set without transition rules allows every move
        return members - {ticket.status}
    return {r.to_key for r in rules if r.from_key == ticket.status} & members


def is_resolving(status: TicketStatus) -> bool:
    return status.category in RESOLVING or status.closes or status.sla_effect == SlaEffect.STOPS


def check_status_change(db: Session, actor: Actor, ticket: Ticket, new_key: str) -> TicketStatus:
    """Validate a move of `ticket` to `new_key` by `actor`; returns the target status."""
    target = db.get(TicketStatus, new_key)
    members = {s.key for s in status_set(db, ticket.contract_id)}
    if target is None or not target.is_active or new_key not in members:
        raise Invalid("status.not_in_set")
    if new_key not in allowed_next(db, ticket):
        current = db.get(TicketStatus, ticket.status)
        raise Invalid("status.transition_not_allowed",
                      old=_name(current, actor.language) if current else ticket.status,
                      new=_name(target, actor.language))
    if actor.role == Role.CLIENT and not target.client_may_set:
        raise Forbidden("status.client_not_allowed")
    if actor.role == Role.SUBCONTRACTOR and not target.subcontractor_visible:
        raise Forbidden("status.subcontractor_not_allowed")
    if is_resolving(target) and not is_resolving_key(db, ticket.status):
        _resolve_gates(db, actor, ticket)
    return target


def is_resolving_key(db: Session, key: str) -> bool:
    status = db.get(TicketStatus, key)
    return status is not None and is_resolving(status)


def _resolve_gates(db: Session, actor: Actor, ticket: Ticket) -> None:
    """Before a ticket is resolved: required checklist items done, required fields set,
    work logged where the queue or ticket type asks for it."""
    # Imported here: these modules build on tickets/workflow themselves.
    from helpdesk_app.domain import checklists, fields, worktime

    checklists.check_can_resolve(db, ticket.id, actor.language)
    worktime.check_can_resolve(db, ticket)
    missing = fields.missing_required(db, ticket, moment="resolve", lang=actor.language)
    if missing:
        raise Invalid("workflow.required_fields_missing", fields=", ".join(missing))


def first_of_category(db: Session, contract_id: int | None, category: str) -> str | None:
    """The first status of a category in the ticket's set (for automatic moves such as
    "a client's answer puts a waiting ticket back to open")."""
    for s in status_set(db, contract_id):
        if s.category == category:
            return s.key
    return None


def is_closed_key(db: Session, key: str) -> bool:
    """A ticket in this status is closed (category "closed"): nobody works on it any more."""
    status = all_statuses(db).get(key)
    return status is not None and status.category == StatusCategory.CLOSED


def reopen_target(db: Session, ticket: Ticket) -> str | None:
    """Where a client's reply takes a closed ticket: the first "open" status of its set,
    when the set's transition rules allow that move (a set without rules allows every
    move); None: the workflow keeps it closed and the client opens a follow-up ticket.
    "Client may set" does not apply: the client picks no status, the reply moves it (as a
    reply moves a waiting ticket back to open)."""
    target = first_of_category(db, ticket.contract_id, StatusCategory.OPEN)
    return target if target and target in allowed_next(db, ticket) else None


def active_keys(db: Session) -> list[str]:
    """Statuses in which a ticket still needs work (the lists' "active" filter)."""
    return [k for k, s in all_statuses(db).items() if not is_resolving(s)]


def _name(s: TicketStatus, lang: str) -> str:
    return s.name_pl if lang == "pl" else s.name_en


def label(s: TicketStatus, lang: str, *, for_client: bool,
          for_subcontractor: bool = False) -> str:
    """A status's name; clients see the public label of a status hidden from them,
    subcontractors the category's name of a status not visible to subcontractors."""
    if for_client and not s.client_visible:
        custom = s.client_label_pl if lang == "pl" else s.client_label_en
        return custom or t(f"status_category.{s.category}", lang)
    if for_subcontractor and not s.subcontractor_visible:
        return t(f"status_category.{s.category}", lang)
    return _name(s, lang)


def labels(db: Session, lang: str, *, for_client: bool,
           for_subcontractor: bool = False) -> dict[str, str]:
    return {k: label(s, lang, for_client=for_client, for_subcontractor=for_subcontractor)
            for k, s in all_statuses(db).items()}


def labels_for(db: Session, lang: str, actor: Actor) -> dict[str, str]:
    """The status names as `actor` reads them (client / subcontractor / staff flavour)."""
    return labels(db, lang, for_client=actor.is_client,
                  for_subcontractor=actor.is_subcontractor)


def colours(db: Session) -> dict[str, str]:
    return {k: s.colour for k, s in all_statuses(db).items()}


def choices_for(db: Session, actor: Actor, ticket: Ticket, lang: str) -> list[StatusView]:
    """What the actor may pick for this ticket now (current status first for agents)."""
    nxt = allowed_next(db, ticket)
    out = []
    for s in status_set(db, ticket.contract_id):
        if actor.role == Role.CLIENT and not (s.key in nxt and s.client_may_set):
            continue
        if actor.role == Role.SUBCONTRACTOR and not (s.key in nxt and s.subcontractor_visible):
            continue
        if actor.role not in (Role.CLIENT, Role.SUBCONTRACTOR) and s.key != ticket.status \
                and s.key not in nxt:
            continue
        out.append(StatusView(s.key, label(s, lang, for_client=actor.is_client,
                                           for_subcontractor=actor.is_subcontractor),
                              s.colour, s.category))
    return out


# --------------------------------------------------------------------------- admin

COLOURS = ("gray", "blue", "green", "orange", "red", "purple", "amber", "cyan")
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


@dataclass
class StatusInput:
    key: str
    name_pl: str
    name_en: str
    category: str
    sla_effect: str = SlaEffect.COUNTS
    colour: str = "gray"
    sort_order: int | str = 0  # the form's text is parsed (and checked) on save
    is_default: bool = False
    client_visible: bool = True
    client_label_pl: str = ""
    client_label_en: str = ""
    subcontractor_visible: bool = True
    client_may_set: bool = False
    closes: bool = False
    is_active: bool = True



def _sort_order(value: int | str) -> int:
    """The form's position, typed as text ("" is 0) or given as a number."""
    if isinstance(value, int):
        return value
    text = (value or "").strip()
    try:
        return int(text or "0")
    except ValueError:
        raise Invalid("workflow.order_invalid", value=text[:20]) from None


def save_status(db: Session, actor: Actor, data: StatusInput, *, new: bool = False) -> str:
    """Create or update a status definition. Keys never change (history refers to them);
    `new`: the key must not exist yet. Every bad field is reported at once (FormInvalid)."""
    access.require_permission(actor, permissions.CONFIG_WORKFLOW)
    checks = FieldChecks()
    if not _KEY_RE.match(data.key or ""):
        checks.fail("key", "status.key_invalid")
    elif new and db.get(TicketStatus, data.key) is not None:
        checks.fail("key", "workflow.key_taken", status=data.key)
    for name in ("name_pl", "name_en"):
        if not getattr(data, name).strip():
            checks.fail(name, "status.name_required")
    if data.category not in StatusCategory.ALL:
        checks.fail("category", "status.category_invalid")
    if data.sla_effect not in SlaEffect.ALL:
        checks.fail("sla_effect", "status.sla_effect_invalid")
    if data.colour not in COLOURS:
        checks.fail("colour", "status.colour_invalid")
    order = checks.run("sort_order", _sort_order, data.sort_order)
    checks.done()
    data = replace(data, sort_order=order)
    existing = db.get(TicketStatus, data.key)
    before = audit.snapshot(existing, _STATUS_AUDITED) if existing else None
    row = existing or TicketStatus(key=data.key, name_pl="", name_en="", category=data.category)
    for name in ("name_pl", "name_en", "client_label_pl", "client_label_en"):
        setattr(row, name, getattr(data, name).strip()[:80])
    for name in ("category", "sla_effect", "colour", "sort_order", "is_default",
                 "client_visible", "subcontractor_visible", "client_may_set", "closes",
                 "is_active"):
        setattr(row, name, getattr(data, name))
    db.add(row)
    audit.record_change(
        db, actor, "config.workflow.status.updated" if before
        else "config.workflow.status.created",
        target=audit.Target("status", row.key, row.name_pl),
        details=audit.changes(before, row, _STATUS_AUDITED))
    db.commit()
    return row.key


def _check_contract(db: Session, checks: FieldChecks, contract_id: int | None) -> None:
    if contract_id is not None and db.get(Contract, contract_id) is None:
        checks.fail("contract", "ticket_type.contract_invalid")  # "Unknown contract."


_STATUS_AUDITED = ("name_pl", "name_en", "client_label_pl", "client_label_en", "category",
                   "sla_effect", "colour", "sort_order", "is_default", "client_visible",
                   "subcontractor_visible", "client_may_set", "closes", "is_active")


def _set_target(db: Session, contract_id: int | None) -> audit.Target:
    """The status set changed: a contract's own, or the default set (no contract)."""
    if contract_id is None:
        return audit.Target("status_set", "default", "default")
    contract = db.get(Contract, contract_id)
    return audit.Target("contract", contract_id, contract.name if contract else "")


def save_contract_set(db: Session, actor: Actor, contract_id: int, keys: list[str]) -> None:
    """Give a contract its own status set (an empty list: back to the default set). A set
    needs a status to start in and one that resolves. Problems: `contract`, `statuses`."""
    access.require_permission(actor, permissions.CONFIG_WORKFLOW)
    checks = FieldChecks()
    _check_contract(db, checks, contract_id)
    keys = list(dict.fromkeys(keys))
    statuses = all_statuses(db)
    unknown = [k for k in keys if k not in statuses or not statuses[k].is_active]
    if unknown:
        checks.fail("statuses", "workflow.set_status_invalid", status=str(unknown[0])[:40])
    chosen = [statuses[k] for k in keys if k not in unknown]
    if keys and (not any(s.category == StatusCategory.NEW for s in chosen)
                 or not any(is_resolving(s) for s in chosen)):
        checks.fail("statuses", "status.set_incomplete")
    checks.done()
    before = own_set_keys(db, contract_id)
    db.exec(delete(ContractStatus).where(col(ContractStatus.contract_id) == contract_id))
    db.add_all(ContractStatus(contract_id=contract_id, status_key=k, sort_order=i)
               for i, k in enumerate(keys))
    audit.record_change(db, actor, "config.workflow.status_set.updated",
                        target=_set_target(db, contract_id),
                        details=audit.changes({"statuses": before}, {"statuses": keys},
                                              ["statuses"]))
    db.commit()


def save_transitions(db: Session, actor: Actor, contract_id: int | None,
                     pairs: list[tuple[str, str]]) -> None:
    """Allowed moves for a contract's set (None: the default set); an empty list allows
    every move. An unknown contract is the `contract` field's problem; a pair outside the
    set is about the whole matrix (a plain Invalid: it has no checkbox to stand under)."""
    access.require_permission(actor, permissions.CONFIG_WORKFLOW)
    checks = FieldChecks()
    _check_contract(db, checks, contract_id)
    checks.done()
    members = {s.key for s in status_set(db, contract_id)}
    if any(a not in members or b not in members or a == b for a, b in pairs):
        raise Invalid("status.transition_invalid")
    scope = (StatusTransition.contract_id == contract_id if contract_id is not None
             else col(StatusTransition.contract_id).is_(None))
    before = {f"{a}→{b}" for a, b in transition_pairs(db, contract_id)}
    db.exec(delete(StatusTransition).where(scope))
    db.add_all(StatusTransition(contract_id=contract_id, from_key=a, to_key=b)
               for a, b in dict.fromkeys(pairs))
    after = {f"{a}→{b}" for a, b in pairs}
    diff = {k: sorted(v) for k, v in (("added", after - before),
                                      ("removed", before - after)) if v}
    audit.record_change(db, actor, "config.workflow.transitions.updated",
                        target=_set_target(db, contract_id), details=diff)
    db.commit()


# --------------------------------------------------------------------------- admin reads


def own_set_keys(db: Session, contract_id: int) -> list[str]:
    """The status keys of a contract's own set, in order ([]: it uses the default set)."""
    return list(db.exec(
        select(ContractStatus.status_key).where(ContractStatus.contract_id == contract_id)
        .order_by(col(ContractStatus.sort_order))).all())


def transition_pairs(db: Session, contract_id: int | None) -> list[tuple[str, str]]:
    """The stored transition rules of a set (None: the default set); []: every move."""
    scope = (StatusTransition.contract_id == contract_id if contract_id is not None
             else col(StatusTransition.contract_id).is_(None))
    return [(r.from_key, r.to_key) for r in db.exec(
        select(StatusTransition).where(scope).order_by(col(StatusTransition.id)))]
