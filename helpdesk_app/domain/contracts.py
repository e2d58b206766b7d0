"""SLA configuration as data: contracts and ticket types (admins only). Business
calendars are configured in `calendar_config.py` (re-exported here for old callers).

Validation lives here so the admin pages, an import script and the API all get the same
clear messages: overlapping or empty windows, a calendar without working time, a contract
without a calendar, a reaction target longer than the resolution target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, delete, select

from helpdesk_app.domain import access, audit, permissions, tx_cache
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.calendar_config import (  # noqa: F401  (re-exported)
    CalendarInput,
    CalendarView,
    calendar_spec,
    list_calendars,
    parse_closed_dates,
    parse_time,
    parse_windows,
    save_calendar,
)
from helpdesk_app.domain.errors import FieldChecks, Invalid, NotFound
from helpdesk_app.models import (
    BusinessCalendar,
    Contract,
    ContractContact,
    EscalationAction,
    Organisation,
    OrgKind,
    Priority,
    Queue,
    Role,
    TicketType,
    TicketTypeTarget,
    User,
)

MAX_TARGET_MINUTES = 60 * 24 * 365  # a year of business minutes is surely a typo beyond


@dataclass
class ContractInput:
    organisation_id: int
    name: str
    valid_from: date | None  # None: not given (refused)
    calendar_id: int | None
    valid_to: date | None = None
    is_key: bool = False
    default_queue_id: int | None = None
    escalation_action: str = EscalationAction.NONE  # applied on an SLA breach
    escalation_queue_id: int | None = None
    contact_ids: list[int] = field(default_factory=list)  # the client's contact persons


@dataclass
class TicketTypeInput:
    contract_id: int
    name_pl: str
    name_en: str
    reaction_minutes: int | None = None
    resolution_minutes: int | None = None
    warning_percent: int = 75
    # priority -> (reaction minutes, resolution minutes)
    per_priority: dict[int, tuple[int | None, int | None]] = field(default_factory=dict)
    # resolving needs a work entry (issue 14); None: as it was (a new type: no)
    requires_work_entry: bool | None = None



def _name(value: str, key: str) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise Invalid(key)
    return value[:200]


def save_contract(db: Session, actor: Actor, data: ContractInput,
                  contract_id: int | None = None, *, checks: FieldChecks | None = None) -> int:
    """Create or change a contract. Every bad field is reported at once (FormInvalid),
    with the form's own parsing problems (`checks`) among them."""
    access.require_permission(actor, permissions.CONFIG_SLA)
    checks = checks or FieldChecks()
    name = checks.run("name", _name, data.name, "contract.name_required")
    org = db.get(Organisation, data.organisation_id) if data.organisation_id else None
    if org is None or org.kind != OrgKind.CLIENT:
        checks.fail("organisation", "contract.organisation_invalid")
    if data.valid_from is None:
        checks.fail("valid_from", "contract.valid_from_required")
    elif data.valid_to is not None and data.valid_to < data.valid_from:
        checks.fail("valid_to", "contract.validity_reversed")
    if not data.calendar_id or db.get(BusinessCalendar, data.calendar_id) is None:
        checks.fail("calendar", "contract.calendar_required")
    if data.default_queue_id is not None and db.get(Queue, data.default_queue_id) is None:
        checks.fail("queue", "ticket.queue_invalid")
    contacts = [db.get(User, uid) for uid in dict.fromkeys(data.contact_ids)]
    if org is not None and any(u is None or u.organisation_id != org.id or not u.is_active
                               for u in contacts):
        checks.fail("contacts", "contract.contact_invalid")
    if data.escalation_action not in EscalationAction.ALL:
        checks.fail("escalation", "contract.escalation_invalid")
    elif data.escalation_action == EscalationAction.MOVE_QUEUE and (
            not data.escalation_queue_id or db.get(Queue, data.escalation_queue_id) is None):
        checks.fail("escalation_queue", "contract.escalation_queue_required")
    checks.done()
    row = Contract(organisation_id=org.id, name=name, valid_from=data.valid_from,
                   calendar_id=data.calendar_id)
    before: dict | None = None
    if contract_id is not None:
        row = db.get(Contract, contract_id)
        if row is None:
            raise NotFound()
        before = _contract_audited(db, row)
    row.organisation_id, row.name, row.calendar_id = org.id, name, data.calendar_id
    row.valid_from, row.valid_to, row.is_key = data.valid_from, data.valid_to, data.is_key
    row.default_queue_id = data.default_queue_id
    row.escalation_action = data.escalation_action
    row.escalation_queue_id = (
        data.escalation_queue_id if data.escalation_action == EscalationAction.MOVE_QUEUE
        else None)
    db.add(row)
    db.flush()
    db.exec(delete(ContractContact).where(col(ContractContact.contract_id) == row.id))
    db.add_all(ContractContact(contract_id=row.id, user_id=u.id) for u in contacts)
    db.flush()
    audit.record_change(
        db, actor, "config.sla.contract.updated" if before else "config.sla.contract.created",
        target=audit.Target("contract", row.id, name),
        details=audit.changes(before, _contract_audited(db, row), _CONTRACT_AUDITED))
    db.commit()
    return row.id


