"""Timeline entries the mail channel writes without a human author: a bounce of our mail
and an automatic reply (out-of-office) on a ticket. Both internal: the client never sees
them, and they never change the ticket's status or SLA clocks."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlmodel import Session

from helpdesk_app.live.bus import queue_change
from helpdesk_app.models import EventKind, OutboundMail, Ticket, TimelineEvent
from helpdesk_app.models.base import utcnow


def _internal(db: Session, ticket: Ticket, body: str, data: dict[str, Any]) -> TimelineEvent:
    event = TimelineEvent(ticket_id=ticket.id, kind=EventKind.NOTE, author_id=None,
                          is_public=False, body=body, data=data, created_at=utcnow())
    db.add(event)
    db.flush()
    queue_change(db, ticket_id=ticket.id, organisation_id=ticket.organisation_id,
                 kind=EventKind.NOTE, public=False)
    return event


def record_bounce(db: Session, ticket: Ticket, outbound: OutboundMail | None, *,
                  recipients: list[str], status: str, mail_id: int) -> TimelineEvent:
    """Our mail on `ticket` bounced: an internal note, and the outbox row says so.
    Adds to the caller's transaction; commits nothing."""
    who = ", ".join(recipients) or (outbound.to_addr if outbound else "")
    if outbound is not None:
        db.execute(update(OutboundMail).where(OutboundMail.id == outbound.id)
                   .values(last_error=f"bounced {status} {who}".strip()[:1000]))
    body = f"Niedostarczona wiadomość / Mail not delivered: {who} ({status or '?'})"
    return _internal(db, ticket, body, {
        "mail_bounce": {"to": who, "status": status,
                        "subject": outbound.subject if outbound else ""},
        "mail_id": mail_id})


def record_automatic(db: Session, ticket: Ticket, body: str,
                     data: dict[str, Any]) -> TimelineEvent:
    """An automatic reply (out-of-office and the like) on `ticket`, kept as an internal
    note so agents see it but the ticket is not reopened. Commits nothing."""
    return _internal(db, ticket, body, {**data, "mail_automatic": True})
