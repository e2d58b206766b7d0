"""Custom fields: the shared vocabulary of the `fields_*` modules — value limits, the
moments a rule is checked at, dependency effects, which column holds which type, and the
plain data types (views for forms and lists, admin input, admin definitions).

No database access and no rules here: every other `fields_*` module imports from this one,
never the other way round.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from helpdesk_app.domain.errors import Invalid
from helpdesk_app.models import FieldType, RequiredOn, Role

Moment = Literal["create", "edit", "resolve"]
MOMENTS = ("create", "edit", "resolve")

SHORT_TEXT_MAX = 250
# value_text is in the btree index ix_tfv_field_text: PostgreSQL refuses index rows over
# 2704 bytes, so long text stays well below that (characters and UTF-8 bytes).
LONG_TEXT_MAX = 2000
LONG_TEXT_MAX_BYTES = 2600
EMAIL_MAX = 320
URL_MAX = 2000
# Numeric(20, 6) holds 14 integer digits; SQLite keeps NUMERIC as a double, exact to
# 15 significant digits: whole numbers up to 14 digits, decimals 9 + 6 digits.
NUMBER_MAX = 99_999_999_999_999
DECIMAL_PLACES = 6
DECIMAL_INT_DIGITS = 9
OPTION_VALUE_MAX = 80

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{1,59}$")

# Types whose value lives in value_text / value_number / ...
TEXT_TYPES = (FieldType.SHORT_TEXT, FieldType.LONG_TEXT, FieldType.EMAIL, FieldType.URL,
              FieldType.DROPDOWN)
OPTION_TYPES = (FieldType.DROPDOWN, FieldType.MULTI_SELECT)
_COLUMN = {
    **dict.fromkeys(TEXT_TYPES, "value_text"),
    FieldType.NUMBER: "value_number",
    FieldType.DECIMAL: "value_number",
    FieldType.DATE: "value_date",
    FieldType.DATETIME: "value_datetime",
    FieldType.CHECKBOX: "value_bool",
    FieldType.USER: "value_user_id",
}


class Effect:
    SHOW = "show"
    REQUIRE = "require"
    OPTIONS = "options"

    ALL = (SHOW, REQUIRE, OPTIONS)


# A FieldPermission row may name any role of Role.ALL (a client manager is a "client");
# "subcontractor" is accepted ahead of that role so rows can be prepared.
PERMISSION_ROLES: tuple[str, ...] = tuple(dict.fromkeys((*Role.ALL, "subcontractor")))


class FieldValuesInvalid(Invalid):
    """One or more values refused at save; `errors` maps field key -> (message key, params)
    for the form, `params["fields"]` names them for a toast."""

    key = "field.values_invalid"

    def __init__(self, errors: dict[str, tuple[str, dict[str, Any]]], names: str) -> None:
        super().__init__(fields=names)
        self.errors = errors


# --------------------------------------------------------------------------- views


@dataclass(frozen=True)
class OptionView:
    value: str
    label_pl: str
    label_en: str
    is_active: bool = True

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_pl


@dataclass(frozen=True)
class DependencyView:
    source: str  # key of field A
    effect: str  # Effect.*
    when_values: tuple[str, ...] = ()
    options_map: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class FieldView:
    """One field as one actor sees it on one kind of ticket. Plain data: the evaluator
    needs nothing else, so the form can hold a list of these and re-evaluate live."""

    key: str
    field_type: str
    name_pl: str = ""
    name_en: str = ""
    help_pl: str = ""
    help_en: str = ""
    required_on: str = RequiredOn.NEVER
    can_view: bool = True
    can_edit: bool = True
    options: tuple[OptionView, ...] = ()
    dependencies: tuple[DependencyView, ...] = ()
    default: Any = None  # JSON form, valid for the type
    id: int = 0
    sort_order: int = 0
    public: bool = False  # clients may view it (its timeline events are public)

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_pl

    def help(self, lang: str) -> str:
        return self.help_en if lang == "en" else self.help_pl


@dataclass(frozen=True)
class FieldState:
    key: str
    visible: bool
    required: bool
    editable: bool
    options: tuple[str, ...] | None  # allowed option values (None: not an option type)
    value: Any  # the parsed, typed value (None: empty or invalid)
    error: str | None = None  # message key
    error_params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Evaluation:
    fields: dict[str, FieldState]

    @property
    def ok(self) -> bool:
        return not any(s.error for s in self.fields.values())

    @property
    def errors(self) -> dict[str, tuple[str, dict[str, Any]]]:
        return {k: (s.error, dict(s.error_params)) for k, s in self.fields.items() if s.error}

    def missing(self) -> list[str]:
        """Keys of visible required fields without a value."""
        return [k for k, s in self.fields.items() if s.error == "field.required"]

    def visible_keys(self) -> list[str]:
        return [k for k, s in self.fields.items() if s.visible]


@dataclass(frozen=True)
class FieldValueView:
    key: str
    name_pl: str
    name_en: str
    field_type: str
    value: Any  # typed value, None when empty
    text: str  # display text in the actor's language and time zone
    form_value: Any  # what an input shows: str, list[str] (multi) or bool (checkbox)
    can_edit: bool
    visible: bool  # False when a `show` dependency hides it now
    in_scope: bool  # False: kept from before a contract/type change; read-only


# --------------------------------------------------------------------------- admin input


@dataclass
class FieldInput:
    key: str
    name_pl: str
    name_en: str
    field_type: str
    help_pl: str = ""
    help_en: str = ""
    default: Any = None  # form text or a typed value; validated against the type
    sort_order: int | str = 0  # the form's text is parsed (and checked) on save
    is_active: bool = True


@dataclass
class OptionInput:
    value: str
    label_pl: str
    label_en: str = ""
    is_active: bool = True


@dataclass
class ScopeInput:
    contract_id: int | None = None
    ticket_type_id: int | None = None
    required_on: str = RequiredOn.NEVER


@dataclass
class PermissionInput:
    role: str
    can_view: bool = True
    can_edit: bool = False


@dataclass
class DependencyInput:
    depends_on: str | int | None  # key or id of field A
    effect: str
    # a list / mapping, or the admin form's text ("a, b" / lines "a: b1, b2")
    when_values: list[str] | str = field(default_factory=list)
    options_map: dict[str, list[str]] | str = field(default_factory=dict)


# --------------------------------------------------------------------------- admin reads


@dataclass(frozen=True)
class FieldDefinition:
    """One field as the admin page edits it: every option (inactive ones too), the scope
    rows, the effective view/edit per role and the dependencies (source by key)."""

    id: int
    key: str
    name_pl: str
    name_en: str
    field_type: str
    help_pl: str
    help_en: str
    default: Any  # JSON form
    sort_order: int
    is_active: bool
    options: tuple[OptionView, ...]
    scopes: tuple[ScopeInput, ...]
    permissions: Mapping[str, tuple[bool, bool]]  # role -> (can_view, can_edit), effective
    explicit_roles: tuple[str, ...]  # roles with a stored FieldPermission row
    dependencies: tuple[DependencyInput, ...]


@dataclass(frozen=True)
class FilterableField:
    key: str
    name_pl: str
    name_en: str
    field_type: str
    options: list[tuple[str, str, str]]  # (value, label_pl, label_en), active ones