_CONTRACT_AUDITED = ("organisation_id", "name", "calendar_id", "valid_from", "valid_to",
                     "is_key", "default_queue_id", "escalation_action",
                     "escalation_queue_id", "contact_ids")


def _contract_audited(db: Session, row: Contract) -> dict:
    contacts = db.exec(select(ContractContact.user_id).where(
        ContractContact.contract_id == row.id)).all()
    return {**audit.snapshot(row, _CONTRACT_AUDITED[:-1]), "contact_ids": sorted(contacts)}


def _check_targets(reaction: int | None, resolution: int | None) -> None:
    for value in (reaction, resolution):
        if value is not None and not 0 < value <= MAX_TARGET_MINUTES:
            raise Invalid("ticket_type.target_out_of_range", max=MAX_TARGET_MINUTES)
    if reaction is not None and resolution is not None and reaction > resolution:
        raise Invalid("ticket_type.reaction_after_resolution")


def save_ticket_type(db: Session, actor: Actor, data: TicketTypeInput,
                     type_id: int | None = None, *, checks: FieldChecks | None = None) -> int:
    """Create or change a ticket type and its targets. Every bad field is reported at once
    (FormInvalid), with the form's own parsing problems (`checks`) among them; a
    priority's targets are reported as `priority_<priority>`."""
    access.require_permission(actor, permissions.CONFIG_SLA)
    checks = checks or FieldChecks()
    if not data.contract_id or db.get(Contract, data.contract_id) is None:
        checks.fail("contract", "ticket_type.contract_invalid")
    name_pl = checks.run("name_pl", _name, data.name_pl, "ticket_type.name_required")
    name_en = checks.run("name_en", _name, data.name_en, "ticket_type.name_required")
    checks.run("resolution", _check_targets, data.reaction_minutes, data.resolution_minutes)
    if not 1 <= data.warning_percent <= 99:
        checks.fail("warning", "ticket_type.warning_out_of_range")
    for priority, (reaction, resolution) in data.per_priority.items():
        if priority not in Priority.ALL:
            checks.fail(f"priority_{priority}", "ticket.priority_invalid")
        checks.run(f"priority_{priority}", _check_targets, reaction, resolution)
    checks.done()
    before: dict | None = None
    if type_id is None:
        row = TicketType(contract_id=data.contract_id, name_pl=name_pl, name_en=name_en)
    else:
        row = db.get(TicketType, type_id)
        if row is None:
            raise NotFound()
        before = _type_audited(db, row)
        db.exec(delete(TicketTypeTarget).where(col(TicketTypeTarget.ticket_type_id) == type_id))
    row.contract_id, row.name_pl, row.name_en = data.contract_id, name_pl, name_en
    row.reaction_minutes, row.resolution_minutes = data.reaction_minutes, data.resolution_minutes
    row.warning_percent = data.warning_percent
    if data.requires_work_entry is not None:
        row.requires_work_entry = bool(data.requires_work_entry)
    db.add(row)
    db.flush()
    db.add_all(TicketTypeTarget(ticket_type_id=row.id, priority=p, reaction_minutes=r,
                                resolution_minutes=s) for p, (r, s) in data.per_priority.items())
    db.flush()
    audit.record_change(
        db, actor, "config.sla.ticket_type.updated" if before
        else "config.sla.ticket_type.created",
        target=audit.Target("ticket_type", row.id, name_pl),
        details=audit.changes(before, _type_audited(db, row), _TYPE_AUDITED))
    db.commit()
    return row.id


_TYPE_AUDITED = ("contract_id", "name_pl", "name_en", "reaction_minutes",
                 "resolution_minutes", "warning_percent", "requires_work_entry",
                 "per_priority")


def _type_audited(db: Session, row: TicketType) -> dict:
    """The type with its per-priority targets ("1": "30/120" = reaction/resolution)."""
    targets = db.exec(select(TicketTypeTarget).where(
        TicketTypeTarget.ticket_type_id == row.id).order_by(TicketTypeTarget.priority)).all()
    return {**audit.snapshot(row, _TYPE_AUDITED[:-1]),
            "per_priority": {str(x.priority): f"{x.reaction_minutes or '—'}/"
                             f"{x.resolution_minutes or '—'}" for x in targets}}


# --------------------------------------------------------------------------- reads


@dataclass(frozen=True)
class ContractView:
    id: int
    organisation_id: int
    organisation: str
    name: str
    valid_from: date
    valid_to: date | None
    calendar_id: int
    calendar: str
    is_key: bool
    default_queue_id: int | None
    escalation_action: str
    escalation_queue_id: int | None
    contact_ids: list[int]
    contacts: str  # names, for the list


@dataclass(frozen=True)
class TicketTypeView:
    id: int
    contract_id: int
    contract: str
    name_pl: str
    name_en: str
    reaction_minutes: int | None
    resolution_minutes: int | None
    warning_percent: int
    per_priority: dict[int, tuple[int | None, int | None]]
    requires_work_entry: bool = False


