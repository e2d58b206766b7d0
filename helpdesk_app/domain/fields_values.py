"""Custom field values on a ticket: which fields apply to a ticket as one actor sees them
(`applicable_fields`, `form_fields`), reading the stored values (`values_for`, with
display text), saving them (`save_values`: the same evaluator as the form, one FIELD
timeline event per change) and the workflow gate `missing_required`.

Values are stored typed (`TicketFieldValue` columns, `TicketFieldChoice` rows for
multi-select) so `fields_filters` can filter and sort by index.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select

from helpdesk_app.config import get_settings
from helpdesk_app.domain import access, substitution_schedule
from helpdesk_app.domain.access import Action
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import Conflict, DomainError, Forbidden, Invalid
from helpdesk_app.domain.fields_admin import _options, _permission
from helpdesk_app.domain.fields_base import (
    _COLUMN,
    MOMENTS,
    OPTION_TYPES,
    DependencyView,
    FieldValuesInvalid,
    FieldValueView,
    FieldView,
    OptionView,
)
from helpdesk_app.domain.fields_parsing import _canonical_decimal, _zone, parse_value, to_json
from helpdesk_app.domain.fields_rules import evaluate
from helpdesk_app.i18n import format_datetime
from helpdesk_app.live.bus import queue_change
from helpdesk_app.models import (
    CustomField,
    EventKind,
    FieldDependency,
    FieldOption,
    FieldPermission,
    FieldScope,
    FieldType,
    RequiredOn,
    Role,
    Ticket,
    TicketFieldChoice,
    TicketFieldValue,
    TimelineEvent,
    User,
)
from helpdesk_app.models.base import utcnow

# --------------------------------------------------------------------------- field views


_STRENGTH = {RequiredOn.NEVER: 0, RequiredOn.RESOLVE: 1, RequiredOn.CREATE: 2}


def _views(db: Session, role: str | None, contract_id: int | None,
           ticket_type_id: int | None, *, held: Mapping[int, set[str]] | None = None,
           viewable_only: bool = True) -> list[FieldView]:
    """Active fields in scope for (contract, type) with `role`'s permissions. `held`:
    option values the ticket holds (field id -> values), kept even when inactive."""
    scopes = db.exec(select(FieldScope).where(
        col(FieldScope.contract_id).is_(None) | (col(FieldScope.contract_id) == contract_id),
        col(FieldScope.ticket_type_id).is_(None)
        | (col(FieldScope.ticket_type_id) == ticket_type_id),
    )).all()
    required: dict[int, str] = {}
    for s in scopes:
        if _STRENGTH.get(s.required_on, 0) >= _STRENGTH[required.get(s.field_id, "never")]:
            required[s.field_id] = s.required_on
    if not required:
        return []
    rows = db.exec(select(CustomField).where(col(CustomField.id).in_(required),
                                             col(CustomField.is_active).is_(True))
                   .order_by(col(CustomField.sort_order), col(CustomField.id))).all()
    ids = [r.id for r in rows]
    perms: dict[int, dict[str, FieldPermission]] = {}
    for p in db.exec(select(FieldPermission).where(col(FieldPermission.field_id).in_(ids))):
        perms.setdefault(p.field_id, {})[p.role] = p
    options: dict[int, list[FieldOption]] = {}
    for o in db.exec(select(FieldOption).where(col(FieldOption.field_id).in_(ids))
                     .order_by(col(FieldOption.sort_order), col(FieldOption.id))):
        options.setdefault(o.field_id, []).append(o)
    deps: dict[int, list[FieldDependency]] = {}
    for d in db.exec(select(FieldDependency).where(col(FieldDependency.field_id).in_(ids))
                     .order_by(col(FieldDependency.id))):
        deps.setdefault(d.field_id, []).append(d)
    key_of = dict(db.exec(select(CustomField.id, CustomField.key)).all())
    held = held or {}
    out: list[FieldView] = []
    for r in rows:
        can_view, can_edit = _permission(perms.get(r.id, {}), role)
        if viewable_only and not can_view:
            continue
        client_view, _ = _permission(perms.get(r.id, {}), Role.CLIENT)
        keep = held.get(r.id, set())
        out.append(FieldView(
            id=r.id, key=r.key, field_type=r.field_type, name_pl=r.name_pl, name_en=r.name_en,
            help_pl=r.help_pl, help_en=r.help_en, required_on=required[r.id],
            can_view=can_view, can_edit=can_edit, default=r.default_value,
            sort_order=r.sort_order, public=client_view,
            options=tuple(OptionView(o.value, o.label_pl, o.label_en, o.is_active)
                          for o in options.get(r.id, []) if o.is_active or o.value in keep),
            dependencies=tuple(
                DependencyView(source=key_of.get(d.depends_on_id, ""), effect=d.effect,
                               when_values=tuple(d.when_values or ()),
                               options_map={k: tuple(v) for k, v in
                                            (d.options_map or {}).items()})
                for d in deps.get(r.id, [])),
        ))
    return out


def applicable_fields(db: Session, actor: Actor, *, contract_id: int | None,
                      ticket_type_id: int | None, ticket_id: int | None = None
                      ) -> list[FieldView]:
    """The fields of a (contract, ticket type) that `actor` may see, with their permissions,
    required moment, options and dependencies — what a form renders and `evaluate` takes.
    With `ticket_id` (edit form) inactive options that ticket still holds are included."""
    held: dict[int, set[str]] = {}
    if ticket_id is not None:
        ticket = db.get(Ticket, ticket_id)
        access.require(actor, Action.VIEW, ticket)
        held = _held_options(db, ticket_id)
    return _views(db, actor.role, contract_id, ticket_type_id, held=held)


def form_fields(db: Session, actor: Actor, ticket_id: int) -> tuple[list[FieldView],
                                                                     dict[str, Any]]:
    """An existing ticket's edit form: the field views and the current values (form
    values, keyed by field key) — exactly what `save_values` evaluates against."""
    ticket = access.require(actor, Action.VIEW, db.get(Ticket, ticket_id))
    views = _views(db, actor.role, ticket.contract_id, ticket.ticket_type_id,
                   held=_held_options(db, ticket.id))
    stored = _stored(db, ticket.id)
    return views, {f.key: stored[f.id] for f in views if f.id in stored}


# --------------------------------------------------------------------------- stored values


def _held_options(db: Session, ticket_id: int) -> dict[int, set[str]]:
    held: dict[int, set[str]] = {}
    for fid, value in db.exec(select(TicketFieldChoice.field_id, TicketFieldChoice.value)
                              .where(TicketFieldChoice.ticket_id == ticket_id)):
        held.setdefault(fid, set()).add(value)
    for fid, value in db.exec(select(TicketFieldValue.field_id, TicketFieldValue.value_text)
                              .where(TicketFieldValue.ticket_id == ticket_id,
                                     col(TicketFieldValue.value_text).is_not(None))):
        held.setdefault(fid, set()).add(value)
    return held


def _typed(field_type: str, row: TicketFieldValue) -> Any:
    if field_type == FieldType.NUMBER:
        return None if row.value_number is None else int(row.value_number)
    if field_type == FieldType.DECIMAL:
        return None if row.value_number is None else _canonical_decimal(
            Decimal(str(row.value_number)))
    return getattr(row, _COLUMN[field_type])


def _stored(db: Session, ticket_id: int) -> dict[int, Any]:
    """field id -> typed value of every field with a value on the ticket."""
    types = dict(db.exec(select(CustomField.id, CustomField.field_type)).all())
    out: dict[int, Any] = {}
    for row in db.exec(select(TicketFieldValue).where(TicketFieldValue.ticket_id == ticket_id)):
        ftype = types.get(row.field_id)
        if ftype in _COLUMN:
            value = _typed(ftype, row)
            if value is not None:
                out[row.field_id] = value
    choices = db.exec(
        select(TicketFieldChoice.field_id, TicketFieldChoice.value)
        .join(FieldOption, and_(col(FieldOption.field_id) == col(TicketFieldChoice.field_id),
                                col(FieldOption.value) == col(TicketFieldChoice.value)),
              isouter=True)
        .where(TicketFieldChoice.ticket_id == ticket_id)
        .order_by(col(TicketFieldChoice.field_id), col(FieldOption.sort_order),
                  col(TicketFieldChoice.value))
    ).all()
    for fid, value in choices:
        out[fid] = (*out.get(fid, ()), value)
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, tuple) and isinstance(b, tuple):
        return set(a) == set(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def display_text(f: FieldView, value: Any, *, lang: str, tz: str,
                 users: Mapping[int, str] | None = None) -> str:
    """A value as people read it: option labels, local date-time, ☑/☐, user names."""
    if value is None:
        return "☐" if f.field_type == FieldType.CHECKBOX else ""
    if f.field_type in OPTION_TYPES:
        labels = {o.value: o.label(lang) for o in f.options}
        chosen = value if isinstance(value, tuple) else (value,)
        return ", ".join(labels.get(v, v) for v in chosen)
    if f.field_type == FieldType.CHECKBOX:
        return "☑" if value else "☐"
    if f.field_type == FieldType.DATETIME:
        return format_datetime(value, lang, tz)
    if f.field_type == FieldType.DATE:
        return value.strftime("%d.%m.%Y") if lang == "pl" else value.isoformat()
    if f.field_type == FieldType.DECIMAL:
        text = format(value, "f")
        return text.replace(".", ",") if lang == "pl" else text
    if f.field_type == FieldType.USER:
        return (users or {}).get(value, f"#{value}")
    return str(value)


def _form_value(f: FieldView, value: Any, tz: str) -> Any:
    if f.field_type == FieldType.MULTI_SELECT:
        return list(value or ())
    if f.field_type == FieldType.CHECKBOX:
        return bool(value)
    if value is None:
        return ""
    if f.field_type == FieldType.DATETIME:
        return value.astimezone(_zone(tz)).strftime("%Y-%m-%dT%H:%M")
    return str(to_json(value))


def _all_views_with_values(db: Session, role: str | None, ticket: Ticket
                           ) -> tuple[list[FieldView], dict[str, Any], set[str]]:
    """Views in scope plus out-of-scope fields the ticket still holds values of (read-only),
    the stored values by key, and the keys in scope."""
    stored = _stored(db, ticket.id)
    held = _held_options(db, ticket.id)
    views = _views(db, role, ticket.contract_id, ticket.ticket_type_id, held=held,
                   viewable_only=False)
    in_scope = {f.key for f in views}
    extra_ids = set(stored) - {f.id for f in views}
    if extra_ids:
        extra = _views_by_id(db, role, extra_ids, held)
        views += [_read_only(f) for f in extra]
    values = {f.key: stored[f.id] for f in views if f.id in stored}
    return views, values, in_scope


def _read_only(f: FieldView) -> FieldView:
    return replace(f, can_edit=False, dependencies=(), required_on=RequiredOn.NEVER)


def _views_by_id(db: Session, role: str | None, ids: set[int],
                 held: Mapping[int, set[str]]) -> list[FieldView]:
    rows = db.exec(select(CustomField).where(col(CustomField.id).in_(ids))
                   .order_by(col(CustomField.sort_order), col(CustomField.id))).all()
    out = []
    for r in rows:
        perms = {p.role: p for p in db.exec(
            select(FieldPermission).where(FieldPermission.field_id == r.id))}
        can_view, _ = _permission(perms, role)
        client_view, _ = _permission(perms, Role.CLIENT)
        keep = held.get(r.id, set())
        out.append(FieldView(
            id=r.id, key=r.key, field_type=r.field_type, name_pl=r.name_pl, name_en=r.name_en,
            can_view=can_view, can_edit=False, sort_order=r.sort_order, public=client_view,
            options=tuple(OptionView(o.value, o.label_pl, o.label_en, o.is_active)
                          for o in _options(db, r.id) if o.is_active or o.value in keep)))
    return out


def _user_names(db: Session, views: Sequence[FieldView], *value_maps: Mapping[str, Any]
                ) -> dict[int, str]:
    ids = {m.get(f.key) for f in views if f.field_type == FieldType.USER for m in value_maps}
    ids = {i for i in ids if isinstance(i, int)}
    if not ids:
        return {}
    return dict(db.exec(select(User.id, User.full_name).where(col(User.id).in_(ids))).all())


def values_for(db: Session, actor: Actor, ticket_id: int) -> list[FieldValueView]:
    """The ticket's field values `actor` may see (clients: only fields opened to clients),
    with display text in the actor's language and time zone. Fields of the ticket's scope
    come with or without a value; fields that left the scope only when they hold one."""
    ticket = access.require(actor, Action.VIEW, db.get(Ticket, ticket_id))
    views, values, in_scope = _all_views_with_values(db, actor.role, ticket)
    views = [f for f in views if f.can_view]
    ev = evaluate([f for f in views if f.key in in_scope], values, moment="edit",
                  tz=actor.timezone)
    users = _user_names(db, views, values)
    out = []
    for f in views:
        value = values.get(f.key)
        if f.key not in in_scope and value is None:
            continue
        state = ev.fields.get(f.key)
        out.append(FieldValueView(
            key=f.key, name_pl=f.name_pl, name_en=f.name_en, field_type=f.field_type,
            value=value, text=display_text(f, value, lang=actor.language, tz=actor.timezone,
                                           users=users) if value is not None else "",
            form_value=_form_value(f, value, actor.timezone),
            can_edit=f.can_edit and f.key in in_scope and _can_write(actor, ticket),
            visible=state.visible if state else True, in_scope=f.key in in_scope,
        ))
    return out


def _can_write(actor: Actor, ticket: Ticket) -> bool:
    return access.can(actor, Action.EDIT if actor.is_staff else Action.VIEW, ticket)


# --------------------------------------------------------------------------- saving


def save_values(db: Session, actor: Actor, ticket_id: int, values: Mapping[str, Any], *,
                moment: str = "edit", commit: bool = True,
                seen: Mapping[str, Any] | None = None) -> list[str]:
    """Validate and write field values of a ticket (keys -> form text or typed values).

    Staff need EDIT on the ticket; clients may write the fields opened to them for editing
    on tickets they can see. A field the actor cannot edit is refused even if its value is
    unchanged (direct handler calls). Writes typed rows, one FIELD timeline event per
    changed field (public when clients may view the field), queues a live change and
    commits (unless `commit=False`, e.g. inside ticket creation). Returns changed keys.

    `seen` (key -> the value the editor started from) guards against lost updates like the
    header's version check: a field someone else changed meanwhile raises Conflict."""
    if moment not in MOMENTS:
        raise ValueError(f"unknown moment {moment!r}")
    ticket = db.get(Ticket, ticket_id)
    access.require(actor, Action.EDIT if actor.is_staff else Action.VIEW, ticket)
    everything = _views(db, None, ticket.contract_id, ticket.ticket_type_id,
                        held=_held_options(db, ticket.id), viewable_only=False)
    scoped = {f.key: f for f in everything}
    views = _views(db, actor.role, ticket.contract_id, ticket.ticket_type_id,
                   held=_held_options(db, ticket.id))
    mine = {f.key: f for f in views}
    for key in values:
        if key in mine:
            if not mine[key].can_edit:
                raise Forbidden("field.not_editable", field=mine[key].name(actor.language))
        elif key in scoped:
            raise Forbidden("field.not_editable", field=key)
        elif db.exec(select(CustomField.id).where(CustomField.key == key)).first():
            raise Invalid("field.not_applicable", field=key)
        else:
            raise Invalid("field.unknown", field=key[:60])

    if seen is not None:
        # Take the ticket's write lock before reading what is stored, so two editors'
        # check-then-write cannot interleave (a row lock on PostgreSQL, the write lock on
        # SQLite, where plain reads do not start a transaction).
        db.execute(update(Ticket).where(col(Ticket.id) == ticket.id)
                   .values(updated_at=Ticket.updated_at))
    stored_by_id = _stored(db, ticket.id)
    old = {f.key: stored_by_id[f.id] for f in everything if f.id in stored_by_id}
    if seen is not None:
        _check_unchanged(db, actor, mine, everything, values, seen, old)
    submitted = dict(values)
    if moment == "create":  # defaults fill what the creator left empty
        for f in everything:
            if f.default is not None and f.key not in submitted and f.key not in old:
                submitted[f.key] = f.default
    new = {**old, **submitted}
    tz = actor.timezone
    ev_new = evaluate(views, new, moment=moment, tz=tz)

    changed: dict[str, Any] = {}
    for key in submitted:
        state = ev_new.fields.get(key)
        if state is None or not state.visible or state.error:
            continue
        if not _same(state.value, old.get(key)):
            changed[key] = state.value
    # defaults of fields the creator does not even see
    for key in submitted:
        if key not in mine and key in scoped and key not in old:
            changed[key] = parse_value(scoped[key].field_type, submitted[key], tz=tz)

    errors = dict(ev_new.errors)
    _check_users(db, mine, changed, errors)
    blocking = _blocking(views, errors, moment=moment, old=old, tz=tz,
                         touched={k for k in values if not _same(
                             _parsed_or_none(mine[k], values[k], tz), old.get(k))})
    if blocking:
        names = ", ".join(mine[k].name(actor.language) for k in blocking if k in mine)
        raise FieldValuesInvalid(blocking, names)
    if not changed:
        return []

    now = utcnow()
    # a substitute's first action on a covered colleague's ticket says so first
    substitution_schedule.note_action(db, actor, ticket.id, ticket.assignee_id, now)
    _write(db, ticket.id, [scoped[k] for k in changed], changed)
    lang, zone = get_settings().default_language, get_settings().default_timezone
    users = _user_names(db, everything, old, changed)
    public = False
    for key, value in changed.items():
        f = scoped[key]
        public = public or f.public
        db.add(TimelineEvent(
            ticket_id=ticket.id, kind=EventKind.FIELD, author_id=actor.user_id,
            is_public=f.public, created_at=now,
            data={"field": key,
                  "old": display_text(f, old.get(key), lang=lang, tz=zone, users=users),
                  "new": display_text(f, value, lang=lang, tz=zone, users=users)},
        ))
    db.execute(update(Ticket).where(col(Ticket.id) == ticket.id).values(updated_at=now))
    queue_change(db, ticket_id=ticket.id, organisation_id=ticket.organisation_id,
                 kind=EventKind.FIELD, public=public)
    try:
        db.flush()
        if commit:
            db.commit()
    except IntegrityError as exc:  # a concurrent save inserted the same row first
        db.rollback()
        raise Conflict("ticket.conflict") from exc
    return list(changed)


