"""The manifest of a backup folder: what it holds, with a checksum for every file.

A backup is a plain folder (`manifest.json`, the database file, `attachments/`, the install's
`secret_key`), so it can be copied with rsync or any backup tool and checked without the
app. `verify` re-reads every file listed and compares size and SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
FORMAT = 1
_CHUNK = 1024 * 1024


@dataclass
class Manifest:
    created_at: str  # ISO 8601 UTC, when the database snapshot was taken
    database_kind: str  # "sqlite" | "postgresql"
    database_file: str  # relative path inside the backup folder
    schema_revision: str  # alembic revision of the snapshot
    counts: dict[str, int]  # rows per table that matter for a restore check
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # path -> size, sha256
    # attachments the database names but the store did not hold (or held corrupted)
    problems: list[str] = field(default_factory=list)
    format: int = FORMAT

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=1, sort_keys=True, ensure_ascii=False)

    @classmethod
    def load(cls, folder: Path) -> Manifest:
        try:
            raw = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BackupError(f"{folder} is not a backup: it has no {MANIFEST}") from None
        except (OSError, ValueError) as exc:
            raise BackupError(f"{folder / MANIFEST} cannot be read: {exc}") from None
        if raw.get("format") != FORMAT:
            raise BackupError(f"{folder} has backup format {raw.get('format')!r}; "
                              f"this version reads format {FORMAT}")
        return cls(**raw)


class BackupError(Exception):
    """A backup or restore cannot go on; the message says why, for an operator."""


def copy_hashed(src: Path, dst: Path) -> tuple[int, str]:
    """Copy `src` to `dst` (parents made) and return (size, sha256) of what was copied."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with src.open("rb") as fin, dst.open("wb") as fout:
        while chunk := fin.read(_CHUNK):
            digest.update(chunk)
            fout.write(chunk)
            size += len(chunk)
    shutil.copystat(src, dst)
    return size, digest.hexdigest()


def file_digest(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def record(manifest: Manifest, folder: Path, path: Path,
           known: tuple[int, str] | None = None) -> None:
    """List `path` (inside `folder`) in the manifest, hashing it unless `known`."""
    size, sha = known or file_digest(path)
    manifest.files[path.relative_to(folder).as_posix()] = {"size": size, "sha256": sha}


def verify(folder: Path) -> list[str]:
    """What is wrong with the backup in `folder` (empty: every file is there and intact)."""
    manifest = Manifest.load(folder)
    problems = []
    for rel, want in sorted(manifest.files.items()):
        path = folder / rel
        if not path.is_file():
            problems.append(f"missing: {rel}")
            continue
        size, sha = file_digest(path)
        if size != want["size"] or sha != want["sha256"]:
            problems.append(f"changed since the backup was made: {rel}")
    if manifest.database_file not in manifest.files:
        problems.append(f"the manifest does not list the database file {manifest.database_file}")
    return problems


def write(manifest: Manifest, folder: Path) -> None:
    tmp = folder / (MANIFEST + ".tmp")
    tmp.write_text(manifest.to_json(), encoding="utf-8")
    with tmp.open("rb") as f:
        os.fsync(f.fileno())
    tmp.replace(folder / MANIFEST)
