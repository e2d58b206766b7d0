"""What the inbound filters pass along: the stored message, what each filter found, and
the outcome that ends the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import update
from sqlmodel import Session

from helpdesk_app.config import MailSettings
from helpdesk_app.mail.inbound.parse import ParsedMail
from helpdesk_app.mail.outbound import outbox
from helpdesk_app.models import InboundMail, InboundStatus, MailChannel, Ticket, User
from helpdesk_app.models.base import utcnow


@dataclass(frozen=True)
class Outcome:
    """How the pipeline ended for one message (written onto its inbound_mail row)."""

    status: str  # InboundStatus
    reason: str = ""  # machine key (quarantine/ignore reasons), translated in the admin UI
    detail: str = ""
    ticket_id: int | None = None
    event_id: int | None = None


@dataclass
class MailContext:
    mail: InboundMail
    settings: MailSettings
    # "create ticket anyway" (an admin's decision on a quarantined message): limits and the
    # unknown-sender policy give way; nothing that would leak data does.
    force: bool = False
    channel: MailChannel | None = None
    parsed: ParsedMail | None = None
    # Why we must not answer automatically ("" = we may): auto-reply, list, bounce, ...
    no_auto_reply: str = ""
    # The message itself is machine-made (out-of-office, auto-reply): a follow-up becomes
    # an internal note and never reopens the ticket.
    automatic: bool = False
    sender: User | None = None
    sender_created: bool = False  # a client account made from a verified domain / triage
    triage: bool = False  # unknown sender accepted into the triage queue
    ticket: Ticket | None = None  # the ticket this message follows up
    closed_ticket: Ticket | None = None  # referenced, but closed: a new ticket refers to it
    # referenced, but the sender may not write there: never appended, a new ticket instead
    foreign_ticket: Ticket | None = None
    notes: list[str] = field(default_factory=list)  # remarks for the admin detail

    @property
    def text(self) -> str:
        return self.parsed.text if self.parsed else ""


class AlreadyProcessed(Exception):
    """Another worker finished this message first; our transaction must roll back."""


def claim(db: Session, ctx: MailContext, outcome: Outcome) -> None:
    """Write the outcome onto the message in the caller's transaction, only if it is still
    `received`. Together with the ticket change in the same commit this makes every
    message land exactly once, even with two workers or after a crash."""
    table = InboundMail.__table__  # a plain UPDATE: the loaded row is not read again
    result = db.execute(
        update(table)
        .where(table.c.id == ctx.mail.id, table.c.status == InboundStatus.RECEIVED)
        .values(status=outcome.status, reason=outcome.reason, detail=outcome.detail[:2000],
                ticket_id=outcome.ticket_id, event_id=outcome.event_id, processed_at=utcnow())
    )
    if result.rowcount != 1:
        raise AlreadyProcessed(ctx.mail.id)
    if outcome.ticket_id is not None:  # this message is now part of the ticket's thread
        outbox.forget_thread(db, outcome.ticket_id)
