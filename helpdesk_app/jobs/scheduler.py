"""The in-app scheduler: APScheduler 3 running the SLA sweep every N seconds, and the
substitution sweep (issue 13, `SubstitutionScheduler`, its own interval and lock).

Why `BackgroundScheduler` (a thread) and not `AsyncIOScheduler`: the sweep is blocking
SQLAlchemy work that can take a second or more on a catch-up. On the event loop it would
freeze every browser connection of the worker (AsyncIOScheduler hands plain functions to
the loop's default thread pool anyway, so we would gain nothing but a dependency on the
loop). A thread of our own keeps the loop free, works the same in tests and in a
stand-alone process, and change events reach pages through the thread-safe bus
(live/bus.py uses `call_soon_threadsafe`). The Reflex lifespan task `run_scheduler` only
starts it and shuts it down.

Every worker process runs one (lifespan tasks run per worker), but each tick first takes
or renews the database leader lock (jobs/lock.py): only the holder sweeps, so the sweep
runs once per deployment. The lease lasts `max(3 × interval, 30 s)` and is renewed on every
tick and between sweep batches; a dead leader is replaced after the lease runs out; a
stopped one releases it.

Missed runs need no replay: APScheduler coalesces them into one, and the sweep handles
everything whose `sla_next_check_at <= now`, however old. The first tick runs at start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine

from helpdesk_app.config import get_settings
from helpdesk_app.db import get_engine, session_scope
from helpdesk_app.jobs import lock, sla_sweep, substitution_sweep, timer_sweep
from helpdesk_app.models.base import utcnow

log = logging.getLogger(__name__)
S = TypeVar("S", bound="SlaScheduler")

DEFAULT_INTERVAL_SECONDS = 60
MIN_TTL = timedelta(seconds=30)


def interval_from_env() -> float:
    """POMOCNIK_SLA_SWEEP_SECONDS (default 60; 0 or less disables the scheduler)."""
    return get_settings().sla_sweep_seconds


class SlaScheduler:
    """Leader-locked SLA sweeps on an APScheduler background thread."""

    job_id, job_name = "sla_sweep", "SLA sweep"

    def __init__(self, interval_seconds: float, *, engine: Engine | None = None,
                 owner: str | None = None, ttl: timedelta | None = None,
                 lock_name: str = lock.SLA_LOCK) -> None:
        if interval_seconds <= 0:
            raise ValueError("interval_seconds must be positive")
        self.interval = float(interval_seconds)
        self.engine = engine
        self.owner = owner or lock.make_owner()
        self.ttl = ttl or max(timedelta(seconds=3 * self.interval), MIN_TTL)
        self.lock_name = lock_name
        self.last_result: sla_sweep.SweepResult | None = None
        self.ticks = 0
        self._ticked = threading.Event()
        self._scheduler: BackgroundScheduler | None = None

    # -- one tick (also callable directly, e.g. from tests or a CLI)

    def _hold_lock(self, now: datetime) -> bool:
        with session_scope(self.engine or get_engine()) as db:
            return lock.acquire(db, self.lock_name, self.owner, now, self.ttl)

    def tick(self, now: datetime | None = None) -> sla_sweep.SweepResult | None:
        """Take/renew the leader lock, then sweep. None when another process leads."""
        now = now or utcnow()
        try:
            if not self._hold_lock(now):
                log.debug("SLA sweep: not the leader (%s)", self.owner)
                return None
            with session_scope(self.engine or get_engine()) as db:
                result = sla_sweep.run(db, now, keep_going=lambda: self._hold_lock(utcnow()))
            self.last_result = result
            if result.warnings or result.breaches or result.failed:
                log.info("SLA sweep: %s", result)
            return result
        except Exception:
            # Logged, not raised: the next tick retries (nothing was half-committed).
            log.exception("SLA sweep failed")
            return None
        finally:
            self.ticks += 1
            self._ticked.set()

    # -- the background thread

    def start(self) -> SlaScheduler:
        scheduler = BackgroundScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        scheduler.add_job(self.tick, "interval", seconds=self.interval, id=self.job_id,
                          name=self.job_name, next_run_time=datetime.now(UTC),
                          replace_existing=True)
        scheduler.start()
        self._scheduler = scheduler
        log.info("%s started: every %s s, owner %s", self.job_name, self.interval, self.owner)
        return self

    @property
    def running(self) -> bool:
        return self._scheduler is not None and self._scheduler.running

    def wait_for_tick(self, timeout: float) -> bool:
        """Block until a tick has finished (for tests and diagnostics)."""
        return self._ticked.wait(timeout)

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop ticking (waiting for a running sweep) and release the leader lock."""
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=wait)
        self._scheduler = None
        try:
            with session_scope(self.engine or get_engine()) as db:
                lock.release(db, self.lock_name, self.owner)
        except Exception:
            log.exception("SLA scheduler: could not release the leader lock")


