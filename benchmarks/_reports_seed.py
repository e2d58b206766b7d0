"""Seeding for benchmarks/reports.py: a desk with contracts, rates, ticket SLA columns and
work entries, straight into the tables (SQLAlchemy Core executemany, 50k rows per
transaction; see that script's doc for the shape of the data)."""

from __future__ import annotations

import math
import random
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import _seed
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import Engine

from helpdesk_app.domain.numbering import format_number
from helpdesk_app.models import (
    Contract,
    ContractRate,
    Organisation,
    OrgKind,
    Priority,
    Role,
    Status,
    Ticket,
    TicketCounter,
    TicketType,
    User,
    WorkEntry,
)

WAW = ZoneInfo("Europe/Warsaw")
NOW = datetime(2026, 6, 17, 12, 0, tzinfo=WAW).astimezone(UTC)
SPAN = timedelta(days=730)
CHUNK = 50_000
TYPES = [("Awaria", "Failure", 60, 480, 60), ("Przegląd", "Inspection", 240, 2400, 25),
         ("Konsultacja", "Consultation", 120, 960, 15)]
WORK = ["Diagnoza zdalna", "Restart usługi i sprawdzenie logów", "Wymiana podzespołu",
        "Konfiguracja konta", "Rozmowa z użytkownikiem", "Aktualizacja sterowników"]


def seed_contracts(engine: Engine, rng: random.Random) -> dict[int, tuple[int, int, list]]:
    """{organisation id: (contract id, hourly rate, [(type id, weight)])}."""
    out = {}
    with engine.begin() as conn:
        cal = _seed.office_calendar(conn, NOW)
        orgs = conn.execute(select(Organisation.id).where(
            Organisation.kind == OrgKind.CLIENT).order_by(Organisation.id)).scalars().all()
        for i, org in enumerate(orgs):
            contract = conn.execute(insert(Contract.__table__).values(
                organisation_id=org, name=f"Umowa serwisowa {i + 1:02d}",
                valid_from=date(2024, 1, 1), calendar_id=cal, is_key=i % 5 == 0,
                created_at=NOW, escalation_action="none")).inserted_primary_key[0]
            rate = rng.choice((12000, 15000, 18000, 20000, 25000))
            conn.execute(insert(ContractRate.__table__).values(
                contract_id=contract, hourly_rate_minor=rate, currency="PLN", rounding="up",
                rounding_minutes=15, minimum_visit_minutes=60, after_hours_pct=150,
                weekend_pct=200, on_site_pct=100, updated_at=NOW))
            types = []
            for pl, en, reaction, resolution, weight in TYPES:
                types.append((conn.execute(insert(TicketType.__table__).values(
                    contract_id=contract, name_pl=pl, name_en=en, reaction_minutes=reaction,
                    resolution_minutes=resolution, warning_percent=75, is_active=True,
                    requires_work_entry=False)).inserted_primary_key[0], weight))
            out[org] = (contract, rate, types)
    return out


def _sla(rng: random.Random, status: str, created: datetime) -> dict[str, Any]:
    answered = status != Status.NEW and rng.random() < 0.95
    first = int(rng.expovariate(1 / 60)) if answered else None
    row: dict[str, Any] = {
        "first_response_at": created + timedelta(minutes=first or 0) if answered else None,
        "first_response_minutes": first, "reaction_due_at": created + timedelta(hours=2),
        "resolved_at": None, "resolution_due_at": None, "sla_paused_since": None,
        "sla_next_check_at": None, "sla_minutes_used": int(rng.expovariate(1 / 480))}
    if status in (Status.RESOLVED, Status.CLOSED):
        resolved = min(created + timedelta(minutes=30 + rng.expovariate(1 / 2880)), NOW)
        roll = rng.random()
        row.update(resolved_at=resolved, sla_state="none" if roll < 0.03 else
                   "breached" if roll < 0.13 else "met",
                   resolution_due_at=resolved + timedelta(hours=rng.uniform(-8, 30)))
    else:
        row.update(sla_state="paused" if status == Status.PENDING else "running",
                   resolution_due_at=NOW + timedelta(hours=rng.uniform(1, 100)))
    return row


def _entries_for(rng: random.Random, ticket_id: int, created: datetime, org: int,
                 contract: int, rate: int, workers: list[int], k: int) -> list[dict]:
    rows = []
    for _ in range(k):
        at = min(created + timedelta(hours=rng.expovariate(1 / 30)), NOW)
        day = at.astimezone(WAW).date()
        seconds = int(rng.choice((15, 30, 45, 60, 90, 120, 180, 240)) * 60
                      * rng.uniform(0.6, 1.1))
        billable = rng.random() < 0.9
        minutes = math.ceil(seconds / 900) * 15 if billable else 0
        worker = rng.choice(workers)
        locked = day < date(2026, 4, 1) and rng.random() < 0.8
        rows.append({
            "ticket_id": ticket_id, "user_id": worker, "organisation_id": org,
            "contract_id": contract, "activity_type_id": rng.choice((1, 1, 1, 2, 3, 4)),
            "work_date": day, "started_at": None, "ended_at": None, "spans": None,
            "seconds": seconds, "description": rng.choice(WORK), "billable": billable,
            "on_site": False, "after_hours": rng.random() < 0.03, "capped": False,
            "billable_minutes": minutes, "amount_minor": (minutes * rate + 30) // 60,
            "currency": "PLN", "locked_at": at + timedelta(days=40) if locked else None,
            "locked_by_id": None, "lock_ref": f"FV {day.month}/{day.year}" if locked else "",
            "created_by_id": worker, "created_at": at, "updated_at": at})
    return rows


