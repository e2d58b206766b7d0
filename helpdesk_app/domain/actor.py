"""Who is acting. Built from the session token on every request/event, never trusted from input."""

from __future__ import annotations

from dataclasses import dataclass

from helpdesk_app.models import Role, User


@dataclass(frozen=True)
class Actor:
    user_id: int
    role: str
    organisation_id: int
    is_client_manager: bool
    full_name: str
    email: str
    language: str
    timezone: str

    @property
    def is_staff(self) -> bool:
        return self.role in Role.STAFF

    @property
    def is_client(self) -> bool:
        return self.role == Role.CLIENT

    @classmethod
    def from_user(cls, user: User) -> Actor:
        assert user.id is not None
        return cls(
            user_id=user.id,
            role=user.role,
            organisation_id=user.organisation_id,
            is_client_manager=user.is_client_manager,
            full_name=user.full_name,
            email=user.email,
            language=user.language,
            timezone=user.timezone,
        )
