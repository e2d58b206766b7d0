"""The audit log: who did what, to which thing, when and from where.

Recording (for every module that changes accounts or configuration):

    audit.record(db, actor, "config.sla.contract.updated",
                 target=audit.Target("contract", row.id, row.name),
                 details=audit.changes(before, row, CONTRACT_FIELDS), address=ip)

`record` only adds the row to the caller's session: it commits or rolls back with the
change it describes (call it before the caller's `db.commit()`). `actor=None` is an
anonymous or system actor (a failed sign-in, a job); pass `actor_label=` to say who it
claimed to be. `action` must be a key of `ACTIONS` (a closed vocabulary, each with a
PL/EN label `audit.action.<key>`); add new keys there and in both catalogs.
`details` is a small JSON object; keys that name secrets (passwords, tokens, TOTP
secrets, codes, hashes) are stripped before anything is stored (`clean_details`).

The log is append-only: no function here changes or deletes an entry, and database
triggers refuse UPDATE/DELETE (alembic 0014). Retention: kept without limit; erasing
personal data (actor labels, addresses) is for the RODO issue.

Reading (admins): `search` (filters, pages with a total), `export_chunks` (CSV for Excel,
streamed in batches) after `record_export` has logged the export itself.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Insert, Select, insert, literal, null, or_
from sqlmodel import Session, col, func, select

from helpdesk_app.domain import access
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import Invalid
from helpdesk_app.i18n import t
from helpdesk_app.models import AuditEvent
from helpdesk_app.models.base import utcnow

log = logging.getLogger(__name__)

# The closed vocabulary of actions, grouped by area (the page's area filter is a prefix).
ACTIONS: frozenset[str] = frozenset({
    # sign-in (domain/auth.py; a wrong second factor: domain/signin.py), second factors
    # (domain/two_factor.py), passwords (my_security.py, password_reset.py) and sessions
    "auth.sign_in.succeeded", "auth.sign_in.failed", "auth.sign_out",
    "auth.two_factor.enabled", "auth.two_factor.disabled", "auth.two_factor.reset",
    "auth.two_factor.recovery_regenerated",
    "auth.password.changed", "auth.password.reset_requested", "auth.password.reset",
    "auth.sessions.ended",
    # people and permissions (users_admin.py, invitations.py, custom_roles.py,
    # queues_admin.py, organisations_admin.py); "user.invitation_revoked" is reserved:
    # an invitation cannot be withdrawn yet (a newer one replaces it)
    "user.created", "user.updated", "user.deactivated", "user.reactivated",
    "user.role_changed", "user.invited", "user.invitation_revoked",
    "user.invitation_accepted",
    "role.created", "role.updated", "role.deleted", "role.permissions_changed",
    "queue.created", "queue.updated", "queue.members_changed",
    "organisation.created", "organisation.updated", "organisation.deactivated",
    "organisation.reactivated", "organisation.deleted",
    # configuration
    "config.security.two_factor_required.updated", "config.security.login_alerts.updated",
    "config.sla.calendar.created", "config.sla.calendar.updated",
    "config.sla.contract.created", "config.sla.contract.updated",
    "config.sla.ticket_type.created", "config.sla.ticket_type.updated",
    "config.workflow.status.created", "config.workflow.status.updated",
    "config.workflow.status_set.updated", "config.workflow.transitions.updated",
    "config.fields.field.created", "config.fields.field.updated",
    "config.fields.options.updated", "config.fields.scopes.updated",
    "config.fields.permissions.updated", "config.fields.dependencies.updated",
    "config.checklists.template.created", "config.checklists.template.updated",
    "config.checklists.template.deleted",
    "config.mail.channel.created", "config.mail.channel.updated",
    "config.ldap.directory.created", "config.ldap.directory.updated",
    # mail decisions
    "mail.quarantine.retried", "mail.quarantine.created_anyway",
    "mail.outbox.retried",
    # exports
    "export.tickets", "export.report", "audit.exported",
    # substitutions (issue 13: domain/substitutions.py; started/ended by the scheduler)
    "substitution.created", "substitution.updated", "substitution.cancelled",
    "substitution.started", "substitution.ended",
    # subcontracting (domain/handover.py): tickets handed over and back, contracts served
    "handover.handed", "handover.accepted", "handover.returned", "handover.withdrawn",
    "handover.contracts_changed",
    # work time (issue 14): someone else's entries, locking, rates and activity types
    "worktime.added_for", "worktime.corrected", "worktime.removed", "worktime.locked",
    "worktime.unlocked", "worktime.timer_capped", "worktime.rate_changed",
    "worktime.activity_saved",
    # RODO (issue 16): a person's data exported or erased (domain/privacy_*.py)
    "privacy.exported", "privacy.erased", "privacy.retention_applied",
})
AREAS: tuple[str, ...] = ("auth", "user", "role", "queue", "organisation", "config.security",
                          "config.sla", "config.workflow", "config.fields", "config.checklists",
                          "config.mail", "config.ldap", "mail", "export", "audit",
                          "substitution", "handover",
                          "worktime", "privacy")

PAGE_SIZE = 50
EXPORT_BATCH = 500
TEXT_MAX = 100
_STRING_MAX = 300  # one value in details
_LIST_MAX = 50
_DETAILS_MAX = 8000  # the stored JSON

# Parts of a details key that mark a secret ("imap_password", "totp_secret", "reset_token").
_SECRET_PARTS = frozenset({"password", "passwd", "pwd", "secret", "token", "totp", "otp",
                           "code", "codes", "recovery", "hash", "apikey", "cookie"})
_SECRET_NAMES = frozenset({"api_key", "private_key", "session", "pin"})
_KEY_PARTS = re.compile(r"[^a-z0-9]+")
# Spreadsheets run a cell starting with these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Target:
    """What an action was done to: a type ("contract"), its id and a label as it is now
    (kept in the entry, so a later rename does not rewrite history)."""

    type: str
    id: int | str | None = None
    label: str = ""


# --------------------------------------------------------------------------- writing


def is_secret_key(key: str) -> bool:
    name = str(key).lower()
    parts = set(_KEY_PARTS.split(name))
    return name in _SECRET_NAMES or bool(parts & _SECRET_PARTS)


def _plain(value: Any) -> Any:
    """A JSON-friendly, small copy of one value."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, Mapping):
        return clean_details(value)
    if isinstance(value, set | frozenset):
        value = sorted(value, key=str)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in list(value)[:_LIST_MAX]]
    text = str(value)
    return text if len(text) <= _STRING_MAX else text[:_STRING_MAX - 1] + "…"


