"""The outbox worker: deliver due mail to the SMTP relay, with retries.

`send_due` opens one relay connection per batch and records each mail's outcome in its own
short transaction, right after the relay answered for it. Hence a crash mid-batch never
sends a mail already marked sent again; only the one in flight may go out twice
(at-least-once, the best SMTP allows).

Each mail is *claimed* before it is handed to the relay: its `next_attempt_at` moves a
lease into the future, conditionally on it still being due. Two workers (two processes, an
overlapping run) therefore never send the same mail twice, and a worker that died
mid-send leaves its mail due again once the lease is over.

Outcomes:
* accepted -> `sent`;
* temporary (connection refused / lost / timed out, TLS or login trouble, a 4xx answer, the
  relay refusing our sender) -> retried after `outbox_backoff_seconds`, doubling per
  attempt up to an hour, and `failed` after `outbox_max_attempts` attempts;
* the relay refusing the recipient or the message with a 5xx (or the message as too big)
  -> `failed` at once: asking again gets the same answer. An admin can send it again
  (`domain/mail_admin.retry_outbox`).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from helpdesk_app.config import MailSettings, get_settings
from helpdesk_app.models import OutboundMail, OutboundStatus
from helpdesk_app.models.base import utcnow

log = logging.getLogger(__name__)

BACKOFF_MAX_SECONDS = 3600
_ERROR_MAX = 1000


@dataclass
class SendResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0


class _Refused(Exception):
    """The relay answered this mail with an error code."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code} {message}")
        self.code = code


def _lease(settings: MailSettings) -> timedelta:
    # Long enough for one mail's whole SMTP dialogue (a few timeouts' worth).
    return timedelta(seconds=max(300.0, 10 * settings.relay_timeout))


