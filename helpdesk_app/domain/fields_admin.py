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
from helpdesk_app.domain.errors import DomainError, FieldChecks, FormInvalid, Invalid, NotFound
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


def _help(value: str, limit: int = 500) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise Invalid("field.text_too_long", max=limit)
    return value


def _sort_order(value: int | str) -> int:
    """The form's position, typed as text ("" is 0) or given as a number."""
    if isinstance(value, int):
        return value
    text = (value or "").strip()
    try:
        return int(text or "0")
    except ValueError:
        raise Invalid("workflow.order_invalid", value=text[:20]) from None


# ---- the admin form's text -> input (parsed here, so the same rules run whatever sends it)


def parse_options(text: str) -> list[OptionInput]:
    """One option per line: "value | Polski | English" (labels default to the value)."""
    out = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) > 3 or not parts[0]:
            raise Invalid("field_admin.option_line", line=n)
        value = parts[0]
        label_pl = parts[1] if len(parts) > 1 and parts[1] else value
        label_en = parts[2] if len(parts) > 2 and parts[2] else label_pl
        out.append(OptionInput(value, label_pl, label_en))
    return out


def split_values(text: str) -> list[str]:
    return [v.strip() for v in (text or "").split(",") if v.strip()]


def parse_options_map(text: str) -> dict[str, list[str]]:
    """Lines "A value: b1, b2" -> {"A value": ["b1", "b2"]}."""
    out: dict[str, list[str]] = {}
    for n, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        source, sep, allowed = line.partition(":")
        if not sep or not source.strip():
            raise Invalid("field_admin.map_line", line=n)
        out.setdefault(source.strip(), []).extend(split_values(allowed))
    return out


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


def _check_default(db: Session, field_type: str, field_id: int | None, raw: Any,
                   tz: str) -> Any:
    try:
        value = parse_value(field_type, raw, tz=tz)
    except DomainError as exc:
        raise Invalid("field.default_invalid") from exc
    if value is None:
        return None
    if field_type in OPTION_TYPES:
        active = {o.value for o in _options(db, field_id) if o.is_active} if field_id else set()
        chosen = value if isinstance(value, tuple) else (value,)
        if any(v not in active for v in chosen):
            raise Invalid("field.default_invalid")
    return to_json(value)


def save_field(db: Session, actor: Actor, data: FieldInput, field_id: int | None = None) -> int:
    """Create or update a field definition. The key is a stable slug; the type cannot
    change once tickets hold values (they live in the old type's column). Every bad
    field is reported at once (FormInvalid: key, field_type, name_pl, name_en, help_pl,
    help_en, default, sort_order)."""
    access.require_admin(actor)
    row = None
    if field_id is not None:
        row = db.get(CustomField, field_id)
        if row is None:
            raise NotFound("field.not_found")
    checks = FieldChecks()
    key = (data.key or "").strip()
    if not KEY_RE.match(key):
        checks.fail("key", "field.key_invalid")
    else:
        clash = db.exec(select(CustomField).where(CustomField.key == key)).first()
        if clash is not None and (row is None or clash.id != row.id):
            checks.fail("key", "field.key_taken", field=key)
    type_ok = data.field_type in FieldType.ALL
    if not type_ok:
        checks.fail("field_type", "field.type_invalid")
    elif row is not None and row.field_type != data.field_type and (
            _has_values(db, row.id)
            or (data.field_type not in OPTION_TYPES and _options(db, row.id))):
        checks.fail("field_type", "field.type_locked")
    name_pl = checks.run("name_pl", _name, data.name_pl, "field.name_required")
    name_en = checks.run("name_en", _name, data.name_en, "field.name_required")
    help_pl = checks.run("help_pl", _help, data.help_pl)
    help_en = checks.run("help_en", _help, data.help_en)
    order = checks.run("sort_order", _sort_order, data.sort_order)
    default = (checks.run("default", _check_default, db, data.field_type,
                          row.id if row is not None else None, data.default, actor.timezone)
               if type_ok else None)
    checks.done()
    before = audit.snapshot(row, _FIELD_AUDITED) if row is not None else None
    if row is None:
        row = CustomField(key=key, name_pl=name_pl, name_en=name_en, field_type=data.field_type)
    row.key, row.name_pl, row.name_en, row.field_type = key, name_pl, name_en, data.field_type
    row.help_pl, row.help_en = help_pl, help_en
    row.default_value = default
    row.sort_order, row.is_active = order, bool(data.is_active)
    db.add(row)
    try:
        db.flush()
        audit.record_change(
            db, actor, "config.fields.field.updated" if before else "config.fields.field.created",
            target=_target(row), details=audit.changes(before, row, _FIELD_AUDITED))
        db.commit()
    except IntegrityError as exc:  # the same key saved concurrently
        db.rollback()
        raise FormInvalid({"key": ("field.key_taken", {"field": key})}) from exc
    return row.id


