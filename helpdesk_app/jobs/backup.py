"""Scheduled backups (issue 16): POMOCNIK_BACKUP_DIR turns them on.

Every tick (10 minutes) the leader (database lock `backup_scheduler`, like the SLA
sweep's) makes a backup when the newest complete one in the folder is older than
POMOCNIK_BACKUP_EVERY_HOURS, then keeps the POMOCNIK_BACKUP_KEEP newest. Deciding by the
folder's contents and not by a timer means a restart, a second worker or a new leader
neither skips nor doubles a backup.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from helpdesk_app.backup import make_backup, rotation
from helpdesk_app.backup.create import BackupResult
from helpdesk_app.config import get_settings
from helpdesk_app.jobs import lock
from helpdesk_app.jobs.scheduler import SlaScheduler, run_job_scheduler
from helpdesk_app.models.base import utcnow

log = logging.getLogger(__name__)
TICK_SECONDS = 600.0


class BackupScheduler(SlaScheduler):
    job_id, job_name = "scheduled_backup", "Scheduled backup"

    def __init__(self, folder: Path, every_hours: float, keep: int, *,
                 interval_seconds: float = TICK_SECONDS, engine: Engine | None = None,
                 owner: str | None = None, ttl: timedelta | None = None) -> None:
        # the lease outlives the longest backup we expect (a million tickets: about a minute)
        super().__init__(interval_seconds, engine=engine, owner=owner,
                         ttl=ttl or timedelta(hours=1), lock_name=lock.BACKUP_LOCK)
        self.folder, self.every_hours, self.keep = folder, every_hours, keep

    def tick(self, now: datetime | None = None) -> BackupResult | None:  # type: ignore[override]
        """Back up if due (and this process leads); None when nothing was made."""
        now = now or utcnow()
        try:
            if not self._hold_lock(now):
                return None
            if not rotation.due(self.folder, now, self.every_hours):
                return None
            result = make_backup(self.folder / rotation.name_for(now))
            removed = rotation.prune(self.folder, self.keep)
            log.info("Scheduled backup %s made in %.1f s (%s problem(s)); %s old one(s) "
                     "removed", result.folder, result.seconds, len(result.manifest.problems),
                     len(removed))
            for problem in result.manifest.problems:
                log.warning("Scheduled backup: %s", problem)
            self.last_result = result  # type: ignore[assignment]
            return result
        except Exception:
            log.exception("Scheduled backup failed")  # the next tick tries again
            return None
        finally:
            self.ticks += 1
            self._ticked.set()


def _start() -> BackupScheduler | None:
    s = get_settings()
    if not s.backup_dir:
        log.info("Scheduled backups off (POMOCNIK_BACKUP_DIR not set)")
        return None
    return BackupScheduler(s.backup_dir, s.backup_every_hours, s.backup_keep).start()


@contextlib.asynccontextmanager
async def run_backup_scheduler(app: Any = None) -> AsyncIterator[BackupScheduler | None]:
    """Reflex lifespan task: scheduled backups live as long as the worker process."""
    async with run_job_scheduler(_start) as scheduler:
        yield scheduler
