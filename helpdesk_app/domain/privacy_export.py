"""RODO (GDPR) export of one person's data (issue 16, the right of access, art. 15):
a ZIP with JSON and the original files, for an admin to hand over.

Contents:
- `profile.json`: the account (never its password hash or second-factor secrets), their
  organisation, sessions (when, from where), second factors (kind, when);
- `tickets.json`: the tickets they requested, with their public conversation;
- `messages.json`: everything they wrote on any ticket (replies and, for staff, notes);
- `work_entries.json`: their work time;
- `audit.json`: audit entries about them or done by them;
- `mails.json` and `mail/<id>.eml`: messages received from their address, as they came;
- `attachments/<id>-<name>`: the files they uploaded, byte for byte.

Built file by file into the ZIP (memory stays flat), with progress per step; admins only,
audited ("privacy.exported").
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, select

from helpdesk_app.config import get_settings
from helpdesk_app.domain import access, audit
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.attachments import safe_filename
from helpdesk_app.domain.errors import NotFound
from helpdesk_app.models import (
    Attachment,
    AuditEvent,
    InboundMail,
    Organisation,
    Ticket,
    TimelineEvent,
    User,
    UserFactor,
    UserSession,
    WorkEntry,
)

Progress = Callable[[int, int], None]  # (steps done, steps in all)
STEPS = 7
_SKIP_USER = {"password_hash", "search_text"}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _row(obj: Any, skip: set[str] = frozenset()) -> dict[str, Any]:
    return {k: _plain(v) for k, v in obj.model_dump().items() if k not in skip}


def _put(zf: zipfile.ZipFile, name: str, data: Any) -> None:
    zf.writestr(name, json.dumps(data, ensure_ascii=False, indent=1, default=str))


def export_person(db: Session, actor: Actor, user_id: int, target: Path,
                  progress: Progress = lambda done, total: None) -> dict[str, int]:
    """Write the ZIP to `target`; how many items of each kind it holds."""
    access.require_admin(actor)
    user = db.get(User, user_id)
    if user is None:
        raise NotFound("useradmin.not_found")
    counts: dict[str, int] = {}
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        org = db.get(Organisation, user.organisation_id)
        _put(zf, "profile.json", {
            "account": _row(user, _SKIP_USER),
            "organisation": org.name if org else None,
            "sessions": [{"created_at": _plain(s.created_at), "last_seen_at":
                          _plain(s.last_seen_at), "ip": s.client_ip, "browser": s.user_agent}
                         for s in db.exec(select(UserSession).where(
                             UserSession.user_id == user.id))],
            "second_factors": [{"kind": f.kind, "created_at": _plain(f.created_at)}
                               for f in db.exec(select(UserFactor).where(
                                   UserFactor.user_id == user.id))]})
        progress(1, STEPS)
        tickets = db.exec(select(Ticket).where(Ticket.requester_id == user.id)
                          .order_by(Ticket.id)).all()
        out = []
        for t in tickets:
            public = db.exec(select(TimelineEvent).where(
                TimelineEvent.ticket_id == t.id, TimelineEvent.is_public.is_(True))
                .order_by(TimelineEvent.id)).all()
            out.append({"number": t.number, "subject": t.subject, "status": t.status,
                        "created_at": _plain(t.created_at),
                        "conversation": [{"at": _plain(e.created_at), "kind": e.kind,
                                          "body": e.body} for e in public]})
        _put(zf, "tickets.json", out)
        counts["tickets"] = len(out)
        progress(2, STEPS)
        numbers = dict(db.exec(select(Ticket.id, Ticket.number).where(Ticket.id.in_(
            select(TimelineEvent.ticket_id).where(TimelineEvent.author_id == user.id)))).all())
        written = db.exec(select(TimelineEvent).where(TimelineEvent.author_id == user.id)
                          .order_by(TimelineEvent.id)).all()
        _put(zf, "messages.json", [{"ticket": numbers.get(e.ticket_id), "at":
                                    _plain(e.created_at), "kind": e.kind,
                                    "public": e.is_public, "body": e.body} for e in written])
        counts["messages"] = len(written)
        progress(3, STEPS)
        work = db.exec(select(WorkEntry).where(WorkEntry.user_id == user.id)
                       .order_by(WorkEntry.id)).all()
        _put(zf, "work_entries.json", [_row(w) for w in work])
        counts["work_entries"] = len(work)
        progress(4, STEPS)
        entries = db.exec(select(AuditEvent).where(or_(
            AuditEvent.actor_id == user.id,
            (AuditEvent.target_type == "user") & (AuditEvent.target_id == str(user.id))))
            .order_by(AuditEvent.id)).all()
        _put(zf, "audit.json", [_row(a) for a in entries])
        counts["audit_entries"] = len(entries)
        progress(5, STEPS)
        mails = db.exec(select(InboundMail).where(
            func.lower(InboundMail.mail_from) == user.email.lower())
            .order_by(InboundMail.id)).all()
        _put(zf, "mails.json", [_row(m, {"raw"}) for m in mails])
        for m in mails:
            zf.writestr(f"mail/{m.id}.eml", m.raw)
        counts["mails"] = len(mails)
        progress(6, STEPS)
        store = get_settings().attachments_dir
        files = db.exec(select(Attachment).where(Attachment.uploaded_by_id == user.id)
                        .order_by(Attachment.id)).all()
        for a in files:
            path = store / a.storage_key[:2] / a.storage_key
            if path.is_file():
                zf.write(path, f"attachments/{a.id}-{safe_filename(a.filename)}")
        counts["attachments"] = len(files)
        progress(7, STEPS)
    audit.record(db, actor, "privacy.exported", target=audit.Target("user", user.id,
                                                                     user.email),
                 details=counts)
    db.commit()
    return counts
