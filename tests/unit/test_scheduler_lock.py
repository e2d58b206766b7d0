"""The scheduler's leader lock (jobs/lock.py) and the scheduler around it
(jobs/scheduler.py), on SQLite and PostgreSQL (`engine` fixture: a migrated database)."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from helpdesk_app.config import get_settings
from helpdesk_app.db import get_engine
from helpdesk_app.jobs import lock, scheduler
from helpdesk_app.jobs.scheduler import SlaScheduler, interval_from_env, run_scheduler
from helpdesk_app.models import SchedulerLock

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
TTL = timedelta(seconds=90)


def s(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


@pytest.fixture
def sessions(engine: Engine):
    """Two workers, each with its own connection."""
    a, b = Session(engine, expire_on_commit=False), Session(engine, expire_on_commit=False)
    yield a, b
    a.close()
    b.close()


def expiry(db: Session, name: str = "job") -> datetime:
    return db.get(SchedulerLock, name, populate_existing=True).expires_at


def test_second_owner_waits_until_expiry(sessions) -> None:
    a, b = sessions
    assert lock.acquire(a, "job", "A", NOW, TTL)
    assert lock.holder(b, "job", s(1)) == "A"
    assert not lock.acquire(b, "job", "B", s(1), TTL)
    assert not lock.acquire(b, "job", "B", s(89), TTL)
    assert lock.holder(b, "job", s(90)) is None  # expired at exactly now + ttl
    assert lock.acquire(b, "job", "B", s(90), TTL)
    assert lock.holder(a, "job", s(91)) == "B"
    assert not lock.acquire(a, "job", "A", s(91), TTL)  # A lost it: its renewal fails


def test_renewal_extends_the_lease(sessions) -> None:
    a, b = sessions
    assert lock.acquire(a, "job", "A", NOW, TTL)
    assert expiry(b) == s(90)
    assert lock.acquire(a, "job", "A", s(60), TTL)  # renew before expiry
    assert expiry(b) == s(150)
    assert not lock.acquire(b, "job", "B", s(120), TTL)  # would have been free without it
    assert lock.acquire(a, "job", "A", s(200), TTL)  # even after expiry, if nobody took it


def test_locks_are_independent_by_name(sessions) -> None:
    a, b = sessions
    assert lock.acquire(a, "one", "A", NOW, TTL)
    assert lock.acquire(b, "two", "B", NOW, TTL)
    assert not lock.acquire(b, "one", "B", NOW, TTL)


def test_release_frees_it_at_once_but_only_for_the_holder(sessions) -> None:
    a, b = sessions
    assert lock.acquire(a, "job", "A", NOW, TTL)
    assert not lock.release(b, "job", "B")
    assert not lock.acquire(b, "job", "B", s(1), TTL)
    assert lock.release(a, "job", "A")
    assert lock.acquire(b, "job", "B", s(2), TTL)


def test_racing_workers_elect_exactly_one(engine: Engine) -> None:
    """Eight workers start at once on a fresh lock, then race again once it expired."""
    for when in (NOW, s(1000)):
        barrier = threading.Barrier(8)
        won: list[str] = []

        def worker(i: int, when: datetime = when, barrier=barrier, won=won) -> None:
            with Session(engine) as db:
                barrier.wait()
                if lock.acquire(db, "race", f"w{i}", when, TTL):
                    won.append(f"w{i}")

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(won) == 1, won


# ---------------------------------------------------------------------------- scheduler


def test_only_the_leader_sweeps(engine: Engine) -> None:
    first = SlaScheduler(60, engine=engine, owner="worker-1")
    second = SlaScheduler(60, engine=engine, owner="worker-2")
    assert first.ttl == timedelta(seconds=180)
    assert first.tick(NOW) is not None  # an empty database: an empty sweep
    assert second.tick(s(1)) is None
    assert first.tick(s(60)) is not None  # renews
    assert second.tick(s(200)) is None  # still held: renewed at +60 s
    assert second.tick(s(241)) is not None  # worker-1 died at +60 s; lease ran out
    assert first.tick(s(242)) is None


def test_a_short_interval_still_gets_a_safe_lease() -> None:
    assert SlaScheduler(1, owner="x").ttl == timedelta(seconds=30)
    with pytest.raises(ValueError):
        SlaScheduler(0)


def test_background_thread_ticks_and_releases_on_shutdown(engine: Engine) -> None:
    sched = SlaScheduler(0.2, engine=engine, owner="bg").start()
    try:
        assert sched.running
        assert sched.wait_for_tick(10)  # the first tick runs at start
        assert sched.last_result is not None
    finally:
        sched.shutdown()
    assert not sched.running
    with Session(engine) as db:
        assert lock.holder(db, lock.SLA_LOCK, datetime.now(UTC)) is None


def test_interval_comes_from_the_environment(monkeypatch) -> None:
    monkeypatch.delenv("POMOCNIK_SLA_SWEEP_SECONDS", raising=False)
    get_settings.cache_clear()
    assert interval_from_env() == 60
    monkeypatch.setenv("POMOCNIK_SLA_SWEEP_SECONDS", "15")
    get_settings.cache_clear()
    assert interval_from_env() == 15
    monkeypatch.setenv("POMOCNIK_SLA_SWEEP_SECONDS", "soon")
    get_settings.cache_clear()
    with pytest.raises(RuntimeError, match="POMOCNIK_SLA_SWEEP_SECONDS"):
        interval_from_env()  # a typo in deployment config is loud, like every setting


def test_lifespan_task_starts_and_stops_it(db_url: str, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    monkeypatch.setenv("POMOCNIK_SLA_SWEEP_SECONDS", "0.2")
    get_settings.cache_clear()
    seen: list[SlaScheduler] = []

    async def main() -> None:
        async with run_scheduler(app=None) as sched:
            assert sched is not None and sched.running
            assert await asyncio.to_thread(sched.wait_for_tick, 10)
            seen.append(sched)
        assert not seen[0].running

    try:
        asyncio.run(main())
    finally:
        get_engine().dispose()  # the app's cached engine on this test database
    assert seen[0].last_result is not None  # it was the leader and swept


def test_lifespan_task_can_be_disabled(monkeypatch) -> None:
    monkeypatch.setenv("POMOCNIK_SLA_SWEEP_SECONDS", "0")
    get_settings.cache_clear()
    started: list = []
    monkeypatch.setattr(scheduler, "start_scheduler", lambda *a, **k: started.append(1))

    async def main() -> None:
        async with run_scheduler() as sched:
            assert sched is None

    asyncio.run(main())
    assert started == []
