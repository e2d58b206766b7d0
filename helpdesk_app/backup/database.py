"""A consistent copy of the live database, and putting one back.

SQLite: the online backup API copies every page in one step, i.e. inside one read
transaction; in WAL mode writers go on meanwhile and the copy is the database as of that
transaction. PostgreSQL: `pg_dump` run on a snapshot exported by a REPEATABLE READ
transaction of ours, so the attachment list we read for the file copy is exactly the
dump's, even while tickets are being written.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, make_url

from helpdesk_app.backup.manifest import BackupError
from helpdesk_app.db import make_engine

# rows counted in the manifest and compared after a restore
COUNTED = ("ticket", "timeline_event", "attachment", "inbound_mail", "outbound_mail",
           "user_account", "organisation")
_ATTACHMENTS = "SELECT storage_key, size, sha256 FROM attachment ORDER BY id"
_REVISION = "SELECT version_num FROM alembic_version"


@dataclass(frozen=True)
class StoredFile:
    storage_key: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Snapshot:
    kind: str  # sqlite / postgresql
    file: Path
    revision: str
    counts: dict[str, int]
    attachments: list[StoredFile]


def kind_of(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"backups support SQLite and PostgreSQL, not {name}")
    return name


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError(f"{url} is not a database file")
    return Path(database)


def _read(run: Callable[[str], list[tuple]]) -> tuple[str, dict[str, int], list[StoredFile]]:
    revision = run(_REVISION)
    counts = {table: int(run(f"SELECT count(*) FROM {table}")[0][0]) for table in COUNTED}
    files = [StoredFile(str(k), int(s), str(h)) for k, s, h in run(_ATTACHMENTS)]
    return (str(revision[0][0]) if revision else ""), counts, files


def snapshot(url: str, folder: Path) -> Snapshot:
    """Copy the database at `url` into `folder`, and read what the copy holds."""
    if kind_of(url) == "sqlite":
        return _snapshot_sqlite(sqlite_path(url), folder / "database.sqlite3")
    return _snapshot_postgres(url, folder / "database.pgdump")


def _snapshot_sqlite(source: Path, dest: Path) -> Snapshot:
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    src = sqlite3.connect(source, timeout=60)
    try:
        dst = sqlite3.connect(dest)
        try:
            src.backup(dst)  # pages=-1: one step, one read transaction
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            revision, counts, files = _read(lambda sql: dst.execute(sql).fetchall())
        finally:
            dst.close()
    finally:
        src.close()
    return Snapshot("sqlite", dest, revision, counts, files)


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URI for pg_dump / pg_restore, the password in the environment
    (not on a command line other users can read in `ps`)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BackupError(f"{args[0]} is not installed (Debian: apt-get install "
                          "postgresql-client, the same major version as the server)") from None
    if done.returncode != 0:
        raise BackupError(f"{what} failed: {done.stderr.strip()[-2000:]}")


def _snapshot_postgres(url: str, dest: Path) -> Snapshot:
    uri, env = _libpq(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                snap = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                # the transaction stays open so the exported snapshot lives while pg_dump runs
                _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                      f"--snapshot={snap}", f"--file={dest}", f"--dbname={uri}"], env,
                     "pg_dump")
                revision, counts, files = _read(_rows(conn))
    finally:
        engine.dispose()
    return Snapshot("postgresql", dest, revision, counts, files)


def _rows(conn: Connection) -> Callable[[str], list[tuple]]:
    return lambda sql: [tuple(r) for r in conn.execute(text(sql)).all()]


# --------------------------------------------------------------------------- restore


def ensure_empty(url: str) -> None:
    """Refuse to restore over data: the target database must hold no tables."""
    if kind_of(url) == "sqlite":
        path = sqlite_path(url)
        if path.exists() and path.stat().st_size > 0:
            raise BackupError(f"{path} already exists; restore only into an empty data "
                              "folder (move the old one away first)")
        return
    engine = make_engine(url)
    try:
        tables = inspect(engine).get_table_names()
    finally:
        engine.dispose()
    if tables:
        raise BackupError(f"the target database is not empty ({len(tables)} tables); "
                          "restore only into a new, empty database")


def load(snapshot_file: Path, kind: str, url: str) -> None:
    """Put the backed-up database at `url` (checked empty by `ensure_empty`)."""
    if kind != kind_of(url):
        raise BackupError(f"this backup is of a {kind} database; the target is "
                          f"{kind_of(url)}")
    if kind == "sqlite":
        path = sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".restoring")
        shutil.copyfile(snapshot_file, tmp)
        tmp.replace(path)
        return
    uri, env = _libpq(url)
    _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
          "--single-transaction", f"--dbname={uri}", str(snapshot_file)], env, "pg_restore")


def read_restored(url: str) -> tuple[str, dict[str, int], list[StoredFile], str]:
    """What the restored database holds, and its integrity check ("ok" when sound).
    Locks of the old deployment's scheduler are dropped: its processes are gone."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM scheduler_lock"))
            revision, counts, files = _read(_rows(conn))
            check = "ok"
            if kind_of(url) == "sqlite":
                check = str(conn.execute(text("PRAGMA quick_check")).scalar_one())
    finally:
        engine.dispose()
    return revision, counts, files, check
