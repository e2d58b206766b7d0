"""Custom fields: admin configuration, the one rule evaluator, typed values on tickets,
list filtering/sorting by value.

This module only gathers the public names of the `fields_*` modules, so callers keep
writing `from helpdesk_app.domain import fields; fields.save_values(...)`. The code lives
in one module per concern (each imports only `fields_base` and the ones above it):

- `fields_base`    limits, moments, effects, the value column per type, the data types
                   (`FieldView`, `FieldState`, `Evaluation`, admin input, definitions).
- `fields_parsing` form text -> typed value (`parse_value`), `tokens` rules compare.
- `fields_rules`   the evaluator of dependencies and required moments (`evaluate`); its
                   docstring spells out every rule.
- `fields_admin`   admin configuration: definitions, options, scopes, permissions,
                   dependencies (`save_*`, `list_definitions`), the per-role permission rule.
- `fields_values`  a ticket's fields and values: `applicable_fields`, `form_fields`,
                   `values_for`, `save_values`, the workflow gate `missing_required`.
- `fields_filters` the ticket list: `filter_clause`, `sort_column`, `filterable_fields`,
                   `quick_filter`.
"""

from __future__ import annotations

from helpdesk_app.domain.fields_admin import (
    list_definitions,
    save_dependencies,
    save_field,
    save_options,
    save_permissions,
    save_scopes,
)
from helpdesk_app.domain.fields_base import (
    DECIMAL_INT_DIGITS,
    DECIMAL_PLACES,
    EMAIL_MAX,
    KEY_RE,
    LONG_TEXT_MAX,
    LONG_TEXT_MAX_BYTES,
    MOMENTS,
    NUMBER_MAX,
    OPTION_TYPES,
    OPTION_VALUE_MAX,
    PERMISSION_ROLES,
    SHORT_TEXT_MAX,
    TEXT_TYPES,
    URL_MAX,
    DependencyInput,
    DependencyView,
    Effect,
    Evaluation,
    FieldDefinition,
    FieldInput,
    FieldState,
    FieldValuesInvalid,
    FieldValueView,
    FieldView,
    FilterableField,
    Moment,
    OptionInput,
    OptionView,
    PermissionInput,
    ScopeInput,
)
from helpdesk_app.domain.fields_filters import (
    FILTER_OPS,
    filter_clause,
    filterable_fields,
    get_field,
    quick_filter,
    sort_column,
    viewable_field,
)
from helpdesk_app.domain.fields_parsing import (
    _zone as _zone,  # the ticket fields state converts date-times for the form with it
)
from helpdesk_app.domain.fields_parsing import canonical_token, parse_value, to_json, tokens
from helpdesk_app.domain.fields_rules import evaluate, initial_values
from helpdesk_app.domain.fields_values import (
    applicable_fields,
    display_text,
    form_fields,
    missing_required,
    save_values,
    values_for,
)

__all__ = [
    "DECIMAL_INT_DIGITS", "DECIMAL_PLACES", "EMAIL_MAX", "FILTER_OPS", "KEY_RE", "LONG_TEXT_MAX",
    "LONG_TEXT_MAX_BYTES", "MOMENTS", "NUMBER_MAX", "OPTION_TYPES", "OPTION_VALUE_MAX",
    "PERMISSION_ROLES", "SHORT_TEXT_MAX", "TEXT_TYPES", "URL_MAX", "DependencyInput",
    "DependencyView", "Effect", "Evaluation", "FieldDefinition", "FieldInput", "FieldState",
    "FieldValueView", "FieldValuesInvalid", "FieldView", "FilterableField", "Moment",
    "OptionInput", "OptionView", "PermissionInput", "ScopeInput", "applicable_fields",
    "canonical_token", "display_text", "evaluate", "filter_clause", "filterable_fields",
    "form_fields", "get_field", "initial_values", "list_definitions", "missing_required",
    "parse_value", "quick_filter", "save_dependencies", "save_field", "save_options",
    "save_permissions", "save_scopes", "save_values", "sort_column", "to_json", "tokens",
    "values_for", "viewable_field",
]
