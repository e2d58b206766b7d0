"""Benchmark: the agent list's unread marks (`ticket_seen.unread_ids`) for one page of rows.

    .venv/bin/python benchmarks/ticket_list.py --tickets 100000 --db /tmp/bench.db
    .venv/bin/python benchmarks/unread_flags.py --db /tmp/bench.db [--runs 200]

Takes a database seeded by ticket_list.py (which writes no timeline), adds three timeline
events per ticket (created by the requester, a reply by the assignee, a client answer)
and `ticket_seen` rows for one technician on 20 % of the tickets (half of them seen before
the last event), once. Then, per run in a new Session like one event of the app: one
page of `list_tickets` (queue x status combinations as in ticket_list.py) and, timed on
its own, `unread_ids` for that page's rows. Last line: one JSON object.
"""

from __future__ import annotations

import json
import random
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ticket_list import agent_actor, percentile

from helpdesk_app.cli import migrate
from helpdesk_app.db import make_engine
from helpdesk_app.domain import ticket_seen, tickets
from helpdesk_app.models import Status


def _iso(dt: datetime) -> str:
    return dt.replace(tzinfo=None).isoformat(sep=" ")


def prepare(path: Path, user_id: int) -> None:
    conn = sqlite3.connect(path)
    if conn.execute("SELECT count(*) FROM timeline_event").fetchone()[0]:
        conn.close()
        return
    rng = random.Random(7)
    t0 = time.perf_counter()
    rows = conn.execute("SELECT id, requester_id, assignee_id, created_at, updated_at "
                        "FROM ticket").fetchall()
    events, seen = [], []
    for tid, req, assignee, created, updated in rows:
        c = datetime.fromisoformat(created)
        u = datetime.fromisoformat(updated)
        mid = c + (u - c) / 2
        events += [(tid, "created", req, 1, "", "{}", _iso(c)),
                   (tid, "reply", assignee or req, 1, "", "{}", _iso(mid)),
                   (tid, "reply", req, 1, "", "{}", _iso(u))]
        if rng.random() < 0.2:
            at = u + timedelta(minutes=1) if rng.random() < 0.5 else mid + timedelta(minutes=1)
            seen.append((user_id, tid, _iso(at)))
    conn.executemany("INSERT INTO timeline_event (ticket_id, kind, author_id, is_public, "
                     "body, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)", events)
    conn.executemany("INSERT INTO ticket_seen (user_id, ticket_id, seen_at) VALUES (?, ?, ?)",
                     seen)
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()
    print(f"added {len(events):,} events, {len(seen):,} seen rows in "
          f"{time.perf_counter() - t0:.1f} s", flush=True)


def main() -> None:
    import argparse

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", type=Path, required=True)
    p.add_argument("--runs", type=int, default=200)
    args = p.parse_args()
    url = f"sqlite:///{args.db.resolve()}"
    migrate(url)
    engine = make_engine(url)
    actor = agent_actor(engine)
    prepare(args.db.resolve(), actor.user_id)
    rng = random.Random(1)
    statuses = ["active", *Status.ALL]
    queues = [None, *range(1, 10)]
    list_ms, flag_ms, flagged = [], [], 0
    for _ in range(args.runs):
        q = tickets.ListQuery(queue_id=rng.choice(queues), status=rng.choice(statuses),
                              sort="priority")
        with Session(engine) as db:
            t0 = time.perf_counter()
            page = tickets.list_tickets(db, actor, q)
            t1 = time.perf_counter()
            flags = ticket_seen.unread_ids(db, actor, [r.id for r in page.rows])
            t2 = time.perf_counter()
        list_ms.append((t1 - t0) * 1000)
        flag_ms.append((t2 - t1) * 1000)
        flagged += len(flags)
    with sqlite3.connect(args.db.resolve()) as conn:
        n = conn.execute("SELECT count(*) FROM ticket").fetchone()[0]
    result = {"benchmark": "unread_flags", "tickets": n, "runs": args.runs,
              "list_p50_ms": round(percentile(list_ms, 50), 2),
              "list_p95_ms": round(percentile(list_ms, 95), 2),
              "flags_p50_ms": round(percentile(flag_ms, 50), 2),
              "flags_p95_ms": round(percentile(flag_ms, 95), 2),
              "flags_max_ms": round(max(flag_ms), 2),
              "flagged_rows_per_page": round(flagged / args.runs, 1),
              "at": datetime.now(UTC).isoformat(timespec="seconds")}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
