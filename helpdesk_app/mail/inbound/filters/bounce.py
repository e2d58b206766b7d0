"""Delivery status notifications (RFC 3464 bounces): linked to the ticket whose mail
bounced, as an internal note, so the agent knows the client did not get it. Never
answered, never a new ticket."""

from __future__ import annotations

from sqlmodel import Session, select

from helpdesk_app.domain import mail_events
from helpdesk_app.mail.inbound.context import MailContext, Outcome, claim
from helpdesk_app.models import InboundStatus, OutboundMail, Ticket


def run(db: Session, ctx: MailContext) -> Outcome | None:
    dsn = ctx.parsed.dsn
    if dsn is None:
        return None
    if dsn.action and dsn.action.lower() != "failed":
        # "delayed" / "relayed" / "delivered": informational, the mail may still arrive
        return Outcome(InboundStatus.IGNORED, "bounce_info", f"{dsn.action} {dsn.status}")
    outbound = None
    if dsn.original_message_id:
        outbound = db.exec(select(OutboundMail).where(
            OutboundMail.message_id == dsn.original_message_id[:300])).first()
    ticket = db.get(Ticket, outbound.ticket_id) if outbound and outbound.ticket_id else None
    if ticket is None:
        return Outcome(InboundStatus.IGNORED, "bounce_unmatched",
                       f"{dsn.status} {', '.join(dsn.recipients)}".strip())
    event = mail_events.record_bounce(db, ticket, outbound, recipients=dsn.recipients,
                                      status=dsn.status, mail_id=ctx.mail.id)
    outcome = Outcome(InboundStatus.DONE, "bounce", ticket_id=ticket.id, event_id=event.id)
    claim(db, ctx, outcome)
    db.commit()
    return outcome