def _check_unchanged(db: Session, actor: Actor, mine: Mapping[str, FieldView],
                     everything: Sequence[FieldView], values: Mapping[str, Any],
                     seen: Mapping[str, Any], old: Mapping[str, Any]) -> None:
    tz = actor.timezone
    for key in values:
        f = mine.get(key)
        if f is None or key not in seen:
            continue
        if not _same(_parsed_or_none(f, seen[key], tz), old.get(key)):
            users = _user_names(db, everything, old, {})
            raise Conflict("field.conflict", field=f.name(actor.language),
                           value=display_text(f, old.get(key), lang=actor.language, tz=tz,
                                              users=users) or "—")


def _parsed_or_none(f: FieldView, raw: Any, tz: str) -> Any:
    try:
        return parse_value(f.field_type, raw, tz=tz)
    except DomainError:
        return _Unparsable


class _Unparsable:
    """Marks a value that failed to parse (never equal to a stored value)."""


def _blocking(views: Sequence[FieldView], errors: dict[str, tuple[str, dict[str, Any]]], *,
              moment: str, old: Mapping[str, Any], tz: str, touched: set[str]
              ) -> dict[str, tuple[str, dict[str, Any]]]:
    editable = {f.key for f in views if f.can_edit}
    if moment == "resolve":
        return errors
    if moment == "create":
        return {k: e for k, e in errors.items() if k in editable}
    before = evaluate(views, old, moment="edit", tz=tz).errors
    return {k: e for k, e in errors.items()
            if k in editable and (k in touched or before.get(k) != e)}


