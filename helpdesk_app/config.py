"""Settings read from the environment, with embedded defaults for a laptop.

Everything that differs between a laptop, CI and a production deployment is here,
so no other module reads os.environ directly.
"""

from __future__ import annotations

import os
import secrets
import time
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
    max_upload_bytes: int  # one upload request (all files of one message together)
    session_idle_minutes: int
    session_absolute_hours: int
    default_timezone: str
    default_language: str
    base_url: str
    cors_origins: tuple[str, ...]
    sla_sweep_seconds: float  # 0 or less: no scheduler in this process
    # SLA points found later than this (catch-up after downtime) are recorded quietly
    sla_alert_grace_minutes: int
    mail: MailSettings
    accounts: AccountSettings  # passwords, invitations, password reset (i12-setup)
    # sign-in throttling (domain/throttle.py): failures before delays start
    signin_ip_free_attempts: int = 10
    signin_account_free_attempts: int = 5
    # a work timer running this long (worked time) is stopped and flagged (issue 14)
    timer_cap_hours: int = 10
    # substitutions (issue 13): how often the scheduler starts/ends them; 0 or less: off
    substitution_sweep_seconds: float = 30.0
    # Redis for the change bus across processes (live/redis_bus.py); empty: in-process only
    redis_url: str = ""
    # names this deployment's bus channel: deployments sharing one Redis server must differ
    # (pub/sub channels are server-wide, not per database number)
    redis_prefix: str = "pomocnik"
    # scheduled backups (jobs/backup.py); None: off
    backup_dir: Path | None = None
    backup_every_hours: float = 24.0
    backup_keep: int = 7
    # POMOCNIK_SECRETS_KEY: keys (comma-separated, newest first) that encrypt stored
    # credentials such as directory bind passwords (domain/secrets_box.py); empty: none
    secrets_keys: tuple[str, ...] = ()
    # directory sync (jobs/ldap_sync.py): minutes between runs; 0 or less: off
    ldap_sync_minutes: float = 60.0
    # retention rules (domain/retention.py); 0: off
    retention_ticket_years: int = 0
    retention_raw_mail_days: int = 0


@dataclass(frozen=True)
class AccountSettings:
    password_min_length: int
    password_max_length: int  # argon2 hashes whatever it is given: bound the work
    invite_ttl_hours: int
    reset_ttl_minutes: int


def _account_settings() -> AccountSettings:
    return AccountSettings(
        password_min_length=max(1, _int("POMOCNIK_PASSWORD_MIN_LENGTH", 8)),
        password_max_length=256,
        invite_ttl_hours=max(1, _int("POMOCNIK_INVITE_TTL_HOURS", 7 * 24)),
        reset_ttl_minutes=max(1, _int("POMOCNIK_RESET_TTL_MINUTES", 60)),
    )


UNKNOWN_SENDER_POLICIES = ("triage", "reject", "quarantine")
RELAY_SECURITY = ("none", "starttls", "ssl")


@dataclass(frozen=True)
class MailSettings:
    # built-in SMTP listener (inbound); port 0: not started
    listen_host: str
    listen_port: int
    # run the listener in a child process (a core of its own; see listener_process.py)
    listen_process: bool
    # outbound relay
    relay_host: str  # empty: mail stays queued in the outbox (visible to admins)
    relay_port: int
    relay_security: str  # none / starttls / ssl
    relay_username: str
    relay_password: str
    relay_timeout: float
    from_address: str  # "Name <address>" or an address
    domain: str  # our Message-ID domain; also how our own mail is recognised coming back
    max_message_bytes: int
    max_parts: int
    unknown_sender: str  # triage / reject / quarantine
    triage_queue: str  # queue name for unknown senders (triage); empty: the channel's queue
    auto_reply_cap: int  # automatic mails to one address per window; more are dropped
    auto_reply_window_minutes: int
    outbox_max_attempts: int
    outbox_backoff_seconds: float  # first retry; doubles each time, capped at one hour
    worker_seconds: float  # outbox / inbound catch-up / IMAP poll interval; 0: no worker
    imap_poll_seconds: float
    # Authentication-Results authserv-ids of the relays we trust (mail identity; see
    # mail/inbound/auth_results.py); empty: no relay vouches for anyone
    trusted_authserv_ids: tuple[str, ...] = ()


