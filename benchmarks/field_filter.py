"""Benchmark: filtering the ticket list by a custom field value on a big SQLite DB.

    .venv/bin/python benchmarks/field_filter.py --tickets 100000 [--runs 200] [--db PATH]

Creates a fresh database (alembic migrations), bulk-seeds tickets (benchmarks/_seed.py)
and six custom fields populated the way a service desk fills them:

- category (dropdown, 8 options, skewed, 90 % filled) — one very rare option;
- affected users (whole number, long-tailed 1..2000, 60 % filled);
- visit date (date over the two years, 40 % filled);
- components (multi-select, 12 options, 1-3 chosen, 50 % filled);
- asset tag (short text, 70 % filled); on site (checkbox, 30 % ticked).

Then ANALYZE and times the list the way `tickets.list_tickets` runs it — the access scope
and list filters from `tickets._filters`, plus `fields.filter_clause(...)`, ordered by
`tickets._order` (priority), one page with LIMIT/OFFSET literals, the count capped at
`tickets.COUNT_CAP`, and the page's labels (`tickets._rows`) — each call in a new Session:
a dropdown value, a number range, a date range and a multi-select value, each without a
status filter and with the default "active" filter. Also (for information) sorting the
whole list by a field. The last printed line is one JSON object.
"""

from __future__ import annotations

import os
import random
import sqlite3
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, literal
from sqlmodel import Session, select

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _seed
from ticket_list import SqlRecorder, agent_actor, explain, fmt, percentile, replay

from helpdesk_app.cli import migrate
from helpdesk_app.db import make_engine
from helpdesk_app.domain import fields, tickets
from helpdesk_app.domain.actor import Actor
from helpdesk_app.models import (
    CustomField,
    FieldOption,
    FieldScope,
    FieldType,
    Ticket,
    TicketFieldChoice,
    TicketFieldValue,
)

GOAL_P95_MS = 100.0
CATEGORIES = [("network", 22), ("workstation", 30), ("printer", 14), ("email", 12),
              ("erp", 9), ("access", 8), ("phone", 4.9), ("cctv", 0.1)]
COMPONENTS = [f"comp_{i:02d}" for i in range(12)]
COMPONENT_W = [30, 20, 14, 10, 8, 6, 4, 3, 2, 1.5, 1, 0.5]
SPAN_DAYS = 730


def seed_fields(engine: Engine, *, seed: int = 5) -> dict[str, int]:
    """Six fields used everywhere and values for the tickets already in the database."""
    rng = random.Random(seed)
    specs = [("category", FieldType.DROPDOWN), ("affected_users", FieldType.NUMBER),
             ("visit_date", FieldType.DATE), ("components", FieldType.MULTI_SELECT),
             ("asset_tag", FieldType.SHORT_TEXT), ("on_site", FieldType.CHECKBOX)]
    ids: dict[str, int] = {}
    with engine.begin() as conn:
        for order, (key, ftype) in enumerate(specs):
            ids[key] = conn.execute(insert(CustomField.__table__).values(
                key=key, name_pl=key, name_en=key, field_type=ftype, help_pl="", help_en="",
                default_value=None, sort_order=order, is_active=True)).inserted_primary_key[0]
            conn.execute(insert(FieldScope.__table__).values(
                field_id=ids[key], contract_id=None, ticket_type_id=None, required_on="never"))
        conn.execute(insert(FieldOption.__table__), [
            {"field_id": ids["category"], "value": v, "label_pl": v, "label_en": v,
             "sort_order": i, "is_active": True} for i, (v, _w) in enumerate(CATEGORIES)] + [
            {"field_id": ids["components"], "value": v, "label_pl": v, "label_en": v,
             "sort_order": i, "is_active": True} for i, v in enumerate(COMPONENTS)])
        ticket_ids = conn.execute(select(Ticket.id).order_by(Ticket.id)).scalars().all()
    cats, cat_w = zip(*CATEGORIES, strict=True)
    today = datetime.now(UTC).date()
    for start in range(0, len(ticket_ids), _seed.CHUNK):
        values: list[dict[str, Any]] = []
        choices: list[dict[str, Any]] = []
        for tid in ticket_ids[start:start + _seed.CHUNK]:
            base = {"ticket_id": tid, "value_text": None, "value_number": None,
                    "value_date": None, "value_datetime": None, "value_bool": None,
                    "value_user_id": None}
            if rng.random() < 0.9:
                values.append({**base, "field_id": ids["category"],
                               "value_text": rng.choices(cats, cat_w)[0]})
            if rng.random() < 0.6:
                n = min(2000, max(1, int(rng.lognormvariate(1.5, 1.2))))
                values.append({**base, "field_id": ids["affected_users"],
                               "value_number": Decimal(n)})
            if rng.random() < 0.4:
                values.append({**base, "field_id": ids["visit_date"],
                               "value_date": today - timedelta(days=rng.randrange(SPAN_DAYS))})
            if rng.random() < 0.5:
                for v in set(rng.choices(COMPONENTS, COMPONENT_W, k=rng.randint(1, 3))):
                    choices.append({"ticket_id": tid, "field_id": ids["components"], "value": v})
            if rng.random() < 0.7:
                values.append({**base, "field_id": ids["asset_tag"],
                               "value_text": f"AT-{rng.randrange(100000):05d}"})
            if rng.random() < 0.3:
                values.append({**base, "field_id": ids["on_site"], "value_bool": True})
        with engine.begin() as conn:
            conn.execute(insert(TicketFieldValue.__table__), values)
            if choices:
                conn.execute(insert(TicketFieldChoice.__table__), choices)
    return ids


