"""Benchmark: the reports of issue 14 (invoicing, service, the entry export) on a big desk.

    .venv/bin/python benchmarks/reports.py [--tickets 1000000] [--entries 5000000]
        [--runs 20] [--db PATH | --pg URL]

Seeds (SQLAlchemy Core executemany, 50k rows per transaction) a migrated database:
the reference data of benchmarks/_seed.py with 48 technicians (50 workers with the admin
and the coordinator), one office calendar, a contract per client organisation (30) with
an hourly rate (120–250 PLN) and 3 ticket types; N tickets over two years before "now"
(more recently: density grows linearly), statuses, priorities, channels and queues as in
_seed.py, SLA columns as the engine leaves them (resolved: met ~87 %, breached ~10 %, no
targets 3 %; business minutes used; first-response minutes, 5 % never answered); and M
work entries, 1–9 per ticket (M / N on average), dated from the ticket's creation to a few
days later, by one of the 50 workers, rated (15-minute rounding, 90 % billable) and, when
older than two months, mostly locked with an invoice number. No timeline rows.

`--db PATH` (SQLite) keeps the database and reuses it when it holds tickets; `--pg URL`
names a PostgreSQL database: created when missing, seeded when empty, reused otherwise.
Without either, a temporary SQLite file.

Then, each call in a new Session like one UI event (the app's own engine), `--runs`
times after one warm-up call:
- invoicing: `reports_invoicing.invoicing` for May 2026, all clients, by month
  (goal ≤ 500 ms); the same for a queue-limited coordinator (joins the tickets);
- service: `volume` + `times` + `sla_compliance` for the 90 days before "now", by day and
  by week (goal ≤ 1 s); `times` also the way it was not built (window functions);
- the export: `iter_entries` over May 2026 until 100,000 rows (rows/s); then the XLSX
  export of the work entries exactly as the page's background export (benchmarks/
  _xlsx_export.py: a spawned process each, for ~10,000 and ~100,000 entries from 1 May),
  with its progress updates, the file read back, and the peak memory growth (goal: ≤ 15 s,
  memory flat);
- for information: workload, workload per queue, reopen rate, channel mix, backlog age.
On SQLite each statement of one call is replayed alone with its EXPLAIN QUERY PLAN.

"Now" is fixed: Wednesday 17 June 2026, 12:00 Warsaw. The LAST line is one JSON object:
{"benchmark": "reports", "backend", "tickets", "entries", "invoicing_p50_ms",
 "invoicing_p95_ms", "invoicing_limited_p95_ms", "service_p50_ms", "service_p95_ms",
 "service_week_p95_ms", "times_p95_ms", "times_window_p95_ms", "entries_100k_s",
 "entries_rows_per_s", "xlsx_100k_s", "xlsx_peak_mb", "xlsx_10k_peak_mb", "month_entries",
 "seed_s", "load1", ...}
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, create_engine, event, func, insert, select, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _reports_seed
import _seed
import _xlsx_export

from helpdesk_app.cli import migrate
from helpdesk_app.db import make_engine
from helpdesk_app.domain import (
    actor_loading,
    reports_invoicing,
    reports_service,
    reports_workload,
)
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.reports_common import ReportFilter, instant_bounds, percentile
from helpdesk_app.models import (
    CustomRole,
    Organisation,
    OrgKind,
    Queue,
    Role,
    Ticket,
    User,
    WorkEntry,
)

NOW = _reports_seed.NOW  # Wednesday 17 June 2026, 12:00 Warsaw
TODAY = date(2026, 6, 17)
MONTH = ReportFilter(date(2026, 5, 1), date(2026, 5, 31))
DAYS_90 = ReportFilter(TODAY - timedelta(days=90), TODAY - timedelta(days=1), grain="day")
EXPORT_ROWS = 100_000


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile of a non-empty list (as the other benchmarks)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))]


# --------------------------------------------------------------------------- measuring


def timed(engine: Engine, call: Callable[[Session], Any], runs: int
          ) -> tuple[list[float], Any, list[float]]:
    """`runs` calls after one warm-up, each in a new Session: (wall ms per call, last
    result, CPU ms of this process per call). On SQLite the database works in this
    process, so the CPU time is what a call costs without waiting for a core (the shared
    machine's load lengthens the wall time, not this)."""
    result = None
    times, cpu = [], []
    for i in range(runs + 1):
        with Session(engine, expire_on_commit=False) as db:
            started, started_cpu = time.perf_counter(), time.process_time()
            result = call(db)
            if i:
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
    return times, result, cpu


def service(db: Session, actor: Actor, flt: ReportFilter) -> tuple:
    return (reports_service.volume(db, actor, flt), reports_service.times(db, actor, flt),
            reports_service.sla_compliance(db, actor, flt))


def times_by_window(db: Session, flt: ReportFilter) -> dict[int, tuple]:
    """The way `times` was not built: ranks by window functions in SQL, only the rows at
    the percentile ranks reach Python (resolution minutes, per contract)."""
    bounds = instant_bounds(flt)
    sql = text("""
        WITH r AS (SELECT contract_id, sla_minutes_used AS x,
                          row_number() OVER (PARTITION BY contract_id
                                             ORDER BY sla_minutes_used) AS rn,
                          count(*) OVER (PARTITION BY contract_id) AS n
                   FROM ticket WHERE resolved_at >= :a AND resolved_at < :b
                     AND contract_id IS NOT NULL)
        SELECT contract_id, rn, n, x FROM r
        WHERE rn IN ((n - 1) * 5 / 10 + 1, (n - 1) * 5 / 10 + 2,
                     (n - 1) * 9 / 10 + 1, (n - 1) * 9 / 10 + 2)""")
    found: dict[int, dict[int, int]] = {}
    n_of: dict[int, int] = {}
    a, b = bounds[0], bounds[-1]
    if db.get_bind().dialect.name == "sqlite":  # stored as text there
        a, b = (v.strftime("%Y-%m-%d %H:%M:%S.%f") for v in (a, b))
    for contract, rn, n, x in db.execute(sql, {"a": a, "b": b}).all():
        found.setdefault(contract, {})[rn] = x
        n_of[contract] = n
    out = {}
    for contract, ranks in found.items():
        n = n_of[contract]
        out[contract] = (n, _interpolated(ranks, n, 50), _interpolated(ranks, n, 90))
    return out


def _interpolated(ranks: dict[int, int], n: int, p: int) -> float:
    h = (n - 1) * p / 100
    lo = math.floor(h)
    low = ranks[lo + 1]
    return low + (h - lo) * (ranks.get(lo + 2, low) - low)


def limited_coordinator(engine: Engine) -> Actor:
    """A coordinator of its own, limited to the two biggest queues (a custom role with
    "reports.view"); made once, kept in a reused database."""
    email = "raporty@bench.example"
    with Session(engine, expire_on_commit=False) as db:
        user = db.exec(select(User).where(User.email == email)).scalars().first()
        if user is None:
            queues = db.exec(select(Queue.id).order_by(Queue.id).limit(2)).scalars().all()
            role = CustomRole(name="Raporty 2 kolejki", base_role=Role.COORDINATOR,
                              permissions=["reports.view"], limit_to_queues=True,
                              queue_ids=list(queues))
            db.add(role)
            db.flush()
            provider = db.exec(select(Organisation.id).where(
                Organisation.kind == OrgKind.PROVIDER)).scalars().first()
            user = User(email=email, full_name="Raporty Kolejek", password_hash=_seed.NO_LOGIN,
                        role=Role.COORDINATOR, organisation_id=provider,
                        custom_role_id=role.id)
            db.add(user)
            db.commit()
        return actor_loading.load(db, user)


def explain(engine: Engine, path: Path | None, call: Callable[[Session], Any]) -> None:
    """SQLite: each statement of one call alone on the raw driver, with its plan."""
    if path is None:
        return
    seen: list[tuple[str, Any]] = []

    def before(_c: Any, _cur: Any, statement: str, params: Any, *_a: Any) -> None:
        seen.append((statement, params))

    event.listen(engine, "before_cursor_execute", before)
    try:
        with Session(engine) as db:
            result = call(db)
            if hasattr(result, "__next__"):  # the export: its first two batches
                for _batch, _n in zip(result, range(2), strict=False):
                    pass
    finally:
        event.remove(engine, "before_cursor_execute", before)
    raw = sqlite3.connect(path)
    try:
        for sql, params in seen:
            started = time.perf_counter()
            raw.execute(sql, params).fetchall()
            ms = (time.perf_counter() - started) * 1000
            line = " ".join(sql.split())
            print(f"  {ms:8.1f} ms  {line[:150]}{' …' if len(line) > 150 else ''}")
            plan = [r[-1] for r in raw.execute("EXPLAIN QUERY PLAN " + sql, params)]
            for i, step in enumerate(plan):
                if step not in plan[:i]:
                    times_n = plan.count(step)
                    print(f"              plan: {step}{f'  (x{times_n})' if times_n > 1 else ''}")
    finally:
        raw.close()


_OLD_RESOLVED = ("CREATE INDEX ix_ticket_resolved_sla ON ticket "
                 "(resolved_at, sla_state, contract_id, ticket_type_id)")
# (table, variant, DDL run inside the rolled-back transaction before the timed writes)
_VARIANTS = [
    ("ticket", "as migrated", []),
    ("ticket", "without ix_ticket_created", ["DROP INDEX ix_ticket_created"]),
    ("ticket", "ix_ticket_resolved_sla as before 0018",
     ["DROP INDEX ix_ticket_resolved_sla", _OLD_RESOLVED]),
    ("work_entry", "as migrated", []),
    ("work_entry", "without ix_work_entry_invoicing", ["DROP INDEX ix_work_entry_invoicing"]),
]


def index_cost(engine: Engine, rounds: int = 5, n: int = 5_000) -> dict[str, float]:
    """What the indexes of 0018 cost on writes: µs per row for inserting `n` tickets /
    work entries and for resolving `n` random tickets (status, resolved_at, SLA columns,
    updated_at: on PostgreSQL no ticket update is HOT, `updated_at` being indexed, so
    every index of the row gets a new entry), all as executemany, with the indexes as
    migrated and without each new one - each inside a transaction that is rolled back.
    SQLite: CPU time of this process (where SQLite works; steadier on a shared machine);
    PostgreSQL: wall time (the server does the work)."""
    rng = random.Random(3)
    t, e = Ticket.__table__, WorkEntry.__table__
    with engine.connect() as conn:
        top = conn.execute(select(func.max(t.c.id))).scalar()
        ticket = dict(conn.execute(select(t).where(t.c.id == top)).mappings().one())
        entry = dict(conn.execute(select(e).order_by(e.c.id.desc()).limit(1)).mappings().one())
    ids = rng.sample(range(1, top + 1), n)
    resolve = (t.update().where(t.c.id == bindparam("_id"))
               .values(status="resolved", resolved_at=bindparam("_at"), sla_state="met",
                       sla_minutes_used=bindparam("_m"), updated_at=bindparam("_at")))
    clock = time.process_time if engine.dialect.name == "sqlite" else time.perf_counter
    costs: dict[str, list[float]] = {}
    for _ in range(rounds):
        for table, variant, ddl in _VARIANTS:
            with engine.connect() as conn:
                trans = conn.begin()
                if engine.dialect.name == "sqlite":
                    # pysqlite starts no transaction before DDL: without this BEGIN the
                    # DROP INDEX would commit at once and the rollback not restore it
                    conn.exec_driver_sql("BEGIN")
                for statement in ddl:
                    conn.execute(text(statement))
                if table == "ticket":
                    rows = [{**{k: v for k, v in ticket.items() if k != "id"},
                             "number": f"X-{i}"} for i in range(n)]
                    target = t
                else:
                    rows = [{k: v for k, v in entry.items() if k != "id"} for _ in range(n)]
                    target = e
                started = clock()
                conn.execute(insert(target), rows)
                costs.setdefault(f"{table} insert, {variant}", []).append(
                    (clock() - started) / n * 1e6)
                if table == "ticket":
                    started = clock()
                    conn.execute(resolve, [{"_id": i, "_at": NOW, "_m": i % 997} for i in ids])
                    costs.setdefault(f"ticket resolve, {variant}", []).append(
                        (clock() - started) / n * 1e6)
                trans.rollback()
    out = {k: round(sorted(v)[len(v) // 2], 1) for k, v in costs.items()}
    print(f"\nwrite cost of the 0018 indexes (µs per row, median of {rounds} x {n:,}):")
    for k, v in out.items():
        print(f"  {k:<60} {v:8.1f}")
    return {"index_cost_us": out}


def report(name: str, times: list[float]) -> tuple[float, float]:
    p50, p95 = pct(times, 50), pct(times, 95)
    print(f"{name:<34} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms   max {max(times):8.1f} ms")
    return p50, p95


def run(url: str, n_tickets: int, n_entries: int, runs: int, path: Path | None,
        with_index_cost: bool = False) -> dict:
    seed_s = 0.0
    bulk = create_engine(url)
    _seed.bulk_engine_pragmas(bulk)
    with bulk.connect() as conn:
        has = bulk.dialect.has_table(conn, "ticket") and conn.execute(
            select(func.count()).select_from(Ticket.__table__)).scalar()
    if not has:
        print("migrating ...", flush=True)
        migrate(url)
        started = time.perf_counter()
        _reports_seed.seed(bulk, n_tickets, n_entries)
        print("VACUUM / ANALYZE ...", flush=True)
        _reports_seed.settle(bulk)
        seed_s = time.perf_counter() - started
        print(f"seeded in {seed_s:.0f}s", flush=True)
        gc.collect()
    bulk.dispose()

    engine = make_engine(url)
    with engine.connect() as conn:
        tickets = conn.execute(select(func.count()).select_from(Ticket.__table__)).scalar()
        entries = conn.execute(select(func.count()).select_from(WorkEntry.__table__)).scalar()
        month = conn.execute(select(func.count()).select_from(WorkEntry.__table__).where(
            WorkEntry.work_date >= MONTH.day_from, WorkEntry.work_date <= MONTH.day_to)).scalar()
    with Session(engine) as db:
        coord = Actor.from_user(db.exec(select(User).where(
            User.role == Role.COORDINATOR)).scalars().first())
    limited = limited_coordinator(engine)
    print(f"{tickets:,} tickets, {entries:,} work entries ({month:,} in May 2026); "
          f"backend {engine.dialect.name}")

    inv, table, inv_cpu = timed(engine, lambda db: reports_invoicing.invoicing(db, coord, MONTH),
                                runs)
    inv50, inv95 = report("invoicing, May, all clients", inv)
    print(f"  CPU of this process: p50 {pct(inv_cpu, 50):.1f} ms")
    print(f"  {len(table.rows)} rows; totals {table.totals[5:]}")
    lim, _, _c = timed(engine, lambda db: reports_invoicing.invoicing(db, limited, MONTH), runs)
    _l50, lim95 = report("invoicing, queue-limited", lim)

    svc, parts, svc_cpu = timed(engine, lambda db: service(db, coord, DAYS_90), runs)
    svc50, svc95 = report("service (day), 90 days", svc)
    print(f"  CPU of this process: p50 {pct(svc_cpu, 50):.1f} ms")
    print(f"  volume {len(parts[0].rows)} rows, totals {parts[0].totals[1:]}; times "
          f"{parts[1].totals[2:]}; compliance {parts[2].totals[5:]}")
    week = DAYS_90.with_grain("week")
    svc_w, _, _c = timed(engine, lambda db: service(db, coord, week), runs)
    _w50, svc_w95 = report("service (week), 90 days", svc_w)
    parts_ms = {}
    for name, fn in (("volume", reports_service.volume), ("times", reports_service.times),
                     ("sla_compliance", reports_service.sla_compliance)):
        ms, _, _c = timed(engine, lambda db, fn=fn: fn(db, coord, DAYS_90), runs)
        parts_ms[name] = report(f"  {name} (day)", ms)[1]
    win, by_window, _c = timed(engine, lambda db: times_by_window(db, DAYS_90), runs)
    _w, win95 = report("  times by window functions", win)
    sample = next(iter(by_window.items()))
    print(f"  (window result for contract {sample[0]}: n, median, p90 = {sample[1]}; "
          f"checks against `times`: {_same_as_times(parts[1], sample)})")

    export_s = []
    for _ in range(3):
        with Session(engine) as db:
            started = time.perf_counter()
            rows = 0
            for batch in reports_invoicing.iter_entries(db, coord, MONTH):
                rows += len(batch)
                if rows >= EXPORT_ROWS:
                    break
            export_s.append(time.perf_counter() - started)
    export = min(export_s)
    print(f"iter_entries: {rows:,} rows in {export:.2f} s (best of 3; "
          f"{rows / export:,.0f} rows/s)")

    xlsx = _xlsx_export.run(url, engine, MONTH.day_from, TODAY)

    info = {}
    now_fn = {"backlog_age": lambda db: reports_service.backlog_age(db, coord, DAYS_90,
                                                                     now=NOW)}
    for name, fn in (("workload", reports_workload.workload),
                     ("workload_by_queue", reports_workload.workload_by_queue),
                     ("reopen_rate", reports_service.reopen_rate),
                     ("channel_mix", reports_service.channel_mix)):
        now_fn[name] = lambda db, fn=fn: fn(db, coord, MONTH)
    for name, call in now_fn.items():
        ms, _, _c = timed(engine, call, max(3, runs // 4))
        info[f"{name}_p50_ms"] = round(report(f"  {name}", ms)[0], 1)

    if with_index_cost:
        info.update(index_cost(engine))
    if path is not None:
        print("\nstatements, each alone on the raw driver, with EXPLAIN QUERY PLAN:")
        for name, call in (
                ("invoicing", lambda db: reports_invoicing.invoicing(db, coord, MONTH)),
                ("invoicing limited", lambda db: reports_invoicing.invoicing(db, limited,
                                                                             MONTH)),
                ("service", lambda db: service(db, coord, DAYS_90)),
                ("export", lambda db: reports_invoicing.iter_entries(db, coord, MONTH))):
            print(f"\n{name}:")
            explain(engine, path, call)
    engine.dispose()
    load1 = os.getloadavg()[0]
    print(f"\ngoals: invoicing ≤ 500 ms: {'OK' if inv95 <= 500 else 'OVER'}; service ≤ 1 s: "
          f"{'OK' if svc95 <= 1000 else 'OVER'}; XLSX of 100k ≤ 15 s: "
          f"{'OK' if xlsx['xlsx_100k_s'] <= 15 else 'OVER'} (load average {load1:.1f})")
    return {"benchmark": "reports", "backend": engine.dialect.name, "tickets": tickets,
            "entries": entries, "month_entries": month,
            "invoicing_p50_ms": round(inv50, 1), "invoicing_p95_ms": round(inv95, 1),
            "invoicing_limited_p95_ms": round(lim95, 1),
            "invoicing_cpu_p50_ms": round(pct(inv_cpu, 50), 1),
            "service_cpu_p50_ms": round(pct(svc_cpu, 50), 1),
            "service_p50_ms": round(svc50, 1), "service_p95_ms": round(svc95, 1),
            "service_week_p95_ms": round(svc_w95, 1),
            **{f"{k}_p95_ms": round(v, 1) for k, v in parts_ms.items()},
            "times_window_p95_ms": round(win95, 1), "entries_100k_s": round(export, 2),
            "entries_rows_per_s": round(rows / export), **xlsx, **info,
            "seed_s": round(seed_s, 1), "load1": round(load1, 1)}


def _same_as_times(table: Any, sample: tuple[int, tuple]) -> bool:
    contract, (n, median, p90) = sample
    for row in table.rows:
        if row[0] == contract:
            return (row[2], row[5], row[6]) == (n, percentile([median], 50),
                                                percentile([p90], 50))
    return False


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--db", type=Path, help="SQLite file: kept, reused when seeded")
    parser.add_argument("--pg", help="PostgreSQL database URL: created/seeded when needed")
    parser.add_argument("--index-cost", action="store_true",
                        help="also time ticket inserts/updates with and without the index")
    args = parser.parse_args(argv)
    if args.pg:
        url = make_url(args.pg)
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                {"n": url.database}).first():
                conn.execute(text(f'CREATE DATABASE "{url.database}"'))
        admin.dispose()
        result = run(url.render_as_string(hide_password=False), args.tickets, args.entries,
                     args.runs, None, args.index_cost)
    elif args.db:
        path = args.db.resolve()
        result = run(f"sqlite:///{path}", args.tickets, args.entries, args.runs, path,
                     args.index_cost)
    else:
        with tempfile.TemporaryDirectory(prefix="pomocnik-bench-") as tmp:
            path = Path(tmp) / "bench.db"
            result = run(f"sqlite:///{path}", args.tickets, args.entries, args.runs, path,
                         args.index_cost)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
