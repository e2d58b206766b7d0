"""The built-in SMTP listener (aiosmtpd), started with the app.

It accepts mail for our channel addresses (any address while no channel is configured:
the embedded default), stores every message raw and committed *before* answering
"250 OK", then wakes the pipeline. When the store fails (database down, disk full) it
answers 451, so the sending server keeps the message and tries again later: a message is
either ours, durably, or still the sender's - never lost in between.

aiosmtpd runs its own event loop on its own thread (`Controller`), so slow mail clients
never touch the app's loop; the database work runs in a thread pool of that loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy.engine import Engine
from sqlmodel import Session as DbSession
from sqlmodel import select

from helpdesk_app.config import MailSettings
from helpdesk_app.mail.inbound import store
from helpdesk_app.models import MailChannel, MailSource

log = logging.getLogger(__name__)

MAX_RECIPIENTS = 100
# How long the listener trusts its copy of the channel addresses for a known address
# (a deactivated channel may still take mail for this long).
CHANNEL_TTL = 5.0


class InboundHandler:
    """aiosmtpd handler: RCPT checks the address, DATA stores the message."""

    def __init__(self, engine: Engine, *, on_stored: Callable[[int], None] | None = None,
                 max_bytes: int) -> None:
        self.engine = engine
        self.on_stored = on_stored
        self.max_bytes = max_bytes
        self._channels: dict[str, int] = {}
        self._channels_at = float("-inf")

    def _load_channels(self) -> dict[str, int]:
        with DbSession(self.engine) as db:
            rows = db.exec(select(MailChannel.address, MailChannel.id)
                           .where(MailChannel.is_active.is_(True))).all()
        self._channels = {address.lower(): channel_id for address, channel_id in rows}
        self._channels_at = time.monotonic()
        return self._channels

    def _channel_id(self, address: str) -> int | None:
        """The active channel for an address. A hit is served from a copy at most
        CHANNEL_TTL old (no query per message); a miss always asks the database, so a
        channel an admin just added takes mail at once."""
        address = address.lower()
        channels = self._channels
        if address not in channels or time.monotonic() - self._channels_at > CHANNEL_TTL:
            channels = self._load_channels()
        return channels.get(address)

    def _known(self, address: str) -> bool:
        # no channel configured at all: the embedded default takes any address
        return self._channel_id(address) is not None or not self._channels

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        try:
            known = await asyncio.to_thread(self._known, address)
        except Exception:
            log.exception("SMTP: recipient check failed")
            return "451 4.3.0 Temporary failure, try again later"
        if not known:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def _store(self, envelope: Envelope) -> int | None:
        raw = envelope.original_content or b""
        # the recipients were checked a moment ago: their channel comes from that copy
        channel_id = next((self._channels[r.lower()] for r in envelope.rcpt_tos
                           if r.lower() in self._channels), None)
        with DbSession(self.engine) as db:
            return store.store_raw(db, raw, source=MailSource.SMTP,
                                   mail_from=envelope.mail_from or "",
                                   rcpt_to=list(envelope.rcpt_tos), channel_id=channel_id)

    async def handle_DATA(self, server: SMTP, session: Session,
                          envelope: Envelope) -> str:
        try:
            mail_id = await asyncio.to_thread(self._store, envelope)
        except Exception:
            log.exception("SMTP: could not store a message; the sender will retry")
            return "451 4.3.0 Temporary failure, try again later"
        if mail_id is not None and self.on_stored is not None:
            try:
                self.on_stored(mail_id)
            except Exception:  # the catch-up job picks it up anyway
                log.exception("SMTP: could not wake the mail pipeline")
        return f"250 2.0.0 OK queued as {mail_id}"


def transport_limit(settings: MailSettings) -> int:
    """What the listener takes at all. Above the parse limit on purpose: a message a bit
    over the limit is stored and quarantined where an admin sees it, not refused
    unseen; only absurd sizes are refused at the door (552)."""
    return max(2 * settings.max_message_bytes, settings.max_message_bytes + 10 * 1024 * 1024)


class SmtpListener:
    """Start/stop the listener thread."""

    def __init__(self, engine: Engine, settings: MailSettings, *,
                 on_stored: Callable[[int], None] | None = None,
                 port: int | None = None) -> None:
        self.settings = settings
        self.handler = InboundHandler(engine, on_stored=on_stored,
                                      max_bytes=settings.max_message_bytes)
        self.controller = Controller(
            self.handler, hostname=settings.listen_host,
            port=settings.listen_port if port is None else port,
            data_size_limit=transport_limit(settings), ident="Pomocnik ESMTP",
            timeout=120,
        )

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def start(self) -> SmtpListener:
        self.controller.start()
        log.info("SMTP listener on %s:%s", self.settings.listen_host, self.port)
        return self

    def stop(self) -> None:
        try:
            self.controller.stop()
        except Exception:  # stopping twice, or it never started
            log.debug("SMTP listener stop", exc_info=True)
