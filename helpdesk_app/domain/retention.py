"""Retention rules (issue 16), run by the scheduler (jobs/retention.py) with a report:

- **Closed tickets older than N years are anonymised** (POMOCNIK_RETENTION_TICKET_YEARS;
  0: never). A ticket closed (status category "closed") and untouched for N years keeps
  its numbers, times, statuses, queue, organisation, SLA and work time (reports stay
  computable), but not who asked: the requester becomes the organisation's
  "anonymised requester" account, and the clients' names, e-mails and phones are
  replaced in its subject, messages, file names and mail; files the clients uploaded
  are deleted. `ticket.anonymised_at` marks it done.
- **Raw received mail is kept N days** (POMOCNIK_RETENTION_RAW_MAIL_DAYS; 0: forever).
  Older messages that were handled (done, ignored, rejected) lose their raw bytes; their
  row (sender, subject, what became of it) stays in the mail log. Quarantined mail is
  kept until an admin decides.

Both work in batches of `BATCH` with a commit each, so a first run over years of data
does not hold one long transaction, and a crash loses at most one batch's work.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, select

from helpdesk_app.config import get_settings
from helpdesk_app.domain import audit
from helpdesk_app.domain.privacy_erasure import (
    PSEUDO_DOMAIN,
    REMOVED_FILE,
    identifying,
    replacer,
    rewrite_raw,
)
from helpdesk_app.models import (
    AppSetting,
    Attachment,
    InboundMail,
    InboundStatus,
    OutboundMail,
    Role,
    StatusCategory,
    Ticket,
    TicketStatus,
    TimelineEvent,
    User,
)
from helpdesk_app.models.base import utcnow

BATCH = 200
REPORT_KEY = "retention.last_report"
PURGED_STATUSES = (InboundStatus.DONE, InboundStatus.IGNORED, InboundStatus.REJECTED)
ANONYMOUS_NAME = "Anonymised requester"


@dataclass
class RetentionReport:
    tickets_anonymised: int = 0
    files_removed: int = 0
    mails_purged: int = 0
    ran_at: str = ""

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _anonymous(db: Session, organisation_id: int) -> int:
    """The id of the organisation's stand-in requester for anonymised tickets (inactive,
    no login), looked up once per organisation and session (a run does batches)."""
    known = db.info.setdefault("retention_stand_ins", {})
    if organisation_id in known:
        return known[organisation_id]
    email = f"anonymous-org{organisation_id}@{PSEUDO_DOMAIN}"
    user = db.exec(select(User).where(User.email == email)).first()
    if user is None:
        user = User(email=email, full_name=ANONYMOUS_NAME, password_hash="!",
                    role=Role.CLIENT, organisation_id=organisation_id, is_active=False,
                    search_text=ANONYMOUS_NAME.lower())
        db.add(user)
        db.flush()
    known[organisation_id] = user.id
    return user.id


def anonymise_ticket(db: Session, ticket: Ticket) -> int:
    """One ticket (not committed); how many files were removed."""
    events = db.exec(select(TimelineEvent).where(TimelineEvent.ticket_id == ticket.id)).all()
    client_ids = {ticket.requester_id} | {e.author_id for e in events if e.author_id}
    clients = [u for u in db.exec(select(User).where(User.id.in_(client_ids))).all()
               if u.role == Role.CLIENT and not u.email.endswith("@" + PSEUDO_DOMAIN)]
    mapping: dict[str, str] = {}
    for person in clients:
        mapping.update(identifying(person, ANONYMOUS_NAME, f"anonymous@{PSEUDO_DOMAIN}"))
    replace = replacer(mapping)
    stand_in = _anonymous(db, ticket.organisation_id)
    theirs = {u.id for u in clients}
    ticket.subject = replace(ticket.subject)
    if ticket.requester_id in theirs:
        ticket.requester_id = stand_in
    if ticket.created_by_id in theirs:
        ticket.created_by_id = stand_in
    ticket.anonymised_at = utcnow()
    db.add(ticket)
    for e in events:
        e.body = replace(e.body or "")
        e.data = json.loads(replace(json.dumps(e.data or {}, ensure_ascii=False)))
        if e.author_id in theirs:
            e.author_id = stand_in
        db.add(e)
    removed = 0
    store = get_settings().attachments_dir
    for att in db.exec(select(Attachment).where(Attachment.ticket_id == ticket.id)).all():
        if att.uploaded_by_id in theirs:
            (store / att.storage_key[:2] / att.storage_key).unlink(missing_ok=True)
            att.filename, att.size, att.uploaded_by_id = REMOVED_FILE, 0, stand_in
            att.sha256 = hashlib.sha256(b"").hexdigest()
            removed += 1
        else:
            att.filename = replace(att.filename)
        db.add(att)
    for model in (InboundMail, OutboundMail):
        for row in db.exec(select(model).where(model.ticket_id == ticket.id)).all():
            if row.raw:
                row.raw = rewrite_raw(row.raw, replace)
            for column in ("mail_from", "subject", "to_addr"):
                if hasattr(row, column):
                    setattr(row, column, replace(getattr(row, column) or ""))
            db.add(row)
    return removed


def _closed_keys(db: Session) -> list[str]:
    return list(db.exec(select(TicketStatus.key).where(
        TicketStatus.category == StatusCategory.CLOSED)).all())


def anonymise_old_tickets(db: Session, now: datetime, years: int,
                          report: RetentionReport) -> None:
    cutoff = now - timedelta(days=365 * years)
    closed = _closed_keys(db)
    while True:
        batch = db.exec(select(Ticket).where(
            Ticket.status.in_(closed), Ticket.updated_at < cutoff,
            Ticket.anonymised_at.is_(None)).order_by(Ticket.id).limit(BATCH)).all()
        if not batch:
            return
        for ticket in batch:
            report.files_removed += anonymise_ticket(db, ticket)
        report.tickets_anonymised += len(batch)
        db.commit()


def purge_raw_mail(db: Session, now: datetime, days: int, report: RetentionReport) -> None:
    cutoff = now - timedelta(days=days)
    while True:
        ids = db.exec(select(InboundMail.id).where(
            InboundMail.received_at < cutoff, InboundMail.status.in_(PURGED_STATUSES),
            func.length(InboundMail.raw) > 0).limit(BATCH)).all()
        if not ids:
            return
        db.execute(update(InboundMail).where(InboundMail.id.in_(ids)).values(raw=b""))
        report.mails_purged += len(ids)
        db.commit()


def run(db: Session, now: datetime | None = None) -> RetentionReport:
    """Apply the configured rules as of `now`; the report is stored and audited."""
    now = now or utcnow()
    settings = get_settings()
    report = RetentionReport(ran_at=now.isoformat(timespec="seconds"))
    if settings.retention_ticket_years > 0:
        anonymise_old_tickets(db, now, settings.retention_ticket_years, report)
    if settings.retention_raw_mail_days > 0:
        purge_raw_mail(db, now, settings.retention_raw_mail_days, report)
    row = db.get(AppSetting, REPORT_KEY) or AppSetting(key=REPORT_KEY)
    row.value, row.updated_at = json.dumps(report.as_dict()), now
    db.add(row)
    if report.tickets_anonymised or report.mails_purged:
        audit.record(db, None, "privacy.retention_applied", label="retention",
                     details=report.as_dict())
    db.commit()
    return report


def last_report(db: Session) -> dict | None:
    row = db.get(AppSetting, REPORT_KEY)
    return json.loads(row.value) if row and row.value else None
