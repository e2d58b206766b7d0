"""Custom fields: definitions, where they apply, who sees/edits them, how they depend on
each other, and typed values per ticket (filterable and sortable by index)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, Index, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel

from helpdesk_app.models.base import UTCDateTime


class FieldType:
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    NUMBER = "number"  # whole number
    DECIMAL = "decimal"
    DATE = "date"
    DATETIME = "datetime"
    DROPDOWN = "dropdown"
    MULTI_SELECT = "multi_select"
    CHECKBOX = "checkbox"
    USER = "user"
    EMAIL = "email"
    URL = "url"

    ALL = (SHORT_TEXT, LONG_TEXT, NUMBER, DECIMAL, DATE, DATETIME, DROPDOWN, MULTI_SELECT,
           CHECKBOX, USER, EMAIL, URL)


class RequiredOn:
    NEVER = "never"
    CREATE = "create"
    RESOLVE = "resolve"  # before entering a resolving/closing status

    ALL = (NEVER, CREATE, RESOLVE)


class CustomField(SQLModel, table=True):
    __tablename__ = "custom_field"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=60, unique=True)  # stable identifier, e.g. "billing_code"
    name_pl: str = Field(max_length=120)
    name_en: str = Field(max_length=120)
    field_type: str = Field(max_length=20)
    help_pl: str = Field(default="", max_length=500)
    help_en: str = Field(default="", max_length=500)
    default_value: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    sort_order: int = Field(default=0)
    is_active: bool = Field(default=True)


class FieldOption(SQLModel, table=True):
    """A dropdown / multi-select value; deactivated, never deleted (old tickets keep it)."""

    __tablename__ = "field_option"
    __table_args__ = (UniqueConstraint("field_id", "value", name="uq_field_option_value"),)

    id: int | None = Field(default=None, primary_key=True)
    field_id: int = Field(foreign_key="custom_field.id", index=True)
    value: str = Field(max_length=80)
    label_pl: str = Field(max_length=120)
    label_en: str = Field(max_length=120)
    sort_order: int = Field(default=0)
    is_active: bool = Field(default=True)


class FieldScope(SQLModel, table=True):
    """Where a field is used. contract_id / ticket_type_id None = any."""

    __tablename__ = "field_scope"

    id: int | None = Field(default=None, primary_key=True)
    field_id: int = Field(foreign_key="custom_field.id", index=True)
    contract_id: int | None = Field(default=None, foreign_key="contract.id")
    ticket_type_id: int | None = Field(default=None, foreign_key="ticket_type.id")
    required_on: str = Field(default=RequiredOn.NEVER, max_length=10)


class FieldPermission(SQLModel, table=True):
    """Per role: may see / may edit. A role without a row: staff see and edit, clients
    and subcontractors see nothing."""

    __tablename__ = "field_permission"
    __table_args__ = (UniqueConstraint("field_id", "role", name="uq_field_permission_role"),)

    id: int | None = Field(default=None, primary_key=True)
    field_id: int = Field(foreign_key="custom_field.id", index=True)
    role: str = Field(max_length=20)
    can_view: bool = Field(default=True)
    can_edit: bool = Field(default=False)


class FieldDependency(SQLModel, table=True):
    """Field `field_id` (B) depends on `depends_on_id` (A):
    - effect "show": B is shown only when A's value is one of `when_values`;
    - effect "require": B is required when A's value is one of `when_values`;
    - effect "options": B's dropdown options depend on A — `options_map` maps A's value to
      the allowed option values of B."""

    __tablename__ = "field_dependency"

    id: int | None = Field(default=None, primary_key=True)
    field_id: int = Field(foreign_key="custom_field.id", index=True)
    depends_on_id: int = Field(foreign_key="custom_field.id")
    effect: str = Field(max_length=10)
    when_values: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    options_map: dict[str, list[str]] = Field(default_factory=dict,
                                              sa_column=Column(JSON, nullable=False))


class TicketFieldValue(SQLModel, table=True):
    """One field's value on one ticket, in the column of its type so lists can filter and
    sort by index. Multi-select values live in TicketFieldChoice."""

    __tablename__ = "ticket_field_value"
    __table_args__ = (
        UniqueConstraint("ticket_id", "field_id", name="uq_ticket_field_value"),
        Index("ix_tfv_field_text", "field_id", "value_text", "ticket_id"),
        Index("ix_tfv_field_number", "field_id", "value_number", "ticket_id"),
        Index("ix_tfv_field_date", "field_id", "value_date", "ticket_id"),
        Index("ix_tfv_field_datetime", "field_id", "value_datetime", "ticket_id"),
        Index("ix_tfv_field_user", "field_id", "value_user_id", "ticket_id"),
        Index("ix_tfv_field_bool", "field_id", "value_bool", "ticket_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    field_id: int = Field(foreign_key="custom_field.id")
    # text, long text, e-mail, URL and dropdown (the option value) go here
    value_text: str | None = Field(default=None, max_length=4000)
    value_number: Decimal | None = Field(default=None, sa_column=Column(Numeric(20, 6)))
    value_date: date | None = Field(default=None)
    value_datetime: datetime | None = Field(default=None, sa_type=UTCDateTime)
    value_bool: bool | None = Field(default=None)
    value_user_id: int | None = Field(default=None, foreign_key="user_account.id")


class TicketFieldChoice(SQLModel, table=True):
    """One chosen value of a multi-select field on a ticket."""

    __tablename__ = "ticket_field_choice"
    __table_args__ = (Index("ix_tfc_field_value", "field_id", "value", "ticket_id"),)

    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True)
    field_id: int = Field(foreign_key="custom_field.id", primary_key=True)
    value: str = Field(max_length=80, primary_key=True)
