from __future__ import annotations

from sqlmodel import Field, SQLModel


class Queue(SQLModel, table=True):
    __tablename__ = "queue"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    description: str = Field(default="", max_length=500)
    is_active: bool = Field(default=True)
