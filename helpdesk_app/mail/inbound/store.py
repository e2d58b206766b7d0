"""Step zero of inbound mail: keep the raw message durably before anything else.

Both the SMTP listener and the IMAP poller call `store_raw` and only then acknowledge
(250 OK / move the IMAP message): once that commit returned, the message cannot be lost;
whatever the pipeline later does with it, the bytes stay in `inbound_mail`.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.header import decode_header
from email.parser import BytesHeaderParser
from email.policy import compat32

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from helpdesk_app.models import InboundMail, InboundStatus, MailChannel
from helpdesk_app.models.base import utcnow

_SUBJECT_MAX = 300


def _decode(value: str) -> str:
    """An RFC 2047 header value as text (undeclared or wrong charsets replaced; raw 8-bit
    text is read as UTF-8, as the full parser does)."""
    if any("\udc80" <= ch <= "\udcff" for ch in value):
        value = value.encode("ascii", "surrogateescape").decode("utf-8", "replace")
    parts = []
    for chunk, charset in decode_header(value):
        if isinstance(chunk, bytes):
            try:  # no charset: a plain part, which decode_header encoded this way
                chunk = chunk.decode(charset or "raw-unicode-escape", errors="replace")
            except LookupError:  # a charset Python does not know
                chunk = chunk.decode("utf-8", errors="replace")
        parts.append(chunk)
    return "".join(parts)


def _headline(raw: bytes) -> tuple[str | None, str]:
    """Message-ID (without <>) and decoded subject, for de-duplication and the admin
    list. Never raises: a message too broken for this is still stored. (The plain
    compat32 header parser: this runs while the sender waits for our 250, and the full
    parse comes later in the pipeline.)"""
    try:
        head = raw[:256 * 1024].split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
        raw_headers = BytesHeaderParser(policy=compat32).parsebytes(head).raw_items()
        first = {}
        for name, value in raw_headers:
            first.setdefault(name.lower(), value)
        message_id = str(first.get("message-id") or "").strip().strip("<>").strip() or None
        subject = " ".join(_decode(first.get("subject") or "").split())
    except Exception:
        return None, ""
    return (message_id[:500] if message_id else None), subject[:_SUBJECT_MAX]


def channel_for(db: Session, recipients: Sequence[str]) -> MailChannel | None:
    """The active channel among the envelope recipients (first match), if any."""
    wanted = [r.strip().lower() for r in recipients if r and r.strip()]
    if not wanted:
        return None
    rows = db.exec(select(MailChannel).where(MailChannel.address.in_(wanted),
                                             MailChannel.is_active.is_(True))).all()
    by_address = {c.address: c for c in rows}
    return next((by_address[a] for a in wanted if a in by_address), None)


def store_raw(db: Session, raw: bytes, *, source: str, mail_from: str = "",
              rcpt_to: Sequence[str] = (), channel_id: int | None = None,
              source_key: str | None = None) -> int | None:
    """Commit the raw message as `received`. Returns its id, or None when `source_key`
    was stored before (the same IMAP message fetched again after a crash)."""
    message_id, subject = _headline(raw)
    if channel_id is None and rcpt_to:
        channel = channel_for(db, rcpt_to)
        channel_id = channel.id if channel else None
    # A plain INSERT, not an ORM object: this is what the sender waits for.
    table = InboundMail.__table__
    values = dict(
        source=source, source_key=source_key, channel_id=channel_id,
        mail_from=(mail_from or "")[:320], rcpt_to=[r.lower() for r in rcpt_to],
        message_id=message_id, subject=subject, size=len(raw), raw=raw,
        status=InboundStatus.RECEIVED, received_at=utcnow(), attempts=0, reason="",
        detail="",
    )
    try:
        mail_id = db.execute(insert(table).values(**values).returning(table.c.id)).scalar_one()
        db.commit()
    except IntegrityError:
        db.rollback()
        if source_key is not None and db.exec(
                select(InboundMail.id).where(InboundMail.source_key == source_key)).first():
            return None
        raise
    return mail_id
