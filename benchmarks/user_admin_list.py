"""Benchmark: the admin user list (`users_admin.list_users`) with 100,000 client users.

    .venv/bin/python benchmarks/user_admin_list.py [--clients 100000] [--runs 40] [--db PATH]

Seeds a fresh SQLite database (alembic, benchmarks/_seed.py): 1,000 client organisations
with N/1,000 users each, a few inactive. Then times, each call in a new Session like one
page event, one page of the list (rows + total) for: the first page, a deep page, a role
filter, one organisation, inactive only, a common name fragment, a rare full name, an
e-mail fragment, an organisation plus a name. Goal: p95 <= 100 ms. The LAST line is one
JSON object.
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

from sqlalchemy import create_engine, update
from sqlmodel import Session, select

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _seed

from helpdesk_app.cli import migrate
from helpdesk_app.db import make_engine
from helpdesk_app.domain import users_admin
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.users_admin import UserFilter
from helpdesk_app.models import Organisation, OrgKind, Role, User


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _seed_db(url: str, clients: int) -> float:
    migrate(url)
    started = time.perf_counter()
    bulk = create_engine(url)
    _seed.bulk_engine_pragmas(bulk)
    _seed.seed_reference(bulk, orgs=1000, users_per_org=max(1, clients // 1000))
    with bulk.begin() as conn:  # one in 500 people has left
        conn.execute(update(User).where(User.id % 500 == 0).values(is_active=False))
    _seed.analyze(bulk)
    bulk.dispose()
    return time.perf_counter() - started


def run(clients: int, runs: int, path: Path) -> dict:
    url = f"sqlite:///{path}"
    seed_s = _seed_db(url, clients) if not path.exists() else 0.0
    engine = make_engine(url)
    with Session(engine) as db:
        actor = Actor.from_user(db.exec(select(User).where(User.role == Role.ADMIN)).first())
        rare = db.exec(select(User.full_name).where(User.role == Role.CLIENT)
                       .order_by(User.id.desc())).first()
        org_id = db.exec(select(Organisation.id).where(
            Organisation.kind == OrgKind.CLIENT).order_by(Organisation.id.desc())).first()
        total = db.exec(select(User.id)).all()
    deep = len(total) // users_admin.PER_PAGE // 2
    cases = {
        "first_page": UserFilter(),
        "deep_page": UserFilter(page=deep),
        "role_client": UserFilter(role=Role.CLIENT, page=3),
        "one_org": UserFilter(organisation_id=org_id),
        "inactive": UserFilter(active=False),
        "common": UserFilter(text="an"),
        "rare_name": UserFilter(text=rare),
        "email": UserFilter(text="user42@klient9"),
        "org_and_name": UserFilter(text="Klient 77 " + rare.split()[0]),
        "role_org_active": UserFilter(role=Role.CLIENT, organisation_id=org_id, active=True),
    }
    out: dict = {"benchmark": "user_admin_list", "users": len(total),
                 "seed_s": round(seed_s, 1)}
    worst = 0.0
    for name, flt in cases.items():
        times, found = [], None
        for _ in range(runs):
            with Session(engine) as db:
                started = time.perf_counter()
                found = users_admin.list_users(db, actor, flt)
                times.append((time.perf_counter() - started) * 1000)
        p95 = round(_p(times, 0.95), 2)
        worst = max(worst, p95)
        out[f"{name}_p50_ms"] = round(statistics.median(times), 2)
        out[f"{name}_p95_ms"] = p95
        print(f"{name:16} total {found.total:6} page {found.page:4} rows {len(found.rows):3}"
              f"  p50 {out[f'{name}_p50_ms']:7.2f} ms  p95 {p95:7.2f} ms", flush=True)
    out["worst_p95_ms"] = worst
    out["load1"] = round(os.getloadavg()[0], 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=40)
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
