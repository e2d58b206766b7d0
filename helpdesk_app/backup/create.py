"""Make a backup of a running install: database snapshot, attachment store, secret key.

Order matters for consistency. Attachment bytes are written before the row that names
them is committed (domain/attachments.py), so once the database snapshot is taken every
file it names is already on disk: we copy exactly those files, after the snapshot, and
check each against the SHA-256 the database recorded. Files written later (or left by a
rolled-back upload) are not in the snapshot and are not copied.

The backup is built in `<target>.partial` and renamed when complete: a folder without
that suffix is always a whole backup.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from helpdesk_app.backup import database
from helpdesk_app.backup.manifest import BackupError, Manifest, copy_hashed, record, write
from helpdesk_app.config import SECRET_FILE, Settings, get_settings

PARTIAL = ".partial"
Progress = Callable[[str, int, int], None]  # (step, done, total)


@dataclass(frozen=True)
class BackupResult:
    folder: Path
    manifest: Manifest
    seconds: float


def _no_progress(step: str, done: int, total: int) -> None:
    return None


def make_backup(target: Path, *, settings: Settings | None = None,
                progress: Progress = _no_progress) -> BackupResult:
    """Write a complete backup to the new folder `target` (it must not exist)."""
    settings = settings or get_settings()
    target = target.resolve()
    if target.exists():
        raise BackupError(f"{target} already exists; give a new folder for the backup")
    started = datetime.now(UTC)
    work = target.with_name(target.name + PARTIAL)
    if work.exists():  # left by a backup that crashed; nothing in it is trusted
        shutil.rmtree(work)
    work.mkdir(parents=True)
    try:
        progress("database", 0, 1)
        snap = database.snapshot(settings.database_url, work)
        progress("database", 1, 1)
        manifest = Manifest(
            created_at=started.isoformat(timespec="seconds"), database_kind=snap.kind,
            database_file=snap.file.name, schema_revision=snap.revision, counts=snap.counts)
        record(manifest, work, snap.file)
        _copy_attachments(manifest, work, settings.attachments_dir, snap.attachments,
                          progress)
        secret = settings.data_dir / SECRET_FILE
        if secret.is_file():
            dest = work / SECRET_FILE
            record(manifest, work, dest, copy_hashed(secret, dest))
            os.chmod(dest, 0o600)
        write(manifest, work)
        work.rename(target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    seconds = (datetime.now(UTC) - started).total_seconds()
    return BackupResult(target, manifest, seconds)


def _copy_attachments(manifest: Manifest, work: Path, store: Path,
                      files: list[database.StoredFile], progress: Progress) -> None:
    total = len(files)
    for n, f in enumerate(files, 1):
        rel = Path("attachments") / f.storage_key[:2] / f.storage_key
        src = store / f.storage_key[:2] / f.storage_key
        if not src.is_file():
            manifest.problems.append(f"attachment {f.storage_key}: not in the store")
        else:
            size, sha = copy_hashed(src, work / rel)
            if sha != f.sha256 or size != f.size:
                manifest.problems.append(
                    f"attachment {f.storage_key}: the stored bytes differ from the "
                    "checksum recorded at upload (copied as found)")
            manifest.files[rel.as_posix()] = {"size": size, "sha256": sha}
        if n % 500 == 0 or n == total:
            progress("attachments", n, total)