def list_contracts(db: Session, actor: Actor) -> list[ContractView]:
    access.require_any(actor, permissions.CONFIG_SLA, permissions.CONFIG_WORKFLOW)
    rows = db.exec(
        select(Contract, Organisation, BusinessCalendar)
        .join(Organisation, Organisation.id == Contract.organisation_id)
        .join(BusinessCalendar, BusinessCalendar.id == Contract.calendar_id)
        .order_by(col(Organisation.name), col(Contract.valid_from))
    ).all()
    people: dict[int, list[tuple[int, str]]] = {}
    ids = [c.id for c, _o, _cal in rows]
    if ids:
        for link, user in db.exec(
            select(ContractContact, User).join(User, User.id == ContractContact.user_id)
            .where(col(ContractContact.contract_id).in_(ids)).order_by(col(User.full_name))
        ):
            people.setdefault(link.contract_id, []).append((user.id, user.full_name))
    return [ContractView(
        id=c.id, organisation_id=o.id, organisation=o.name, name=c.name,
        valid_from=c.valid_from, valid_to=c.valid_to, calendar_id=cal.id, calendar=cal.name,
        is_key=c.is_key, default_queue_id=c.default_queue_id,
        escalation_action=c.escalation_action, escalation_queue_id=c.escalation_queue_id,
        contact_ids=[uid for uid, _n in people.get(c.id, [])],
        contacts=", ".join(n for _uid, n in people.get(c.id, [])),
    ) for c, o, cal in rows]


def organisation_people(db: Session, actor: Actor, organisation_id: int) -> list[tuple[int, str]]:
    """Active client users of an organisation, for choosing contact persons."""
    access.require_permission(actor, permissions.CONFIG_SLA)
    return [(u.id, u.full_name) for u in db.exec(
        select(User).where(User.organisation_id == organisation_id, User.role == Role.CLIENT,
                           col(User.is_active).is_(True)).order_by(col(User.full_name)))]


def list_ticket_types(db: Session, actor: Actor) -> list[TicketTypeView]:
    access.require_permission(actor, permissions.CONFIG_SLA)
    rows = db.exec(
        select(TicketType, Contract).join(Contract, Contract.id == TicketType.contract_id)
        .where(col(TicketType.is_active).is_(True))
        .order_by(col(Contract.name), col(TicketType.id))
    ).all()
    ids = [t.id for t, _c in rows]
    overrides: dict[int, dict[int, tuple[int | None, int | None]]] = {}
    if ids:
        for o in db.exec(select(TicketTypeTarget)
                         .where(col(TicketTypeTarget.ticket_type_id).in_(ids))):
            overrides.setdefault(o.ticket_type_id, {})[o.priority] = (
                o.reaction_minutes, o.resolution_minutes)
    return [TicketTypeView(
        id=t.id, contract_id=c.id, contract=c.name, name_pl=t.name_pl, name_en=t.name_en,
        reaction_minutes=t.reaction_minutes, resolution_minutes=t.resolution_minutes,
        warning_percent=t.warning_percent, per_priority=overrides.get(t.id, {}),
        requires_work_entry=t.requires_work_entry,
    ) for t, c in rows]


def valid_contracts(db: Session, organisation_id: int, on: date) -> list[Contract]:
    """An organisation's contracts valid on a day (both ends inclusive), oldest first."""
    return list(tx_cache.cached(db, ("contracts.valid", organisation_id, on),
                                lambda: _valid_contracts(db, organisation_id, on),
                                scope="batch"))


def _valid_contracts(db: Session, organisation_id: int, on: date) -> list[Contract]:
    return list(db.exec(
        select(Contract).where(
            Contract.organisation_id == organisation_id,
            col(Contract.valid_from) <= on,
            (col(Contract.valid_to).is_(None)) | (col(Contract.valid_to) >= on),
        ).order_by(col(Contract.valid_from), col(Contract.id))
    ).all())


def active_types(db: Session, contract_id: int) -> list[TicketType]:
    return list(tx_cache.cached(db, ("contracts.types", contract_id),
                                lambda: _active_types(db, contract_id), scope="batch"))


def _active_types(db: Session, contract_id: int) -> list[TicketType]:
    return list(db.exec(
        select(TicketType).where(TicketType.contract_id == contract_id,
                                 col(TicketType.is_active).is_(True))
        .order_by(col(TicketType.id))
    ).all())


_DURATION = re.compile(r"^(?:(\d+)\s*(?:h|godz\.?))?\s*(?:(\d+)\s*(?:m|min)?)?$")


def parse_minutes(text: str, field_name: str) -> int | None:
    """A business-time target typed by an admin: minutes ("90"), hours ("8h", "8 godz.")
    or both ("1h30", "1h 30min"). Empty: None (no value). Refuses anything else."""
    text = (text or "").strip().lower()
    if not text:
        return None
    found = _DURATION.match(text)
    if found is None or not any(found.groups()):
        raise Invalid("admin.minutes_format", field=field_name, value=text[:20])
    hours, minutes = (int(g) if g else 0 for g in found.groups())
    return hours * 60 + minutes
