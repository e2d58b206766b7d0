"""Parse the raw message; over the limits or unreadable -> quarantine with the reason.

With `force` (an admin's "create ticket anyway") the limits give way, and a message that
still cannot be read becomes a ticket with the original attached as an .eml file."""

from __future__ import annotations

from sqlmodel import Session

from helpdesk_app.config import get_settings
from helpdesk_app.mail.inbound.context import MailContext, Outcome
from helpdesk_app.mail.inbound.parse import (
    MailParseError,
    ParsedAttachment,
    ParsedMail,
    parse_message,
)
from helpdesk_app.models import InboundMail, InboundStatus

_NO_LIMIT = 1 << 40


def _unreadable(mail: InboundMail) -> ParsedMail:
    keep_raw = len(mail.raw) <= get_settings().max_attachment_bytes
    files = [ParsedAttachment(filename="message.eml", content_type="message/rfc822",
                              data=mail.raw, content_id=None, inline=False)] if keep_raw else []
    return ParsedMail(
        message_id=mail.message_id, in_reply_to=[], references=[], subject=mail.subject,
        from_addr=(mail.mail_from or "").lower(), from_name="", reply_to=None, to=[], cc=[],
        date=None, headers={}, text="", html="", attachments=files, dsn=None, part_count=0,
        defects=["unreadable: original attached" if keep_raw else "unreadable: too large"],
    )


def run(db: Session, ctx: MailContext) -> Outcome | None:
    max_bytes = _NO_LIMIT if ctx.force else ctx.settings.max_message_bytes
    max_parts = _NO_LIMIT if ctx.force else ctx.settings.max_parts
    try:
        ctx.parsed = parse_message(ctx.mail.raw, max_bytes=max_bytes, max_parts=max_parts)
    except MailParseError as exc:
        if not ctx.force:
            return Outcome(InboundStatus.QUARANTINED, exc.reason, exc.detail)
        ctx.parsed = _unreadable(ctx.mail)
    return None
