"""Scheduled backups' folder: names by time, the newest found, the oldest removed."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from helpdesk_app.backup.create import PARTIAL
from helpdesk_app.backup.manifest import MANIFEST

PREFIX = "pomocnik-"
_STAMP = "%Y%m%dT%H%M%SZ"


def name_for(now: datetime) -> str:
    return PREFIX + now.astimezone(UTC).strftime(_STAMP)


def made_at(folder: Path) -> datetime | None:
    try:
        return datetime.strptime(folder.name.removeprefix(PREFIX), _STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None


def complete(root: Path) -> list[Path]:
    """The scheduled backups in `root` that finished, oldest first."""
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir() if p.is_dir() and p.name.startswith(PREFIX)
             and made_at(p) is not None and (p / MANIFEST).is_file()]
    return sorted(found, key=lambda p: p.name)


def due(root: Path, now: datetime, every_hours: float) -> bool:
    newest = complete(root)
    if not newest:
        return True
    made = made_at(newest[-1])
    return made is None or (now - made).total_seconds() >= every_hours * 3600 - 60


def prune(root: Path, keep: int) -> list[Path]:
    """Remove all but the `keep` newest complete backups, and leftovers of crashed ones
    (call it only while holding the backup lock: no backup of ours is running then)."""
    done = complete(root)
    gone = done[:-keep] if keep > 0 else []
    gone += [p for p in root.iterdir() if p.is_dir() and p.name.startswith(PREFIX)
             and p.name.endswith(PARTIAL)] if root.is_dir() else []
    for p in gone:
        shutil.rmtree(p, ignore_errors=True)
    return gone
