"""Retention rules (issue 16): closed tickets older than N years are anonymised (reports
keep their numbers), handled raw mail older than N days loses its bytes; run by a
leader-locked scheduler with a report."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from helpdesk_app.config import get_settings
from helpdesk_app.domain import mail_admin, retention, tickets
from helpdesk_app.domain.attachments import IncomingFile
from helpdesk_app.domain.errors import NotFound
from helpdesk_app.jobs.retention import RetentionScheduler, _start
from helpdesk_app.mail.inbound.store import store_raw
from helpdesk_app.models import (
    Attachment,
    AuditEvent,
    InboundMail,
    InboundStatus,
    Ticket,
    TimelineEvent,
    User,
)

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


@pytest.fixture
def rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POMOCNIK_RETENTION_TICKET_YEARS", "5")
    monkeypatch.setenv("POMOCNIK_RETENTION_RAW_MAIL_DAYS", "30")
    get_settings.cache_clear()


def _ticket(db: Session, world, subject: str, *, status: str, age: timedelta) -> Ticket:
    carl = world.users["client"]
    view = tickets.create_ticket(db, world.actor("client"), tickets.NewTicket(
        subject=f"{subject} for {carl.full_name}", body=f"Reach me at {carl.email}",
        files=[IncomingFile("my-scan.txt", b"client file")]))
    tickets.add_comment(db, world.actor("technician"), view.id,
                        f"Hello {carl.full_name}", public=True,
                        files=[IncomingFile("fix-log.txt", b"staff file")])
    db.execute(update(Ticket).where(Ticket.id == view.id).values(
        status=status, updated_at=NOW - age))
    db.commit()
    return db.get(Ticket, view.id)


def _mail(db: Session, sender: str, *, status: str, age: timedelta,
          ticket_id: int | None = None) -> int:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, "help@pomocnik.test", "Printer"
    msg.set_content("old mail")
    mail_id = store_raw(db, msg.as_bytes(), source="smtp", mail_from=sender)
    db.execute(update(InboundMail).where(InboundMail.id == mail_id).values(
        status=status, received_at=NOW - age, ticket_id=ticket_id))
    db.commit()
    return mail_id


def test_old_closed_tickets_are_anonymised_and_the_rest_is_untouched(
        db, world, rules) -> None:
    carl = world.users["client"]
    old = _ticket(db, world, "Old", status="closed", age=timedelta(days=6 * 365))
    recent = _ticket(db, world, "Recent", status="closed", age=timedelta(days=300))
    still_open = _ticket(db, world, "Open", status="open", age=timedelta(days=6 * 365))
    old_events = len(db.exec(select(TimelineEvent).where(
        TimelineEvent.ticket_id == old.id)).all())

    report = retention.run(db, NOW)
    assert (report.tickets_anonymised, report.files_removed) == (1, 1)
    db.expire_all()
    old = db.get(Ticket, old.id)
    stand_in = db.get(User, old.requester_id)
    assert stand_in.full_name == retention.ANONYMOUS_NAME and not stand_in.is_active
    assert old.subject == f"Old for {retention.ANONYMOUS_NAME}"
    assert (old.status, old.anonymised_at is not None) == ("closed", True)
    texts = [e.body for e in db.exec(select(TimelineEvent).where(
        TimelineEvent.ticket_id == old.id)).all()]
    assert len(texts) == old_events  # the timeline stays (SLA, reports)
    assert not any(carl.full_name in t or carl.email in t for t in texts)
    files = {a.filename: a for a in db.exec(select(Attachment).where(
        Attachment.ticket_id == old.id)).all()}
    assert set(files) == {"removed-rodo", "fix-log.txt"}  # the staff's file stays
    store = get_settings().attachments_dir
    assert not (store / files["removed-rodo"].storage_key[:2]
                / files["removed-rodo"].storage_key).exists()
    for kept in (recent, still_open):
        assert carl.full_name in db.get(Ticket, kept.id).subject
    assert db.get(User, carl.id).is_active  # the person is not erased, only the old ticket
    # nothing is done twice; the report and an audit entry record the run
    assert retention.run(db, NOW).tickets_anonymised == 0
    assert retention.last_report(db)["tickets_anonymised"] == 0
    applied = db.exec(select(AuditEvent).where(
        AuditEvent.action == "privacy.retention_applied")).one()
    assert json.loads(applied.details)["tickets_anonymised"] == 1


def test_handled_raw_mail_is_purged_after_its_days_quarantine_is_kept(
        db, world, rules) -> None:
    sender = world.users["client"].email
    purged = _mail(db, sender, status=InboundStatus.DONE, age=timedelta(days=31))
    quarantined = _mail(db, sender, status=InboundStatus.QUARANTINED, age=timedelta(days=90))
    fresh = _mail(db, sender, status=InboundStatus.DONE, age=timedelta(days=3))
    assert retention.run(db, NOW).mails_purged == 1
    db.expire_all()
    assert db.get(InboundMail, purged).raw == b""
    assert db.get(InboundMail, purged).mail_from == sender  # the log row stays
    assert db.get(InboundMail, quarantined).raw and db.get(InboundMail, fresh).raw
    with pytest.raises(NotFound):
        mail_admin.raw_message(db, world.actor("admin"), purged)


def test_the_rules_are_off_by_default_and_run_in_one_process(db, world, rules,
                                                             monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", db.get_bind().url.render_as_string(
        hide_password=False))
    get_settings.cache_clear()
    _ticket(db, world, "Old", status="closed", age=timedelta(days=6 * 365))
    leader, other = RetentionScheduler(owner="a"), RetentionScheduler(owner="b")
    assert leader.tick(NOW).tickets_anonymised == 1
    assert other.tick(NOW) is None
    monkeypatch.delenv("POMOCNIK_RETENTION_TICKET_YEARS")
    monkeypatch.delenv("POMOCNIK_RETENTION_RAW_MAIL_DAYS")
    get_settings.cache_clear()
    assert _start() is None