def clean_details(details: Mapping[str, Any] | None) -> dict[str, Any]:
    """`details` without secret keys (at any depth), with values made small and JSON-able.
    A stripped key is logged (by name only): the caller should not have passed it."""
    out: dict[str, Any] = {}
    for key, value in (details or {}).items():
        if is_secret_key(key):
            log.warning("audit: dropped secret detail %r", key)
            continue
        out[str(key)] = _plain(value)
    return out


def _snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    if obj is None:
        return {f: None for f in fields}
    if isinstance(obj, Mapping):
        return {f: _plain(obj.get(f)) for f in fields}
    return {f: _plain(getattr(obj, f, None)) for f in fields}


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The audited fields of a row (or mapping) as plain values: take it BEFORE changing
    the row, then `changes(before, row, fields)`."""
    return _snapshot(obj, list(fields))


def changes(before: Any, after: Any, fields: Iterable[str]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields that differ; `before`/`after` are rows, mappings
    or snapshots (None: the thing did not exist / no longer exists)."""
    fields = list(fields)
    old, new = _snapshot(before, fields), _snapshot(after, fields)
    return {f: [old[f], new[f]] for f in fields if old[f] != new[f]}


def actor_label(actor: Actor) -> str:
    return f"{actor.full_name} <{actor.email}>"


