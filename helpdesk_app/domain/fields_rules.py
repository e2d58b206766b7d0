"""Custom field rules: the one evaluator of dependencies (show / require / options) and
of when a field is required.

`evaluate` is a pure function over the field views (`FieldView`, built by
`fields_values.applicable_fields`) and the current values. The form calls it on every
change; `fields_values.save_values` calls the very same function with the same views at
save, so the form and the server cannot disagree. `fields_values.missing_required` runs it
over a stored ticket before creating and resolving.

Rules (also spelled out in tests/unit/test_field_rules.py):
- A field applies to a ticket when one of its scope rows matches the ticket's contract and
  type (None = any). No scope row: the field is used nowhere. The strongest `required_on`
  of the matching rows wins (create > resolve > never).
- Required "on create" means required at create, at every later edit (cannot be cleared)
  and before resolving; "on resolve" only before resolving. A `require` dependency makes
  the field required at every moment while its condition holds.
- `show`: the field is visible only while the source's value is one of `when_values`.
  A hidden field is neither required nor validated; its stored value is kept. A hidden,
  invalid or not-viewable source counts as empty (token ""), so chains A→B→C collapse.
- `options`: allowed options of B = B's options ∩ union of `options_map[token]` over the
  source's tokens (several `options` dependencies intersect).
- Dropdown/multi-select options: active ones are offered; an inactive option is kept (and
  allowed) only on a ticket that still holds it, never offered for new use.
- Permissions: a role without a `FieldPermission` row — staff see and edit, everybody else
  sees nothing; `can_edit` implies `can_view`. An actor evaluates only what they can see.
- At save: fields the actor cannot edit are refused even when the value is unchanged. At
  "create" every error on an editable field blocks; at "resolve" every error blocks; at
  "edit" only errors on changed values and errors the save itself introduces block (an old
  ticket that predates a required field can still be edited).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from helpdesk_app.domain.errors import DomainError
from helpdesk_app.domain.fields_base import (
    MOMENTS,
    OPTION_TYPES,
    Effect,
    Evaluation,
    FieldState,
    FieldView,
)
from helpdesk_app.domain.fields_parsing import parse_value, tokens
from helpdesk_app.models import FieldType, RequiredOn

# --------------------------------------------------------------------------- the evaluator


def _required_at(required_on: str, moment: str) -> bool:
    if required_on == RequiredOn.CREATE:
        return True  # and it may not be cleared later
    return required_on == RequiredOn.RESOLVE and moment == "resolve"


def _empty(field_type: str, value: Any) -> bool:
    if field_type == FieldType.CHECKBOX:
        return value is not True  # a required checkbox must be ticked
    return value is None


def _ordered(fields: Sequence[FieldView]) -> list[FieldView]:
    """Sources before the fields that depend on them (Kahn); members of a cycle (which the
    admin validation prevents) come last, in their original order."""
    keys = {f.key for f in fields}
    waiting = {f.key: {d.source for d in f.dependencies if d.source in keys} - {f.key}
               for f in fields}
    done: set[str] = set()
    out: list[FieldView] = []
    progress = True
    while progress:
        progress = False
        for f in fields:
            if f.key not in done and waiting[f.key] <= done:
                done.add(f.key)
                out.append(f)
                progress = True
    out.extend(f for f in fields if f.key not in done)
    return out


def evaluate(fields: Sequence[FieldView], values: Mapping[str, Any], *, moment: str,
             tz: str = "UTC") -> Evaluation:
    """The one implementation of the field rules (see the module docstring), used live by
    the form and at save by the server. Pure: no database, no actor beyond `FieldView`."""
    if moment not in MOMENTS:
        raise ValueError(f"unknown moment {moment!r}")
    by_key = {f.key: f for f in fields}
    effective: dict[str, Any] = {}  # value as seen by dependants: None if hidden/invalid
    states: dict[str, FieldState] = {}
    for f in _ordered(fields):
        visible, dep_required = True, False
        allowed: list[str] | None = (
            [o.value for o in f.options] if f.field_type in OPTION_TYPES else None)
        for d in f.dependencies:
            source = by_key.get(d.source)
            seen = tokens(source.field_type, effective.get(d.source)) if source else {""}
            if d.effect == Effect.SHOW:
                visible = visible and bool(seen & set(d.when_values))
            elif d.effect == Effect.REQUIRE:
                dep_required = dep_required or bool(seen & set(d.when_values))
            elif d.effect == Effect.OPTIONS and allowed is not None:
                permitted = {v for t in seen for v in d.options_map.get(t, ())}
                allowed = [v for v in allowed if v in permitted]
        required = visible and (_required_at(f.required_on, moment) or dep_required)
        value: Any = None
        error: str | None = None
        params: dict[str, Any] = {}
        if visible:
            try:
                value = parse_value(f.field_type, values.get(f.key), tz=tz)
            except DomainError as exc:
                error, params = exc.key, dict(exc.params)
            if error is None and value is not None and allowed is not None:
                chosen = value if isinstance(value, tuple) else (value,)
                bad = [v for v in chosen if v not in allowed]
                if bad:
                    error, params, value = "field.option_invalid", {"value": bad[0]}, None
            if error is None and required and _empty(f.field_type, value):
                error = "field.required"
        effective[f.key] = value if visible and error is None else None
        states[f.key] = FieldState(
            key=f.key, visible=visible, required=required, editable=f.can_edit,
            options=tuple(allowed) if allowed is not None else None,
            value=value if error is None else None, error=error, error_params=params,
        )
    return Evaluation({f.key: states[f.key] for f in fields})


def initial_values(fields: Sequence[FieldView]) -> dict[str, Any]:
    """What a new-ticket form starts with: each field's default (JSON form)."""
    return {f.key: f.default for f in fields if f.default is not None}
