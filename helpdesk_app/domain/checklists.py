"""Checklists: templates per ticket type (admins), copied onto tickets, ticked by staff.

- An admin defines templates for a ticket type (e.g. "inspection": 8 steps), each item
  required or optional, and whether all required items must be done before the ticket
  may be resolved (`required_before_resolve`).
- `instantiate()` copies the active templates' items of the ticket's type onto the ticket
  (labels copied: editing a template later never rewrites what was done). It runs inside
  the caller's transaction when a ticket is created and when its type changes.
- Technicians, coordinators and admins tick items: who and when is stored on the item
  and written to the (internal) timeline. A subcontractor may too, on a ticket handed to
  their organisation (access.Action.CHECKLIST); their ticks are shared with them.
- **Clients never see checklists**: every read and write here is agent-only, and a client
  asking gets the same answer as for any agent-only thing (Forbidden / not found).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, delete, select

from helpdesk_app.domain import access, audit, substitution_schedule, tx_cache
from helpdesk_app.domain.access import Action
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import FieldChecks, Forbidden, Invalid, NotFound
from helpdesk_app.live.bus import queue_change
from helpdesk_app.models import (
    ChecklistTemplate,
    ChecklistTemplateItem,
    Contract,
    EventKind,
    Role,
    Ticket,
    TicketChecklistItem,
    TicketType,
    TimelineEvent,
    User,
)
from helpdesk_app.models.base import utcnow

NAME_MAX = 120
LABEL_MAX = 200
MAX_ITEMS = 100
# Who may tick items (staff, and subcontractors on tickets handed to them).
CHECKERS = (Role.ADMIN, Role.COORDINATOR, Role.TECHNICIAN, Role.SUBCONTRACTOR)
REQUIRED_MARK = "*"
EN_SEPARATOR = "|"


# --------------------------------------------------------------------------- admin: templates


@dataclass
class ItemInput:
    label_pl: str
    label_en: str = ""  # empty: the Polish label is shown in English too
    required: bool = True


@dataclass
class TemplateInput:
    ticket_type_id: int | None
    name_pl: str
    name_en: str
    items: list[ItemInput] = field(default_factory=list)
    required_before_resolve: bool = False
    is_active: bool = True


@dataclass(frozen=True)
class TemplateView:
    id: int
    ticket_type_id: int
    ticket_type_pl: str
    ticket_type_en: str
    contract: str
    name_pl: str
    name_en: str
    required_before_resolve: bool
    is_active: bool
    items: list[ItemInput]



def _clean(value: str) -> str:
    return " ".join((value or "").split())


def _name(value: str) -> str:
    value = _clean(value)
    if not value:
        raise Invalid("checklist.name_required")
    if len(value) > NAME_MAX:
        raise Invalid("checklist.name_too_long", max=NAME_MAX)
    return value


def _items(items: list[ItemInput]) -> list[ItemInput]:
    cleaned = []
    for n, item in enumerate(items, start=1):
        pl, en = _clean(item.label_pl), _clean(item.label_en)
        if not pl:
            continue
        if len(pl) > LABEL_MAX or len(en) > LABEL_MAX:
            raise Invalid("checklist.item_too_long", line=n, max=LABEL_MAX)
        cleaned.append(ItemInput(pl, en, bool(item.required)))
    if not cleaned:
        raise Invalid("checklist.items_required")
    if len(cleaned) > MAX_ITEMS:
        raise Invalid("checklist.too_many_items", max=MAX_ITEMS)
    return cleaned


def parse_items(text: str) -> list[ItemInput]:
    """The admin form's text area, one item per line: `* Polish label | English label`.
    A leading `*` marks the item required; the English part is optional."""
    items = []
    for line in (text or "").splitlines():
        line = line.strip()
        required = line.startswith(REQUIRED_MARK)
        if required:
            line = line[len(REQUIRED_MARK):].strip()
        pl, _sep, en = line.partition(EN_SEPARATOR)
        if pl.strip() or en.strip():
            items.append(ItemInput(pl.strip(), en.strip(), required))
    return items


def format_items(items: list[ItemInput]) -> str:
    """The inverse of `parse_items`, for editing a saved template."""
    return "\n".join(
        (f"{REQUIRED_MARK} " if i.required else "") + i.label_pl
        + (f" {EN_SEPARATOR} {i.label_en}" if i.label_en and i.label_en != i.label_pl else "")
        for i in items)


def _detach(db: Session, template_item_ids: list[int]) -> None:
    """Ticket items keep their copied labels and done marks when their template item goes."""
    if template_item_ids:
        db.execute(update(TicketChecklistItem)
                   .where(col(TicketChecklistItem.template_item_id).in_(template_item_ids))
                   .values(template_item_id=None)
                   .execution_options(synchronize_session=False))


def save_template(db: Session, actor: Actor, data: TemplateInput,
                  template_id: int | None = None) -> int:
    """Create or replace a template and its items (admins only).

    Items are matched to the saved ones by their Polish label, so re-saving a template
    with one step added keeps the other steps (and their link to tickets) as they were;
    a removed step is detached from the tickets it was copied to, which keep it."""
    access.require_admin(actor)
    checks = FieldChecks()  # every field's problem at once, next to its field
    ttype = db.get(TicketType, data.ticket_type_id) if data.ticket_type_id else None
    if ttype is None or not ttype.is_active:
        checks.fail("type", "checklist.type_invalid")
    name_pl = checks.run("name_pl", _name, data.name_pl)
    name_en = checks.run("name_en", _name, data.name_en)
    items = checks.run("items", _items, data.items)
    checks.done()
    before: dict | None = None
    if template_id is None:
        row = ChecklistTemplate(ticket_type_id=ttype.id, name_pl=name_pl, name_en=name_en)
    else:
        row = db.get(ChecklistTemplate, template_id)
        if row is None:
            raise NotFound()
        before = _audited(db, row)
    row.ticket_type_id, row.name_pl, row.name_en = ttype.id, name_pl, name_en
    row.required_before_resolve = bool(data.required_before_resolve)
    row.is_active = bool(data.is_active)
    db.add(row)
    db.flush()
    saved = db.exec(select(ChecklistTemplateItem)
                    .where(ChecklistTemplateItem.template_id == row.id)
                    .order_by(col(ChecklistTemplateItem.sort_order),
                              col(ChecklistTemplateItem.id))).all()
    by_label: dict[str, list[ChecklistTemplateItem]] = {}
    for s in saved:
        by_label.setdefault(s.label_pl, []).append(s)
    for order, item in enumerate(items):
        pool = by_label.get(item.label_pl)
        target = pool.pop(0) if pool else ChecklistTemplateItem(
            template_id=row.id, label_pl=item.label_pl, label_en="")
        target.label_en = item.label_en or item.label_pl
        target.required, target.sort_order = item.required, order
        db.add(target)
    gone = [s.id for pool in by_label.values() for s in pool]
    if gone:
        _detach(db, gone)
        db.exec(delete(ChecklistTemplateItem).where(col(ChecklistTemplateItem.id).in_(gone)))
    db.flush()
    audit.record_change(
        db, actor, "config.checklists.template.updated" if before
        else "config.checklists.template.created",
        target=audit.Target("checklist_template", row.id, name_pl),
        details=audit.changes(before, _audited(db, row), _AUDITED))
    db.commit()
    return row.id


_AUDITED = ("ticket_type_id", "name_pl", "name_en", "required_before_resolve", "is_active",
            "items")


def _audited(db: Session, row: ChecklistTemplate) -> dict:
    """The template as the audit log compares it; a required step is marked "*"."""
    items = db.exec(select(ChecklistTemplateItem)
                    .where(ChecklistTemplateItem.template_id == row.id)
                    .order_by(col(ChecklistTemplateItem.sort_order))).all()
    return {**audit.snapshot(row, _AUDITED[:-1]),
            "items": [("*" if i.required else "") + i.label_pl for i in items]}


def delete_template(db: Session, actor: Actor, template_id: int) -> None:
    """Remove a template (admins only). Tickets keep the items already copied to them;
    to stop using a template but keep it, save it as inactive instead."""
    access.require_admin(actor)
    row = db.get(ChecklistTemplate, template_id)
    if row is None:
        raise NotFound()
    ids = list(db.exec(select(ChecklistTemplateItem.id)
                       .where(ChecklistTemplateItem.template_id == row.id)).all())
    before = _audited(db, row)
    _detach(db, ids)
    db.exec(delete(ChecklistTemplateItem).where(ChecklistTemplateItem.template_id == row.id))
    audit.record(db, actor, "config.checklists.template.deleted",
                 target=audit.Target("checklist_template", row.id, row.name_pl),
                 details=audit.changes(before, None, _AUDITED))
    db.delete(row)
    db.commit()


def list_templates(db: Session, actor: Actor) -> list[TemplateView]:
    """Every template with its ticket type, contract and items (admins only)."""
    access.require_admin(actor)
    rows = db.exec(
        select(ChecklistTemplate, TicketType, Contract)
        .join(TicketType, TicketType.id == ChecklistTemplate.ticket_type_id)
        .join(Contract, Contract.id == TicketType.contract_id)
        .order_by(col(Contract.name), col(TicketType.id), col(ChecklistTemplate.id))
    ).all()
    items: dict[int, list[ItemInput]] = {}
    ids = [t.id for t, _tt, _c in rows]
    if ids:
        for i in db.exec(select(ChecklistTemplateItem)
                         .where(col(ChecklistTemplateItem.template_id).in_(ids))
                         .order_by(col(ChecklistTemplateItem.sort_order),
                                   col(ChecklistTemplateItem.id))):
            items.setdefault(i.template_id, []).append(
                ItemInput(i.label_pl, i.label_en, i.required))
    return [TemplateView(
        id=t.id, ticket_type_id=tt.id, ticket_type_pl=tt.name_pl, ticket_type_en=tt.name_en,
        contract=c.name, name_pl=t.name_pl, name_en=t.name_en,
        required_before_resolve=t.required_before_resolve, is_active=t.is_active,
        items=items.get(t.id, []),
    ) for t, tt, c in rows]


# --------------------------------------------------------------------------- on tickets


def _active_templates(db: Session, ticket_type_id: int | None, *,
                      resolve_rule_only: bool = False) -> list[int]:
    if ticket_type_id is None:
        return []
    q = select(ChecklistTemplate.id).where(
        ChecklistTemplate.ticket_type_id == ticket_type_id,
        col(ChecklistTemplate.is_active).is_(True))
    if resolve_rule_only:
        q = q.where(col(ChecklistTemplate.required_before_resolve).is_(True))
    return list(db.exec(q.order_by(col(ChecklistTemplate.id))).all())


def instantiate(db: Session, ticket: Ticket, *, new: bool = False) -> int:
    """Copy the items of the active templates of the ticket's type onto the ticket.

    Idempotent: items already copied are not copied again. After a type change, open
    items that came from another type's template are removed (done ones stay, as the
    record of work done). Runs in the caller's transaction: flushes, never commits,
    writes no timeline event (the creation / type change is the event). Returns the
    number of items added. `new`: the ticket was created in this transaction (no items
    yet to look at)."""
    type_id = ticket.ticket_type_id
    template_ids = tx_cache.cached(db, ("checklists.templates", type_id),
                                   lambda: _active_templates(db, type_id), scope="batch")
    wanted = list(db.exec(
        select(ChecklistTemplateItem)
        .where(col(ChecklistTemplateItem.template_id).in_(template_ids))
        .order_by(col(ChecklistTemplateItem.template_id), col(ChecklistTemplateItem.sort_order),
                  col(ChecklistTemplateItem.id))
    ).all()) if template_ids else []
    wanted_ids = {i.id for i in wanted}
    existing = [] if new else db.exec(select(TicketChecklistItem)
                                      .where(TicketChecklistItem.ticket_id == ticket.id)).all()
    kept = []
    for e in existing:
        if (e.done_at is None and e.template_item_id is not None
                and e.template_item_id not in wanted_ids):
            db.delete(e)
        else:
            kept.append(e)
    have = {e.template_item_id for e in kept}
    order = max((e.sort_order for e in kept), default=-1) + 1
    added = 0
    for item in wanted:
        if item.id in have:
            continue
        db.add(TicketChecklistItem(
            ticket_id=ticket.id, template_item_id=item.id, label_pl=item.label_pl,
            label_en=item.label_en or item.label_pl, required=item.required, sort_order=order))
        order += 1
        added += 1
    db.flush()
    return added


@dataclass(frozen=True)
class ChecklistItemView:
    id: int
    label_pl: str
    label_en: str
    required: bool
    done: bool
    done_at: datetime | None
    done_by_id: int | None
    done_by: str  # full name of who ticked it, "" when open

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" and self.label_en else self.label_pl


def _views(db: Session, rows: list[TicketChecklistItem]) -> list[ChecklistItemView]:
    people_ids = {r.done_by_id for r in rows if r.done_by_id}
    people = {u.id: u.full_name for u in db.exec(
        select(User).where(col(User.id).in_(people_ids)))} if people_ids else {}
    return [ChecklistItemView(
        id=r.id, label_pl=r.label_pl, label_en=r.label_en, required=r.required,
        done=r.done_at is not None, done_at=r.done_at, done_by_id=r.done_by_id,
        done_by=people.get(r.done_by_id, "") if r.done_by_id else "",
    ) for r in rows]


def items_for(db: Session, actor: Actor, ticket_id: int) -> list[ChecklistItemView]:
    """The ticket's checklist, in order. Staff (and a subcontractor on a ticket handed to
    them) only: clients don't see checklists (a client gets Forbidden on their own ticket
    and NotFound on any other)."""
    ticket = db.get(Ticket, ticket_id)
    access.require(actor, Action.CHECKLIST, ticket)
    rows = db.exec(select(TicketChecklistItem)
                   .where(TicketChecklistItem.ticket_id == ticket.id)
                   .order_by(col(TicketChecklistItem.sort_order),
                             col(TicketChecklistItem.id))).all()
    return _views(db, list(rows))


def set_done(db: Session, actor: Actor, ticket_id: int, item_id: Any,
             done: bool) -> ChecklistItemView:
    """Tick or untick an item (technicians, coordinators, admins). The item id comes from a
    browser: it must be an item of this ticket, else NotFound. Writes an internal CHECKLIST
    timeline event (who = author, when = created_at) and publishes the change; setting the
    state an item already has changes nothing and writes no event."""
    ticket = db.get(Ticket, ticket_id)
    access.require(actor, Action.CHECKLIST, ticket)
    if actor.role not in CHECKERS:
        raise Forbidden()
    try:
        wanted = int(item_id)
    except (TypeError, ValueError):
        raise NotFound("checklist.item_not_found") from None
    item = db.get(TicketChecklistItem, wanted)
    if item is None or item.ticket_id != ticket.id:
        raise NotFound("checklist.item_not_found")
    done = bool(done)
    now = utcnow()
    # Conditional UPDATE: two agents ticking the same item at once make one event, not two.
    stmt = update(TicketChecklistItem).where(
        TicketChecklistItem.id == item.id, TicketChecklistItem.ticket_id == ticket.id)
    if done:
        stmt = stmt.where(col(TicketChecklistItem.done_at).is_(None)).values(
            done_at=now, done_by_id=actor.user_id)
    else:
        stmt = stmt.where(col(TicketChecklistItem.done_at).is_not(None)).values(
            done_at=None, done_by_id=None)
    result = db.execute(stmt.execution_options(synchronize_session=False))
    if result.rowcount == 1:
        substitution_schedule.note_action(db, actor, ticket.id, ticket.assignee_id, now)
        db.add(TimelineEvent(
            ticket_id=ticket.id, kind=EventKind.CHECKLIST, author_id=actor.user_id,
            is_public=False, created_at=now,
            data={"item": item.id, "label": item.label_pl, "label_en": item.label_en,
                  "done": done},
            shared_with_org_id=actor.organisation_id if actor.is_subcontractor else None,
        ))
        db.execute(update(Ticket).where(Ticket.id == ticket.id).values(updated_at=now)
                   .execution_options(synchronize_session=False))
        queue_change(db, ticket_id=ticket.id, organisation_id=ticket.organisation_id,
                     kind=EventKind.CHECKLIST, public=False)
        db.commit()
    else:
        db.rollback()
    db.refresh(item)
    return _views(db, [item])[0]


def unfinished_required(db: Session, ticket_id: int, lang: str = "pl") -> list[str]:
    """Labels (in `lang`) of the open required items that block resolving the ticket:
    items copied from an active template of the ticket's current type that says
    `required_before_resolve`. Empty when nothing blocks. No access check: the caller
    (the status workflow) has already checked the actor may change the status."""
    ticket = db.get(Ticket, ticket_id)
    if ticket is None:
        return []
    template_ids = _active_templates(db, ticket.ticket_type_id, resolve_rule_only=True)
    if not template_ids:
        return []
    rows = db.exec(
        select(TicketChecklistItem)
        .join(ChecklistTemplateItem,
              ChecklistTemplateItem.id == TicketChecklistItem.template_item_id)
        .where(TicketChecklistItem.ticket_id == ticket.id,
               col(ChecklistTemplateItem.template_id).in_(template_ids),
               col(TicketChecklistItem.required).is_(True),
               col(TicketChecklistItem.done_at).is_(None))
        .order_by(col(TicketChecklistItem.sort_order), col(TicketChecklistItem.id))
    ).all()
    return [r.label_en if lang == "en" and r.label_en else r.label_pl for r in rows]


def check_can_resolve(db: Session, ticket_id: int, lang: str = "pl") -> None:
    """Raise Invalid("checklist.required_open", items=..., count=...) when required items
    are still open (`unfinished_required`); for the status workflow before resolving."""
    labels = unfinished_required(db, ticket_id, lang)
    if labels:
        raise Invalid("checklist.required_open", items="; ".join(labels), count=len(labels))
