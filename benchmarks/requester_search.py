"""Benchmark: the new-ticket requester picker (`directory.find_clients`) with 100,000 clients.

    .venv/bin/python benchmarks/requester_search.py [--clients 100000] [--runs 50] [--db PATH]

Seeds a fresh SQLite database (alembic, benchmarks/_seed.py): 1,000 client organisations
with N/1,000 users each. Then times, each call in a new Session like one keystroke event,
the picker's query for: nothing typed, a common name fragment, a rare full name, an
e-mail fragment, an organisation plus a name. Goal: p95 ≤ 50 ms per keystroke.
The LAST line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine
from sqlmodel import Session, select

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _seed

from helpdesk_app.cli import migrate
from helpdesk_app.db import make_engine
from helpdesk_app.domain import directory
from helpdesk_app.domain.actor import Actor
from helpdesk_app.models import Role, User


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(clients: int, runs: int, path: Path) -> dict:
    url = f"sqlite:///{path}"
    seed_s = 0.0
    if not path.exists():
        migrate(url)
        started = time.perf_counter()
        bulk = create_engine(url)
        _seed.bulk_engine_pragmas(bulk)
        _seed.seed_reference(bulk, orgs=1000, users_per_org=max(1, clients // 1000))
        _seed.analyze(bulk)
        bulk.dispose()
        seed_s = time.perf_counter() - started
    engine = make_engine(url)
    with Session(engine) as db:
        admin = db.exec(select(User).where(User.role == Role.ADMIN)).first()
        actor = Actor.from_user(admin)
        rare = db.exec(select(User.full_name).where(User.role == Role.CLIENT)
                       .order_by(User.id.desc())).first()
    cases = {"empty": "", "common": "an", "rare_name": rare, "email": "user42@klient9",
             "org_and_name": "Klient 77 " + rare.split()[0]}
    out: dict = {"benchmark": "requester_search", "clients": clients, "seed_s": round(seed_s, 1)}
    for name, text in cases.items():
        times, found = [], 0
        for _ in range(runs):
            with Session(engine) as db:
                started = time.perf_counter()
                found = len(directory.find_clients(db, actor, text))
                times.append((time.perf_counter() - started) * 1000)
        out[f"{name}_p50_ms"] = round(statistics.median(times), 2)
        out[f"{name}_p95_ms"] = round(_p(times, 0.95), 2)
        print(f"{name:14} {text!r:32} found {found:3}  p50 {out[f'{name}_p50_ms']:7.2f} ms"
              f"  p95 {out[f'{name}_p95_ms']:7.2f} ms", flush=True)
    out["load1"] = round(os.getloadavg()[0], 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--db", type=Path, help="keep the database here (seeded if absent)")
    args = parser.parse_args()
    if args.db:
        result = run(args.clients, args.runs, args.db.resolve())
    else:
        with tempfile.TemporaryDirectory() as tmp:
            result = run(args.clients, args.runs, Path(tmp) / "bench.db")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
