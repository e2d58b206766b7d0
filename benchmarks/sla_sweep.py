"""Benchmark: the SLA scheduler's sweep (domain/sla_alerts.py) on a big SQLite database.

    .venv/bin/python benchmarks/sla_sweep.py [--tickets 1000000] [--due 300] [--db PATH]

Creates a fresh database (alembic migrations) and bulk-seeds it (benchmarks/_seed.py):
staff, 30 client organisations, N tickets over two years (~10 % active). Then, with
SQLAlchemy Core executemany:

- an office calendar (Mon–Fri 8:00–16:00 Europe/Warsaw, Polish holidays), one contract per
  organisation (every third one escalates by raising the priority) with a ticket type
  (reaction 60 min, resolution 480 min, warning at 75 %); every ticket gets its contract
  and type;
- every active ticket gets SLA columns: state running, deadlines and
  `sla_next_check_at` spread over the next five days (these must not be touched);
- `--due` active tickets (new/open, received 2–30 hours before "now") get
  `sla_next_check_at` in the last two hours: the ones a one-minute-late run must handle.

"Now" is fixed on a working Wednesday (18 March 2026, 13:00 Warsaw). Then, each in a new
Session like a scheduler tick, `sweep(db, now)` is timed:

1. the first run processes the due tickets (recompute from the timeline, alert rows,
   events, notifications, escalations, commit per batch);
2. a second run at the same instant (a re-run, a second scheduler) finds nothing to do.

Before timing, the one-off start-up work of a fresh process (importing `holidays`, building
the calendar's year tables) is done and reported as `warmup_ms`, as in benchmarks/sla.py:
a running scheduler pays it once, at its first tick.

Goal: ≤ 500 ms per run (issue 10; it was 1 s). The LAST line is one JSON object:
{"benchmark": "sla_sweep", "tickets": .., "open": .., "run_ms": .., "processed": ..,
 "second_run_ms": .., "second_processed": .., "warnings": .., "breaches": .., "escalations": ..,
 "notifications": .., "mails": .., "warmup_ms": .., "seed_s": .., "sync_s": ..}
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, create_engine, func, insert, select, update
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _seed

from helpdesk_app.cli import migrate
from helpdesk_app.db import make_engine
from helpdesk_app.domain import sla
from helpdesk_app.domain.calendars import get_calendar
from helpdesk_app.domain.sla_alerts import sweep
from helpdesk_app.models import (
    BusinessCalendar,
    Contract,
    EscalationAction,
    Organisation,
    OrgKind,
    Status,
    Ticket,
    TicketType,
)

GOAL_MS = 500.0
NOW = datetime(2026, 3, 18, 13, 0, tzinfo=ZoneInfo("Europe/Warsaw")).astimezone(UTC)
CHUNK = 20_000


def seed_sla(engine, due: int, rng: random.Random) -> tuple[int, int]:
    """Calendar, contracts, types; SLA columns on the active tickets. Returns
    (open tickets, tickets made due)."""
    t = Ticket.__table__
    with engine.begin() as conn:
        cal_id = _seed.office_calendar(conn, NOW)
        orgs = conn.execute(select(Organisation.id).where(
            Organisation.kind == OrgKind.CLIENT).order_by(Organisation.id)).scalars().all()
        for i, org in enumerate(orgs):
            contract = conn.execute(insert(Contract.__table__).values(
                organisation_id=org, name=f"Umowa {i + 1}", valid_from=date(2024, 1, 1),
                calendar_id=cal_id, is_key=i % 5 == 0, created_at=NOW,
                escalation_action=(EscalationAction.RAISE_PRIORITY if i % 3 == 0
                                   else EscalationAction.NONE))).inserted_primary_key[0]
            ttype = conn.execute(insert(TicketType.__table__).values(
                contract_id=contract, name_pl="Awaria", name_en="Failure",
                reaction_minutes=60, resolution_minutes=480, warning_percent=75,
                is_active=True)).inserted_primary_key[0]
            conn.execute(update(t).where(t.c.organisation_id == org)
                         .values(contract_id=contract, ticket_type_id=ttype))

    with engine.connect() as conn:
        active = conn.execute(select(t.c.id, t.c.status).where(
            t.c.status.in_(Status.ACTIVE))).all()
    counting = [tid for tid, st in active if st in (Status.NEW, Status.OPEN)]
    due_ids = set(rng.sample(counting, min(due, len(counting))))
    rows = []
    for tid, status in active:
        if tid in due_ids:
            created = NOW - timedelta(hours=rng.uniform(2, 30))
            rows.append({"tid": tid, "created_at": created, "sla_state": "running",
                         "reaction_due_at": created + timedelta(hours=1),
                         "resolution_due_at": created + timedelta(hours=8),
                         "sla_next_check_at": NOW - timedelta(seconds=rng.uniform(1, 7200)),
                         "sla_paused_since": None})
            continue
        check = NOW + timedelta(seconds=rng.uniform(60, 5 * 86400))
        paused = status == Status.PENDING
        rows.append({"tid": tid, "created_at": None,
                     "sla_state": "paused" if paused else "running",
                     "reaction_due_at": None if paused else check + timedelta(hours=1),
                     "resolution_due_at": None if paused else check + timedelta(hours=8),
                     "sla_next_check_at": None if paused else check,
                     "sla_paused_since": NOW - timedelta(hours=3) if paused else None})
    stmt_due = update(t).where(t.c.id == bindparam("tid")).values(
        created_at=bindparam("created_at"), sla_state=bindparam("sla_state"),
        reaction_due_at=bindparam("reaction_due_at"),
        resolution_due_at=bindparam("resolution_due_at"),
        sla_next_check_at=bindparam("sla_next_check_at"),
        sla_paused_since=bindparam("sla_paused_since"))
    stmt_other = update(t).where(t.c.id == bindparam("tid")).values(
        sla_state=bindparam("sla_state"), reaction_due_at=bindparam("reaction_due_at"),
        resolution_due_at=bindparam("resolution_due_at"),
        sla_next_check_at=bindparam("sla_next_check_at"),
        sla_paused_since=bindparam("sla_paused_since"))
    due_rows = [r for r in rows if r["created_at"] is not None]
    other_rows = [{k: v for k, v in r.items() if k != "created_at"}
                  for r in rows if r["created_at"] is None]
    with engine.begin() as conn:
        if due_rows:
            conn.execute(stmt_due, due_rows)
        for i in range(0, len(other_rows), CHUNK):
            conn.execute(stmt_other, other_rows[i:i + CHUNK])
    return len(active), len(due_ids)


def warm_up(engine) -> float:
    """The one-off work of a fresh process that a long-running scheduler pays once at its
    first tick: importing `holidays` and building the calendar's year tables (measured and
    reported separately, as in benchmarks/sla.py). Touches no ticket."""
    started = time.perf_counter()
    with Session(engine) as db:
        for cal_id in db.exec(select(BusinessCalendar.id)).all():
            cal = get_calendar(sla.spec_for_calendar(db, cal_id))
            cal.add(NOW - timedelta(days=3), timedelta(minutes=1))
            cal.add(NOW, timedelta(minutes=1))
    return (time.perf_counter() - started) * 1000


def timed_sweep(engine, now: datetime):
    with Session(engine, expire_on_commit=False) as db:
        started = time.perf_counter()
        result = sweep(db, now)
        return (time.perf_counter() - started) * 1000, result


def run(tickets: int, due: int, path: Path) -> dict:
    url = f"sqlite:///{path}"
    seed_s = sync_s = 0.0
    if not path.exists():
        print(f"migrating {path} ...", flush=True)
        migrate(url)
        started = time.perf_counter()
        bulk = create_engine(url)
        _seed.bulk_engine_pragmas(bulk)
        refs = _seed.seed_reference(bulk)
        print(f"seeding {tickets:,} tickets ...", flush=True)
        _seed.add_tickets(bulk, refs, tickets, now=NOW - timedelta(hours=1), progress=True)
        open_count, made_due = seed_sla(bulk, due, random.Random(3))
        _seed.analyze(bulk)
        bulk.dispose()
        seed_s = time.perf_counter() - started
        print(f"seeded in {seed_s:.1f}s: {open_count:,} active, {made_due} due now", flush=True)
        gc.collect()  # the seeding's garbage is not the scheduler's: don't time its GC
        # Nor is its I/O: the bulk engine left ~650 MB of dirty pages in the OS cache, and
        # the sweep's commit (a WAL checkpoint fsyncs the database file) would otherwise
        # write them out on the clock (~0.3 s measured here). A running helpdesk has no
        # such backlog. Reported as sync_s.
        synced = time.perf_counter()
        os.sync()
        sync_s = time.perf_counter() - synced

    engine = make_engine(url)  # the app's own engine (WAL, pragmas)
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(Ticket.__table__)).scalar_one()
        open_count = conn.execute(select(func.count()).select_from(Ticket.__table__).where(
            Ticket.__table__.c.status.in_(Status.ACTIVE))).scalar_one()
    warmup_ms = warm_up(engine)
    print(f"warm-up (holidays import, calendar year tables): {warmup_ms:.0f} ms", flush=True)
    first_ms, first = timed_sweep(engine, NOW)
    print(f"first run:  {first_ms:8.1f} ms  {first}", flush=True)
    second_ms, second = timed_sweep(engine, NOW)  # a re-run: everything was handled
    print(f"second run: {second_ms:8.1f} ms  {second}", flush=True)
    engine.dispose()
    worst = max(first_ms, second_ms)
    verdict = "OK" if worst <= GOAL_MS else "OVER GOAL"
    print(f"goal ≤ {GOAL_MS:.0f} ms per run: {verdict}")
    return {"benchmark": "sla_sweep", "tickets": total, "open": open_count,
            "run_ms": round(first_ms, 1), "processed": first.processed,
            "second_run_ms": round(second_ms, 1), "second_processed": second.processed,
            "warnings": first.warnings, "breaches": first.breaches,
            "escalations": first.escalations, "notifications": first.notifications,
            "mails": first.mails, "warmup_ms": round(warmup_ms, 1), "seed_s": round(seed_s, 1),
            "sync_s": round(sync_s, 1)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=300)
    parser.add_argument("--db", type=Path, help="keep the database here (a fresh path)")
    args = parser.parse_args(argv)
    if args.db:
        result = run(args.tickets, args.due, args.db.resolve())
    else:
        with tempfile.TemporaryDirectory(prefix="pomocnik-bench-") as tmp:
            result = run(args.tickets, args.due, Path(tmp) / "bench.db")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
