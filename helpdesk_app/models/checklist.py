from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from helpdesk_app.models.base import UTCDateTime


class ChecklistTemplate(SQLModel, table=True):
    """Steps to do for a ticket type (e.g. an inspection's 8 steps)."""

    __tablename__ = "checklist_template"

    id: int | None = Field(default=None, primary_key=True)
    ticket_type_id: int = Field(foreign_key="ticket_type.id", index=True)
    name_pl: str = Field(max_length=120)
    name_en: str = Field(max_length=120)
    # Resolving is refused while a required item is open.
    required_before_resolve: bool = Field(default=False)
    is_active: bool = Field(default=True)


class ChecklistTemplateItem(SQLModel, table=True):
    __tablename__ = "checklist_template_item"

    id: int | None = Field(default=None, primary_key=True)
    template_id: int = Field(foreign_key="checklist_template.id", index=True)
    label_pl: str = Field(max_length=200)
    label_en: str = Field(max_length=200)
    required: bool = Field(default=True)
    sort_order: int = Field(default=0)


class TicketChecklistItem(SQLModel, table=True):
    """A checklist item instantiated on a ticket (labels copied: editing the template
    later does not rewrite what was done)."""

    __tablename__ = "ticket_checklist_item"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    template_item_id: int | None = Field(default=None, foreign_key="checklist_template_item.id")
    label_pl: str = Field(max_length=200)
    label_en: str = Field(max_length=200)
    required: bool = Field(default=True)
    sort_order: int = Field(default=0)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_by_id: int | None = Field(default=None, foreign_key="user_account.id")