def _choice(name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = (os.environ.get(name) or default).strip().lower()
    if value not in allowed:
        raise RuntimeError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _mail_settings(base_url: str) -> MailSettings:
    host = base_url.split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"
    domain = os.environ.get("POMOCNIK_MAIL_DOMAIN") or (
        "pomocnik.localhost" if host in ("localhost", "127.0.0.1") else host)
    return MailSettings(
        listen_host=os.environ.get("POMOCNIK_SMTP_LISTEN_HOST", "127.0.0.1"),
        listen_port=_int("POMOCNIK_SMTP_LISTEN_PORT", 2525),
        listen_process=_choice("POMOCNIK_SMTP_LISTEN_PROCESS", "on", ("on", "off")) == "on",
        relay_host=os.environ.get("POMOCNIK_SMTP_RELAY_HOST", ""),
        relay_port=_int("POMOCNIK_SMTP_RELAY_PORT", 25),
        relay_security=_choice("POMOCNIK_SMTP_RELAY_SECURITY", "none", RELAY_SECURITY),
        relay_username=os.environ.get("POMOCNIK_SMTP_RELAY_USERNAME", ""),
        relay_password=os.environ.get("POMOCNIK_SMTP_RELAY_PASSWORD", ""),
        relay_timeout=_float("POMOCNIK_SMTP_RELAY_TIMEOUT", 30),
        from_address=os.environ.get("POMOCNIK_MAIL_FROM") or f"Pomocnik <helpdesk@{domain}>",
        domain=domain,
        max_message_bytes=_int("POMOCNIK_MAIL_MAX_MB", 25) * 1024 * 1024,
        max_parts=_int("POMOCNIK_MAIL_MAX_PARTS", 200),
        unknown_sender=_choice("POMOCNIK_MAIL_UNKNOWN_SENDER", "triage",
                               UNKNOWN_SENDER_POLICIES),
        triage_queue=os.environ.get("POMOCNIK_MAIL_TRIAGE_QUEUE", ""),
        auto_reply_cap=_int("POMOCNIK_MAIL_AUTO_REPLY_CAP", 10),
        auto_reply_window_minutes=_int("POMOCNIK_MAIL_AUTO_REPLY_WINDOW_MINUTES", 60),
        outbox_max_attempts=_int("POMOCNIK_OUTBOX_MAX_ATTEMPTS", 8),
        outbox_backoff_seconds=_float("POMOCNIK_OUTBOX_BACKOFF_SECONDS", 30),
        worker_seconds=_float("POMOCNIK_MAIL_WORKER_SECONDS", 5),
        imap_poll_seconds=_float("POMOCNIK_IMAP_POLL_SECONDS", 60),
        trusted_authserv_ids=tuple(
            i.strip().lower() for i in
            os.environ.get("POMOCNIK_MAIL_TRUSTED_AUTHSERV_IDS", "").split(",") if i.strip()),
    )


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
        max_upload_bytes=_int("POMOCNIK_MAX_UPLOAD_MB", 50) * 1024 * 1024,
        session_idle_minutes=_int("POMOCNIK_SESSION_IDLE_MINUTES", 120),
        session_absolute_hours=_int("POMOCNIK_SESSION_ABSOLUTE_HOURS", 12),
        default_timezone=os.environ.get("POMOCNIK_TIMEZONE", "Europe/Warsaw"),
        default_language=os.environ.get("POMOCNIK_LANGUAGE", "pl"),
        base_url=base_url,
        cors_origins=tuple(o.strip() for o in cors.split(",") if o.strip()),
        sla_sweep_seconds=_float("POMOCNIK_SLA_SWEEP_SECONDS", 60),
        sla_alert_grace_minutes=_int("POMOCNIK_SLA_ALERT_GRACE_MINUTES", 60),
        mail=_mail_settings(base_url),
        accounts=_account_settings(),
        signin_ip_free_attempts=_int("POMOCNIK_SIGNIN_IP_FREE_ATTEMPTS", 10),
        signin_account_free_attempts=_int("POMOCNIK_SIGNIN_ACCOUNT_FREE_ATTEMPTS", 5),
        timer_cap_hours=_int("POMOCNIK_TIMER_CAP_HOURS", 10),
        substitution_sweep_seconds=_float("POMOCNIK_SUBSTITUTION_SWEEP_SECONDS", 30),
        redis_url=os.environ.get("REDIS_URL", "").strip(),
        redis_prefix=os.environ.get("POMOCNIK_REDIS_PREFIX", "").strip() or "pomocnik",
        backup_dir=_optional_path("POMOCNIK_BACKUP_DIR"),
        backup_every_hours=max(0.1, _float("POMOCNIK_BACKUP_EVERY_HOURS", 24)),
        backup_keep=max(1, _int("POMOCNIK_BACKUP_KEEP", 7)),
        ldap_sync_minutes=_float("POMOCNIK_LDAP_SYNC_MINUTES", 60),
        retention_ticket_years=max(0, _int("POMOCNIK_RETENTION_TICKET_YEARS", 0)),
        retention_raw_mail_days=max(0, _int("POMOCNIK_RETENTION_RAW_MAIL_DAYS", 0)),
        secrets_keys=tuple(k.strip() for k in os.environ.get("POMOCNIK_SECRETS_KEY", "")
                           .split(",") if k.strip()),
    )


def _optional_path(name: str) -> Path | None:
    raw = os.environ.get(name, "").strip()
    return Path(raw).resolve() if raw else None


# --------------------------------------------------------------------------- secret key

SECRET_FILE = "secret_key"
_SECRET_MIN = 32


def secret_key() -> bytes:
    """The install's server secret (signs the reply tokens of our mail, see
    mail/outbound/reply_token.py): POMOCNIK_SECRET_KEY, else a random key made once and
    kept in `<data dir>/secret_key` (mode 0600), so every process and restart of this
    install agrees on it and no two installs share one. Never a built-in default: a
    known key would let anyone forge tokens."""
    raw = os.environ.get("POMOCNIK_SECRET_KEY", "").strip()
    if raw:
        if len(raw) < _SECRET_MIN:
            raise RuntimeError(f"POMOCNIK_SECRET_KEY must be at least {_SECRET_MIN} characters")
        return raw.encode("utf-8")
    return _stored_secret(get_settings().data_dir / SECRET_FILE)


@lru_cache(maxsize=4)
def _stored_secret(path: Path) -> bytes:
    try:
        value = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        value = ""
    if len(value) >= _SECRET_MIN:
        return value.encode("ascii")
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = secrets.token_hex(32)
    try:  # O_EXCL: of two processes starting at once, one writes and both read its key
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # the other process may still be writing it
            value = path.read_text(encoding="ascii").strip()
            if len(value) >= _SECRET_MIN:
                break
            time.sleep(0.02)
        if len(value) < _SECRET_MIN:
            raise RuntimeError(f"{path} holds no usable secret key; remove it") from None
        return value.encode("ascii")
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(fresh + "\n")
    return fresh.encode("ascii")