def backoff(settings: MailSettings, attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: doubling, capped at an hour."""
    seconds = settings.outbox_backoff_seconds * 2 ** max(0, attempts - 1)
    return timedelta(seconds=min(seconds, BACKOFF_MAX_SECONDS))


def _text(exc: BaseException) -> str:
    if isinstance(exc, _Refused):
        return str(exc)
    if isinstance(exc, smtplib.SMTPResponseException):
        message = exc.smtp_error
        if isinstance(message, bytes):
            message = message.decode("utf-8", "replace")
        return f"{exc.smtp_code} {message}"
    return f"{type(exc).__name__}: {exc}"


def _due_ids(engine: Engine, now: datetime, limit: int) -> list[int]:
    with Session(engine) as db:
        return list(db.exec(
            select(OutboundMail.id)
            .where(OutboundMail.status == OutboundStatus.PENDING,
                   col(OutboundMail.next_attempt_at) <= now)
            .order_by(col(OutboundMail.next_attempt_at), col(OutboundMail.id))
            .limit(max(1, limit))
        ).all())


def _claim(engine: Engine, mail_id: int, now: datetime,
           until: datetime) -> tuple[str, bytes] | None:
    """Take a due mail for sending (recipient, raw), or None when someone else took it."""
    with Session(engine) as db:
        claimed = db.execute(
            update(OutboundMail)
            .where(col(OutboundMail.id) == mail_id,
                   col(OutboundMail.status) == OutboundStatus.PENDING,
                   col(OutboundMail.next_attempt_at) <= now)
            .values(next_attempt_at=until)
        ).rowcount
        db.commit()
        if not claimed:
            return None
        row = db.exec(select(OutboundMail.to_addr, OutboundMail.raw)
                      .where(OutboundMail.id == mail_id)).one()
        return row[0], row[1]


def _mark_sent(engine: Engine, mail_id: int, now: datetime) -> None:
    with Session(engine) as db:
        db.execute(update(OutboundMail).where(col(OutboundMail.id) == mail_id).values(
            status=OutboundStatus.SENT, sent_at=now, last_error="",
            attempts=OutboundMail.attempts + 1))
        db.commit()


def _mark_failure(engine: Engine, settings: MailSettings, result: SendResult, mail_id: int,
                  now: datetime, error: str, *, permanent: bool, claimed: bool = True) -> None:
    """Record a failed attempt: the mail waits for its next one, or gives up (failed).

    Unclaimed mail (the relay was unreachable before we took it) is only touched while
    still due, so mail another worker is sending right now is left alone."""
    with Session(engine) as db:
        query = select(OutboundMail).where(OutboundMail.id == mail_id,
                                           OutboundMail.status == OutboundStatus.PENDING)
        if not claimed:
            query = query.where(col(OutboundMail.next_attempt_at) <= now)
        row = db.exec(query.with_for_update()).first()
        if row is None:
            return
        row.attempts += 1
        row.last_error = error[:_ERROR_MAX]
        attempts = row.attempts
        gave_up = permanent or attempts >= settings.outbox_max_attempts
        if gave_up:
            row.status = OutboundStatus.FAILED
        else:
            row.next_attempt_at = retry_at = now + backoff(settings, attempts)
        db.add(row)
        db.commit()
    if gave_up:
        result.failed += 1
        log.error("outbox: mail %s failed after %d attempt(s): %s", mail_id, attempts, error)
    else:
        result.retried += 1
        log.warning("outbox: mail %s not sent (attempt %d), next try at %s: %s", mail_id,
                    attempts, retry_at.isoformat(), error)


def _connect(settings: MailSettings, context: ssl.SSLContext | None) -> smtplib.SMTP:
    host, port, timeout = settings.relay_host, settings.relay_port, settings.relay_timeout
    # EHLO with our mail domain, not socket.getfqdn(): that can stall on reverse DNS.
    local = settings.domain or None
    if settings.relay_security == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            host, port, local_hostname=local, timeout=timeout,
            context=context or ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, local_hostname=local, timeout=timeout)
    try:
        smtp.ehlo()
        if settings.relay_security == "starttls":
            # No fallback to plain text: a relay without STARTTLS is a failed attempt.
            smtp.starttls(context=context or ssl.create_default_context())
            smtp.ehlo()
        if settings.relay_username:
            smtp.login(settings.relay_username, settings.relay_password)
    except BaseException:
        smtp.close()
        raise
    return smtp


def _send_one(smtp: smtplib.SMTP, envelope_from: str, to_addr: str, raw: bytes) -> None:
    """Hand one mail to the relay; _Refused when it answers with an error code for it."""
    try:
        refused = smtp.sendmail(envelope_from, [to_addr], raw)
    except smtplib.SMTPRecipientsRefused as exc:
        code, message = next(iter(exc.recipients.values()))
        raise _Refused(code, message.decode("utf-8", "replace")
                       if isinstance(message, bytes) else str(message)) from exc
    if refused:  # cannot happen with one recipient, but never count it as sent
        code, message = next(iter(refused.values()))
        raise _Refused(code, str(message))


def _connection_broken(exc: BaseException) -> bool:
    # SMTPException subclasses OSError; an SMTP error answer leaves the dialogue usable.
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    return isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)


def _is_permanent(exc: BaseException) -> bool:
    # A refused sender is our relay configuration, not this mail: it gets retries. Except
    # 552 to MAIL FROM ... SIZE=: this message is too big for the relay (RFC 1870).
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return exc.smtp_code == 552
    if isinstance(exc, _Refused):
        return 500 <= exc.code < 600
    if isinstance(exc, smtplib.SMTPDataError):
        return 500 <= exc.smtp_code < 600
    return False


def send_due(engine: Engine, *, now: datetime | None = None, limit: int = 100,
             ssl_context: ssl.SSLContext | None = None) -> SendResult:
    """Send the pending mail whose `next_attempt_at <= now` (at most `limit`).

    With no relay configured nothing is sent: mail waits in the outbox. `ssl_context`
    replaces `ssl.create_default_context()` for TLS to the relay (tests trust their own
    certificate with it)."""
    settings = get_settings().mail
    result = SendResult()
    if not settings.relay_host:
        return result
    now = now or utcnow()
    ids = _due_ids(engine, now, limit)
    if not ids:
        return result
    envelope_from = parseaddr(settings.from_address)[1]
    try:
        smtp = _connect(settings, ssl_context)
    # UnicodeError: smtplib sends the login as ASCII only.
    except (OSError, smtplib.SMTPException, UnicodeError) as exc:
        # Relay unreachable, TLS or login refused: every due mail had a (failed) attempt.
        error = f"relay {settings.relay_host}:{settings.relay_port}: {_text(exc)}"
        for mail_id in ids:
            _mark_failure(engine, settings, result, mail_id, now, error, permanent=False,
                          claimed=False)
        return result

    until = now + _lease(settings)
    try:
        for mail_id in ids:
            if smtp.sock is None:  # the relay hung up (e.g. 421): the rest stays due
                break
            claimed = _claim(engine, mail_id, now, until)
            if claimed is None:
                continue
            to_addr, raw = claimed
            try:
                _send_one(smtp, envelope_from, to_addr, raw)
            except (OSError, smtplib.SMTPException, _Refused) as exc:
                if _connection_broken(exc):
                    smtp.close()  # its state is unknown: no further use
                _mark_failure(engine, settings, result, mail_id, now, _text(exc),
                              permanent=_is_permanent(exc))
                continue
            _mark_sent(engine, mail_id, now)
            result.sent += 1
    finally:
        try:
            if smtp.sock is not None:
                smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    return result
