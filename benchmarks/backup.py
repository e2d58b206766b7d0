"""Benchmark: backup and restore of a big SQLite install (issue 16: 1,000,000 tickets,
backup ≤ 60 s, restore ≤ 60 s).

    PYTHONPATH=. .venv/bin/python benchmarks/backup.py [--tickets 1000000] \
        [--events-per-ticket 3] [--attachments 10000] [--attachment-kb 16] [--db DIR]

Builds an install in a temp folder (or DIR, kept and reused): a migrated database
bulk-seeded by benchmarks/_seed.py (staff, 30 client organisations, N tickets over two
years), E timeline events per ticket (created, a public reply, an internal note: the
timeline is most of a real helpdesk's rows) and A attachment files with their rows. The
seeding is flushed to disk (`os.sync`) before anything is timed. Then it times, like an
operator would run them:

1. `make_backup` (helpdesk_app/backup): SQLite online backup of the whole database in one
   read transaction, the attachment copy with SHA-256 of every file, the manifest;
2. `restore_backup` into a new empty folder: the backup verified file by file, the
   database and files put in place, the restored data read back (row counts, SQLite
   quick_check, every attachment's checksum).

The page cache is warm (the seeding just wrote the files): on a cold disk, reading adds
the file size over the disk's throughput. The LAST line is one JSON object:
{"benchmark": "backup", "tickets": .., "events": .., "attachments": .., "database_mb": ..,
 "attachments_mb": .., "backup_s": .., "restore_s": .., "backup_mb_per_s": ..,
 "seed_s": ..}
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _seed import add_tickets, analyze, bulk_engine_pragmas, database_mb, seed_reference
from sqlalchemy import insert, select

from helpdesk_app.cli import migrate
from helpdesk_app.config import get_settings
from helpdesk_app.db import make_engine
from helpdesk_app.models import Attachment, EventKind, Ticket, TimelineEvent

CHUNK = 100_000


def _point_at(data: Path) -> None:
    os.environ["POMOCNIK_DATA_DIR"] = str(data)
    os.environ["POMOCNIK_ATTACHMENTS_DIR"] = str(data / "attachments")
    os.environ["DATABASE_URL"] = f"sqlite:///{data / 'pomocnik.db'}"
    get_settings.cache_clear()


def _add_events(engine, per_ticket: int) -> int:
    kinds = [(EventKind.CREATED, True), (EventKind.REPLY, True), (EventKind.NOTE, False)]
    body = "Dzień dobry, drukarka na 2. piętrze znowu nie drukuje. " * 3
    written, last_id = 0, 0
    while True:
        with engine.connect() as conn:
            rows = conn.execute(select(Ticket.id, Ticket.created_by_id, Ticket.created_at)
                                .where(Ticket.id > last_id).order_by(Ticket.id)
                                .limit(CHUNK // max(1, per_ticket))).all()
        if not rows:
            return written
        batch = [{"ticket_id": tid, "kind": kinds[k % 3][0], "is_public": kinds[k % 3][1],
                  "author_id": author, "body": body, "data": {},
                  "created_at": created + timedelta(minutes=30 * k)}
                 for tid, author, created in rows for k in range(per_ticket)]
        with engine.begin() as conn:
            conn.execute(insert(TimelineEvent.__table__), batch)
        written += len(batch)
        last_id = rows[-1][0]


def _add_attachments(engine, store: Path, n: int, kb: int) -> int:
    import hashlib

    rng = random.Random(5)
    with engine.connect() as conn:
        tickets = conn.execute(select(Ticket.id, Ticket.created_by_id).limit(n)).all()
    rows, size = [], 0
    for i in range(min(n, len(tickets))):
        content = rng.randbytes(kb * 1024)
        key = uuid.uuid4().hex
        path = store / key[:2] / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        size += len(content)
        tid, author = tickets[i]
        rows.append({"ticket_id": tid, "event_id": None, "filename": f"scan-{i}.pdf",
                     "content_type": "application/pdf", "size": len(content),
                     "sha256": hashlib.sha256(content).hexdigest(), "storage_key": key,
                     "uploaded_by_id": author})
    with engine.begin() as conn:
        conn.execute(insert(Attachment.__table__), rows)
    return size


def build(data: Path, args: argparse.Namespace) -> float:
    url = f"sqlite:///{data / 'pomocnik.db'}"
    started = time.perf_counter()
    migrate(url)
    engine = make_engine(url)
    bulk_engine_pragmas(engine)
    try:
        refs = seed_reference(engine)
        add_tickets(engine, refs, args.tickets, progress=True)
        print(f"  {_add_events(engine, args.events_per_ticket):,} timeline events", flush=True)
        _add_attachments(engine, data / "attachments", args.attachments, args.attachment_kb)
        analyze(engine)
    finally:
        engine.dispose()
    os.sync()
    return time.perf_counter() - started


def run(folder: Path, args: argparse.Namespace) -> dict:
    from helpdesk_app.backup import make_backup, restore_backup

    data = folder / "data"
    seed_s = 0.0
    if not (data / "pomocnik.db").is_file():
        data.mkdir(parents=True, exist_ok=True)
        seed_s = build(data, args)
    _point_at(data)
    db_mb = database_mb(make_engine(get_settings().database_url))
    att_mb = sum(p.stat().st_size for p in (data / "attachments").rglob("*")
                 if p.is_file()) / 1e6
    target = folder / "backup"
    shutil.rmtree(target, ignore_errors=True)
    print(f"Backing up {db_mb:,.0f} MB of database and {att_mb:,.0f} MB of attachments ...",
          flush=True)
    t0 = time.perf_counter()
    made = make_backup(target)
    backup_s = time.perf_counter() - t0
    print(f"  backup {backup_s:.1f} s; problems: {made.manifest.problems[:3]}", flush=True)

    fresh = folder / "restored"
    shutil.rmtree(fresh, ignore_errors=True)
    _point_at(fresh)
    t0 = time.perf_counter()
    restored = restore_backup(target)
    restore_s = time.perf_counter() - t0
    print(f"  restore (verify + load + check) {restore_s:.1f} s", flush=True)
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.rmtree(target, ignore_errors=True)
    return {"benchmark": "backup", "tickets": restored.counts["ticket"],
            "events": restored.counts["timeline_event"], "attachments": restored.attachments,
            "database_mb": round(db_mb), "attachments_mb": round(att_mb),
            "backup_s": round(backup_s, 1), "restore_s": round(restore_s, 1),
            "backup_mb_per_s": round((db_mb + att_mb) / backup_s),
            "seed_s": round(seed_s)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--events-per-ticket", type=int, default=3)
    parser.add_argument("--attachments", type=int, default=10_000)
    parser.add_argument("--attachment-kb", type=int, default=16)
    parser.add_argument("--db", help="keep/reuse the install in this folder")
    args = parser.parse_args()
    if args.db:
        result = run(Path(args.db).resolve(), args)
    else:
        with tempfile.TemporaryDirectory(prefix="pomocnik-bench-backup-") as tmp:
            result = run(Path(tmp), args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
