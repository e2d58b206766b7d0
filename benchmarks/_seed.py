"""Fast bulk seeding for the benchmarks: realistic helpdesk data straight into the tables.

The domain functions (`tickets.create_ticket`) write one ticket, one timeline event and a
change event per call — right for the app, far too slow for a million rows. Here we use
SQLAlchemy Core `executemany` in chunks inside one transaction per chunk, with the same
column values the domain would produce (numbers `YYYY-NNNNNN` per year, counters in
`ticket_counter`). Timeline rows are not written: the list queries never read them.

Two entry points:
- `seed_reference(engine)` adds a provider, staff, ~30 client organisations with ~10 users
  each and 9 queues (for an empty, migrated database);
- `load_reference(engine)` picks up what is already there (e.g. the demo data);
then `add_tickets(engine, refs, n)` appends `n` tickets using those people and queues.
"""

from __future__ import annotations

import bisect
import random
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, insert, select, text
from sqlalchemy.engine import Connection, make_url

from helpdesk_app.domain.numbering import format_number
from helpdesk_app.domain.user_search import search_text
from helpdesk_app.models import (
    Channel,
    Organisation,
    OrganisationDomain,
    OrgKind,
    Priority,
    Queue,
    Role,
    Status,
    Ticket,
    TicketCounter,
    User,
)

CHUNK = 50_000
# Seeded accounts cannot log in: this is not a valid hash for any password.
NO_LOGIN = "!benchmark-no-login"

QUEUE_NAMES = [
    ("Service Desk", 30), ("Sieć i infrastruktura", 14), ("Stanowiska pracy", 20),
    ("Aplikacje", 16), ("Bezpieczeństwo", 4), ("Telefonia", 6), ("Zakupy sprzętu", 8),
    ("Serwery i kopie zapasowe", 2),
    # A quiet queue (a few hundred tickets in a million, a handful active): the rare case
    # where a page has fewer matches than its size.
    ("Ochrona danych (RODO)", 0.02),
]
SUBJECTS = [
    "Drukarka na 2. piętrze nie drukuje", "Brak dostępu do VPN z domu",
    "Outlook nie synchronizuje poczty", "Nowy pracownik — konto i laptop",
    "Wolne działanie systemu ERP", "Nie działa skaner w recepcji",
    "Prośba o zwiększenie skrzynki pocztowej", "Awaria Wi-Fi w sali konferencyjnej",
    "Błąd przy logowaniu do Teams", "Wymiana tonera w drukarce HP",
    "Zablokowane konto użytkownika", "Monitor miga po aktualizacji sterowników",
    "Cannot connect to the shared drive", "Laptop battery drains in an hour",
    "Request: access to the finance folder", "Email bouncing from a supplier",
    "Printer jams on every second page", "Password reset for a new starter",
]
FIRST = ["Anna", "Piotr", "Katarzyna", "Marek", "Ewa", "Tomasz", "Magdalena", "Paweł",
         "Joanna", "Michał", "Olivia", "George", "Zofia", "Krzysztof", "Agata"]
LAST = ["Nowak", "Kowalski", "Wiśniewska", "Wójcik", "Kamiński", "Lewandowska", "Zieliński",
        "Szymańska", "Woźniak", "Dąbrowski", "Smith", "Brown", "Krawczyk", "Mazur"]

# Realistic spread: ~10 % of all tickets still active, the rest resolved or closed.
STATUS_WEIGHTS = {Status.NEW: 2, Status.OPEN: 5, Status.PENDING: 3,
                  Status.RESOLVED: 15, Status.CLOSED: 75}
PRIORITY_WEIGHTS = (20, 55, 20, 5)  # low, normal, high, urgent
CHANNEL_WEIGHTS = {Channel.EMAIL: 50, Channel.WEB: 25, Channel.PHONE: 20, Channel.CHAT: 5}
ASSIGNED_SHARE = 0.7  # of the tickets that are not new
SPAN = timedelta(days=730)


@dataclass
class Reference:
    """The ids tickets point at."""

    technicians: list[int]  # assignees
    clients: list[tuple[int, int]]  # (user id, organisation id)
    queues: list[tuple[int, float]]  # (queue id, relative weight)


def bulk_engine_pragmas(engine: Engine) -> None:
    """Make a seeding engine load fast: on SQLite a big page cache and no fsync, on
    PostgreSQL no wait for the WAL flush at each commit (benchmark data: a crash while
    seeding only means seeding again)."""

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        if engine.dialect.name != "sqlite":
            cur.execute("SET synchronous_commit = off")
            cur.close()
            dbapi_conn.commit()
            return
        cur.execute("PRAGMA synchronous=OFF")
        cur.execute("PRAGMA cache_size=-1000000")  # ~1 GB: index pages stay in memory
        cur.execute("PRAGMA temp_store=MEMORY")
        cur.close()


