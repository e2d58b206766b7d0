"""Custom fields in the ticket list: WHERE clauses by field value (`filter_clause`, from
the typed columns' indexes), ORDER BY a field (`sort_column`), the fields an actor may
filter by (`filterable_fields`) and the one-box quick filter (`quick_filter`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, func, not_
from sqlmodel import Session, col, select

from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import DomainError, Forbidden, Invalid
from helpdesk_app.domain.fields_admin import _get_field, _permission
from helpdesk_app.domain.fields_base import (
    _COLUMN,
    OPTION_TYPES,
    TEXT_TYPES,
    FieldView,
    FilterableField,
)
from helpdesk_app.domain.fields_parsing import _is_blank, parse_value
from helpdesk_app.models import (
    CustomField,
    FieldOption,
    FieldPermission,
    FieldType,
    Ticket,
    TicketFieldChoice,
    TicketFieldValue,
)

# --------------------------------------------------------------------------- list filters


FILTER_OPS = ("eq", "in", "lt", "lte", "gt", "gte", "between", "contains", "all", "empty",
              "set")


def get_field(db: Session, ref: int | str) -> CustomField:
    """A field by id or key (NotFound otherwise)."""
    return _get_field(db, ref)


def filter_clause(db: Session, actor: Actor, field_ref: int | str | CustomField, op: str,
                  value: Any = None, *, tz: str | None = None) -> ColumnElement[bool]:
    """A WHERE clause on Ticket for "custom field `op` value", answered from the typed
    column's (field_id, value, ticket_id) index: `Ticket.id IN (SELECT ticket_id ...)`.
    On SQLite the left side is `ticket.id + 0`: the subquery becomes a membership set and
    the ticket side keeps driving the plan through its own list indexes (otherwise SQLite
    walks every match of a common value and sorts them: 40-130 ms vs 1-13 ms at 100k).

    ops: eq, in (list), lt/lte/gt/gte, between ((low, high), either may be None),
    contains (text, case-insensitive), all (multi-select: every value), empty, set.
    Values may be form text (parsed like the form, date-times in `tz` / the actor's zone).
    An actor who may not view the field cannot filter by it."""
    f = viewable_field(db, actor, field_ref)
    if op not in FILTER_OPS:
        raise Invalid("field.filter_invalid")
    tz = tz or actor.timezone
    ftype = f.field_type
    is_multi = ftype == FieldType.MULTI_SELECT
    table = TicketFieldChoice if is_multi else TicketFieldValue
    holders = select(table.ticket_id).where(table.field_id == f.id)
    ticket_id = _ticket_id_for(db)

    if op in ("empty", "set"):
        clause = ticket_id.in_(holders)
        return clause if op == "set" else not_(clause)

    def parse(raw: Any) -> Any:
        try:
            parsed = parse_value(FieldType.SHORT_TEXT if op == "contains" else
                                 FieldType.DROPDOWN if is_multi else ftype, raw, tz=tz)
        except DomainError as exc:
            raise Invalid("field.filter_invalid") from exc
        if parsed is None:
            raise Invalid("field.filter_invalid")
        return Decimal(parsed) if ftype == FieldType.NUMBER else parsed

    if is_multi:
        if op not in ("eq", "in", "all"):
            raise Invalid("field.filter_invalid")
        wanted = [parse(v) for v in _as_list(value)]
        if op == "all":
            return and_(*(ticket_id.in_(holders.where(TicketFieldChoice.value == v))
                          for v in wanted))
        return ticket_id.in_(holders.where(col(TicketFieldChoice.value).in_(wanted)))

    column = getattr(TicketFieldValue, _COLUMN[ftype])
    if ftype == FieldType.CHECKBOX:
        if op != "eq":
            raise Invalid("field.filter_invalid")
        wanted_bool = parse(value)
        if wanted_bool:
            return ticket_id.in_(holders.where(column.is_(True)))
        # unticked = explicitly false or never set
        return not_(ticket_id.in_(holders.where(column.is_(True))))
    if op == "contains":
        if ftype not in TEXT_TYPES:
            raise Invalid("field.filter_invalid")
        text = parse(value)
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return ticket_id.in_(holders.where(col(column).ilike(f"%{escaped}%", escape="\\")))
    if op == "eq":
        cond = column == parse(value)
    elif op == "in":
        cond = col(column).in_([parse(v) for v in _as_list(value)])
    elif op == "between":
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise Invalid("field.filter_invalid")
        low, high = value
        parts = []
        if not _is_blank(low):
            parts.append(column >= parse(low))
        if not _is_blank(high):
            parts.append(column <= parse(high))
        if not parts:
            raise Invalid("field.filter_invalid")
        cond = and_(*parts)
    else:
        if ftype in (FieldType.CHECKBOX, FieldType.USER) or ftype in OPTION_TYPES:
            raise Invalid("field.filter_invalid")
        bound = parse(value)
        cond = {"lt": column < bound, "lte": column <= bound, "gt": column > bound,
                "gte": column >= bound}[op]
    return ticket_id.in_(holders.where(cond))


def _ticket_id_for(db: Session) -> Any:
    bind = db.get_bind()
    return col(Ticket.id) + 0 if bind.dialect.name == "sqlite" else col(Ticket.id)


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
    elif isinstance(value, str):
        items = value.split(",")
    else:
        items = [value]
    items = [v for v in items if not _is_blank(v)]
    if not items:
        raise Invalid("field.filter_invalid")
    return items


def sort_column(field_ref: CustomField | FieldView) -> Any:
    """A correlated scalar subquery giving each ticket's value of the field, for ORDER BY
    (NULL when unset; put `expr.is_(None)` first for "empty last" on both backends).
    Dropdown and multi-select sort by the admin's option order, not by the stored value."""
    fid, ftype = field_ref.id, field_ref.field_type
    if ftype == FieldType.MULTI_SELECT:
        return (select(func.min(FieldOption.sort_order))
                .select_from(TicketFieldChoice)
                .join(FieldOption, and_(col(FieldOption.field_id) == fid,
                                        col(FieldOption.value) == col(TicketFieldChoice.value)))
                .where(col(TicketFieldChoice.ticket_id) == col(Ticket.id),
                       col(TicketFieldChoice.field_id) == fid)
                .correlate(Ticket).scalar_subquery())
    if ftype == FieldType.DROPDOWN:
        return (select(FieldOption.sort_order)
                .select_from(TicketFieldValue)
                .join(FieldOption, and_(col(FieldOption.field_id) == fid,
                                        col(FieldOption.value) == col(TicketFieldValue.value_text)))
                .where(col(TicketFieldValue.ticket_id) == col(Ticket.id),
                       col(TicketFieldValue.field_id) == fid)
                .correlate(Ticket).scalar_subquery())
    column = getattr(TicketFieldValue, _COLUMN[ftype])
    return (select(column).where(col(TicketFieldValue.ticket_id) == col(Ticket.id),
                                 col(TicketFieldValue.field_id) == fid)
            .correlate(Ticket).scalar_subquery())


# --------------------------------------------------------------------------- filter controls


def viewable_field(db: Session, actor: Actor, field_ref: int | str | CustomField) -> CustomField:
    """The field, if `actor` may view it (Forbidden otherwise): the list filters and sorts
    only by fields the viewer could read anyway."""
    f = _get_field(db, field_ref)
    perms = {p.role: p for p in db.exec(
        select(FieldPermission).where(FieldPermission.field_id == f.id))}
    if not _permission(perms, actor.role)[0]:
        raise Forbidden("field.not_viewable")
    return f


def filterable_fields(db: Session, actor: Actor) -> list[FilterableField]:
    """Active fields the actor may view, for the ticket list's filter and sort controls
    (three queries whatever the number of fields: this runs on every list load)."""
    defs = db.exec(select(CustomField).where(col(CustomField.is_active).is_(True))
                   .order_by(col(CustomField.sort_order), col(CustomField.id))).all()
    ids = [f.id for f in defs]
    if not ids:
        return []
    perms: dict[int, dict[str, FieldPermission]] = {}
    for p in db.exec(select(FieldPermission).where(col(FieldPermission.field_id).in_(ids))):
        perms.setdefault(p.field_id, {})[p.role] = p
    options: dict[int, list[tuple[str, str, str]]] = {}
    for o in db.exec(select(FieldOption).where(col(FieldOption.field_id).in_(ids),
                                               col(FieldOption.is_active).is_(True))
                     .order_by(col(FieldOption.sort_order))):
        options.setdefault(o.field_id, []).append((o.value, o.label_pl, o.label_en))
    return [FilterableField(f.key, f.name_pl, f.name_en, f.field_type, options.get(f.id, []))
            for f in defs if _permission(perms.get(f.id, {}), actor.role)[0]]


def quick_filter(field_type: str, text: str) -> tuple[str, Any] | None:
    """The list's one-box filter: text → (op, value) by field type. Texts match by
    substring; numbers and dates take a value or a range "a..b" (either end may be
    empty); choices and checkboxes match exactly. Empty text: no filter."""
    text = (text or "").strip()
    if not text:
        return None
    if field_type in (FieldType.SHORT_TEXT, FieldType.LONG_TEXT, FieldType.EMAIL,
                      FieldType.URL):
        return "contains", text
    if field_type in (FieldType.NUMBER, FieldType.DECIMAL, FieldType.DATE,
                      FieldType.DATETIME) and ".." in text:
        low, _, high = text.partition("..")
        return "between", (low.strip() or None, high.strip() or None)
    if field_type == FieldType.MULTI_SELECT:
        return "all", [text]
    return "eq", text
