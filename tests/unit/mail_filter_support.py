"""Helpers for the per-filter unit tests (tests/unit/test_mail_filter_*.py): a
MailContext for one message, with or without a database behind it, run through the
filters a given filter expects to have run before it."""

from __future__ import annotations

from email.message import EmailMessage

from sqlmodel import Session

from helpdesk_app.config import get_settings
from helpdesk_app.mail.inbound import store
from helpdesk_app.mail.inbound.context import MailContext
from helpdesk_app.mail.inbound.parse import parse_message
from helpdesk_app.models import InboundMail, MailChannel, MailSource
from tests.mail_support import ADDRESS, Room, make_room  # noqa: F401  (re-exported)


def as_bytes(msg: EmailMessage | bytes) -> bytes:
    return msg if isinstance(msg, bytes) else msg.as_bytes()


def context(msg: EmailMessage | bytes, *, mail_from: str = "sender@example.test",
            source: str = MailSource.SMTP, parsed: bool = True) -> MailContext:
    """A context for a message that is not in any database (for filters that read only
    the message and the settings)."""
    raw = as_bytes(msg)
    mail = InboundMail(id=1, source=source, mail_from=mail_from, raw=raw, size=len(raw))
    ctx = MailContext(mail=mail, settings=get_settings().mail)
    if parsed:
        ctx.parsed = parse_message(raw, max_bytes=1 << 30, max_parts=10_000)
    return ctx


def stored_context(db: Session, msg: EmailMessage | bytes, *, mail_from: str | None = None,
                   channel: MailChannel | None = None, force: bool = False) -> MailContext:
    """A context for a message stored like the listener stores it (a real inbound_mail
    row), parsed; no other filter has run yet."""
    raw = as_bytes(msg)
    if mail_from is None:
        mail_from = "" if isinstance(msg, bytes) else str(msg["From"]).rsplit("<", 1)[-1]
        mail_from = mail_from.strip(" >")
    mail_id = store.store_raw(db, raw, source=MailSource.SMTP, mail_from=mail_from,
                              rcpt_to=[ADDRESS])
    mail = db.get(InboundMail, mail_id)
    ctx = MailContext(mail=mail, settings=get_settings().mail, force=force, channel=channel)
    ctx.parsed = parse_message(raw, max_bytes=1 << 30, max_parts=10_000)
    return ctx
