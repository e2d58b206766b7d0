"""A leader lock in the database: one scheduler per deployment, not one per worker.

Every worker process runs the scheduler (Reflex lifespan tasks run once per worker), and
each tick first tries to take or renew a lease row in `scheduler_lock`. Only the holder
runs the jobs. The holder renews the lease on every tick (and between sweep batches); if
it dies, the lease expires after `ttl` and another worker takes over.

Both steps are single atomic statements, so two workers racing never both win:

* `UPDATE scheduler_lock SET owner=me, expires_at=now+ttl
   WHERE name=? AND (owner=me OR expires_at <= now)` — renew mine or take an expired one;
* when that touched no row: `INSERT ... ON CONFLICT (name) DO NOTHING` — take a lock that
  was never taken. A conflicting row means someone else holds it.

Works on SQLite (serialised writers) and PostgreSQL (row lock on UPDATE; the unique key
arbitrates concurrent INSERTs without aborting the transaction). Instants come from the
caller (the worker's UTC clock): keep `ttl` well above the clock skew between hosts.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from helpdesk_app.models import SchedulerLock

SLA_LOCK = "sla_scheduler"
SUBSTITUTION_LOCK = "substitution_scheduler"  # issue 13: jobs/substitution_sweep.py
BACKUP_LOCK = "backup_scheduler"  # issue 16: jobs/backup.py
LDAP_SYNC_LOCK = "ldap_sync"  # issue 16: jobs/ldap_sync.py
RETENTION_LOCK = "retention"  # issue 16: jobs/retention.py


def make_owner() -> str:
    """A name unique to this process (host, pid and a random part for pid reuse)."""
    return f"{socket.gethostname()[:120]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def acquire(db: Session, name: str, owner: str, now: datetime, ttl: timedelta) -> bool:
    """Take the lock `name` for `owner` until `now + ttl`, or renew it if `owner` holds it.
    Commits. Returns whether `owner` holds the lock now."""
    expires = now + ttl
    table = SchedulerLock.__table__
    try:
        renewed = db.execute(
            update(table)
            .where(table.c.name == name,
                   (table.c.owner == owner) | (table.c.expires_at <= now))
            .values(owner=owner, expires_at=expires)
        ).rowcount
        if renewed:
            db.commit()
            return True
        dialect = db.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        # RETURNING, not rowcount: psycopg reports rowcount -1 for INSERT ... ON CONFLICT.
        inserted = db.execute(
            insert(table).values(name=name, owner=owner, expires_at=expires)
            .on_conflict_do_nothing(index_elements=["name"])
            .returning(table.c.name)
        ).first()
        db.commit()
        return inserted is not None
    except BaseException:
        db.rollback()
        raise


def release(db: Session, name: str, owner: str) -> bool:
    """Give the lock up (on shutdown) so another worker need not wait for expiry."""
    table = SchedulerLock.__table__
    try:
        gone = db.execute(
            delete(table).where(table.c.name == name, table.c.owner == owner)
        ).rowcount
        db.commit()
        return bool(gone)
    except BaseException:
        db.rollback()
        raise


def holder(db: Session, name: str, now: datetime) -> str | None:
    """Who holds the lock at `now` (None when free or expired)."""
    row = db.get(SchedulerLock, name, populate_existing=True)
    return row.owner if row is not None and row.expires_at > now else None
