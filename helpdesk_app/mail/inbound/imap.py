"""The IMAP poller: fetch new mail from a channel's mailbox into `inbound_mail`.

For each message, oldest UID first, the order is: store the raw bytes (committed) ->
process (optional callback, the pipeline) -> move it out of the polled folder (to the
quarantine folder when processing quarantined it, else to the processed folder).
That order is what makes polling crash safe: a crash before the commit leaves the
message unread in the folder; a crash after it still leaves the message in the folder,
and the next poll finds the same source_key ("<channel>:<uidvalidity>:<uid>"), stores
nothing twice and only finishes the processing and the move. A message that fails
(fetch error, callback raising) stays in the folder and is retried next poll; it never
blocks the ones after it.
"""

from __future__ import annotations

import logging
import re
import ssl
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field

from imapclient import DELETED, IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from helpdesk_app.mail.inbound.store import store_raw
from helpdesk_app.models import InboundMail, InboundStatus, MailChannel
from helpdesk_app.models.base import utcnow

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 30.0
SECURITY = ("ssl", "starttls", "none")
_ERROR_MAX = 1000  # MailChannel.imap_last_error

# The connection is gone: nothing more can be done in this poll.
_LOST = (IMAPClientAbortError, OSError)


@dataclass
class PollResult:
    """What one poll of one channel did."""

    fetched: int = 0
    stored: int = 0  # new InboundMail rows
    duplicates: int = 0  # already stored (same source_key): not stored again
    moved: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)  # InboundStatus -> count
    error: str = ""  # connection/login error text ("" when fine)
    channel_id: int = 0
    failed: int = 0  # messages left in the folder after an error: retried next poll


@dataclass(frozen=True)
class _Mailbox:
    """What a poll needs from the channel row, read once: no row stays attached to a
    session while the callback (the pipeline, with its own sessions) runs."""

    channel_id: int
    host: str
    port: int
    security: str
    username: str
    password: str
    folder: str
    processed: str
    quarantine: str

    @classmethod
    def of(cls, c: MailChannel) -> _Mailbox:
        return cls(channel_id=c.id, host=c.imap_host.strip(), port=c.imap_port,
                   security=(c.imap_security or "").strip().lower(),
                   username=c.imap_username, password=c.imap_password,
                   folder=c.imap_folder.strip(), processed=c.imap_processed_folder.strip(),
                   quarantine=c.imap_quarantine_folder.strip())


class _PollError(Exception):
    """A server or configuration problem that ends this poll; its text is recorded."""


def _text(exc: BaseException) -> str:
    """A one-line error text. imaplib errors carry the server's bytes, which imapclient
    sometimes turns into "b'...'"; show the server's words only."""
    text = str(exc) or type(exc).__name__
    quoted = re.fullmatch(r"b(['\"])(.*)\1", text, re.S)
    if quoted:
        text = quoted.group(2)
    return " ".join(text.split())


def _same_folder(a: str, b: str) -> bool:
    return a == b or a.upper() == b.upper() == "INBOX"  # only INBOX is case-insensitive


def _check(box: _Mailbox) -> None:
    if not box.host:
        raise _PollError("no IMAP host configured")
    if box.security not in SECURITY:
        raise _PollError(f"unknown IMAP security {box.security!r}")
    if not (box.folder and box.processed and box.quarantine):
        raise _PollError("the IMAP folder names must not be empty")
    # Moving a message into the folder being polled gives it a new UID: it would be
    # fetched and stored again on every poll.
    if _same_folder(box.folder, box.processed) or _same_folder(box.folder, box.quarantine):
        raise _PollError("the processed and quarantine folders must differ from the "
                         "polled folder")