def record(db: Session, actor: Actor | None, action: str, *, target: Target | None = None,
           details: Mapping[str, Any] | None = None, address: str | None = None,
           label: str | None = None) -> None:
    """Add one audit entry to the caller's transaction (see the module doc).

    `label` overrides who the actor is shown as (e.g. the e-mail a failed sign-in tried)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}: add it to audit.ACTIONS")
    text = json.dumps(clean_details(details), ensure_ascii=False, sort_keys=True)
    if len(text) > _DETAILS_MAX:  # keep the log small: say what changed, not every value
        text = json.dumps({"truncated": True, "keys": sorted(clean_details(details))[:_LIST_MAX]})
    who = label if label is not None else (actor_label(actor) if actor else "")
    db.add(AuditEvent(
        at=utcnow(), actor_id=actor.user_id if actor else None, actor_label=who[:200],
        action=action,
        target_type=target.type[:40] if target else None,
        target_id=None if target is None or target.id is None else str(target.id)[:64],
        target_label=(target.label or "")[:200] if target else "",
        details=text, address=(address or None) and address[:64],
    ))


def record_from_select(db: Session, actor: Actor | None, action: str, rows: Select) -> None:
    """`record` for many targets at once, built by the database (a scheduler pass over
    thousands of rows): one INSERT ... SELECT in the caller's transaction. `rows` selects
    (target type, target id, target label, details as JSON text); the caller answers for
    the details: no secrets, small values (what `clean_details` would keep)."""
    db.execute(insert_from_select(actor, action, rows))


def insert_from_select(actor: Actor | None, action: str, rows: Select) -> Insert:
    """The statement `record_from_select` runs, for a caller that embeds it in its own
    (on PostgreSQL, a CTE fed by the UPDATE ... RETURNING whose rows it records)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}: add it to audit.ACTIONS")
    table = AuditEvent.__table__
    who = (actor_label(actor) if actor else "")[:200]
    subquery = rows.subquery()
    return insert(table).from_select(
        ["at", "actor_id", "actor_label", "action", "target_type", "target_id",
         "target_label", "details", "address"],
        select(literal(utcnow(), type_=table.c.at.type),
               literal(actor.user_id if actor else None, type_=table.c.actor_id.type),
               literal(who), literal(action), *subquery.c, null()))


def record_change(db: Session, actor: Actor | None, action: str, *, target: Target,
                  details: Mapping[str, Any], address: str | None = None) -> None:
    """`record` for a save: a save that changed nothing (empty `details`) is not logged."""
    if details:
        record(db, actor, action, target=target, details=details, address=address)


# --------------------------------------------------------------------------- reading


@dataclass
class AuditQuery:
    """The page's filters. Days are in the viewer's time zone `tz`, both ends included."""

    area: str = ""  # an action prefix from AREAS ("" all)
    action: str = ""  # one exact action ("" all)
    actor_id: int | None = None
    target_type: str = ""
    target_id: str = ""
    text: str = ""  # in the actor, target, action or details
    day_from: date | None = None
    day_to: date | None = None
    tz: str = "UTC"
    page: int = 1
    page_size: int = PAGE_SIZE

    def filters(self) -> dict[str, Any]:
        """The filters that are set, for the export's own audit entry."""
        shown = {"area": self.area, "action": self.action, "actor_id": self.actor_id,
                 "target_type": self.target_type, "target_id": self.target_id,
                 "text": self.text, "day_from": self.day_from, "day_to": self.day_to}
        return {k: v for k, v in shown.items() if v not in ("", None)}


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor_id: int | None
    actor_label: str
    action: str
    target_type: str | None
    target_id: str | None
    target_label: str
    details: dict[str, Any] = field(default_factory=dict)
    address: str | None = None


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditEntry]
    total: int
    page: int
    pages: int


