"""The periodic directory sync (issue 16): every POMOCNIK_LDAP_SYNC_MINUTES (default 60;
0 turns it off) the leader (database lock `ldap_sync`) runs domain/ldap_sync.run for
every active directory. A directory that cannot be reached is logged and skipped (its
accounts stay as they are); the next tick tries again."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from helpdesk_app.config import get_settings
from helpdesk_app.db import get_engine, session_scope
from helpdesk_app.domain import ldap_accounts, ldap_sync
from helpdesk_app.domain.errors import DomainError
from helpdesk_app.jobs import lock
from helpdesk_app.jobs.scheduler import SlaScheduler, run_job_scheduler
from helpdesk_app.models import LdapDirectory
from helpdesk_app.models.base import utcnow

log = logging.getLogger(__name__)


class LdapSyncScheduler(SlaScheduler):
    job_id, job_name = "ldap_sync", "Directory sync"

    def __init__(self, interval_seconds: float, *, engine: Engine | None = None,
                 owner: str | None = None, ttl: timedelta | None = None) -> None:
        super().__init__(interval_seconds, engine=engine, owner=owner, ttl=ttl,
                         lock_name=lock.LDAP_SYNC_LOCK)

    def tick(self, now: datetime | None = None  # type: ignore[override]
             ) -> list[ldap_sync.SyncReport] | None:
        """Sync every active directory if this process leads; their reports."""
        now = now or utcnow()
        try:
            if not self._hold_lock(now):
                return None
            reports = []
            with session_scope(self.engine or get_engine()) as db:
                ids = [d.id for d in ldap_accounts.active_directories(db)]
            for directory_id in ids:
                with session_scope(self.engine or get_engine()) as db:
                    d = db.get(LdapDirectory, directory_id)
                    try:
                        report = ldap_sync.run(db, d)
                    except DomainError as e:
                        log.warning("Directory sync of %s: %s %s", d.name, e.key, e.params)
                        continue
                reports.append(report)
                log.info("Directory sync of %s: %s", report.directory, report.counts())
            self.last_result = reports  # type: ignore[assignment]
            return reports
        except Exception:
            log.exception("Directory sync failed")
            return None
        finally:
            self.ticks += 1
            self._ticked.set()


def _start() -> LdapSyncScheduler | None:
    minutes = get_settings().ldap_sync_minutes
    if minutes <= 0:
        log.info("Directory sync off (POMOCNIK_LDAP_SYNC_MINUTES=%s)", minutes)
        return None
    return LdapSyncScheduler(minutes * 60).start()


@contextlib.asynccontextmanager
async def run_ldap_sync_scheduler(app: Any = None) -> AsyncIterator[LdapSyncScheduler | None]:
    """Reflex lifespan task: the directory sync lives as long as the worker process."""
    async with run_job_scheduler(_start) as scheduler:
        yield scheduler
