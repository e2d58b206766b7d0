"""Step zero of inbound mail: keep the raw message durably before anything else.

Both the SMTP listener and the IMAP poller call `store_raw` and only then acknowledge
(250 OK / move the IMAP message): once that commit returned, the message cannot be lost;
whatever the pipeline later does with it, the bytes stay in `inbound_mail`.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.parser import BytesHeaderParser
from email.policy import default as default_policy

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from helpdesk_app.models import InboundMail, InboundStatus, MailChannel
from helpdesk_app.models.base import utcnow

_SUBJECT_MAX = 300


def _headline(raw: bytes) -> tuple[str | None, str]:
    """Message-ID (without <>) and decoded subject, for de-duplication and the admin
    list. Never raises: a message too broken for this is still stored."""
    try:
        headers = BytesHeaderParser(policy=default_policy).parsebytes(raw[:256 * 1024])
        message_id = str(headers.get("Message-ID") or "").strip().strip("<>").strip() or None
        subject = " ".join(str(headers.get("Subject") or "").split())
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
    row = InboundMail(
        source=source, source_key=source_key, channel_id=channel_id,
        mail_from=(mail_from or "")[:320], rcpt_to=[r.lower() for r in rcpt_to],
        message_id=message_id, subject=subject, size=len(raw), raw=raw,
        status=InboundStatus.RECEIVED, received_at=utcnow(),
    )
    db.add(row)
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        if source_key is not None and db.exec(
                select(InboundMail.id).where(InboundMail.source_key == source_key)).first():
            return None
        raise
    return row.id