def _entry(row: AuditEvent) -> AuditEntry:
    try:
        details = json.loads(row.details or "{}")
    except ValueError:
        details = {"raw": row.details}
    return AuditEntry(id=row.id, at=row.at, actor_id=row.actor_id, actor_label=row.actor_label,
                      action=row.action, target_type=row.target_type, target_id=row.target_id,
                      target_label=row.target_label,
                      details=details if isinstance(details, dict) else {"value": details},
                      address=row.address)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _day_start(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def _where(q: AuditQuery) -> list[ColumnElement[bool]]:
    if q.area and q.area not in AREAS:
        raise Invalid("audit.area_invalid")
    if q.action and q.action not in ACTIONS:
        raise Invalid("audit.action_invalid")
    if q.day_from and q.day_to and q.day_to < q.day_from:
        raise Invalid("audit.range_reversed")
    try:
        ZoneInfo(q.tz)
    except (KeyError, ValueError):
        q.tz = "UTC"
    where: list[ColumnElement[bool]] = []
    if q.area:
        where.append(col(AuditEvent.action).startswith(q.area + ".", autoescape=True))
    if q.action:
        where.append(col(AuditEvent.action) == q.action)
    if q.actor_id is not None:
        where.append(col(AuditEvent.actor_id) == q.actor_id)
    if q.target_type:
        where.append(col(AuditEvent.target_type) == q.target_type)
        if q.target_id:
            where.append(col(AuditEvent.target_id) == str(q.target_id))
    text = " ".join((q.text or "").split())[:TEXT_MAX]
    if text:
        pattern = _like(text)
        where.append(or_(*(c.ilike(pattern, escape="\\") for c in (
            col(AuditEvent.actor_label), col(AuditEvent.target_label),
            col(AuditEvent.action), col(AuditEvent.details), col(AuditEvent.address)))))
    if q.day_from:
        where.append(col(AuditEvent.at) >= _day_start(q.day_from, q.tz))
    if q.day_to:
        where.append(col(AuditEvent.at) < _day_start(q.day_to + timedelta(days=1), q.tz))
    return where


def search(db: Session, actor: Actor, q: AuditQuery) -> AuditPage:
    """One page of entries, newest first, with the total (admins only)."""
    access.require_admin(actor)
    where = _where(q)
    total = db.exec(select(func.count()).select_from(AuditEvent).where(*where)).one()
    size = max(1, min(int(q.page_size), 200))
    pages = max(1, -(-total // size))
    page = max(1, min(int(q.page), pages))
    rows = db.exec(select(AuditEvent).where(*where)
                   .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
                   .offset((page - 1) * size).limit(size)).all()
    return AuditPage([_entry(r) for r in rows], total, page, pages)


def iter_entries(db: Session, actor: Actor, q: AuditQuery,
                 batch: int | None = None) -> Iterator[list[AuditEntry]]:
    """Every matching entry, newest first, in batches (keyset on id: no OFFSET scans)."""
    access.require_admin(actor)
    batch = batch or EXPORT_BATCH
    where = _where(q)
    last: int | None = None
    while True:
        cond = [*where, col(AuditEvent.id) < last] if last is not None else where
        rows = db.exec(select(AuditEvent).where(*cond)
                       .order_by(col(AuditEvent.id).desc()).limit(batch)).all()
        if not rows:
            return
        yield [_entry(r) for r in rows]
        last = rows[-1].id


# --------------------------------------------------------------------------- presenting


def action_label(action: str, lang: str) -> str:
    return t(f"audit.action.{action}", lang) if action in ACTIONS else action


def _shown(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def summary(details: Mapping[str, Any]) -> str:
    """One line for the table: "name: Old → New; valid_to: — → 2027-01-01"."""
    parts = []
    for key, value in details.items():
        if isinstance(value, list) and len(value) == 2 and key not in ("added", "removed"):
            parts.append(f"{key}: {_shown(value[0])} → {_shown(value[1])}")
        else:
            parts.append(f"{key}: {_shown(value)}")
    return "; ".join(parts)


# --------------------------------------------------------------------------- CSV export

CSV_COLUMNS = ("at_utc", "at_local", "actor", "actor_id", "action", "action_label",
               "target_type", "target_id", "target", "details", "address")


def safe_cell(value: Any) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_filename(now: datetime | None = None) -> str:
    return f"audit-{(now or utcnow()).strftime('%Y%m%d-%H%M')}.csv"


def record_export(db: Session, actor: Actor, q: AuditQuery, *,
                  address: str | None = None) -> None:
    """Log the export itself (with its filters) and commit, before any row leaves."""
    access.require_admin(actor)
    _where(q)  # bad filters are refused before anything is logged
    record(db, actor, "audit.exported", target=Target("audit_log", None, ""),
           details=q.filters(), address=address)
    db.commit()


def export_chunks(db: Session, actor: Actor, q: AuditQuery, lang: str,
                  tz: str) -> Iterator[bytes]:
    """The CSV (UTF-8 with a BOM so Excel reads Polish letters) in chunks of a batch:
    UTC ISO time, the time in the viewer's zone, then the entry; every cell formula-safe."""
    access.require_admin(actor)
    zone = ZoneInfo(tz)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([t(f"audit.csv.{c}", lang) for c in CSV_COLUMNS])
    yield ("\ufeff" + buffer.getvalue()).encode()
    for entries in iter_entries(db, actor, q):
        buffer.seek(0)
        buffer.truncate()
        for e in entries:
            writer.writerow([safe_cell(v) for v in (
                e.at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
                e.at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
                e.actor_label, e.actor_id, e.action, action_label(e.action, lang),
                e.target_type, e.target_id, e.target_label,
                json.dumps(e.details, ensure_ascii=False, sort_keys=True) if e.details else "",
                e.address)])
        yield buffer.getvalue().encode()