def seed_reference(engine: Engine, *, orgs: int = 30, users_per_org: int = 10,
                   technicians: int = 20, seed: int = 7) -> Reference:
    """Provider, staff, client organisations with users and 9 queues, in an empty database."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        provider_id = conn.execute(insert(Organisation.__table__).values(
            name="Benchmark Serwis IT", kind=OrgKind.PROVIDER,
            created_at=now)).inserted_primary_key[0]
        staff = [("admin@bench.example", "Admin Benchmarku", Role.ADMIN),
                 ("koordynator@bench.example", "Koordynator Benchmarku", Role.COORDINATOR)]
        staff += [(f"tech{i:02d}@bench.example", _name(rng), Role.TECHNICIAN)
                  for i in range(1, technicians + 1)]
        conn.execute(insert(User.__table__), [
            _user(email, name, role, provider_id, now) for email, name, role in staff])
        org_rows = [{"name": f"Klient {i:02d} sp. z o.o.", "kind": OrgKind.CLIENT,
                     "created_at": now} for i in range(1, orgs + 1)]
        conn.execute(insert(Organisation.__table__), org_rows)
        org_ids = conn.execute(select(Organisation.id).where(
            Organisation.kind == OrgKind.CLIENT).order_by(Organisation.id)).scalars().all()
        conn.execute(insert(OrganisationDomain.__table__), [
            {"organisation_id": oid, "domain": f"klient{i:02d}.example", "created_at": now}
            for i, oid in enumerate(org_ids, start=1)])
        conn.execute(insert(User.__table__), [
            {**_user(f"user{u:02d}@klient{i:02d}.example", _name(rng), Role.CLIENT, oid, now),
             "is_client_manager": u == 1}
            for i, oid in enumerate(org_ids, start=1) for u in range(1, users_per_org + 1)])
        conn.execute(insert(Queue.__table__), [
            {"name": name, "description": "", "is_active": True} for name, _w in QUEUE_NAMES])
    return load_reference(engine)


def load_reference(engine: Engine) -> Reference:
    """Technicians/coordinators, client users and active queues already in the database."""
    weights = dict(QUEUE_NAMES)
    with engine.connect() as conn:
        techs = conn.execute(select(User.id).where(
            User.role.in_((Role.TECHNICIAN, Role.COORDINATOR)), User.is_active.is_(True))
        ).scalars().all()
        clients = conn.execute(select(User.id, User.organisation_id).where(
            User.role == Role.CLIENT, User.is_active.is_(True))).all()
        queues = conn.execute(select(Queue.id, Queue.name).where(
            Queue.is_active.is_(True)).order_by(Queue.id)).all()
    if not techs or not clients or not queues:
        raise RuntimeError("the database has no technicians, clients or queues to refer to")
    return Reference(
        technicians=list(techs),
        clients=[(u, o) for u, o in clients],
        queues=[(qid, weights.get(name, 10)) for qid, name in queues],
    )


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _user(email: str, name: str, role: str, org_id: int, now: datetime) -> dict[str, Any]:
    return {"email": email, "full_name": name, "password_hash": NO_LOGIN, "role": role,
            "organisation_id": org_id, "is_client_manager": False, "language": "pl",
            "timezone": "Europe/Warsaw", "is_active": True, "created_at": now,
            "search_text": search_text(name, email)}


def _year_starts(now: datetime) -> list[tuple[datetime, int]]:
    """UTC instants at which a new numbering year begins (Warsaw midnight = 23:00 UTC)."""
    return [(datetime(y, 1, 1, tzinfo=UTC) - timedelta(hours=1), y)
            for y in range(now.year - 3, now.year + 2)]


def add_tickets(engine: Engine, refs: Reference, n: int, *, seed: int = 42,
                now: datetime | None = None, progress: bool = False) -> float:
    """Append `n` tickets spread over the two years before `now`; returns seconds taken.

    Numbers continue each year's `ticket_counter` value, so they never clash with
    tickets already there, and the counters are moved past the new numbers.
    """
    started = time.perf_counter()
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    statuses, status_w = zip(*STATUS_WEIGHTS.items(), strict=True)
    channels, channel_w = zip(*CHANNEL_WEIGHTS.items(), strict=True)
    queue_ids = [q for q, _w in refs.queues]
    queue_w = [w for _q, w in refs.queues]
    starts = _year_starts(now)
    start_keys = [s for s, _y in starts]
    span_s = SPAN.total_seconds()

    with engine.begin() as conn:
        counters = dict(conn.execute(select(TicketCounter.year, TicketCounter.last_value)).all())
    seq = dict(counters)

    # Creation times ascending, so numbers grow with time like the real sequence. Load
    # grows over the period (sqrt skew: more tickets recently).
    offsets = sorted(span_s * (1 - rng.random() ** 0.5) for _ in range(n))
    done = 0
    while done < n:
        chunk = offsets[done:done + CHUNK]
        rows = []
        st = rng.choices(statuses, weights=status_w, k=len(chunk))
        pr = rng.choices(Priority.ALL, weights=PRIORITY_WEIGHTS, k=len(chunk))
        ch = rng.choices(channels, weights=channel_w, k=len(chunk))
        qu = rng.choices(queue_ids, weights=queue_w, k=len(chunk))
        for i, off in enumerate(chunk):
            created = now - SPAN + timedelta(seconds=off)
            status = st[i]
            if status in Status.ACTIVE:
                # Active tickets are young: pull them into the last few weeks.
                created = max(created, now - timedelta(days=rng.expovariate(1 / 12)))
                updated = created + (now - created) * rng.random()
            else:
                updated = created + timedelta(minutes=rng.expovariate(1 / 2880))
            updated = min(updated, now)
            year = starts[bisect.bisect_right(start_keys, created) - 1][1]
            seq[year] = seq.get(year, 0) + 1
            requester, org = rng.choice(refs.clients)
            assigned = status != Status.NEW and rng.random() < ASSIGNED_SHARE / 0.98
            rows.append({
                "number": format_number(year, seq[year]),
                "subject": rng.choice(SUBJECTS),
                "requester_id": requester,
                "organisation_id": org,
                "queue_id": qu[i],
                "assignee_id": rng.choice(refs.technicians) if assigned else None,
                "priority": pr[i],
                "status": status,
                "channel": ch[i],
                "created_by_id": requester,
                "version": 1,
                "created_at": created,
                "updated_at": updated,
            })
        with engine.begin() as conn:
            conn.execute(insert(Ticket.__table__), rows)
        done += len(chunk)
        if progress:
            print(f"  seeded {done:,}/{n:,} tickets ({time.perf_counter() - started:.1f}s)",
                  flush=True)

    with engine.begin() as conn:
        _save_counters(conn, counters, seq)
    return time.perf_counter() - started


def _save_counters(conn: Connection, before: dict[int, int], after: dict[int, int]) -> None:
    for year, value in after.items():
        if year in before:
            conn.execute(TicketCounter.__table__.update()
                         .where(TicketCounter.year == year).values(last_value=value))
        else:
            conn.execute(insert(TicketCounter.__table__).values(year=year, last_value=value))


def analyze(engine: Engine) -> None:
    """Refresh planner statistics (ANALYZE) and fold the WAL back into the database file
    (SQLite); on PostgreSQL VACUUM ANALYZE, which also marks the pages all-visible as
    autovacuum would after a bulk load (index-only scans skip the table only then; the
    benchmark machine's server runs with autovacuum off)."""
    if engine.dialect.name != "sqlite":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        return
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def database_mb(engine: Engine) -> float:
    """The size of the database in MB (the file on SQLite)."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
            return pages * conn.exec_driver_sql("PRAGMA page_size").scalar_one() / 1e6
        return conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one() / 1e6


def backend(engine: Engine) -> str:
    """"SQLite 3.40.1" / "PostgreSQL 15.20": which database the figures come from."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return "SQLite " + conn.exec_driver_sql("SELECT sqlite_version()").scalar_one()
        return "PostgreSQL " + conn.exec_driver_sql("SHOW server_version").scalar_one().split()[0]


@contextmanager
def pg_database(server_url: str, name: str | None = None) -> Iterator[str]:
    """The URL of a database on the PostgreSQL server at `server_url`: a new one, dropped
    afterwards; or `name`, created if missing and kept (to measure the same data again)."""
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    keep = name is not None
    name = name or f"pomocnik_bench_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                  {"n": name}).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def office_calendar(conn: Connection, now: datetime) -> int:
    """A Mon–Fri 8:00–16:00 calendar (Europe/Warsaw, Polish holidays); returns its id."""
    from datetime import time as dtime

    from sqlalchemy import insert

    from helpdesk_app.models import BusinessCalendar, CalendarWindow

    cal = conn.execute(insert(BusinessCalendar.__table__).values(
        name="Biuro 8–16", timezone="Europe/Warsaw", always_open=False,
        holiday_country="PL", cutoff=None, version=1, created_at=now)).inserted_primary_key[0]
    conn.execute(insert(CalendarWindow.__table__), [
        {"calendar_id": cal, "weekday": d, "start": dtime(8), "end": dtime(16)}
        for d in range(5)])
    return cal


def run_cli(run: Any, doc: str, argv: list[str] | None = None, *, pg: bool = False) -> None:
    """The list benchmarks' command line: --tickets, --runs, --db (keep/reuse a database);
    prints `run(...)`'s result as the last line, one JSON object. `pg`: the script also
    runs on PostgreSQL (`--pg SERVER_URL`, with `--db` naming the database to keep) and its
    `run` takes a database URL instead of a path."""
    import argparse
    import json
    import tempfile

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--db", help="keep/reuse the database at this path (with --pg: "
                        "this database on the server)" if pg else
                        "keep/reuse the database at this path")
    if pg:
        parser.add_argument("--pg", help="a PostgreSQL server URL: a new database is made "
                            "there (dropped afterwards unless --db names it)")
    args = parser.parse_args(argv)

    def target(path: Path) -> Any:
        return f"sqlite:///{path}" if pg else path

    if pg and args.pg:
        with pg_database(args.pg, args.db) as url:
            result = run(args.tickets, args.runs, url)
    elif args.db:
        result = run(args.tickets, args.runs, target(Path(args.db).resolve()))
    else:
        with tempfile.TemporaryDirectory(prefix="pomocnik-bench-") as tmp:
            result = run(args.tickets, args.runs, target(Path(tmp) / "bench.db"))
    print(json.dumps(result))
