"""The same message twice (delivered to two of our addresses, fetched by IMAP and sent
over SMTP, re-sent by a server that timed out): it is on its ticket once, not twice."""

from __future__ import annotations

from sqlmodel import Session, col, select

from helpdesk_app.mail.inbound.context import MailContext, Outcome
from helpdesk_app.models import InboundMail, InboundStatus


def run(db: Session, ctx: MailContext) -> Outcome | None:
    message_id = ctx.parsed.message_id
    if not message_id:
        return None
    earlier = db.exec(
        select(InboundMail.id, InboundMail.ticket_id)
        .where(InboundMail.message_id == message_id[:500],
               InboundMail.status == InboundStatus.DONE, InboundMail.id != ctx.mail.id)
        .order_by(col(InboundMail.id)).limit(1)
    ).first()
    if earlier is None:
        return None
    return Outcome(InboundStatus.IGNORED, "duplicate", f"same Message-ID as #{earlier[0]}",
                   ticket_id=earlier[1])
