"""RODO (GDPR) erasure on request (issue 16): one person's identifying data replaced by a
stable pseudonym everywhere the helpdesk keeps it, their own attachments removed.

What stays: tickets, timeline events, work entries and audit entries (SLA, reports and
invoices stay computable, the audit trail stays linkable: the same pseudonym everywhere).
What changes:
- the account: name and e-mail become the pseudonym, phone and department are emptied,
  it is deactivated, its password, second factors, sessions, devices and tokens go;
- every text the database holds that names them (e-mail, full name, phone): ticket
  subjects, messages and notes, mail headers and bodies (stored raw mail is parsed,
  rewritten and its attachment parts from them dropped), outgoing mail, notifications,
  audit labels and details. The search runs over every text column of every table, so a
  column added later is covered without a change here;
- the files they uploaded are deleted from the store (the rows stay, renamed, so the
  timeline still shows that a file was there).

`preview` tells the admin what would change without writing; `erase` needs the person's
current e-mail typed again as confirmation, commits once, and audits itself under the
pseudonym. Audit entries are rewritten through the one path the append-only triggers
allow (migration 0020: rows listed in `audit_redaction`, labels and details only).
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, String, Text, TypeDecorator, cast, func, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, delete, select

from helpdesk_app.config import get_settings, secret_key
from helpdesk_app.domain import access, audit
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import Invalid, NotFound
from helpdesk_app.models import (
    AccountToken,
    Attachment,
    AuditEvent,
    InboundMail,
    KnownDevice,
    OutboundMail,
    PendingLogin,
    RecoveryCode,
    Ticket,
    User,
    UserFactor,
    UserSession,
)
from helpdesk_app.models.audit import AuditRedaction

PSEUDO_DOMAIN = "anonymised.invalid"
REMOVED_FILE = "removed-rodo"
_MIN_NEEDLE = 5  # shorter strings (a two-letter name) would rewrite unrelated text
_SKIP_TABLES = {"alembic_version", "audit_redaction"}
_ACCOUNT_ROWS = (UserSession, UserFactor, RecoveryCode, PendingLogin, KnownDevice,
                 AccountToken)


@dataclass
class ErasurePlan:
    user_id: int
    pseudonym: str
    pseudonym_email: str
    places: dict[str, int] = field(default_factory=dict)  # "table.column" -> rows
    mails: int = 0  # stored raw messages rewritten
    files: int = 0  # their uploads removed from the store
    account_rows: int = 0  # sessions, factors, devices, tokens deleted

    @property
    def rows(self) -> int:
        return sum(self.places.values())


def pseudonym_of(user_id: int) -> tuple[str, str]:
    """The stable pseudonym of an account: the same on every run for this install."""
    tag = hmac.new(secret_key(), f"rodo-user:{user_id}".encode(), hashlib.sha256
                   ).hexdigest()[:10]
    return f"Anonim {tag.upper()}", f"anonim-{tag}@{PSEUDO_DOMAIN}"


def identifying(user: User, name: str, address: str) -> dict[str, str]:
    """What names `user` in free text (lower case) -> what replaces it: their e-mail ->
    `address`, their full name -> `name`, their phone (as written, and as digits with and
    without the country code) -> "[—]". Too short a string (a two-letter name) would
    rewrite unrelated text and is left out."""
    found = {user.email: address, user.full_name: name, user.phone: "[—]"}
    if user.phone:
        digits = re.sub(r"[^\d+]", "", user.phone)
        found.update({digits: "[—]", digits.lstrip("+"): "[—]"})
        if digits.startswith("+48"):
            found[digits[3:]] = "[—]"  # the national number, as people write it
    return {k.strip().lower(): v for k, v in found.items()
            if k and len(k.strip()) >= _MIN_NEEDLE}


def replacer(mapping: dict[str, str]) -> Callable[[str], str]:
    """Replace every key of `mapping` (lower case) in a text, ignoring case; the longest
    first, so an e-mail is replaced before a name inside it."""
    if not mapping:
        return lambda text: text
    pattern = re.compile("|".join(re.escape(k) for k in sorted(mapping, key=len,
                                                                reverse=True)), re.I)
    return lambda text: pattern.sub(lambda m: mapping[m.group(0).lower()], text)


def _text_columns(table) -> list:
    cols = []
    for c in table.columns:
        if c.primary_key:
            continue
        kind = c.type.impl_instance if isinstance(c.type, TypeDecorator) else c.type
        if isinstance(kind, JSON | Text) or (
                isinstance(kind, String) and (kind.length is None or kind.length >= 9)):
            cols.append(c)
    return cols


def _scan(db: Session, user: User, replace, needles: list[str], plan: ErasurePlan,
          write: bool) -> None:
    """Every text and JSON column of every table: the rows naming the person."""
    lowered = [n.lower() for n in needles]
    for table in SQLModel.metadata.sorted_tables:
        if table.name in _SKIP_TABLES:
            continue
        pk_cols = list(table.primary_key.columns)
        for col in _text_columns(table):
            text = cast(col, String) if isinstance(col.type, JSON) else col  # JSON as text
            hit = or_(*(func.lower(text).contains(n, autoescape=True) for n in lowered))
            rows = db.execute(sa_select(*pk_cols, col).where(hit)).all()
            if table.name == "user_account":
                rows = [r for r in rows if r[0] != user.id]  # the account itself: below
            if not rows:
                continue
            plan.places[f"{table.name}.{col.name}"] = len(rows)
            if not write:
                continue
            if table.name == AuditEvent.__tablename__:
                _allow_audit_rewrite(db, [r[0] for r in rows])
            for r in rows:
                value = r[-1]
                new = (json.loads(replace(json.dumps(value, ensure_ascii=False)))
                       if isinstance(col.type, JSON) else replace(value))
                where = [c == r[i] for i, c in enumerate(pk_cols)]
                db.execute(update(table).where(*where).values({col.name: new}))


def _allow_audit_rewrite(db: Session, ids: list[int]) -> None:
    known = set(db.exec(select(AuditRedaction.audit_id).where(
        AuditRedaction.audit_id.in_(ids))).all()) if ids else set()
    for audit_id in ids:
        if audit_id not in known:
            db.add(AuditRedaction(audit_id=audit_id, reason="rodo erasure"))
    db.flush()


def _mail_rows(db: Session, user: User, model: type, needles: list[str]) -> list[int]:
    """Stored messages (received or sent) from, to or about the person: by address, by the
    tickets they requested, or naming them anywhere in the raw bytes."""
    raw = func.lower(func.encode(model.raw, "escape")) if db.get_bind(
    ).dialect.name == "postgresql" else func.lower(model.raw)
    theirs = select(Ticket.id).where(Ticket.requester_id == user.id)
    who = (func.lower(model.mail_from) == user.email.lower() if model is InboundMail
           else model.user_id == user.id)
    return list(db.exec(select(model.id).where(or_(
        who, model.ticket_id.in_(theirs),
        *(raw.contains(n.lower(), autoescape=True) for n in needles)))).all())


def rewrite_raw(raw: bytes, replace) -> bytes:
    """The message with every header and text part rewritten; other parts (files they
    sent) replaced by a note. Unreadable mail is replaced by a note as a whole."""
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        for part in msg.walk():
            for name, value in list(part.items()):
                new = replace(str(value))
                if new != str(value):
                    part.replace_header(name, new)
            if part.is_multipart():
                continue
            if part.get_content_maintype() == "text":
                part.set_content(replace(part.get_content()),
                                 subtype=part.get_content_subtype())
            else:
                part.set_content("[attachment removed: RODO erasure]")
        return msg.as_bytes()
    except Exception:  # a message the parser cannot rebuild: keep nothing of it
        return b"Subject: [removed: RODO erasure]\r\n\r\n[message removed: RODO erasure]\r\n"


def _load(db: Session, actor: Actor, user_id: int) -> User:
    access.require_admin(actor)
    user = db.get(User, user_id)
    if user is None:
        raise NotFound("useradmin.not_found")
    if user.email.endswith("@" + PSEUDO_DOMAIN):
        raise Invalid("privacy.already_erased")
    if user.id == actor.user_id:
        raise Invalid("privacy.not_yourself")
    return user


def _run(db: Session, user: User, *, write: bool) -> ErasurePlan:
    pseudonym, pseudo_email = pseudonym_of(user.id)
    plan = ErasurePlan(user.id, pseudonym, pseudo_email)
    mapping = identifying(user, pseudonym, pseudo_email)
    needles, replace = list(mapping), replacer(mapping)
    mail_ids = _mail_rows(db, user, InboundMail, needles)
    sent_ids = _mail_rows(db, user, OutboundMail, needles)
    plan.mails = len(mail_ids) + len(sent_ids)
    uploads = db.exec(select(Attachment).where(Attachment.uploaded_by_id == user.id)).all()
    plan.files = len(uploads)
    plan.account_rows = sum(len(db.exec(select(m).where(m.user_id == user.id)).all())
                            for m in _ACCOUNT_ROWS)
    _scan(db, user, replace, needles, plan, write)
    if not write:
        return plan
    for mail_id in mail_ids:
        mail = db.get(InboundMail, mail_id)
        mail.raw = rewrite_raw(mail.raw, replace)
        mail.size = len(mail.raw)
        db.add(mail)
    for mail_id in sent_ids:
        row = db.get(OutboundMail, mail_id)
        row.raw = rewrite_raw(row.raw, replace)
        db.add(row)
    store = get_settings().attachments_dir
    for att in uploads:
        (store / att.storage_key[:2] / att.storage_key).unlink(missing_ok=True)
        att.filename, att.size = REMOVED_FILE, 0
        att.sha256 = hashlib.sha256(b"").hexdigest()
        db.add(att)
    for model in _ACCOUNT_ROWS:
        db.exec(delete(model).where(model.user_id == user.id))
    user.full_name, user.email, user.phone, user.department = pseudonym, pseudo_email, "", ""
    user.search_text, user.password_hash, user.is_active = pseudonym.lower(), "!", False
    user.ldap_directory_id, user.ldap_dn, user.ldap_login = None, "", ""
    db.add(user)
    return plan


def preview(db: Session, actor: Actor, user_id: int) -> ErasurePlan:
    """What `erase` would change (nothing is written)."""
    return _run(db, _load(db, actor, user_id), write=False)


def erase(db: Session, actor: Actor, user_id: int, confirm: str) -> ErasurePlan:
    """Erase the person (admins; `confirm` must be their current e-mail). Commits."""
    user = _load(db, actor, user_id)
    if (confirm or "").strip().lower() != user.email.lower():
        raise Invalid("privacy.confirm_mismatch")
    plan = _run(db, user, write=True)
    audit.record(db, actor, "privacy.erased",
                 target=audit.Target("user", user.id, plan.pseudonym),
                 details={"rows": plan.rows, "mails": plan.mails, "files": plan.files,
                          "places": sorted(plan.places)})
    db.commit()
    return plan


def summary(plan: ErasurePlan) -> dict[str, Any]:
    return {"pseudonym": plan.pseudonym, "rows": plan.rows, "mails": plan.mails,
            "files": plan.files, "account_rows": plan.account_rows,
            "places": dict(sorted(plan.places.items()))}
