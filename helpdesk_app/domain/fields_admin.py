"""Custom fields, admin configuration: field definitions, options, scopes (where a field
is used and when it is required), per-role permissions and dependencies. Admins only;
everything is validated once, here. Also the admin page's read (`list_definitions`) and
the per-role permission rule (`_permission`) the form, the list and the admin page share.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import exists
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select

from helpdesk_app.domain import access, audit
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import DomainError, Invalid, NotFound
from helpdesk_app.domain.fields_base import (
    KEY_RE,
    OPTION_TYPES,
    OPTION_VALUE_MAX,
    PERMISSION_ROLES,
    DependencyInput,
    Effect,
    FieldDefinition,
    FieldInput,
    OptionInput,
    OptionView,
    PermissionInput,
    ScopeInput,
)
from helpdesk_app.domain.fields_parsing import canonical_token, parse_value, to_json
from helpdesk_app.models import (
    Contract,
    CustomField,
    FieldDependency,
    FieldOption,
    FieldPermission,
    FieldScope,
    FieldType,
    RequiredOn,
    Role,
    TicketFieldChoice,
    TicketFieldValue,
    TicketType,
)

# --------------------------------------------------------------------------- definitions



def _name(value: str, key: str, limit: int = 120) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise Invalid(key)
    if len(value) > limit:
        raise Invalid("field.text_too_long", max=limit)
    return value


def _get_field(db: Session, ref: int | str | CustomField) -> CustomField:
    if isinstance(ref, CustomField):
        return ref
    if isinstance(ref, int):
        row = db.get(CustomField, ref)
    else:
        row = db.exec(select(CustomField).where(CustomField.key == ref)).first()
    if row is None:
        raise NotFound("field.not_found")
    return row


def _has_values(db: Session, field_id: int) -> bool:
    return bool(db.exec(select(
        exists().where(col(TicketFieldValue.field_id) == field_id)
        | exists().where(col(TicketFieldChoice.field_id) == field_id))).one())


def _options(db: Session, field_id: int) -> list[FieldOption]:
    return list(db.exec(select(FieldOption).where(FieldOption.field_id == field_id)
                        .order_by(col(FieldOption.sort_order), col(FieldOption.id))))


def _check_default(db: Session, row: CustomField, raw: Any, tz: str) -> Any:
    try:
        value = parse_value(row.field_type, raw, tz=tz)
    except DomainError as exc:
        raise Invalid("field.default_invalid") from exc
    if value is None:
        return None
    if row.field_type in OPTION_TYPES:
        active = {o.value for o in _options(db, row.id) if o.is_active} if row.id else set()
        chosen = value if isinstance(value, tuple) else (value,)
        if any(v not in active for v in chosen):
            raise Invalid("field.default_invalid")
    return to_json(value)


def save_field(db: Session, actor: Actor, data: FieldInput, field_id: int | None = None) -> int:
    """Create or update a field definition. The key is a stable slug; the type cannot
    change once tickets hold values (they live in the old type's column)."""
    access.require_admin(actor)
    key = (data.key or "").strip()
    if not KEY_RE.match(key):
        raise Invalid("field.key_invalid")
    if data.field_type not in FieldType.ALL:
        raise Invalid("field.type_invalid")
    name_pl = _name(data.name_pl, "field.name_required")
    name_en = _name(data.name_en, "field.name_required")
    help_pl, help_en = (data.help_pl or "").strip(), (data.help_en or "").strip()
    if len(help_pl) > 500 or len(help_en) > 500:
        raise Invalid("field.text_too_long", max=500)
    clash = db.exec(select(CustomField).where(CustomField.key == key)).first()
    before: dict | None = None
    if field_id is None:
        if clash is not None:
            raise Invalid("field.key_taken", field=key)
        row = CustomField(key=key, name_pl=name_pl, name_en=name_en,
                          field_type=data.field_type)
    else:
        row = db.get(CustomField, field_id)
        if row is None:
            raise NotFound("field.not_found")
        if clash is not None and clash.id != row.id:
            raise Invalid("field.key_taken", field=key)
        if row.field_type != data.field_type and _has_values(db, row.id):
            raise Invalid("field.type_locked")
        if row.field_type != data.field_type and (
                data.field_type not in OPTION_TYPES and _options(db, row.id)):
            raise Invalid("field.type_locked")
        before = audit.snapshot(row, _FIELD_AUDITED)
    row.key, row.name_pl, row.name_en, row.field_type = key, name_pl, name_en, data.field_type
    row.help_pl, row.help_en = help_pl, help_en
    row.default_value = _check_default(db, row, data.default, actor.timezone)
    row.sort_order, row.is_active = int(data.sort_order), bool(data.is_active)
    db.add(row)
    try:
        db.flush()
        audit.record_change(
            db, actor, "config.fields.field.updated" if before else "config.fields.field.created",
            target=_target(row), details=audit.changes(before, row, _FIELD_AUDITED))
        db.commit()
    except IntegrityError as exc:  # the same key saved concurrently
        db.rollback()
        raise Invalid("field.key_taken", field=key) from exc
    return row.id


def save_options(db: Session, actor: Actor, field_id: int, options: Sequence[OptionInput]) -> None:
    """The ordered option list of a dropdown / multi-select. Options missing from the list
    are deactivated, never deleted: tickets keep their value and its label."""
    access.require_admin(actor)
    row = _get_field(db, field_id)
    if row.field_type not in OPTION_TYPES:
        raise Invalid("field.options_not_supported")
    seen: set[str] = set()
    cleaned: list[OptionInput] = []
    for o in options:
        value = (o.value or "").strip()
        if (not value or len(value) > OPTION_VALUE_MAX or "," in value
                or any(not c.isprintable() for c in value)):
            raise Invalid("field.option_value_invalid", value=value[:80])
        if value.casefold() in seen:
            raise Invalid("field.option_duplicate", value=value)
        seen.add(value.casefold())
        label_pl = _name(o.label_pl, "field.option_label_required")
        label_en = _name(o.label_en or o.label_pl, "field.option_label_required")
        cleaned.append(OptionInput(value, label_pl, label_en, bool(o.is_active)))
    existing = {o.value: o for o in _options(db, row.id)}
    before = _parts(db, row.id, "options")
    folded = {v.casefold(): v for v in existing}
    for order, o in enumerate(cleaned):
        current = existing.get(o.value)
        if current is None and o.value.casefold() in folded:
            raise Invalid("field.option_duplicate", value=o.value)
        current = current or FieldOption(field_id=row.id, value=o.value, label_pl="",
                                         label_en="")
        current.label_pl, current.label_en = o.label_pl, o.label_en
        current.sort_order, current.is_active = order, o.is_active
        db.add(current)
    listed = {o.value for o in cleaned}
    for value, old in existing.items():
        if value not in listed and old.is_active:
            old.is_active = False
            db.add(old)
    active = {o.value for o in cleaned if o.is_active}
    default = row.default_value
    chosen = default if isinstance(default, list) else [default] if default else []
    if any(v not in active for v in chosen):
        db.rollback()
        raise Invalid("field.default_option_inactive")
    _record_part(db, actor, row, "options", before)
    db.commit()


def save_scopes(db: Session, actor: Actor, field_id: int, scopes: Sequence[ScopeInput]) -> None:
    """Replace where the field is used; each row: contract and/or type (None = any) and
    when it is required."""
    access.require_admin(actor)
    row = _get_field(db, field_id)
    seen: set[tuple[int | None, int | None]] = set()
    for s in scopes:
        if s.required_on not in RequiredOn.ALL:
            raise Invalid("field.required_on_invalid")
        if s.contract_id is not None and db.get(Contract, s.contract_id) is None:
            raise Invalid("field.scope_invalid")
        if s.ticket_type_id is not None:
            ttype = db.get(TicketType, s.ticket_type_id)
            if ttype is None or (s.contract_id is not None and ttype.contract_id != s.contract_id):
                raise Invalid("field.scope_invalid")
        pair = (s.contract_id, s.ticket_type_id)
        if pair in seen:
            raise Invalid("field.scope_duplicate")
        seen.add(pair)
    before = _parts(db, row.id, "scopes")
    db.exec(delete(FieldScope).where(col(FieldScope.field_id) == row.id))
    db.add_all(FieldScope(field_id=row.id, contract_id=s.contract_id,
                          ticket_type_id=s.ticket_type_id, required_on=s.required_on)
               for s in scopes)
    _record_part(db, actor, row, "scopes", before)
    db.commit()


def save_permissions(db: Session, actor: Actor, field_id: int,
                     permissions: Sequence[PermissionInput]) -> None:
    """Replace the per-role rows. A role left out falls back to the default (staff see and
    edit, others see nothing); editing implies seeing."""
    access.require_admin(actor)
    row = _get_field(db, field_id)
    roles = [p.role for p in permissions]
    if any(r not in PERMISSION_ROLES for r in roles):
        raise Invalid("field.role_invalid")
    if len(set(roles)) != len(roles):
        raise Invalid("field.role_duplicate")
    before = _parts(db, row.id, "permissions")
    db.exec(delete(FieldPermission).where(col(FieldPermission.field_id) == row.id))
    db.flush()
    db.add_all(FieldPermission(field_id=row.id, role=p.role, can_edit=bool(p.can_edit),
                               can_view=bool(p.can_view or p.can_edit))
               for p in permissions)
    _record_part(db, actor, row, "permissions", before)
    db.commit()


def save_dependencies(db: Session, actor: Actor, field_id: int,
                      dependencies: Sequence[DependencyInput]) -> None:
    """Replace what field B (`field_id`) depends on. A must be another field, the graph
    stays acyclic, `options` only for dropdown/multi-select B with B's option values and
    keys that are A's values."""
    access.require_admin(actor)
    b = _get_field(db, field_id)
    b_values = {o.value for o in _options(db, b.id)}
    rows: list[FieldDependency] = []
    for d in dependencies:
        try:
            a = _get_field(db, d.depends_on)
        except NotFound as exc:
            raise Invalid("field.dependency_source_invalid") from exc
        if a.id == b.id:
            raise Invalid("field.dependency_self")
        if d.effect not in Effect.ALL:
            raise Invalid("field.dependency_effect_invalid")
        a_values = ({o.value for o in _options(db, a.id)} if a.field_type in OPTION_TYPES
                    else None)
        when: list[str] = []
        options_map: dict[str, list[str]] = {}
        if d.effect in (Effect.SHOW, Effect.REQUIRE):
            for raw in d.when_values:
                when.append(_source_token(a, a_values, raw))
            when = list(dict.fromkeys(when))
            if not when:
                raise Invalid("field.dependency_values_required")
        else:
            if b.field_type not in OPTION_TYPES:
                raise Invalid("field.dependency_options_target")
            if not d.options_map:
                raise Invalid("field.dependency_values_required")
            for raw, allowed in d.options_map.items():
                token = _source_token(a, a_values, raw)
                for v in allowed:
                    if v not in b_values:
                        raise Invalid("field.dependency_option_invalid", value=str(v)[:80])
                options_map[token] = list(dict.fromkeys(allowed))
        rows.append(FieldDependency(field_id=b.id, depends_on_id=a.id, effect=d.effect,
                                    when_values=when, options_map=options_map))
    # No cycles: the new edges of B plus every other field's edges.
    edges: dict[int, set[int]] = {}
    for dep in db.exec(select(FieldDependency).where(col(FieldDependency.field_id) != b.id)):
        edges.setdefault(dep.field_id, set()).add(dep.depends_on_id)
    edges[b.id] = {r.depends_on_id for r in rows}
    if _reaches(edges, start=b.id, target=b.id):
        raise Invalid("field.dependency_cycle")
    before = _parts(db, b.id, "dependencies")
    db.exec(delete(FieldDependency).where(col(FieldDependency.field_id) == b.id))
    db.add_all(rows)
    _record_part(db, actor, b, "dependencies", before)
    db.commit()


def _source_token(a: CustomField, a_values: set[str] | None, raw: Any) -> str:
    try:
        token = canonical_token(a.field_type, raw)
    except DomainError as exc:
        raise Invalid("field.dependency_value_invalid", value=str(raw)[:80]) from exc
    if a_values is not None and token and token not in a_values:
        raise Invalid("field.dependency_value_invalid", value=token)
    return token


def _reaches(edges: dict[int, set[int]], *, start: int, target: int) -> bool:
    stack, seen = list(edges.get(start, ())), set()
    while stack:
        node = stack.pop()
        if node == target:
            return True
        if node not in seen:
            seen.add(node)
            stack.extend(edges.get(node, ()))
    return False


# --------------------------------------------------------------------------- permissions


def _permission(perms: Mapping[str, FieldPermission], role: str | None) -> tuple[bool, bool]:
    if role is None:  # the system (workflow gates): sees everything
        return True, True
    row = perms.get(role)
    if row is None:
        staff = role in Role.STAFF
        return staff, staff
    return bool(row.can_view or row.can_edit), bool(row.can_edit)


# --------------------------------------------------------------------------- admin reads


def list_definitions(db: Session, actor: Actor) -> list[FieldDefinition]:
    """Every field definition with its configuration, for the admin page (admins only)."""
    access.require_admin(actor)
    rows = db.exec(select(CustomField).order_by(col(CustomField.sort_order),
                                                col(CustomField.id))).all()
    key_of = {r.id: r.key for r in rows}
    options: dict[int, list[FieldOption]] = {}
    for o in db.exec(select(FieldOption).order_by(col(FieldOption.sort_order),
                                                  col(FieldOption.id))):
        options.setdefault(o.field_id, []).append(o)
    scopes: dict[int, list[FieldScope]] = {}
    for s in db.exec(select(FieldScope).order_by(col(FieldScope.id))):
        scopes.setdefault(s.field_id, []).append(s)
    perms: dict[int, dict[str, FieldPermission]] = {}
    for p in db.exec(select(FieldPermission)):
        perms.setdefault(p.field_id, {})[p.role] = p
    deps: dict[int, list[FieldDependency]] = {}
    for d in db.exec(select(FieldDependency).order_by(col(FieldDependency.id))):
        deps.setdefault(d.field_id, []).append(d)
    return [FieldDefinition(
        id=r.id, key=r.key, name_pl=r.name_pl, name_en=r.name_en, field_type=r.field_type,
        help_pl=r.help_pl, help_en=r.help_en, default=r.default_value,
        sort_order=r.sort_order, is_active=r.is_active,
        options=tuple(OptionView(o.value, o.label_pl, o.label_en, o.is_active)
                      for o in options.get(r.id, [])),
        scopes=tuple(ScopeInput(s.contract_id, s.ticket_type_id, s.required_on)
                     for s in scopes.get(r.id, [])),
        permissions={role: _permission(perms.get(r.id, {}), role) for role in PERMISSION_ROLES},
        explicit_roles=tuple(perms.get(r.id, {})),
        dependencies=tuple(DependencyInput(
            depends_on=key_of.get(d.depends_on_id, ""), effect=d.effect,
            when_values=list(d.when_values or ()),
            options_map={k: list(v) for k, v in (d.options_map or {}).items()})
            for d in deps.get(r.id, [])),
    ) for r in rows]


# --------------------------------------------------------------------------- audit log

_FIELD_AUDITED = ("key", "name_pl", "name_en", "field_type", "help_pl", "help_en",
                  "default_value", "sort_order", "is_active")


def _target(row: CustomField) -> audit.Target:
    return audit.Target("custom_field", row.id, row.key)


def _parts(db: Session, field_id: int, part: str) -> dict[str, str]:
    """One part of a field's configuration as {item: description}, for the audit diff."""
    db.flush()
    if part == "options":
        return {o.value: f"{o.label_pl} / {o.label_en}" + ("" if o.is_active else " (off)")
                for o in _options(db, field_id)}
    if part == "scopes":
        rows = db.exec(select(FieldScope).where(FieldScope.field_id == field_id)).all()
        return {f"contract {r.contract_id or '*'} type {r.ticket_type_id or '*'}": r.required_on
                for r in rows}
    if part == "permissions":
        rows = db.exec(select(FieldPermission).where(FieldPermission.field_id == field_id)).all()
        return {r.role: "edit" if r.can_edit else "view" if r.can_view else "none" for r in rows}
    rows = db.exec(select(FieldDependency).where(FieldDependency.field_id == field_id)).all()
    return {f"field {r.depends_on_id} {r.effect}": str(r.when_values or r.options_map)
            for r in rows}


def _record_part(db: Session, actor: Actor, row: CustomField, part: str,
                 before: dict[str, str]) -> None:
    after = _parts(db, row.id, part)
    audit.record_change(db, actor, f"config.fields.{part}.updated", target=_target(row),
                        details=audit.changes(before, after, sorted(set(before) | set(after))))
