"""Benchmark: the scheduler pass that starts and ends substitutions (issue 13), and what a
substitution costs on every click (building the actor).

    .venv/bin/python benchmarks/substitution_sweep.py [--users 10000] [--runs 5] [--pg URL]
        [--statements]

Seeds a fresh database (alembic migrations; SQLite in a temp folder, or a new PostgreSQL
database on `--pg`) with SQLAlchemy Core executemany: 2 × N staff users, 5 × N historic
substitutions (ended or cancelled) so the table and its indexes are not trivially small,
and 1,000 tickets. Each run then plans N more (each of the first N users away, each
substituted by one of the other N) from a start two days after the previous run's, a
tenth of the substitutes having acted on the tickets (`substitution_ticket`: the end pass
writes their timeline events); planning is not timed.

Then, each run in a new Session like one scheduler tick, `substitution_schedule.run_pass`:
1. at T0: starts all N (audit entries, live changes) — the goal: ≤ 200 ms for 10,000;
2. a day later: ends all N (audit, 1,000 "substitution ended" timeline events);
3. once more: finds nothing due.

`--statements` also prints, per pass, the wall time of each statement (by its first
words) and what is left (commits, Python): the breakdown docs/performance.md quotes.

For every click: `actor_loading.load` for a technician who covers nobody (the cost every
staff member pays: one indexed query) and for one who covers a colleague, against the
base load without substitutions (a built-in role: no query at all), each in a session
whose connection is already open, as in `auth.resolve_session`.

The LAST line is one JSON object: {"benchmark": "substitution_sweep", "backend": ..,
"users": .., "start_ms": .., "end_ms": .., "idle_ms": .., "start_max_ms": ..,
"end_max_ms": .., "actor_base_us": .., "actor_nobody_us": .., "actor_covering_us": ..,
"seed_s": .., "load1": ..}
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, insert, select, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _seed

from helpdesk_app.cli import migrate
from helpdesk_app.db import make_engine
from helpdesk_app.domain import actor_loading, substitution_schedule
from helpdesk_app.models import (
    Organisation,
    OrgKind,
    Queue,
    Role,
    Substitution,
    SubstitutionState,
    SubstitutionTicket,
    Ticket,
    User,
)

GOAL_MS = 200.0
T0 = datetime(2026, 3, 18, 12, 0, tzinfo=UTC)
TICKETS = 1_000


def seed(engine: Engine, n: int) -> tuple[list[int], list[int], list[int]]:
    """Staff, history, tickets; returns (absent ids, substitute ids, ticket ids)."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        org = conn.execute(insert(Organisation.__table__).values(
            name="Benchmark", kind=OrgKind.PROVIDER, created_at=now)).inserted_primary_key[0]
        client_org = conn.execute(insert(Organisation.__table__).values(
            name="Klient", kind=OrgKind.CLIENT, created_at=now)).inserted_primary_key[0]
        conn.execute(insert(User.__table__), [
            _seed._user(f"staff{i:06d}@bench.example", f"Staff {i:06d}", Role.TECHNICIAN,
                        org, now) for i in range(2 * n)]
            + [_seed._user("client@klient.example", "Client", Role.CLIENT, client_org, now)])
        ids = conn.execute(select(User.id).where(User.role == Role.TECHNICIAN)
                           .order_by(User.id)).scalars().all()
        client = conn.execute(select(User.id).where(User.role == Role.CLIENT)).scalar_one()
        absent, substitutes = ids[:n], ids[n:]
        history = [
            {"absent_id": absent[i % n], "substitute_id": substitutes[(i * 7) % n],
             "starts_at": T0 - timedelta(days=30 + k * 3),
             "ends_at": T0 - timedelta(days=29 + k * 3),
             "note": "", "absent_keeps_notifications": False,
             "state": SubstitutionState.ENDED if k % 2 else SubstitutionState.CANCELLED,
             "created_by_id": absent[i % n], "created_at": T0 - timedelta(days=40)}
            for i in range(n) for k in range(5)]
        for chunk in range(0, len(history), 20_000):
            conn.execute(insert(Substitution.__table__), history[chunk:chunk + 20_000])
        queue = conn.execute(insert(Queue.__table__).values(
            name="Service Desk", description="", is_active=True,
            position=0)).inserted_primary_key[0]
        conn.execute(insert(Ticket.__table__), [
            {"number": f"2026-{i:06d}", "subject": "Drukarka", "requester_id": client,
             "organisation_id": client_org, "queue_id": queue, "assignee_id": absent[i % n],
             "priority": 2, "status": "open", "channel": "web", "created_by_id": client,
             "version": 1, "created_at": T0, "updated_at": T0, "sla_state": "none",
             "sla_minutes_used": 0} for i in range(1, TICKETS + 1)])
        tickets = conn.execute(select(Ticket.id).order_by(Ticket.id)).scalars().all()
    plan_round(engine, absent, substitutes, tickets, T0)  # statistics see planned rows too
    if engine.dialect.name == "sqlite":
        _seed.analyze(engine)
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return absent, substitutes, tickets