def start_scheduler(interval_seconds: float | None = None, *,
                    engine: Engine | None = None) -> SlaScheduler:
    """Start the SLA scheduler thread (interval default: POMOCNIK_SLA_SWEEP_SECONDS)."""
    interval = interval_from_env() if interval_seconds is None else interval_seconds
    return SlaScheduler(interval, engine=engine).start()


@contextlib.asynccontextmanager
async def run_scheduler(app: Any = None) -> AsyncIterator[SlaScheduler | None]:
    """Reflex lifespan task: `app.register_lifespan_task(run_scheduler)`.
    Starts the scheduler with the worker and stops it (releasing the lock) on shutdown."""
    interval = interval_from_env()
    if interval <= 0:
        log.info("SLA scheduler disabled (POMOCNIK_SLA_SWEEP_SECONDS=%s)", interval)
        yield None
        return
    scheduler = await asyncio.to_thread(start_scheduler, interval)
    try:
        yield scheduler
    finally:
        await asyncio.to_thread(scheduler.shutdown)


# --------------------------------------------------------------------------- substitutions


class SubstitutionScheduler(SlaScheduler):
    """Leader-locked substitution passes (jobs/substitution_sweep.py), then the forgotten
    work timers (jobs/timer_sweep.py): the same thread,
    lease and shutdown as the SLA sweep, under a lock of its own so either can be turned
    off alone. Exactly once does not rest on the lock: each start/end is a conditional
    UPDATE (domain/substitution_schedule.py), so even two leaders could not both do it."""

    job_id, job_name = "substitution_sweep", "Substitution sweep"

    def __init__(self, interval_seconds: float, *, engine: Engine | None = None,
                 owner: str | None = None, ttl: timedelta | None = None,
                 lock_name: str = lock.SUBSTITUTION_LOCK) -> None:
        super().__init__(interval_seconds, engine=engine, owner=owner, ttl=ttl,
                         lock_name=lock_name)

    def tick(self, now: datetime | None = None
             ) -> substitution_sweep.PassResult | None:  # type: ignore[override]
        """Take/renew the leader lock, then start and end what is due. None when another
        process leads (or the pass failed: logged, retried next tick)."""
        now = now or utcnow()
        try:
            if not self._hold_lock(now):
                return None
            with session_scope(self.engine or get_engine()) as db:
                result = substitution_sweep.run(db, now)
            self.last_result = result  # type: ignore[assignment]
            if result.started or result.ended:
                log.info("Substitution sweep: started %s, ended %s", result.started,
                         result.ended)
            # people's time, same lock and tick: forgotten work timers are capped too
            with session_scope(self.engine or get_engine()) as db:
                capped = timer_sweep.run(db, now)
            if capped:
                log.info("Timer sweep: capped %s forgotten timer(s)", capped)
            return result
        except Exception:
            log.exception("Substitution sweep failed")
            return None
        finally:
            self.ticks += 1
            self._ticked.set()


def substitution_interval_from_env() -> float:
    """POMOCNIK_SUBSTITUTION_SWEEP_SECONDS (default 30; 0 or less disables it)."""
    return get_settings().substitution_sweep_seconds


def _start_substitutions() -> SubstitutionScheduler | None:
    interval = substitution_interval_from_env()
    if interval <= 0:
        log.info("Substitution scheduler disabled (POMOCNIK_SUBSTITUTION_SWEEP_SECONDS=%s)",
                 interval)
        return None
    return SubstitutionScheduler(interval).start()


@contextlib.asynccontextmanager
async def run_substitution_scheduler(app: Any = None
                                     ) -> AsyncIterator[SubstitutionScheduler | None]:
    """Reflex lifespan task: the substitution sweep lives as long as the worker process."""
    async with run_job_scheduler(_start_substitutions) as scheduler:
        yield scheduler


@contextlib.asynccontextmanager
async def run_job_scheduler(start: Callable[[], S | None]) -> AsyncIterator[S | None]:
    """A lifespan task's body: `start()` (off the event loop; None when the job is turned
    off) at worker start, and the scheduler's shutdown (releasing its lock) at the end."""
    scheduler = await asyncio.to_thread(start)
    try:
        yield scheduler
    finally:
        if scheduler is not None:
            await asyncio.to_thread(scheduler.shutdown)
