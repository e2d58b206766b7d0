"""Substitutions (issue 13): while a staff member is away, another one works in their place.

The rules live in domain/substitutions.py (setting one), domain/substitution_schedule.py
(the scheduler's start and end) and domain/substitution_cover.py (who covers whom now).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from helpdesk_app.models.base import UTCDateTime, utcnow


class SubstitutionState:
    SCHEDULED = "scheduled"  # waiting for starts_at (the scheduler starts it)
    ACTIVE = "active"  # started by the scheduler: access and notifications follow it
    ENDED = "ended"  # ended by the scheduler at ends_at
    CANCELLED = "cancelled"  # withdrawn by a person (before or during the period)

    ALL = (SCHEDULED, ACTIVE, ENDED, CANCELLED)
    OPEN = (SCHEDULED, ACTIVE)  # still to come or running: these may not overlap


class Substitution(SQLModel, table=True):
    """`absent_id` is away from `starts_at` to `ends_at` (UTC); `substitute_id` works in
    their place. Only `state` (written by the scheduler's conditional UPDATEs) decides
    whether it is in force, so access, notifications and the audit log agree."""

    __tablename__ = "substitution"
    # Partial indexes on the state that matters: starting or ending a substitution moves
    # its row in and out of three small indexes instead of rewriting four (state, ...)
    # ones, which counts when a pass starts thousands at once. Queries name the state as a
    # literal (substitution_cover.state_is) so both databases can use them.
    __table_args__ = (
        # who a user covers now (every sign-in and click: actor_loading)
        Index("ix_substitution_active_substitute", "substitute_id",
              sqlite_where=text("state = 'active'"), postgresql_where=text("state = 'active'")),
        # the scheduler's boundary scans: due to start, due to end
        Index("ix_substitution_scheduled_starts", "starts_at",
              sqlite_where=text("state = 'scheduled'"),
              postgresql_where=text("state = 'scheduled'")),
        Index("ix_substitution_active_ends", "ends_at",
              sqlite_where=text("state = 'active'"), postgresql_where=text("state = 'active'")),
        # a person's absences (is this person away, overlaps, their page) and the
        # substitutions they stand in for (their page)
        Index("ix_substitution_absent_starts", "absent_id", "starts_at"),
        Index("ix_substitution_substitute", "substitute_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    absent_id: int = Field(foreign_key="user_account.id")
    substitute_id: int = Field(foreign_key="user_account.id")
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    note: str = Field(default="", max_length=500)
    # True: the absent person still gets their notifications too (besides the substitute)
    absent_keeps_notifications: bool = Field(default=False)
    state: str = Field(default=SubstitutionState.SCHEDULED, max_length=12)
    created_by_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SubstitutionTicket(SQLModel, table=True):
    """A ticket of the absent person the substitute acted on during the substitution: the
    ticket got a "working on behalf of" timeline event then, and gets a "substitution
    ended" one when it ends. One row per (substitution, ticket)."""

    __tablename__ = "substitution_ticket"
    __table_args__ = (UniqueConstraint("substitution_id", "ticket_id",
                                       name="uq_substitution_ticket"),)

    id: int | None = Field(default=None, primary_key=True)
    substitution_id: int = Field(foreign_key="substitution.id")
    ticket_id: int = Field(foreign_key="ticket.id")
    actor_id: int = Field(foreign_key="user_account.id")  # who acted first
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