def _check_users(db: Session, views: Mapping[str, FieldView], changed: dict[str, Any],
                 errors: dict[str, tuple[str, dict[str, Any]]]) -> None:
    for key in [k for k in changed if k in views and views[k].field_type == FieldType.USER]:
        value = changed[key]
        if value is None:
            continue
        user = db.get(User, value)
        if user is None or not user.is_active:
            errors[key] = ("field.user_invalid", {})
            del changed[key]


def _write(db: Session, ticket_id: int, fields: Sequence[FieldView],
           values: Mapping[str, Any]) -> None:
    ids = [f.id for f in fields]
    rows = {r.field_id: r for r in db.exec(select(TicketFieldValue).where(
        TicketFieldValue.ticket_id == ticket_id, col(TicketFieldValue.field_id).in_(ids)))}
    for f in fields:
        value = values[f.key]
        if f.field_type == FieldType.MULTI_SELECT:
            db.exec(delete(TicketFieldChoice).where(
                col(TicketFieldChoice.ticket_id) == ticket_id,
                col(TicketFieldChoice.field_id) == f.id))
            db.add_all(TicketFieldChoice(ticket_id=ticket_id, field_id=f.id, value=v)
                       for v in value or ())
            continue
        row = rows.get(f.id)
        if value is None:
            if row is not None:
                db.delete(row)
            continue
        if row is None:
            row = TicketFieldValue(ticket_id=ticket_id, field_id=f.id)
        setattr(row, _COLUMN[f.field_type],
                Decimal(value) if f.field_type == FieldType.NUMBER else value)
        db.add(row)


# --------------------------------------------------------------------------- workflow gates


def missing_required(db: Session, ticket: Ticket, *, moment: str, actor: Actor | None = None,
                     lang: str | None = None) -> list[str]:
    """Names of the fields that must be filled before `moment` ("create": ticket creation,
    "resolve": entering a resolving/closing status) and are empty on `ticket`, by the
    dependencies as they stand. All fields count (the rule is the ticket's, not the
    actor's); with `actor` at "create" only fields that actor may edit count (a client is
    not asked for an agent-only field)."""
    lang = lang or (actor.language if actor else get_settings().default_language)
    views = _views(db, None, ticket.contract_id, ticket.ticket_type_id,
                   held=_held_options(db, ticket.id), viewable_only=False)
    stored = _stored(db, ticket.id)
    values = {f.key: stored[f.id] for f in views if f.id in stored}
    ev = evaluate(views, values, moment=moment, tz="UTC")
    names = {f.key: f.name(lang) for f in views}
    keys = ev.missing()
    if actor is not None and moment == "create":
        editable = {f.key for f in _views(db, actor.role, ticket.contract_id,
                                          ticket.ticket_type_id) if f.can_edit}
        keys = [k for k in keys if k in editable]
    return [names[k] for k in keys]
