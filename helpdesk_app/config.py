"""Settings read from the environment, with embedded defaults for a laptop.

Everything that differs between a laptop, CI and a production deployment is here,
so no other module reads os.environ directly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:  # a typo in deployment config must be loud
        raise RuntimeError(f"{name} must be an integer, got {raw!r}") from exc


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be a number, got {raw!r}") from exc


def _local_twins(url: str) -> list[str]:
    """A localhost URL is reached as localhost and as 127.0.0.1 alike; allow both origins."""
    twins = [url]
    for a, b in (("//localhost", "//127.0.0.1"), ("//127.0.0.1", "//localhost")):
        if a in url:
            twins.append(url.replace(a, b))
    return twins


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    attachments_dir: Path
    max_attachment_bytes: int
    session_idle_minutes: int
    session_absolute_hours: int
    default_timezone: str
    default_language: str
    base_url: str
    cors_origins: tuple[str, ...]
    sla_sweep_seconds: float  # 0 or less: no scheduler in this process


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    data_dir = Path(os.environ.get("POMOCNIK_DATA_DIR", REPO_ROOT / "data")).resolve()
    db_url = os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir / 'pomocnik.db'}"
    attachments = Path(os.environ.get("POMOCNIK_ATTACHMENTS_DIR", data_dir / "attachments"))
    base_url = os.environ.get("POMOCNIK_BASE_URL", "http://localhost:3000").rstrip("/")
    cors = os.environ.get("POMOCNIK_CORS_ORIGINS") or ",".join(_local_twins(base_url))
    return Settings(
        database_url=db_url,
        data_dir=data_dir,
        attachments_dir=attachments.resolve(),
        max_attachment_bytes=_int("POMOCNIK_MAX_ATTACHMENT_MB", 20) * 1024 * 1024,
        session_idle_minutes=_int("POMOCNIK_SESSION_IDLE_MINUTES", 120),
        session_absolute_hours=_int("POMOCNIK_SESSION_ABSOLUTE_HOURS", 12),
        default_timezone=os.environ.get("POMOCNIK_TIMEZONE", "Europe/Warsaw"),
        default_language=os.environ.get("POMOCNIK_LANGUAGE", "pl"),
        base_url=base_url,
        cors_origins=tuple(o.strip() for o in cors.split(",") if o.strip()),
        sla_sweep_seconds=_float("POMOCNIK_SLA_SWEEP_SECONDS", 60),
    )
