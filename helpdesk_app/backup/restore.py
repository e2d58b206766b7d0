"""Bring a backup back into an empty data folder (and an empty database), then prove it.

Nothing is written before the backup itself checks out (every file's size and SHA-256
against its manifest), and nothing is overwritten: the target database must be empty and
the attachment store must hold no files. After loading, the restored database is read
back: its schema revision and row counts must equal the manifest's, SQLite's quick check
must pass, and every attachment it names must be in the store with the recorded checksum.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from helpdesk_app.backup import database
from helpdesk_app.backup.manifest import BackupError, Manifest, copy_hashed, file_digest, verify
from helpdesk_app.config import SECRET_FILE, Settings, get_settings


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    counts: dict[str, int]
    attachments: int


def restore_backup(source: Path, *, settings: Settings | None = None) -> RestoreResult:
    settings = settings or get_settings()
    problems = verify(source)
    if problems:
        raise BackupError("the backup does not check out, nothing was restored:\n  "
                          + "\n  ".join(problems[:20]))
    manifest = Manifest.load(source)
    store = settings.attachments_dir
    if store.exists() and any(p.is_file() for p in store.rglob("*")):
        raise BackupError(f"the attachment store {store} is not empty; restore only into an "
                          "empty data folder")
    database.ensure_empty(settings.database_url)
    database.load(source / manifest.database_file, manifest.database_kind,
                  settings.database_url)
    for rel in manifest.files:
        if rel.startswith("attachments/"):
            copy_hashed(source / rel, store / rel.removeprefix("attachments/"))
    secret = source / SECRET_FILE
    if secret.is_file():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        dest = settings.data_dir / SECRET_FILE
        copy_hashed(secret, dest)
        os.chmod(dest, 0o600)
    return _check(manifest, settings)


def _check(manifest: Manifest, settings: Settings) -> RestoreResult:
    revision, counts, files, integrity = database.read_restored(settings.database_url)
    problems = []
    if integrity != "ok":
        problems.append(f"database integrity check: {integrity}")
    if revision != manifest.schema_revision:
        problems.append(f"schema revision {revision!r}, the backup has "
                        f"{manifest.schema_revision!r}")
    if counts != manifest.counts:
        problems.append(f"row counts {counts} differ from the backup's {manifest.counts}")
    missing = set(_known_missing(manifest))
    for f in files:
        path = settings.attachments_dir / f.storage_key[:2] / f.storage_key
        if f.storage_key in missing:
            continue  # already missing when the backup was made (listed in its problems)
        if not path.is_file() or file_digest(path) != (f.size, f.sha256):
            problems.append(f"attachment {f.storage_key} is missing or differs")
    if problems:
        raise BackupError("the restored data does not match the backup:\n  "
                          + "\n  ".join(problems[:20]))
    return RestoreResult(manifest, counts, len(files))


def _known_missing(manifest: Manifest) -> list[str]:
    return [p.split(":", 1)[0].removeprefix("attachment ") for p in manifest.problems]