def list_page(db: Session, actor: Actor, q: tickets.ListQuery, extra: list[Any],
              order: list[Any] | None = None) -> tickets.TicketPage:
    """tickets.list_tickets with extra WHERE clauses (how it will call filter_clause)."""
    clauses = [*tickets._filters(db, actor, q), *extra]
    page_size, page = q.page_size, q.page
    rows = db.exec(
        select(Ticket).where(*clauses).order_by(*(order or tickets._order(db, actor, q)))
        .offset(literal((page - 1) * page_size, literal_execute=True))
        .limit(literal(page_size, literal_execute=True))
    ).all()
    capped = select(Ticket.id).where(*clauses).limit(tickets.COUNT_CAP + 1).subquery()
    total = db.exec(select(func.count()).select_from(capped)).one()
    return tickets.TicketPage(rows=tickets._rows(db, rows), total=min(total, tickets.COUNT_CAP),
                              total_capped=total > tickets.COUNT_CAP, page=page,
                              page_size=page_size)


def timed(engine: Engine, fn: Callable[[Session], Any]) -> tuple[float, Any]:
    with Session(engine, expire_on_commit=False) as db:
        t0 = time.perf_counter()
        out = fn(db)
        return (time.perf_counter() - t0) * 1000, out


def make_filter(kind: str, rng: random.Random) -> tuple[str, str, Any]:
    """(field key, op, value) of one realistic filter of `kind`."""
    if kind == "dropdown":
        return "category", "eq", rng.choice([c for c, _w in CATEGORIES])
    if kind == "number":
        low = rng.choice([1, 2, 5, 10, 20, 50, 100, 500])
        return "affected_users", "between", (str(low), str(low * rng.choice([2, 5, 10])))
    if kind == "date":
        start = datetime.now(UTC).date() - timedelta(days=rng.randrange(SPAN_DAYS))
        days = rng.choice([1, 7, 31, 92])
        return "visit_date", "between", (start.isoformat(),
                                         (start + timedelta(days=days)).isoformat())
    return "components", "eq", rng.choice(COMPONENTS)


