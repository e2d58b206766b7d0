"""Benchmark: SLA recompute after a calendar change (domain/sla_recompute.py).

    .venv/bin/python benchmarks/sla_recompute.py [--tickets 50000] [--open 10000]
                                                 [--batch 500] [--db PATH] [--compare 500]

Creates a fresh SQLite database (alembic migrations) and bulk-seeds it (benchmarks/_seed.py
for people, queues and ticket rows; SQLAlchemy Core executemany for the rest):

- calendar "Biuro": Mon–Fri 8:00–16:00 Europe/Warsaw, Polish holidays, two company
  closures, cut-off 15:00; one contract per client organisation (30) on it, each with three
  ticket types (failure / inspection / consultation; per-priority overrides on failure);
- N tickets over two years, exactly `--open` of them open (new / open / pending
  2:5:3, received in the last few weeks), the rest resolved or closed;
- a realistic timeline for every ticket: staff first replies (sometimes only an internal
  note or a client reply first), STATUS events new → open, pauses (open → pending → open),
  some reopenings (resolved → open), resolution and closing for the finished ones.

"Now" is Wednesday 18 March 2026, 13:00 Warsaw. The SLA columns are first computed with
the original calendar (`recompute_many` over the open tickets: also the warm-up of a fresh
process — `holidays` import, calendar year tables). Then an admin edits the calendar
through `calendar_config.save_calendar` (windows become 7:00–15:00, another closure; the
version bumps; on a kept `--db` each run moves the windows back and forth) and, in a new
Session like one UI event, is timed:

1. `affected_ticket_ids(db, calendar_id=...)`: the open tickets depending on it;
2. `recompute_many(db, ids, now, progress=...)`: batches with a commit and a progress
   line each (what the admin page shows).

Before timing, `--compare` random open tickets are also recomputed one by one with
`sla.recompute_ticket` on a copy of the values to check the stored columns are identical
(the script exits with status 1 otherwise) and to print the per-ticket path's speed.

Goal: ≤ 5 s for 10,000 open tickets. The LAST line is one JSON object:
{"benchmark": "sla_recompute", "open_tickets": .., "seconds": .., "per_s": ..,
 "find_ms": .., "recompute_s": .., "tickets": .., "events": .., "batch": ..,
 "initial_s": .., "one_by_one_per_s": .., "seed_s": ..}
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, create_engine, func, insert, select, update
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _seed

from helpdesk_app.cli import migrate
from helpdesk_app.db import make_engine
from helpdesk_app.domain import calendar_config, sla
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.sla_recompute import SLA_COLUMNS, affected_ticket_ids, recompute_many
from helpdesk_app.models import (
    BusinessCalendar,
    CalendarClosedDate,
    CalendarWindow,
    Contract,
    EventKind,
    Organisation,
    OrgKind,
    Priority,
    Role,
    Status,
    Ticket,
    TicketType,
    TicketTypeTarget,
    TimelineEvent,
    User,
)

GOAL_S = 5.0
WAW = ZoneInfo("Europe/Warsaw")
NOW = datetime(2026, 3, 18, 13, 0, tzinfo=WAW).astimezone(UTC)
CALENDAR = "Biuro 8–16"
CLOSURES = [(date(2026, 1, 2), "Dzień wolny za święto"), (date(2026, 5, 4), "Inwentaryzacja")]
OPEN_WEIGHTS = {Status.NEW: 2, Status.OPEN: 5, Status.PENDING: 3}
DONE_WEIGHTS = {Status.RESOLVED: 15, Status.CLOSED: 85}
TYPES = [  # name pl, name en, reaction, resolution, per-priority overrides
    ("Awaria", "Failure", 60, 480, {Priority.URGENT: (15, 120), Priority.HIGH: (30, 240)}),
    ("Przegląd", "Inspection", 240, 2400, {}),
    ("Konsultacja", "Consultation", 120, 960, {Priority.LOW: (None, 1920)}),
]
CHUNK = 20_000


def seed_sla_config(conn, created: datetime) -> tuple[int, dict[int, tuple[int, list[int]]]]:
    """Calendar, contracts and ticket types. Returns (calendar id, {org: (contract, types)})."""
    cal_id = conn.execute(insert(BusinessCalendar.__table__).values(
        name=CALENDAR, timezone="Europe/Warsaw", always_open=False, holiday_country="PL",
        cutoff=dtime(15), version=1, created_at=created)).inserted_primary_key[0]
    conn.execute(insert(CalendarWindow.__table__), [
        {"calendar_id": cal_id, "weekday": d, "start": dtime(8), "end": dtime(16)}
        for d in range(5)])
    conn.execute(insert(CalendarClosedDate.__table__), [
        {"calendar_id": cal_id, "day": d, "name": n} for d, n in CLOSURES])
    orgs = conn.execute(select(Organisation.id).where(
        Organisation.kind == OrgKind.CLIENT).order_by(Organisation.id)).scalars().all()
    out: dict[int, tuple[int, list[int]]] = {}
    for i, org in enumerate(orgs):
        contract = conn.execute(insert(Contract.__table__).values(
            organisation_id=org, name=f"Umowa {i + 1}", valid_from=date(2024, 1, 1),
            calendar_id=cal_id, is_key=i % 5 == 0, created_at=created,
            escalation_action="none")).inserted_primary_key[0]
        type_ids = []
        for name_pl, name_en, reaction, resolution, overrides in TYPES:
            type_id = conn.execute(insert(TicketType.__table__).values(
                contract_id=contract, name_pl=name_pl, name_en=name_en,
                reaction_minutes=reaction, resolution_minutes=resolution,
                warning_percent=75, is_active=True)).inserted_primary_key[0]
            type_ids.append(type_id)
            for priority, (r, s) in overrides.items():
                conn.execute(insert(TicketTypeTarget.__table__).values(
                    ticket_type_id=type_id, priority=priority, reaction_minutes=r,
                    resolution_minutes=s))
        out[org] = (contract, type_ids)
    return cal_id, out


def _history(rng: random.Random, created: datetime, final: str, end: datetime,
             staff: list[int], client: int) -> tuple[list[tuple], datetime]:
    """(kind, author, public, data, at) events from `created` to before `end`, ending in
    status `final`; returns them and the instant of the last one."""
    events: list[tuple] = []
    span = max((end - created).total_seconds(), 120.0)
    # Event instants spread over the ticket's life so far, ascending.
    points = sorted(created + timedelta(seconds=span * rng.random() ** 1.5)
                    for _ in range(14))
    it = iter(points)
    tech = rng.choice(staff)

    def at() -> datetime:
        return next(it)

    if rng.random() < 0.3:
        events.append((EventKind.REPLY, client, True, {}, at()))  # the client adds details
    if final == Status.NEW:
        if rng.random() < 0.3:
            events.append((EventKind.NOTE, tech, False, {}, at()))
        return events, points[-1]
    first = at()
    if rng.random() < 0.2:  # an internal note before the first answer
        events.append((EventKind.NOTE, tech, False, {}, first))
        first = at()
    events.append((EventKind.REPLY, tech, True, {}, first))
    events.append((EventKind.STATUS, tech, True, {"old": Status.NEW, "new": Status.OPEN}, first))
    state = Status.OPEN
    for _ in range(rng.choice((0, 0, 1, 1, 2))):  # pauses: waiting for the client
        events.append((EventKind.STATUS, tech, True,
                       {"old": state, "new": Status.PENDING}, at()))
        events.append((EventKind.REPLY, client, True, {}, at()))
        state = Status.PENDING
        events.append((EventKind.STATUS, tech, True,
                       {"old": state, "new": Status.OPEN}, at()))
        state = Status.OPEN
    if final == Status.PENDING:
        events.append((EventKind.STATUS, tech, True, {"old": state, "new": final}, at()))
        return events, points[-1]
    if final == Status.OPEN:
        if rng.random() < 0.1:  # resolved too early, reopened by the client
            events.append((EventKind.STATUS, tech, True,
                           {"old": state, "new": Status.RESOLVED}, at()))
            events.append((EventKind.STATUS, client, True,
                           {"old": Status.RESOLVED, "new": Status.OPEN}, at()))
        return events, points[-1]
    events.append((EventKind.STATUS, tech, True, {"old": state, "new": Status.RESOLVED}, at()))
    if final == Status.CLOSED:
        events.append((EventKind.STATUS, None, True,
                       {"old": Status.RESOLVED, "new": Status.CLOSED}, at()))
    return events, points[-1]


def seed_histories(engine, n_open: int, rng: random.Random) -> tuple[int, int]:
    """Statuses, creation instants, contracts/types and timelines. Returns (open, events)."""
    t = Ticket.__table__
    with engine.begin() as conn:
        _cal_id, by_org = seed_sla_config(conn, NOW - timedelta(days=800))
        staff = conn.execute(select(User.id).where(
            User.role.in_(Role.STAFF))).scalars().all()
        tickets = conn.execute(select(t.c.id, t.c.created_at, t.c.organisation_id,
                                      t.c.requester_id).order_by(t.c.id)).all()
    open_ids = set(rng.sample([row[0] for row in tickets], n_open))
    ticket_rows, events = [], []
    for tid, created, org, requester in tickets:
        contract, types = by_org[org]
        if tid in open_ids:
            status = rng.choices(list(OPEN_WEIGHTS), weights=list(OPEN_WEIGHTS.values()))[0]
            created = NOW - timedelta(days=min(rng.expovariate(1 / 10), 60))
            end = NOW - timedelta(minutes=1)
        else:
            status = rng.choices(list(DONE_WEIGHTS), weights=list(DONE_WEIGHTS.values()))[0]
            created = min(created, NOW - timedelta(days=2))
            end = created + timedelta(minutes=rng.expovariate(1 / 2880) + 30)
            end = min(end, NOW - timedelta(minutes=1))
        history, last = _history(rng, created, status, end, staff, requester)
        for kind, author, public, data, at in history:
            events.append({"ticket_id": tid, "kind": kind, "author_id": author,
                           "is_public": public, "body": "", "data": data, "created_at": at})
        ticket_rows.append({"tid": tid, "status": status, "created_at": created,
                            "updated_at": max(last, created), "contract_id": contract,
                            "ticket_type_id": rng.choices(types, weights=(6, 1, 3))[0]})
    stmt = update(t).where(t.c.id == bindparam("tid")).values(
        status=bindparam("status"), created_at=bindparam("created_at"),
        updated_at=bindparam("updated_at"), contract_id=bindparam("contract_id"),
        ticket_type_id=bindparam("ticket_type_id"))
    events.sort(key=lambda e: (e["created_at"], e["ticket_id"]))  # ids grow with time
    with engine.begin() as conn:
        for i in range(0, len(ticket_rows), CHUNK):
            conn.execute(stmt, ticket_rows[i:i + CHUNK])
        for i in range(0, len(events), CHUNK):
            conn.execute(insert(TimelineEvent.__table__), events[i:i + CHUNK])
    return len(open_ids), len(events)


def _columns(engine, ids: list[int]) -> dict[int, tuple]:
    t = Ticket.__table__
    cols = [t.c.id] + [t.c[name] for name in SLA_COLUMNS]
    with engine.connect() as conn:
        return {row[0]: tuple(row[1:]) for row in conn.execute(
            select(*cols).where(t.c.id.in_(ids)))}


def compare_one_by_one(engine, ids: list[int]) -> float:
    """`sla.recompute_ticket` on `ids` must store exactly what the bulk path stored.
    Rolls its writes back. Returns tickets per second of the per-ticket path."""
    bulk = _columns(engine, ids)
    with Session(engine, expire_on_commit=False) as db:
        started = time.perf_counter()
        for tid in ids:
            sla.recompute_ticket(db, tid, NOW)
        seconds = time.perf_counter() - started
        db.commit()
    single = _columns(engine, ids)
    bad = [tid for tid in ids if bulk[tid] != single[tid]]
    if bad:
        print(f"MISMATCH bulk vs recompute_ticket on {len(bad)} tickets, e.g. {bad[:5]}:")
        for tid in bad[:3]:
            print(f"  {tid}: bulk {bulk[tid]}\n  {' ' * len(str(tid))}  one  {single[tid]}")
        sys.exit(1)
    return len(ids) / seconds


def change_calendar(engine) -> str:
    """An admin edits the calendar: the windows move by an hour (8–16 ⇄ 7–15; a re-run on
    a kept database moves them back) and a closure is added (the version bumps)."""
    with Session(engine, expire_on_commit=False) as db:
        admin = db.execute(select(User).where(User.role == Role.ADMIN).limit(1)).scalar_one()
        cal = db.execute(select(BusinessCalendar).where(
            BusinessCalendar.name == CALENDAR)).scalar_one()
        first = db.execute(select(CalendarWindow.start).where(
            CalendarWindow.calendar_id == cal.id).limit(1)).scalar_one()
        start = dtime(7) if first == dtime(8) else dtime(8)
        end = dtime(start.hour + 8)
        calendar_config.save_calendar(db, Actor.from_user(admin), calendar_config.CalendarInput(
            name=CALENDAR, windows=[(d, start, end) for d in range(5)],
            closed_dates=[*CLOSURES, (date(2026, 3, 20), "Szkolenie BHP")],
            cutoff=dtime(15)), calendar_id=cal.id)
        return f"{start:%H:%M}–{end:%H:%M}"


def run(tickets: int, n_open: int, batch: int, compare: int, path: Path) -> dict:
    url = f"sqlite:///{path}"
    seed_s = 0.0
    if not path.exists():
        print(f"migrating {path} ...", flush=True)
        migrate(url)
        started = time.perf_counter()
        bulk = create_engine(url)
        _seed.bulk_engine_pragmas(bulk)
        refs = _seed.seed_reference(bulk)
        print(f"seeding {tickets:,} tickets ...", flush=True)
        _seed.add_tickets(bulk, refs, tickets, now=NOW - timedelta(hours=1))
        made_open, n_events = seed_histories(bulk, n_open, random.Random(5))
        _seed.analyze(bulk)
        bulk.dispose()
        seed_s = time.perf_counter() - started
        print(f"seeded in {seed_s:.1f}s: {made_open:,} open, {n_events:,} timeline events",
              flush=True)
        gc.collect()

    engine = make_engine(url)  # the app's own engine (WAL, pragmas)
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(Ticket.__table__)).scalar_one()
        n_events = conn.execute(select(func.count()).select_from(
            TimelineEvent.__table__)).scalar_one()
        cal_id = conn.execute(select(BusinessCalendar.id).where(
            BusinessCalendar.name == CALENDAR)).scalar_one()

    # Initial SLA columns under the original calendar (and the process's warm-up).
    with Session(engine, expire_on_commit=False) as db:
        started = time.perf_counter()
        ids = affected_ticket_ids(db, calendar_id=cal_id)
        recompute_many(db, ids, NOW, batch_size=batch)
        initial_s = time.perf_counter() - started
    print(f"initial computation of {len(ids):,} open tickets (incl. warm-up): "
          f"{initial_s:.2f}s", flush=True)
    sample = sorted(random.Random(11).sample(ids, min(compare, len(ids))))
    one_per_s = compare_one_by_one(engine, sample) if sample else 0.0
    print(f"checked {len(sample)} tickets: bulk == sla.recompute_ticket "
          f"(per-ticket path {one_per_s:,.0f} tickets/s)", flush=True)

    windows = change_calendar(engine)
    before = _columns(engine, sample)
    gc.collect()
    print(f"calendar changed (windows {windows}, closure on 20 March); recomputing ...",
          flush=True)

    def progress(done: int, all_: int) -> None:
        print(f"  {done:6,}/{all_:,}  {time.perf_counter() - started:6.2f}s", flush=True)

    with Session(engine, expire_on_commit=False) as db:
        started = time.perf_counter()
        ids = affected_ticket_ids(db, calendar_id=cal_id)
        find_s = time.perf_counter() - started
        written = recompute_many(db, ids, NOW, batch_size=batch, progress=progress)
        seconds = time.perf_counter() - started
    recompute_s = seconds - find_s
    after = _columns(engine, sample)
    moved = sum(1 for tid in sample if before[tid] != after[tid])
    engine.dispose()
    per_s = written / seconds
    print(f"found {len(ids):,} open tickets in {find_s * 1000:.0f} ms; recomputed {written:,} "
          f"in {recompute_s:.2f}s; total {seconds:.2f}s = {per_s:,.0f} tickets/s "
          f"({moved}/{len(sample)} sampled tickets changed)")
    print(f"goal ≤ {GOAL_S:.0f} s: {'OK' if seconds <= GOAL_S else 'OVER GOAL'}")
    return {"benchmark": "sla_recompute", "open_tickets": written,
            "seconds": round(seconds, 3), "per_s": round(per_s, 1),
            "find_ms": round(find_s * 1000, 1), "recompute_s": round(recompute_s, 3),
            "tickets": total, "events": n_events, "batch": batch,
            "initial_s": round(initial_s, 2), "one_by_one_per_s": round(one_per_s, 1),
            "seed_s": round(seed_s, 1)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=50_000)
    parser.add_argument("--open", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--compare", type=int, default=500,
                        help="open tickets also recomputed one by one and compared")
    parser.add_argument("--db", type=Path, help="keep the database here (a fresh path)")
    args = parser.parse_args(argv)
    if args.open > args.tickets:
        parser.error("--open must not exceed --tickets")
    if args.db:
        result = run(args.tickets, args.open, args.batch, args.compare, args.db.resolve())
    else:
        with tempfile.TemporaryDirectory(prefix="pomocnik-bench-") as tmp:
            result = run(args.tickets, args.open, args.batch, args.compare,
                         Path(tmp) / "bench.db")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
