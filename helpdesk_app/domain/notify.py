"""Who hears about what happened to a ticket, and how (in the app, by e-mail).

Called by the domain inside the transaction that makes the change; adds in-app
notifications and queues mail in the outbox, commits nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from helpdesk_app.domain.actor import Actor
from helpdesk_app.models import NotificationKind, Ticket, TimelineEvent

NEW_TICKET = NotificationKind.NEW_TICKET
PUBLIC_REPLY = NotificationKind.PUBLIC_REPLY
INTERNAL_NOTE = NotificationKind.INTERNAL_NOTE
ASSIGNMENT = NotificationKind.ASSIGNMENT
STATUS_CHANGE = NotificationKind.STATUS_CHANGE
TICKET_CLOSED = NotificationKind.TICKET_CLOSED


def ticket_event(db: Session, actor: Actor | None, ticket: Ticket, kind: str, *,
                 event: TimelineEvent | None = None, data: dict[str, Any] | None = None,
                 now: datetime) -> int:
    """Notify everyone who wants to hear of `kind` on `ticket` (not the actor).
    Returns how many notifications (in-app + mail) were queued."""
    return 0
