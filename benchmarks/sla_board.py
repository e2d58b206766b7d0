"""Benchmark: the SLA board's data (`domain.sla_board.board`) at 1,000,000 tickets, SQLite.

    .venv/bin/python benchmarks/sla_board.py [--tickets 1000000] [--runs 30] [--db PATH]

Creates a fresh database (alembic migrations, so every index the migrations define),
seeds with SQLAlchemy Core bulk inserts:

- the reference data of benchmarks/_seed.py (provider, 22 staff, 30 client organisations
  with 10 users each, 9 queues);
- one business calendar, one contract per client organisation (every fifth one a key
  contract) with 3 ticket types each (90 types);
- N tickets created over two years (more recently), ~10 % active (2 % new, 5 % open,
  3 % pending), the rest resolved/closed with `resolved_at` hours to days after creation;
  every ticket has its contract and type (3 % without SLA targets: state "none");
- SLA columns as the engine leaves them: active tickets running (most), warning, breached,
  paused (pending); resolved ones met (~88 %) or breached (~10 %);
- `sla_alert` rows as the scheduler would have written them over the two years: a
  breach alert for every breached ticket (plus a warning before it) and a warning for
  a fifth of the met tickets — with --alerts N only the N most recent of those.

Then ANALYZE, and, each call in a new Session like one UI event, times
`board(db, coordinator, NOW)` (30-day period, 20 at-risk rows): a first (cold-ish) call
reported apart, then --runs calls for p50/p95/max. Each SQL statement of one call is
timed alone on the raw driver and its EXPLAIN QUERY PLAN printed, to show where the time
goes and which indexes are used.

"Now" is fixed: Wednesday 18 March 2026, 13:00 Warsaw. Goal: ≤ 200 ms server time.
The LAST line is one JSON object:
{"benchmark": "sla_board", "tickets": .., "p50_ms": .., "p95_ms": .., "max_ms": ..,
 "first_ms": .., "active": .., "alerts": .., "resolved_in_period": .., "seed_s": .., "load1": ..}
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, event, func, insert, select
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _seed

from helpdesk_app.cli import migrate
from helpdesk_app.db import make_engine
from helpdesk_app.domain import sla_board
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.numbering import format_number
from helpdesk_app.models import (
    Contract,
    Organisation,
    OrgKind,
    Priority,
    Role,
    SlaAlert,
    Status,
    Ticket,
    TicketCounter,
    TicketType,
    User,
)

GOAL_MS = 200.0
NOW = datetime(2026, 3, 18, 13, 0, tzinfo=ZoneInfo("Europe/Warsaw")).astimezone(UTC)
SPAN = timedelta(days=730)
CHUNK = 50_000
TYPE_NAMES = [("Awaria", "Failure", 60, 480, 60), ("Przegląd", "Inspection", 240, 2400, 25),
              ("Konsultacja", "Consultation", 120, 960, 15)]


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


# --------------------------------------------------------------------------- seeding


def seed_contracts(engine) -> dict[int, tuple[int, list[tuple[int, int]]]]:
    """Calendar, a contract per client organisation, 3 types each.
    Returns {organisation id: (contract id, [(type id, weight), ...])}."""
    out: dict[int, tuple[int, list[tuple[int, int]]]] = {}
    with engine.begin() as conn:
        cal = _seed.office_calendar(conn, NOW)
        orgs = conn.execute(select(Organisation.id).where(
            Organisation.kind == OrgKind.CLIENT).order_by(Organisation.id)).scalars().all()
        for i, org in enumerate(orgs):
            contract = conn.execute(insert(Contract.__table__).values(
                organisation_id=org, name=f"Umowa serwisowa {i + 1:02d}",
                valid_from=date(2024, 1, 1), calendar_id=cal, is_key=i % 5 == 0,
                created_at=NOW, escalation_action="none")).inserted_primary_key[0]
            types = []
            for pl, en, reaction, resolution, weight in TYPE_NAMES:
                tid = conn.execute(insert(TicketType.__table__).values(
                    contract_id=contract, name_pl=pl, name_en=en, reaction_minutes=reaction,
                    resolution_minutes=resolution, warning_percent=75,
                    is_active=True)).inserted_primary_key[0]
                types.append((tid, weight))
            out[org] = (contract, types)
    return out


def _sla_fields(rng: random.Random, status: str, created: datetime) -> dict[str, Any]:
    """SLA columns as the engine would leave them for a ticket in `status`."""
    reaction = created + timedelta(hours=rng.choice((1, 2, 4)))
    if rng.random() < 0.03:  # a type without targets
        return {"sla_state": "none", "reaction_due_at": None, "resolution_due_at": None,
                "first_response_at": created + timedelta(minutes=rng.expovariate(1 / 90)),
                "resolved_at": None, "sla_paused_since": None, "sla_next_check_at": None}
    f: dict[str, Any] = {"reaction_due_at": reaction, "sla_paused_since": None,
                         "sla_next_check_at": None, "resolved_at": None}
    if status in (Status.RESOLVED, Status.CLOSED):
        resolved = min(created + timedelta(minutes=30 + rng.expovariate(1 / 2880)), NOW)
        breached = rng.random() < 0.10
        f["sla_state"] = "breached" if breached else "met"
        f["resolution_due_at"] = (resolved - timedelta(minutes=rng.uniform(5, 600)) if breached
                                  else resolved + timedelta(minutes=rng.uniform(5, 2000)))
        f["first_response_at"] = created + timedelta(minutes=rng.expovariate(1 / 60))
        f["resolved_at"] = resolved
        return f
    answered = status != Status.NEW and rng.random() < 0.9
    f["first_response_at"] = (created + timedelta(minutes=rng.expovariate(1 / 60))
                              if answered else None)
    if status == Status.PENDING:
        f.update(sla_state="paused", resolution_due_at=None,
                 sla_paused_since=NOW - timedelta(hours=rng.uniform(1, 72)))
        return f
    roll = rng.random()
    if roll < 0.12:  # breached
        f["sla_state"] = "breached"
        f["resolution_due_at"] = NOW - timedelta(minutes=rng.uniform(1, 10_000))
    elif roll < 0.22:  # warning: within the last quarter of the target
        f["sla_state"] = "warning"
        f["resolution_due_at"] = NOW + timedelta(minutes=rng.uniform(1, 240))
        if not answered:  # an unanswered ticket past its reaction deadline would be breached
            f["reaction_due_at"] = NOW + timedelta(minutes=rng.uniform(1, 60))
    else:
        f["sla_state"] = "running"
        f["resolution_due_at"] = NOW + timedelta(minutes=rng.uniform(60, 7 * 1440))
        if not answered:  # unanswered new tickets: the reaction clock runs
            f["reaction_due_at"] = NOW + timedelta(minutes=rng.uniform(1, 240))
    f["sla_next_check_at"] = min(f["resolution_due_at"], NOW + timedelta(hours=1))
    return f


def add_tickets(engine, refs: _seed.Reference, contracts, n: int, rng: random.Random,
                progress: bool = True) -> None:
    statuses, weights = zip(*_seed.STATUS_WEIGHTS.items(), strict=True)
    queue_ids = [q for q, _w in refs.queues]
    queue_w = [w for _q, w in refs.queues]
    by_org: dict[int, list[int]] = {}
    for user, org in refs.clients:
        by_org.setdefault(org, []).append(user)
    orgs = sorted(by_org)
    # more tickets recently: density grows linearly over the two years
    offsets = sorted(SPAN.total_seconds() * rng.random() ** 0.5 for _ in range(n))
    seq: dict[int, int] = {}
    started = time.perf_counter()
    done = 0
    while done < n:
        chunk = offsets[done:done + CHUNK]
        st = rng.choices(statuses, weights=weights, k=len(chunk))
        pr = rng.choices(Priority.ALL, weights=_seed.PRIORITY_WEIGHTS, k=len(chunk))
        qu = rng.choices(queue_ids, weights=queue_w, k=len(chunk))
        rows = []
        for i, off in enumerate(chunk):
            created = NOW - SPAN + timedelta(seconds=off)
            status = st[i]
            if status in Status.ACTIVE:
                created = max(created, NOW - timedelta(days=rng.expovariate(1 / 12)))
            org = rng.choice(orgs)
            requester = rng.choice(by_org[org])
            contract, types = contracts[org]
            type_id = rng.choices([t for t, _w in types], weights=[w for _t, w in types])[0]
            year = created.year
            seq[year] = seq.get(year, 0) + 1
            assigned = status != Status.NEW and rng.random() < 0.7
            row = {
                "number": format_number(year, seq[year]), "subject": rng.choice(_seed.SUBJECTS),
                "requester_id": requester, "organisation_id": org, "queue_id": qu[i],
                "assignee_id": rng.choice(refs.technicians) if assigned else None,
                "priority": pr[i], "status": status, "channel": "email",
                "created_by_id": requester, "version": 1, "created_at": created,
                "updated_at": created, "contract_id": contract, "ticket_type_id": type_id,
                "sla_minutes_used": 0,
            }
            row.update(_sla_fields(rng, status, created))
            rows.append(row)
        with engine.begin() as conn:
            conn.execute(insert(Ticket.__table__), rows)
        done += len(chunk)
        if progress:
            print(f"  seeded {done:,}/{n:,} tickets ({time.perf_counter() - started:.1f}s)",
                  flush=True)
    with engine.begin() as conn:
        conn.execute(insert(TicketCounter.__table__),
                     [{"year": y, "last_value": v} for y, v in seq.items()])


def add_alerts(engine, rng: random.Random, limit: int | None) -> int:
    """Alerts the scheduler would have written: breach (+ warning) per breached ticket,
    a warning for a fifth of the met ones and for the tickets now in warning."""
    t = Ticket.__table__
    with engine.connect() as conn:
        rows = conn.execute(select(t.c.id, t.c.sla_state, t.c.resolution_due_at).where(
            t.c.sla_state.in_(("breached", "warning", "met")),
            t.c.resolution_due_at.is_not(None))).all()
    alerts = []
    for tid, state, due in rows:
        if state == "met" and rng.random() > 0.2:
            continue
        warn_at = due - timedelta(minutes=rng.uniform(30, 240))
        if warn_at <= NOW:
            alerts.append((warn_at, tid, "warning", due))
        if state == "breached":
            alerts.append((due, tid, "breach", due))
    alerts.sort()
    if limit is not None:
        alerts = alerts[-limit:]
    values = [{"ticket_id": tid, "clock": "resolution", "level": level, "point_at": point,
               "due_at": due, "created_at": point + timedelta(seconds=rng.uniform(1, 60))}
              for point, tid, level, due in alerts]
    with engine.begin() as conn:
        for i in range(0, len(values), CHUNK):
            conn.execute(insert(SlaAlert.__table__), values[i:i + CHUNK])
    return len(values)


# --------------------------------------------------------------------------- measuring


def coordinator(engine) -> Actor:
    with Session(engine) as db:
        user = db.exec(select(User).where(User.role == Role.COORDINATOR)).scalars().first()
        return Actor.from_user(user)


def timed_board(engine, actor: Actor) -> tuple[float, sla_board.SlaBoard]:
    with Session(engine, expire_on_commit=False) as db:
        started = time.perf_counter()
        result = sla_board.board(db, actor, NOW)
        return (time.perf_counter() - started) * 1000, result


def statements(engine, actor: Actor) -> list[tuple[str, Any]]:
    """The SQL statements of one board() call, with their parameters."""
    seen: list[tuple[str, Any]] = []

    def before(_conn, _cursor, statement, parameters, _context, _many) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    try:
        timed_board(engine, actor)
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return seen


def replay(path: Path, stmts: list[tuple[str, Any]], repeat: int = 5) -> None:
    """Each statement alone on the raw driver (median of `repeat`), with its plan."""
    raw = sqlite3.connect(path)
    try:
        for sql, params in stmts:
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                raw.execute(sql, params).fetchall()
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            one_line = " ".join(sql.split())
            print(f"\n{times[len(times) // 2]:8.2f} ms  {one_line[:160]}"
                  f"{' …' if len(one_line) > 160 else ''}")
            plan = [row[-1] for row in raw.execute("EXPLAIN QUERY PLAN " + sql, params)]
            for i, line in enumerate(plan):  # a UNION ALL of 30 days: print each step once
                if line not in plan[:i]:
                    repeat_note = f"  (x{plan.count(line)})" if plan.count(line) > 1 else ""
                    print(f"            plan: {line}{repeat_note}")
    finally:
        raw.close()


def run(tickets: int, runs: int, alerts: int | None, path: Path) -> dict:
    url = f"sqlite:///{path}"
    seed_s = 0.0
    if not path.exists():
        print(f"migrating {path} ...", flush=True)
        migrate(url)
        started = time.perf_counter()
        bulk = create_engine(url)
        _seed.bulk_engine_pragmas(bulk)
        rng = random.Random(11)
        refs = _seed.seed_reference(bulk)
        contracts = seed_contracts(bulk)
        print(f"seeding {tickets:,} tickets ...", flush=True)
        add_tickets(bulk, refs, contracts, tickets, rng)
        n_alerts = add_alerts(bulk, rng, alerts)
        _seed.analyze(bulk)
        bulk.dispose()
        seed_s = time.perf_counter() - started
        print(f"seeded in {seed_s:.1f}s ({n_alerts:,} alerts)", flush=True)
        gc.collect()

    engine = make_engine(url)  # the app's own engine (WAL, pragmas)
    t = Ticket.__table__
    period_start = (NOW.astimezone(ZoneInfo("Europe/Warsaw")).date() - timedelta(days=29))
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(t)).scalar_one()
        active = conn.execute(select(func.count()).select_from(t).where(
            t.c.status.in_(Status.ACTIVE))).scalar_one()
        n_alerts = conn.execute(select(func.count()).select_from(SlaAlert.__table__)).scalar_one()
        in_period = conn.execute(select(func.count()).select_from(t).where(
            t.c.resolved_at >= datetime.combine(period_start, dtime(0), tzinfo=UTC)
        )).scalar_one()
        indexes = [r[0] for r in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type='index' AND tbl_name IN "
            "('ticket','sla_alert') AND name NOT LIKE 'sqlite_%' ORDER BY name").all()]
    print(f"{total:,} tickets, {active:,} active, {in_period:,} resolved in the 30-day "
          f"period (approx.), {n_alerts:,} SLA alerts")
    print(f"indexes on ticket/sla_alert: {', '.join(indexes)}")
    actor = coordinator(engine)

    first_ms, board = timed_board(engine, actor)
    times = [timed_board(engine, actor)[0] for _ in range(runs)]
    load1 = os.getloadavg()[0]
    p50, p95, worst = percentile(times, 50), percentile(times, 95), max(times)
    print(f"\nboard(): first call {first_ms:.1f} ms; {runs} calls: p50 {p50:.1f} ms, "
          f"p95 {p95:.1f} ms, max {worst:.1f} ms (load average {load1:.1f}, "
          f"SQLite {sqlite3.sqlite_version})")
    print(f"  counts {board.counts}; at risk {board.at_risk_total} "
          f"(first due {board.at_risk[0].due_at if board.at_risk else '-'}); breaches today "
          f"{board.breaches.today}, week {board.breaches.week}; overall "
          f"{board.overall.met}/{board.overall.total} = {board.overall.percent} %; "
          f"{len(board.by_contract)} contracts, {len(board.by_type)} types, "
          f"{len(board.chart)} days")

    print("\nstatements of one call, each replayed alone on the raw driver:")
    replay(path, statements(engine, actor))
    engine.dispose()
    verdict = "OK" if p95 <= GOAL_MS else "OVER GOAL"
    print(f"\ngoal ≤ {GOAL_MS:.0f} ms: {verdict}")
    return {"benchmark": "sla_board", "tickets": total, "p50_ms": round(p50, 1),
            "p95_ms": round(p95, 1), "max_ms": round(worst, 1), "first_ms": round(first_ms, 1),
            "active": active, "alerts": n_alerts, "resolved_in_period": in_period,
            "seed_s": round(seed_s, 1), "load1": round(load1, 1)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--alerts", type=int, default=None,
                        help="keep only the N most recent alerts (default: full history)")
    parser.add_argument("--db", type=Path, help="keep the database here; reused if it exists")
    args = parser.parse_args(argv)
    if args.db:
        result = run(args.tickets, args.runs, args.alerts, args.db.resolve())
    else:
        with tempfile.TemporaryDirectory(prefix="pomocnik-bench-") as tmp:
            result = run(args.tickets, args.runs, args.alerts, Path(tmp) / "bench.db")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
