"""The one access policy. Every ticket read in the app goes through this module.

- Staff (admin, coordinator, technician) of the service provider see every ticket and
  every timeline event.
- Clients see their own tickets, or all of their organisation's tickets when they carry
  the client-manager flag; they see only public timeline events and the attachments on
  those events, and never agent-only fields.
Anything an actor may not see is reported as "not found", so a guessed URL does not even
confirm that a ticket exists.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ColumnElement, false, true

from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import Forbidden, NotFound
from helpdesk_app.models import Role, Ticket, TimelineEvent


class Action(StrEnum):
    VIEW = "view"
    REPLY = "reply"  # public reply
    NOTE = "note"  # internal note
    ATTACH = "attach"
    EDIT = "edit"  # status, priority, queue, assignee
    VIEW_INTERNAL = "view_internal"  # internal notes, agent-only fields
    CREATE_FOR_OTHERS = "create_for_others"


def ticket_scope(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause selecting exactly the tickets `actor` may see."""
    if actor.role in Role.STAFF:
        return true()
    if actor.role == Role.CLIENT:
        if actor.is_client_manager:
            return Ticket.organisation_id == actor.organisation_id
        return Ticket.requester_id == actor.user_id
    return false()


def event_scope(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause selecting the timeline events `actor` may see (within visible tickets)."""
    if actor.role in Role.STAFF:
        return true()
    return TimelineEvent.is_public.is_(True)


def can_see_ticket(actor: Actor, ticket: Ticket) -> bool:
    if actor.role in Role.STAFF:
        return True
    if actor.role == Role.CLIENT:
        if actor.is_client_manager:
            return ticket.organisation_id == actor.organisation_id
        return ticket.requester_id == actor.user_id
    return False


def can_see_event(actor: Actor, ticket: Ticket, event: TimelineEvent) -> bool:
    return can_see_ticket(actor, ticket) and (actor.role in Role.STAFF or event.is_public)


def can(actor: Actor, action: Action, ticket: Ticket | None = None) -> bool:
    if action is Action.CREATE_FOR_OTHERS:
        return actor.role in Role.STAFF
    if ticket is None or not can_see_ticket(actor, ticket):
        return False
    if actor.role in Role.STAFF:
        return True
    # Clients on a visible ticket: read, reply publicly, attach. Nothing agent-only.
    return action in (Action.VIEW, Action.REPLY, Action.ATTACH)


def require_admin(actor: Actor) -> None:
    """Configuration (contracts, calendars, statuses, fields, checklists, mail): admins."""
    if actor.role != Role.ADMIN:
        raise Forbidden()


def require_staff(actor: Actor) -> None:
    """Staff-only reads (directories, reports) that are not about one ticket."""
    if actor.role not in Role.STAFF:
        raise Forbidden()


def require(actor: Actor, action: Action, ticket: Ticket | None) -> Ticket:
    """Return the ticket when allowed; NotFound when unseen, Forbidden when seen but not allowed."""
    if ticket is None or not can_see_ticket(actor, ticket):
        raise NotFound("ticket.not_found")
    if not can(actor, action, ticket):
        raise Forbidden()
    return ticket
