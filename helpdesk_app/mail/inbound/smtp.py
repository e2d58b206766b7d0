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


class InboundHandler:
    """aiosmtpd handler: RCPT checks the address, DATA stores the message."""

    def __init__(self, engine: Engine, *, on_stored: Callable[[int], None] | None = None,
                 max_bytes: int) -> None:
        self.engine = engine
        self.on_stored = on_stored
        self.max_bytes = max_bytes

    def _known(self, address: str) -> bool:
        with DbSession(self.engine) as db:
            channels = db.exec(select(MailChannel.address)
                               .where(MailChannel.is_active.is_(True))).all()
        return not channels or address.lower() in {c.lower() for c in channels}

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
        with DbSession(self.engine) as db:
            return store.store_raw(db, raw, source=MailSource.SMTP,
                                   mail_from=envelope.mail_from or "",
                                   rcpt_to=list(envelope.rcpt_tos))

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