def plan_round(engine: Engine, absent: list[int], substitutes: list[int], tickets: list[int],
               start: datetime) -> None:
    """N substitutions from `start` for a day (not timed), and a tenth of the substitutes
    having acted on the tickets (the end pass writes their timeline events)."""
    n = len(absent)
    with engine.begin() as conn:
        first = conn.execute(select(func.coalesce(func.max(Substitution.id), 0))).scalar_one()
        conn.execute(insert(Substitution.__table__), [
            {"absent_id": a, "substitute_id": s, "starts_at": start,
             "ends_at": start + timedelta(days=1), "note": "Urlop",
             "absent_keeps_notifications": False, "state": SubstitutionState.SCHEDULED,
             "created_by_id": a, "created_at": start - timedelta(days=7)}
            for a, s in zip(absent, substitutes, strict=True)])
        current = conn.execute(select(Substitution.id).where(Substitution.id > first)
                               .order_by(Substitution.id)).scalars().all()
        conn.execute(insert(SubstitutionTicket.__table__), [
            {"substitution_id": current[(i * 10) % n], "ticket_id": t,
             "actor_id": substitutes[(i * 10) % n], "created_at": start + timedelta(hours=1)}
            for i, t in enumerate(tickets)])


class Statements:
    """With --statements: the wall time of each statement a timed pass runs (from sending
    it to having its answer), summed per pass by its first words; what is left of the pass
    is commits and Python."""

    def __init__(self, engine: Engine) -> None:
        self.passes: dict[str, list[dict[str, float]]] = defaultdict(list)
        self.current: dict[str, float] | None = None
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, *_args: Any) -> None:
        conn.info["statement_t0"] = time.perf_counter()

    def _after(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.current is not None:
            label = " ".join(statement.split()[:3])[:40]
            ms = (time.perf_counter() - conn.info["statement_t0"]) * 1000
            self.current[label] = self.current.get(label, 0.0) + ms

    def print(self) -> None:
        for kind, passes in self.passes.items():
            print(f"  {kind} pass, per statement (p50 over the runs):")
            labels = dict.fromkeys(label for p in passes for label in p if label != "pass")
            for label in [*labels, "pass"]:
                values = [p.get(label, 0.0) for p in passes]
                shown = "the whole pass" if label == "pass" else label
                print(f"    {shown:<42} {statistics.median(values):7.1f} ms")
            rest = [p["pass"] - sum(v for k, v in p.items() if k != "pass") for p in passes]
            print(f"    {'(commits, Python)':<42} {statistics.median(rest):7.1f} ms")


def timed_pass(engine: Engine, now: datetime, statements: Statements | None = None,
               kind: str = "") -> tuple[float, substitution_schedule.PassResult]:
    with Session(engine, expire_on_commit=False) as db:
        if statements is not None:
            statements.current = {}
        t0 = time.perf_counter()
        result = substitution_schedule.run_pass(db, now)
        ms = (time.perf_counter() - t0) * 1000
        if statements is not None and kind:
            statements.passes[kind].append({**statements.current, "pass": ms})
        if statements is not None:
            statements.current = None
        return ms, result


def actor_costs(engine: Engine, runs: int = 300) -> dict[str, float]:
    """µs per actor build: base (no substitution query), covering nobody, covering one."""
    with Session(engine, expire_on_commit=False) as db:
        # the first N staff are only ever absent, never substitutes
        nobody = db.scalars(select(User).where(User.role == Role.TECHNICIAN)
                            .order_by(User.id).limit(1)).one()
        active = db.scalars(select(Substitution).order_by(Substitution.id.desc())
                            .limit(1)).one()
        active.state, active.ends_at = SubstitutionState.ACTIVE, datetime.now(UTC) + \
            timedelta(days=1)
        db.add(active)
        db.commit()
        covering = db.get(User, active.substitute_id)
        absent_id = active.absent_id
        db.expunge_all()

    def per_call(fn) -> float:
        # as in auth.resolve_session: the session row and the user were just read, so the
        # connection is open; what is timed is building the actor
        samples = []
        for _ in range(runs):
            with Session(engine) as db:
                db.get(User, nobody.id)
                t0 = time.perf_counter()
                fn(db)
                samples.append((time.perf_counter() - t0) * 1e6)
        return statistics.median(samples)

    out = {"actor_base_us": per_call(lambda db: actor_loading._load_base(db, nobody)),
           "actor_nobody_us": per_call(lambda db: actor_loading.load(db, nobody)),
           "actor_covering_us": per_call(lambda db: actor_loading.load(db, covering))}
    with Session(engine) as db:
        assert actor_loading.load(db, covering).covering_ids == {absent_id}
        assert actor_loading.load(db, nobody).covering_ids == frozenset()
    return out


def run(n: int, runs: int, url: str, per_statement: bool = False) -> dict:
    migrate(url)
    seeder = make_engine(url)
    _seed.bulk_engine_pragmas(seeder)
    t0 = time.perf_counter()
    absent, substitutes, tickets = seed(seeder, n)
    seed_s = time.perf_counter() - t0
    seeder.dispose()
    engine = make_engine(url)
    print(f"Seeded {2 * n:,} staff, {5 * n:,} historic substitutions and {TICKETS:,} "
          f"tickets in {seed_s:.1f} s ({engine.dialect.name}); each run plans {n:,} more")
    starts, ends, idles = [], [], []
    statements = Statements(engine) if per_statement else None
    for i in range(runs + 1):  # the first run warms caches and statement compilation
        start = T0 + timedelta(days=2 * i)
        if i:
            plan_round(engine, absent, substitutes, tickets, start)
        ms_start, started = timed_pass(engine, start, statements, "start" if i else "")
        ms_end, ended = timed_pass(engine, start + timedelta(days=1), statements,
                                   "end" if i else "")
        ms_idle, idle = timed_pass(engine, start + timedelta(days=1))
        assert len(started.started) == n and len(ended.ended) == n, (started, ended)
        assert ended.timeline_events == TICKETS and not idle.started and not idle.ended
        if i:
            starts.append(ms_start)
            ends.append(ms_end)
            idles.append(ms_idle)
    costs = actor_costs(engine)
    engine.dispose()
    load1 = os.getloadavg()[0]
    start_ms, end_ms = statistics.median(starts), statistics.median(ends)
    print(f"\nResults for {n:,} substitutions ({runs} runs; {os.cpu_count()} CPUs, "
          f"load average {load1:.1f}):")
    for label, values in (("start all (T0)", starts), ("end all (T0 + 1 day)", ends),
                          ("nothing due", idles)):
        verdict = "" if label == "nothing due" else (
            "  -> meets" if statistics.median(values) <= GOAL_MS else "  -> MISSES")
        print(f"  {label:<22} p50 {statistics.median(values):8.1f} ms  "
              f"max {max(values):8.1f} ms{verdict} ≤ {GOAL_MS:.0f} ms" if verdict else
              f"  {label:<22} p50 {statistics.median(values):8.1f} ms  "
              f"max {max(values):8.1f} ms")
    if statements is not None:
        statements.print()
    print(f"  actor build (every click): base {costs['actor_base_us']:.0f} µs, "
          f"covering nobody {costs['actor_nobody_us']:.0f} µs, "
          f"covering one colleague {costs['actor_covering_us']:.0f} µs")
    return {"benchmark": "substitution_sweep", "backend": make_url(url).get_backend_name(),
            "users": n, "start_ms": round(start_ms, 1), "end_ms": round(end_ms, 1),
            "idle_ms": round(statistics.median(idles), 2),
            "start_max_ms": round(max(starts), 1), "end_max_ms": round(max(ends), 1),
            **{k: round(v) for k, v in costs.items()}, "seed_s": round(seed_s, 1),
            "load1": round(load1, 1)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pg", help="a PostgreSQL server URL: a new database is made there")
    parser.add_argument("--statements", action="store_true",
                        help="also print where each pass spends its time, per statement")
    args = parser.parse_args(argv)
    if args.pg:
        with _seed.pg_database(args.pg) as url:
            result = run(args.users, args.runs, url, args.statements)
    else:
        with tempfile.TemporaryDirectory(prefix="pomocnik-bench-") as tmp:
            result = run(args.users, args.runs, f"sqlite:///{Path(tmp) / 'bench.db'}",
                         args.statements)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
