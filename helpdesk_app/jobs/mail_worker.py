"""The mail service of one app process: the SMTP listener, the inbound pipeline thread,
and the outbox sender and IMAP poller on an APScheduler background thread.

- The SMTP listener runs in a child process by default (mail/inbound/listener_process.py)
  so that accepting mail and turning it into tickets use two cores; with
  POMOCNIK_SMTP_LISTEN_PROCESS=off it runs on a thread of this process.

- Inbound processing runs on a thread of its own that the SMTP listener wakes after every
  stored message (and that looks every POMOCNIK_MAIL_WORKER_SECONDS anyway, to catch up
  after a restart). It needs no leader: the claim in mail/inbound/context.py makes every
  message land once even when two processes work on it.
- Sending and IMAP polling talk to other servers, so only one process per deployment
  does them: each tick takes or renews a database lease (jobs/lock.py), as the SLA
  scheduler does.
- Only one process can bind the SMTP port; the others log that and go on without it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine

from helpdesk_app.config import MailSettings, get_settings
from helpdesk_app.db import get_engine, session_scope
from helpdesk_app.jobs import lock
from helpdesk_app.mail.inbound import imap, pipeline
from helpdesk_app.mail.inbound.listener_process import ListenerProcess
from helpdesk_app.mail.inbound.smtp import SmtpListener
from helpdesk_app.mail.outbound import sender
from helpdesk_app.models.base import utcnow

log = logging.getLogger(__name__)

MAIL_LOCK = "mail_worker"


class MailService:
    def __init__(self, *, engine: Engine | None = None, settings: MailSettings | None = None,
                 listen: bool = True, owner: str | None = None) -> None:
        self.engine = engine or get_engine()
        self.settings = settings or get_settings().mail
        self.listen = listen and self.settings.listen_port > 0
        self.owner = owner or lock.make_owner()
        interval = max(self.settings.worker_seconds, 1.0)
        self.ttl = max(timedelta(seconds=3 * max(interval, self.settings.imap_poll_seconds)),
                       timedelta(seconds=30))
        self.listener: SmtpListener | ListenerProcess | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._inbound: threading.Thread | None = None
        self._scheduler: BackgroundScheduler | None = None

    # -- inbound

    def wake(self, _mail_id: int | None = None) -> None:
        """A message was stored: process it now rather than at the next tick."""
        self._wake.set()

    def _inbound_loop(self) -> None:
        while not self._stop.is_set():
            # cleared before the batch: a message stored meanwhile sets it again
            self._wake.wait(timeout=max(self.settings.worker_seconds, 0.5))
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                pipeline.process_pending(self.engine)
            except Exception:  # logged; the next round retries (nothing half-committed)
                log.exception("mail: inbound processing round failed")

    # -- leader-only jobs

    def _leader(self) -> bool:
        with session_scope(self.engine) as db:
            return lock.acquire(db, MAIL_LOCK, self.owner, utcnow(), self.ttl)

    def send_outbox(self) -> sender.SendResult | None:
        try:
            if not self._leader():
                return None
            return sender.send_due(self.engine)
        except Exception:
            log.exception("mail: sending the outbox failed")
            return None

    def poll_imap(self) -> list[imap.PollResult] | None:
        try:
            if not self._leader():
                return None
            return imap.poll_all(self.engine,
                                 process=lambda mail_id: pipeline.process(self.engine, mail_id))
        except Exception:
            log.exception("mail: IMAP polling failed")
            return None

    # -- life cycle

    def start(self) -> MailService:
        if self.listen:
            try:
                if self.settings.listen_process:
                    url = self.engine.url.render_as_string(hide_password=False)
                    self.listener = ListenerProcess(url, self.settings,
                                                    on_stored=self.wake).start()
                else:
                    self.listener = SmtpListener(self.engine, self.settings,
                                                 on_stored=self.wake).start()
            except Exception as exc:  # port taken (another worker has it) or not allowed
                log.warning("mail: SMTP listener not started on %s:%s: %s",
                            self.settings.listen_host, self.settings.listen_port, exc)
                self.listener = None
        if self.settings.worker_seconds > 0:
            self._inbound = threading.Thread(target=self._inbound_loop, name="mail-inbound",
                                             daemon=True)
            self._inbound.start()
            self._wake.set()  # catch up with whatever a previous run left
            scheduler = BackgroundScheduler(
                timezone=UTC,
                job_defaults={"coalesce": True, "max_instances": 1,
                              "misfire_grace_time": None})
            scheduler.add_job(self.send_outbox, "interval",
                              seconds=self.settings.worker_seconds, id="mail_outbox",
                              next_run_time=datetime.now(UTC))
            if self.settings.imap_poll_seconds > 0:
                scheduler.add_job(self.poll_imap, "interval",
                                  seconds=self.settings.imap_poll_seconds, id="mail_imap",
                                  next_run_time=datetime.now(UTC))
            scheduler.start()
            self._scheduler = scheduler
        return self

    def shutdown(self) -> None:
        if self.listener is not None:
            self.listener.stop()
            self.listener = None
        self._stop.set()
        self._wake.set()
        if self._inbound is not None:
            self._inbound.join(timeout=30)
            self._inbound = None
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=True)
        self._scheduler = None
        try:
            with session_scope(self.engine) as db:
                lock.release(db, MAIL_LOCK, self.owner)
        except Exception:
            log.exception("mail: could not release the leader lock")


@contextlib.asynccontextmanager
async def run_mail(app: Any = None) -> AsyncIterator[MailService | None]:
    """Reflex lifespan task: the mail service lives as long as the worker process."""
    settings = get_settings().mail
    if settings.worker_seconds <= 0 and settings.listen_port <= 0:
        log.info("mail: disabled (no listener, no worker)")
        yield None
        return
    service = await asyncio.to_thread(MailService(settings=settings).start)
    try:
        yield service
    finally:
        await asyncio.to_thread(service.shutdown)
