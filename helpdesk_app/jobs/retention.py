"""The retention rules' scheduler (issue 16): every 6 hours the leader (lock
`retention`) applies domain/retention.py as of now. Off unless a rule is set
(POMOCNIK_RETENTION_TICKET_YEARS, POMOCNIK_RETENTION_RAW_MAIL_DAYS)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from helpdesk_app.config import get_settings
from helpdesk_app.db import get_engine, session_scope
from helpdesk_app.domain import retention
from helpdesk_app.jobs import lock
from helpdesk_app.jobs.scheduler import SlaScheduler, run_job_scheduler
from helpdesk_app.models.base import utcnow

log = logging.getLogger(__name__)
TICK_SECONDS = 6 * 3600.0


class RetentionScheduler(SlaScheduler):
    job_id, job_name = "retention", "Retention rules"

    def __init__(self, interval_seconds: float = TICK_SECONDS, *,
                 engine: Engine | None = None, owner: str | None = None,
                 ttl: timedelta | None = None) -> None:
        super().__init__(interval_seconds, engine=engine, owner=owner, ttl=ttl,
                         lock_name=lock.RETENTION_LOCK)

    def tick(self, now: datetime | None = None  # type: ignore[override]
             ) -> retention.RetentionReport | None:
        now = now or utcnow()
        try:
            if not self._hold_lock(now):
                return None
            with session_scope(self.engine or get_engine()) as db:
                report = retention.run(db, now)
            if report.tickets_anonymised or report.mails_purged:
                log.info("Retention: %s", report.as_dict())
            self.last_result = report  # type: ignore[assignment]
            return report
        except Exception:
            log.exception("Retention rules failed")  # the next tick goes on from there
            return None
        finally:
            self.ticks += 1
            self._ticked.set()


def _start() -> RetentionScheduler | None:
    s = get_settings()
    if s.retention_ticket_years <= 0 and s.retention_raw_mail_days <= 0:
        log.info("Retention rules off (no POMOCNIK_RETENTION_* set)")
        return None
    return RetentionScheduler().start()


@contextlib.asynccontextmanager
async def run_retention_scheduler(app: Any = None) -> AsyncIterator[RetentionScheduler | None]:
    """Reflex lifespan task: the retention rules live as long as the worker process."""
    async with run_job_scheduler(_start) as scheduler:
        yield scheduler
