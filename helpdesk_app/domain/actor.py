"""Who is acting. Built from the session token on every request/event, never trusted from input.

`Actor.from_user` gives the built-in role only (right for clients, admins and staff
without a custom role). Staff who may carry a custom role are loaded with
`domain.actor_loading.load`, which fills `permissions` and `visible_queue_ids` (and
`covering_ids`, the absent colleagues the actor substitutes for now).
"""

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
    # The custom role's permission set (domain/permissions.py); None: the built-in role's.
    permissions: frozenset[str] | None = None
    # Queues whose tickets the actor may see; None: every queue (no queue limit).
    visible_queue_ids: frozenset[int] | None = None
    custom_role_id: int | None = None
    # Staff absent now whom this actor substitutes for (issue 13, domain/substitution_cover):
    # their tickets are visible to the actor too, for as long as the substitution is active.
    covering_ids: frozenset[int] = frozenset()

    @property
    def is_staff(self) -> bool:
        return self.role in Role.STAFF

    @property
    def is_client(self) -> bool:
        return self.role == Role.CLIENT

    @property
    def is_subcontractor(self) -> bool:
        return self.role == Role.SUBCONTRACTOR

    @property
    def is_agent(self) -> bool:
        """Uses the agent pages (staff, and subcontractors on the tickets handed to them)."""
        return self.role in Role.AGENTS

    @property
    def is_queue_limited(self) -> bool:
        return self.visible_queue_ids is not None

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