def run(n_tickets: int, runs: int, db_path: Path) -> dict[str, Any]:
    url = f"sqlite:///{db_path}"
    seed_s = 0.0
    migrate(url)
    seeder = make_engine(url)
    _seed.bulk_engine_pragmas(seeder)
    with seeder.connect() as conn:
        existing = conn.execute(select(func.count()).select_from(Ticket)).scalar_one()
        has_fields = conn.execute(select(func.count()).select_from(CustomField)).scalar_one()
    if existing and has_fields:
        print(f"Using existing data in {db_path}: {existing:,} tickets (no seeding)")
        n_tickets = existing
    else:
        print(f"Seeding {n_tickets:,} tickets with custom field values into {db_path} ...",
              flush=True)
        t0 = time.perf_counter()
        if not existing:
            refs = _seed.seed_reference(seeder)
            _seed.add_tickets(seeder, refs, n_tickets, progress=n_tickets >= 200_000)
        seed_fields(seeder)
        _seed.analyze(seeder)
        seed_s = time.perf_counter() - t0
        print(f"Seeded in {seed_s:.1f}s (incl. ANALYZE); "
              f"database {db_path.stat().st_size / 1e6:,.0f} MB")
    seeder.dispose()

    engine = make_engine(url)
    rec = SqlRecorder(engine)
    actor = agent_actor(engine)
    with Session(engine) as db:
        n_values = db.exec(select(func.count()).select_from(TicketFieldValue)).one()
        n_choices = db.exec(select(func.count()).select_from(TicketFieldChoice)).one()
    print(f"{n_values:,} typed values, {n_choices:,} multi-select choices; agent "
          f"{actor.full_name} ({actor.role})")

    kinds = ("dropdown", "number", "date", "multi")
    statuses = (None, "active")
    rng = random.Random(3)
    plan = [(kinds[i % 4], statuses[(i // 4) % 2]) for i in range(runs)]
    rng.shuffle(plan)

    def call(db: Session, key: str, op: str, value: Any, status: str | None) -> Any:
        clause = fields.filter_clause(db, actor, key, op, value)
        return list_page(db, actor, tickets.ListQuery(status=status, sort="priority"),
                         [clause])

    # warm-up, then one EXPLAIN per filter kind
    for kind, status in plan[:8]:
        timed(engine, lambda db, k=kind, s=status: call(db, *make_filter(k, rng), s))
    for kind in kinds:
        key, op, value = make_filter(kind, random.Random(11))
        with rec.recording():
            timed(engine, lambda db, a=(key, op, value): call(db, *a, "active"))
        print(f"\nEXPLAIN QUERY PLAN, {kind} filter {key} {op} {value!r}, status 'active':")
        explain(engine, [s for s in rec.last if "FROM ticket" in s[0]][:2])

    all_ms: list[float] = []
    per: dict[str, list[float]] = defaultdict(list)
    matches: dict[str, list[int]] = defaultdict(list)
    with rec.recording():
        for kind, status in plan:
            key, op, value = make_filter(kind, rng)
            ms, page = timed(engine, lambda db, a=(key, op, value), s=status: call(db, *a, s))
            all_ms.append(ms)
            label = f"{kind:<8} status {status or 'any'}"
            per[label].append(ms)
            matches[label].append(page.total)
    sql_times = replay(engine, rec.last)

    sort_ms: list[float] = []
    with Session(engine) as db:
        sort_field = fields.get_field(db, "affected_users")
    for _ in range(max(10, runs // 20)):
        expr = fields.sort_column(sort_field)
        ms, _page = timed(engine, lambda db, e=expr: list_page(
            db, actor, tickets.ListQuery(status="active"), [], [e.is_(None), e.desc(),
                                                               Ticket.id.desc()]))
        sort_ms.append(ms)

    load1 = os.getloadavg()[0]
    p95 = percentile(all_ms, 95)
    verdict = "meets" if p95 <= GOAL_P95_MS else "MISSES"
    print(f"\nResults at {n_tickets:,} tickets ({runs} runs; {os.cpu_count()} CPUs, load "
          f"average {load1:.1f}, SQLite {sqlite3.sqlite_version}):")
    print(f"  filter by a custom field      {fmt(all_ms)}  -> {verdict} p95 ≤ {GOAL_P95_MS} ms")
    for label, values in sorted(per.items()):
        m = matches[label]
        print(f"    {label:<24} {fmt(values)}  matches {min(m):,}..{max(m):,}")
    print("    the same SQL statements replayed alone (raw driver, execute + fetch):")
    for label, values in sorted(sql_times.items()):
        print(f"      {label:<22} {fmt(values)}")
    print(f"  (info) sort 'active' by number field  {fmt(sort_ms)}")
    engine.dispose()
    return {
        "benchmark": "field_filter",
        "tickets": n_tickets,
        "p50_ms": round(percentile(all_ms, 50), 2),
        "p95_ms": round(p95, 2),
        "max_ms": round(max(all_ms), 2),
        **{f"{k.split()[0]}_{k.split()[-1]}_p95_ms": round(percentile(v, 95), 2)
           for k, v in sorted(per.items())},
        "sql_page_p95_ms": round(percentile(sql_times["page of tickets"], 95), 2),
        "sql_count_p95_ms": round(percentile(sql_times["count (capped)"], 95), 2),
        "sort_active_p50_ms": round(percentile(sort_ms, 50), 2),
        "seed_s": round(seed_s, 1),
        "load1": round(load1, 1),
    }


def main(argv: list[str] | None = None) -> None:
    _seed.run_cli(run, __doc__, argv)


if __name__ == "__main__":
    main()