def _option_value(value: str) -> str:
    value = (value or "").strip()
    if (not value or len(value) > OPTION_VALUE_MAX or "," in value
            or any(not c.isprintable() for c in value)):
        raise Invalid("field.option_value_invalid", value=value[:80])
    return value


def save_options(db: Session, actor: Actor, field_id: int,
                 options: Sequence[OptionInput] | str) -> None:
    """The ordered option list of a dropdown / multi-select (or the form's text, one
    "value | Polski | English" a line). Options missing from the list are deactivated,
    never deleted: tickets keep their value and its label. A bad list is reported under
    the form's one field, `options`; a field without options at the top."""
    access.require_admin(actor)
    row = _get_field(db, field_id)
    if row.field_type not in OPTION_TYPES:
        raise Invalid("field.options_not_supported")
    checks = FieldChecks()
    if isinstance(options, str):
        options = checks.run("options", parse_options, options) or []
    seen: set[str] = set()
    cleaned: list[OptionInput] = []
    existing = {o.value: o for o in _options(db, row.id)}
    before = _parts(db, row.id, "options")
    folded = {v.casefold(): v for v in existing}
    for o in options:
        value = checks.run("options", _option_value, o.value)
        if value is None:
            continue
        if value.casefold() in seen or (value not in existing and value.casefold() in folded):
            checks.fail("options", "field.option_duplicate", value=value)
        seen.add(value.casefold())
        label_pl = checks.run("options", _name, o.label_pl, "field.option_label_required")
        label_en = checks.run("options", _name, o.label_en or o.label_pl,
                              "field.option_label_required")
        cleaned.append(OptionInput(value, label_pl or "", label_en or "", bool(o.is_active)))
    active = {o.value for o in cleaned if o.is_active}
    default = row.default_value
    chosen = default if isinstance(default, list) else [default] if default else []
    if any(v not in active for v in chosen):
        checks.fail("options", "field.default_option_inactive")
    checks.done()
    for order, o in enumerate(cleaned):
        current = existing.get(o.value) or FieldOption(field_id=row.id, value=o.value,
                                                       label_pl="", label_en="")
        current.label_pl, current.label_en = o.label_pl, o.label_en
        current.sort_order, current.is_active = order, o.is_active
        db.add(current)
    listed = {o.value for o in cleaned}
    for value, old in existing.items():
        if value not in listed and old.is_active:
            old.is_active = False
            db.add(old)
    _record_part(db, actor, row, "options", before)
    db.commit()