def settle(engine: Engine) -> None:
    """Planner statistics; on PostgreSQL also VACUUM, as autovacuum would have done by
    then on a live desk: without a visibility map a bulk-loaded table has no index-only
    scans (every index entry is checked against its row)."""
    if engine.dialect.name != "postgresql":
        _seed.analyze(engine)
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE)"))


def seed(engine: Engine, n_tickets: int, n_entries: int) -> None:
    rng = random.Random(14)
    refs = _seed.seed_reference(engine, technicians=48)
    contracts = seed_contracts(engine, rng)
    with engine.connect() as conn:
        workers = list(conn.execute(select(User.id).where(
            User.role.in_((Role.TECHNICIAN, Role.COORDINATOR, Role.ADMIN)))).scalars())
    by_org: dict[int, list[int]] = {}
    for user, org in refs.clients:
        by_org.setdefault(org, []).append(user)
    orgs = sorted(by_org)
    statuses, status_w = zip(*_seed.STATUS_WEIGHTS.items(), strict=True)
    channels, channel_w = zip(*_seed.CHANNEL_WEIGHTS.items(), strict=True)
    queue_ids = [q for q, _w in refs.queues]
    queue_w = [w for _q, w in refs.queues]
    offsets = sorted(SPAN.total_seconds() * rng.random() ** 0.5 for _ in range(n_tickets))
    per_ticket = n_entries / max(1, n_tickets)
    seq: dict[int, int] = {}
    started = time.perf_counter()
    done = entries_done = 0
    pending: list[dict] = []
    while done < n_tickets:
        chunk = offsets[done:done + CHUNK]
        st = rng.choices(statuses, weights=status_w, k=len(chunk))
        ch = rng.choices(channels, weights=channel_w, k=len(chunk))
        qu = rng.choices(queue_ids, weights=queue_w, k=len(chunk))
        pr = rng.choices(Priority.ALL, weights=_seed.PRIORITY_WEIGHTS, k=len(chunk))
        rows = []
        for i, off in enumerate(chunk):
            created = NOW - SPAN + timedelta(seconds=off)
            status = st[i]
            if status in Status.ACTIVE:
                created = max(created, NOW - timedelta(days=rng.expovariate(1 / 12)))
            org = rng.choice(orgs)
            contract, _rate, types = contracts[org]
            year = created.year
            seq[year] = seq.get(year, 0) + 1
            rows.append({
                "number": format_number(year, seq[year]), "subject": rng.choice(_seed.SUBJECTS),
                "requester_id": rng.choice(by_org[org]), "organisation_id": org,
                "queue_id": qu[i], "priority": pr[i], "status": status, "channel": ch[i],
                "assignee_id": rng.choice(workers) if status != Status.NEW
                and rng.random() < 0.7 else None,
                "created_by_id": by_org[org][0], "version": 1, "created_at": created,
                "updated_at": created, "contract_id": contract,
                "ticket_type_id": rng.choices([t for t, _ in types],
                                              [w for _, w in types])[0],
                **_sla(rng, status, created)})
        with engine.begin() as conn:
            first_id = (conn.execute(select(func.max(Ticket.id))).scalar() or 0) + 1
            conn.execute(insert(Ticket.__table__), rows)
        for i, row in enumerate(rows):  # ids are contiguous: one writer, a fresh table
            if entries_done >= n_entries:
                break
            k = min(rng.randint(1, max(1, round(2 * per_ticket - 1))), n_entries - entries_done)
            pending += _entries_for(rng, first_id + i, row["created_at"],
                                    row["organisation_id"], row["contract_id"],
                                    contracts[row["organisation_id"]][1], workers, k)
            entries_done += k
        while len(pending) >= CHUNK or (pending and done + len(chunk) >= n_tickets):
            with engine.begin() as conn:
                conn.execute(insert(WorkEntry.__table__), pending[:CHUNK])
            del pending[:CHUNK]
        done += len(chunk)
        print(f"  seeded {done:,}/{n_tickets:,} tickets, {entries_done:,} entries "
              f"({time.perf_counter() - started:.0f}s)", flush=True)
    with engine.begin() as conn:
        conn.execute(insert(TicketCounter.__table__),
                     [{"year": y, "last_value": v} for y, v in seq.items()])
