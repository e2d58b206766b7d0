from __future__ import annotations

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel


class Queue(SQLModel, table=True):
    __tablename__ = "queue"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    description: str = Field(default="", max_length=500)
    is_active: bool = Field(default=True)
    # Display order on the admin page, the agent list's queue chips and every queue picker.
    position: int = Field(default=0)
    # resolving a ticket of this queue needs at least one work entry (issue 14)
    requires_work_entry: bool = Field(default=False)


class QueueMember(SQLModel, table=True):
    """A technician (or coordinator) belongs to a queue: the queue's team. Membership is
    what a queue-limited custom role sees (domain/actor_loading.py); for everyone else it
    only says who works where."""

    __tablename__ = "queue_member"
    __table_args__ = (UniqueConstraint("queue_id", "user_id", name="uq_queue_member"),)

    id: int | None = Field(default=None, primary_key=True)
    queue_id: int = Field(foreign_key="queue.id", index=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)


class CustomRole(SQLModel, table=True):
    """An admin-defined role: a built-in staff role (`base_role`: technician or
    coordinator) with its own permission set (domain/permissions.py) and an optional queue
    limit. Users point at it with `User.custom_role_id`."""

    __tablename__ = "custom_role"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    base_role: str = Field(max_length=20)
    # permission keys (domain/permissions.PERMISSIONS), the complete set the role grants
    permissions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # True: members see only the tickets of `queue_ids` ∪ their queue memberships
    # (plus tickets assigned to them); False: every queue, like the base role.
    limit_to_queues: bool = Field(default=False)
    queue_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