def _connect(box: _Mailbox, ssl_context: ssl.SSLContext | None) -> IMAPClient:
    """Connect (and log in). Without `ssl_context` TLS verifies against the system CAs."""
    where = f"{box.host}:{box.port}"
    try:
        client = IMAPClient(box.host, box.port, ssl=box.security == "ssl",
                            ssl_context=ssl_context, timeout=TIMEOUT_SECONDS)
    except (OSError, IMAPClientError) as exc:
        raise _PollError(f"cannot connect to {where}: {_text(exc)}") from exc
    try:
        if box.security == "starttls":
            try:
                client.starttls(ssl_context)
            except (OSError, IMAPClientError) as exc:
                raise _PollError(f"STARTTLS with {where} failed: {_text(exc)}") from exc
        try:
            client.login(box.username, box.password)
        except LoginError as exc:
            raise _PollError(f"login to {where} failed: {_text(exc)}") from exc
        except (OSError, IMAPClientError) as exc:
            raise _PollError(f"connection to {where} lost: {_text(exc)}") from exc
    except BaseException:
        _close(client)
        raise
    return client


def _close(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # the connection is already broken: just drop the socket
        with suppress(Exception):
            client.shutdown()


def _open_folders(client: IMAPClient, box: _Mailbox) -> int:
    """Create the target folders if missing, select the polled one; its UIDVALIDITY."""
    for name in (box.processed, box.quarantine):
        try:
            if not client.folder_exists(name):
                client.create_folder(name)
        except _LOST:
            raise
        except IMAPClientError as exc:
            raise _PollError(f"cannot create folder {name!r}: {_text(exc)}") from exc
    try:
        info = client.select_folder(box.folder)
    except _LOST:
        raise
    except IMAPClientError as exc:
        raise _PollError(f"cannot open folder {box.folder!r}: {_text(exc)}") from exc
    uidvalidity = info.get(b"UIDVALIDITY")
    if uidvalidity is None:
        raise _PollError(f"the server sent no UIDVALIDITY for {box.folder!r}")
    return int(uidvalidity)


def _move(client: IMAPClient, uid: int, folder: str) -> None:
    if client.has_capability("MOVE"):
        client.move([uid], folder)
        return
    client.copy([uid], folder)
    client.add_flags([uid], [DELETED])
    if client.has_capability("UIDPLUS"):
        client.uid_expunge([uid])
    else:
        # Without UIDPLUS EXPUNGE takes every \Deleted message of the folder; the
        # mailbox belongs to the helpdesk, and deleted messages are never polled.
        client.expunge()


def _existing(db: Session, source_key: str) -> tuple[int, str] | None:
    row = db.exec(select(InboundMail.id, InboundMail.status)
                  .where(InboundMail.source_key == source_key)).first()
    db.commit()  # end the read: the callback writes from its own session
    return (row[0], row[1]) if row else None


def _poll_one(client: IMAPClient, db: Session, box: _Mailbox, uidvalidity: int, uid: int,
              process: Callable[[int], str] | None, result: PollResult) -> None:
    """Store, process and move one message. Connection loss propagates (_LOST); any
    other failure is logged and leaves the message in the folder."""
    where = f"IMAP channel {box.channel_id} {box.folder!r} UID {uid}"
    try:
        fetched = client.fetch([uid], ["BODY.PEEK[]"])
    except _LOST:
        raise
    except IMAPClientError as exc:
        log.warning("%s: fetch failed: %s", where, _text(exc))
        result.failed += 1
        return
    raw = fetched.get(uid, {}).get(b"BODY[]")
    if raw is None:  # expunged by another client since the SEARCH
        log.info("%s: gone before it could be fetched", where)
        return
    result.fetched += 1

    source_key = f"{box.channel_id}:{uidvalidity}:{uid}"
    try:
        mail_id = store_raw(db, bytes(raw), source="imap", channel_id=box.channel_id,
                            source_key=source_key)
        existing = None if mail_id is not None else _existing(db, source_key)
    except Exception:
        db.rollback()
        log.exception("%s: storing failed", where)
        result.failed += 1
        return
    if mail_id is not None:
        result.stored += 1
        status = InboundStatus.RECEIVED
    elif existing is not None:
        # Stored by an earlier poll that did not get to the move (a crash, or the
        # callback failed): do not process it again unless it is still waiting.
        result.duplicates += 1
        mail_id, status = existing
    else:  # pragma: no cover - store_raw said duplicate but the row vanished
        log.error("%s: duplicate %s not found", where, source_key)
        result.failed += 1
        return

    if process is not None and status == InboundStatus.RECEIVED:
        try:
            status = process(mail_id)
        except Exception:
            log.exception("%s: processing inbound mail %s failed; left in the folder",
                          where, mail_id)
            result.failed += 1
            return

    target = box.quarantine if status == InboundStatus.QUARANTINED else box.processed
    try:
        _move(client, uid, target)
    except _LOST:
        raise
    except IMAPClientError as exc:
        log.warning("%s: moving to %r failed: %s", where, target, _text(exc))
        result.failed += 1
        return
    result.moved += 1
    result.outcomes[status] = result.outcomes.get(status, 0) + 1


def _record(db: Session, channel_id: int, error: str) -> None:
    """When the channel was polled and how it went (shown to admins)."""
    try:
        db.execute(update(MailChannel).where(MailChannel.id == channel_id)
                   .values(imap_polled_at=utcnow(), imap_last_error=error[:_ERROR_MAX]))
        db.commit()
    except SQLAlchemyError:
        db.rollback()
        log.exception("IMAP channel %s: recording the poll failed", channel_id)


def poll_channel(engine: Engine, channel_id: int, *,
                 process: Callable[[int], str] | None = None,
                 batch: int = 50, ssl_context: ssl.SSLContext | None = None) -> PollResult:
    """Poll one channel's mailbox: up to `batch` messages, oldest UID first.

    Each message is stored raw (committed), then given to `process(mail_id)` (which
    returns its InboundStatus), then moved to the quarantine folder when that status is
    "quarantined", else to the processed folder; without `process` it is moved right
    after storing. See the module docstring for why that order is crash safe.

    Never raises for a server problem (unreachable, TLS, login, missing folder,
    connection lost): the result's `error` says what happened, and the channel row
    records `imap_polled_at` and `imap_last_error` ("" after a clean poll).
    The channel is polled even when inactive: choosing channels is the caller's job."""
    result = PollResult(channel_id=channel_id)
    with Session(engine, expire_on_commit=False) as db:
        channel = db.get(MailChannel, channel_id)
        if channel is None:
            result.error = f"mail channel {channel_id} not found"
            return result
        box = _Mailbox.of(channel)
        db.commit()  # end the read transaction before talking to the server
        client: IMAPClient | None = None
        try:
            _check(box)
            client = _connect(box, ssl_context)
            uidvalidity = _open_folders(client, box)
            uids = sorted(client.search(["UNDELETED"]))[:max(batch, 0)]
            for uid in uids:
                _poll_one(client, db, box, uidvalidity, uid, process, result)
        except _PollError as exc:
            result.error = str(exc)
        except _LOST as exc:
            result.error = f"connection to {box.host}:{box.port} lost: {_text(exc)}"
        except IMAPClientError as exc:  # an unexpected NO/BAD outside one message
            result.error = f"IMAP error: {_text(exc)}"
        finally:
            if client is not None:
                _close(client)
        if result.error:
            log.warning("IMAP channel %s: %s", channel_id, result.error)
        elif result.fetched:
            log.info("IMAP channel %s: fetched %s, stored %s, moved %s, failed %s",
                     channel_id, result.fetched, result.stored, result.moved, result.failed)
        _record(db, channel_id, result.error)
    return result


def poll_all(engine: Engine, *,
             process: Callable[[int], str] | None = None) -> list[PollResult]:
    """Poll every active channel that has an IMAP host, one after the other."""
    with Session(engine) as db:
        ids = db.exec(select(MailChannel.id)
                      .where(MailChannel.is_active.is_(True), MailChannel.imap_host != "")
                      .order_by(MailChannel.id)).all()
    results = []
    for channel_id in ids:
        try:
            results.append(poll_channel(engine, channel_id, process=process))
        except Exception as exc:  # e.g. the database went away: the others still get a turn
            log.exception("IMAP channel %s: poll failed", channel_id)
            results.append(PollResult(channel_id=channel_id, error=_text(exc)[:_ERROR_MAX]))
    return results