def save_scopes(db: Session, actor: Actor, field_id: int, scopes: Sequence[ScopeInput]) -> None:
    """Replace where the field is used; each row: contract and/or type (None = any) and
    when it is required. Problems per row i: `scopes.i.contract`, `scopes.i.ticket_type`,
    `scopes.i.required_on`, and `scopes.i` for a row listed twice."""
    access.require_admin(actor)
    row = _get_field(db, field_id)
    checks = FieldChecks()
    seen: set[tuple[int | None, int | None]] = set()
    for i, s in enumerate(scopes):
        at = f"scopes.{i}"
        if s.required_on not in RequiredOn.ALL:
            checks.fail(f"{at}.required_on", "field.required_on_invalid")
        if s.contract_id is not None and db.get(Contract, s.contract_id) is None:
            checks.fail(f"{at}.contract", "field.scope_invalid")
        if s.ticket_type_id is not None:
            ttype = db.get(TicketType, s.ticket_type_id)
            if ttype is None or (s.contract_id is not None and ttype.contract_id != s.contract_id):
                checks.fail(f"{at}.ticket_type", "field.scope_invalid")
        pair = (s.contract_id, s.ticket_type_id)
        if pair in seen:
            checks.fail(at, "field.scope_duplicate")
        seen.add(pair)
    checks.done()
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
    edit, others see nothing); editing implies seeing. Problems: `permissions`."""
    access.require_admin(actor)
    row = _get_field(db, field_id)
    checks = FieldChecks()
    roles = [p.role for p in permissions]
    if any(r not in PERMISSION_ROLES for r in roles):
        checks.fail("permissions", "field.role_invalid")
    if len(set(roles)) != len(roles):
        checks.fail("permissions", "field.role_duplicate")
    checks.done()
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
    keys that are A's values. `when_values` / `options_map` may be the form's text
    ("a, b" / lines "a: b1, b2"). Problems per row i: `deps.i.source`, `deps.i.effect`,
    `deps.i.values`; a loop is about the whole list (a plain Invalid)."""
    access.require_admin(actor)
    b = _get_field(db, field_id)
    b_values = {o.value for o in _options(db, b.id)}
    checks = FieldChecks()
    rows: list[FieldDependency] = []
    for i, d in enumerate(dependencies):
        try:
            rows.append(_dependency(db, b, b_values, d, f"deps.{i}"))
        except FormInvalid as e:  # gather every row's problems
            for name, (key, params) in e.errors.items():
                checks.fail(name, key, **params)
    checks.done()
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


def _dependency(db: Session, b: CustomField, b_values: set[str], d: DependencyInput,
                at: str) -> FieldDependency:
    """One row checked field by field (FormInvalid with `<at>.source` / `.effect` /
    `.values`)."""
    checks = FieldChecks()
    a = None
    if d.depends_on in (None, ""):
        checks.fail(f"{at}.source", "field.dependency_source_required")
    else:
        try:
            a = _get_field(db, d.depends_on)
        except NotFound:
            checks.fail(f"{at}.source", "field.dependency_source_invalid")
        else:
            if a.id == b.id:
                checks.fail(f"{at}.source", "field.dependency_self")
                a = None
    if d.effect not in Effect.ALL:
        checks.fail(f"{at}.effect", "field.dependency_effect_invalid")
    elif d.effect == Effect.OPTIONS and b.field_type not in OPTION_TYPES:
        checks.fail(f"{at}.effect", "field.dependency_options_target")
    when: list[str] = []
    options_map: dict[str, list[str]] = {}
    values = f"{at}.values"
    if d.effect in (Effect.SHOW, Effect.REQUIRE):
        raw_when = d.when_values
        if isinstance(raw_when, str):
            raw_when = split_values(raw_when)
        if a is not None:
            a_values = _values_of(db, a)
            for raw in raw_when:
                token = checks.run(values, _source_token, a, a_values, raw)
                if token is not None:
                    when.append(token)
            when = list(dict.fromkeys(when))
        if not raw_when:
            checks.fail(values, "field.dependency_values_required")
    elif d.effect == Effect.OPTIONS:
        raw_map = d.options_map
        if isinstance(raw_map, str):
            raw_map = checks.run(values, parse_options_map, raw_map) or {}
        if not raw_map:
            checks.fail(values, "field.dependency_values_required")
        a_values = _values_of(db, a) if a is not None else None
        for raw, allowed in raw_map.items():
            token = checks.run(values, _source_token, a, a_values, raw) if a else None
            for v in allowed:
                if b.field_type in OPTION_TYPES and v not in b_values:
                    checks.fail(values, "field.dependency_option_invalid", value=str(v)[:80])
            if token is not None:
                options_map[token] = list(dict.fromkeys(allowed))
    checks.done()
    assert a is not None  # every way to a missing source failed above
    return FieldDependency(field_id=b.id, depends_on_id=a.id, effect=d.effect,
                           when_values=when, options_map=options_map)


def _values_of(db: Session, a: CustomField) -> set[str] | None:
    """Field A's option values (None: not an option field, any value of its type)."""
    return {o.value for o in _options(db, a.id)} if a.field_type in OPTION_TYPES else None


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
