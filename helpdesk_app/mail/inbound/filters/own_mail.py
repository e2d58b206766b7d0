"""Our own mail coming back (a forwarding loop, a mailbox that CCs the helpdesk, a list
that reflects it) is recognised by our Message-ID domain or our loop headers and dropped."""

from __future__ import annotations

from email.utils import parseaddr

from sqlmodel import Session

from helpdesk_app.mail.inbound.context import MailContext, Outcome
from helpdesk_app.mail.outbound.outbox import is_our_message_id
from helpdesk_app.models import InboundStatus


def run(db: Session, ctx: MailContext) -> Outcome | None:
    parsed = ctx.parsed
    our_from = parseaddr(ctx.settings.from_address)[1].lower()
    loop = parsed.headers.get("x-loop", "").lower()
    ours = (
        is_our_message_id(parsed.message_id)
        or (parsed.headers.get("x-pomocnik-message") and (
            ctx.settings.domain.lower() in loop or (our_from and our_from in loop)))
        or (our_from and parsed.from_addr == our_from)
    )
    if ours:
        return Outcome(InboundStatus.IGNORED, "own_mail")
    return None
