"""RODO (issue 16): the export of one person's data and their erasure on request. After
an erasure, the whole database (every column of every table, blobs included) and the
attachment store are searched for their old name, e-mail and phone."""

from __future__ import annotations

import json
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select as sa_select
from sqlalchemy import text
from sqlmodel import Session, SQLModel, select

from helpdesk_app.config import get_settings
from helpdesk_app.domain import auth, privacy_erasure, privacy_export, tickets
from helpdesk_app.domain.attachments import IncomingFile
from helpdesk_app.domain.errors import Forbidden, Invalid
from helpdesk_app.mail.inbound.store import store_raw
from helpdesk_app.models import (
    Attachment,
    AuditEvent,
    InboundMail,
    Ticket,
    TimelineEvent,
    User,
    UserSession,
)

PHONE = "+48 600 100 200"


@pytest.fixture
def person(db: Session, world, password) -> dict:
    """Carl, a client, with a ticket, a file, mail, replies and a sign-in on record."""
    carl = world.users["client"]
    carl.phone = PHONE
    db.add(carl)
    db.commit()
    me = world.actor("client")
    ticket = tickets.create_ticket(db, me, tickets.NewTicket(
        subject=f"{carl.full_name} cannot print",
        body=f"Call me at {PHONE} or write to {carl.email.upper()}.",
        files=[IncomingFile("scan.txt", f"Scanned by {carl.full_name}".encode())]))
    tickets.add_comment(db, world.actor("technician"), ticket.id,
                        f"Dear {carl.full_name}, we are on it.", public=True)
    tickets.add_comment(db, world.actor("technician"), ticket.id,
                        f"Called {PHONE.replace(' ', '')}, no answer.", public=False)
    msg = EmailMessage()
    msg["From"] = f"=?utf-8?q?{carl.full_name.replace(' ', '_')}?= <{carl.email}>"
    msg["To"], msg["Subject"] = "helpdesk@pomocnik.test", "Printer again"
    msg.set_content(f"Regards, {carl.full_name}, tel. {PHONE}")
    msg.add_attachment(b"PDF of Carl", maintype="application", subtype="pdf",
                       filename="carl.pdf")
    mail_id = store_raw(db, msg.as_bytes(), source="smtp", mail_from=carl.email)
    mail = db.get(InboundMail, mail_id)
    mail.ticket_id = ticket.id
    db.add(mail)
    db.commit()
    auth.login(db, carl.email, password, address="198.51.100.7")
    return {"user": carl, "ticket_id": ticket.id, "mail_id": mail_id,
            "needles": [carl.email, carl.full_name, PHONE, PHONE.replace(" ", "")]}


def _everything(db: Session) -> list[tuple[str, str, str]]:
    """(table, column, value as text) of every non-empty value in the database."""
    found = []
    for table in SQLModel.metadata.sorted_tables:
        for row in db.execute(sa_select(table)).mappings():
            for col, value in row.items():
                if value is None:
                    continue
                if isinstance(value, bytes | memoryview):
                    value = bytes(value).decode("utf-8", "replace")
                elif not isinstance(value, str):
                    value = json.dumps(value, default=str, ensure_ascii=False)
                found.append((table.name, col, value))
    return found


def _mentions(db: Session, needles: list[str]) -> list[tuple[str, str]]:
    lowered = [n.lower() for n in needles]
    return sorted({(t, c) for t, c, v in _everything(db)
                   if any(n in v.lower() for n in lowered)})


def _store_mentions(needles: list[str]) -> list[Path]:
    root = get_settings().attachments_dir
    files = [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
    return [p for p in files if any(n.lower().encode() in p.read_bytes().lower()
                                    for n in needles)]


def test_erasure_leaves_no_trace_of_the_name_email_or_phone(db, world, person) -> None:
    needles = person["needles"]
    assert _mentions(db, needles)  # the setup really put them in many places
    assert _store_mentions(needles)
    events_before = len(db.exec(select(TimelineEvent)).all())
    audit_before = len(db.exec(select(AuditEvent)).all())

    plan = privacy_erasure.erase(db, world.actor("admin"), person["user"].id,
                                 person["user"].email)
    db.expire_all()
    assert plan.mails >= 2 and plan.files == 1 and plan.account_rows >= 1  # in and out
    assert _mentions(db, needles) == []
    assert _store_mentions(needles) == []
    # the records others rely on stay: the ticket, its timeline, the audit trail
    ticket = db.get(Ticket, person["ticket_id"])
    assert ticket.subject == f"{plan.pseudonym} cannot print"
    assert len(db.exec(select(TimelineEvent)).all()) == events_before
    assert len(db.exec(select(AuditEvent)).all()) == audit_before + 1
    user = db.get(User, person["user"].id)
    assert (user.full_name, user.email, user.is_active) == (plan.pseudonym,
                                                            plan.pseudonym_email, False)
    assert db.exec(select(UserSession).where(UserSession.user_id == user.id)).all() == []
    raw = db.get(InboundMail, person["mail_id"]).raw.decode()
    assert plan.pseudonym_email in raw and "attachment removed" in raw


def test_the_preview_changes_nothing_and_a_wrong_confirmation_is_refused(
        db, world, person) -> None:
    before = _everything(db)
    plan = privacy_erasure.preview(db, world.actor("admin"), person["user"].id)
    assert plan.mails >= 2 and plan.files == 1
    assert {"ticket.subject", "timeline_event.body", "audit_event.target_label"} <= set(
        plan.places)
    with pytest.raises(Invalid) as refused:
        privacy_erasure.erase(db, world.actor("admin"), person["user"].id, "someone@else")
    assert refused.value.key == "privacy.confirm_mismatch"
    db.rollback()
    assert _everything(db) == before


def test_only_admins_erase_or_export_and_the_pseudonym_is_stable(
        db, world, person, tmp_path) -> None:
    for who in ("coordinator", "technician", "client"):
        with pytest.raises(Forbidden):
            privacy_erasure.preview(db, world.actor(who), person["user"].id)
        with pytest.raises(Forbidden):
            privacy_export.export_person(db, world.actor(who), person["user"].id,
                                         tmp_path / "x.zip")
    first = privacy_erasure.pseudonym_of(person["user"].id)
    plan = privacy_erasure.erase(db, world.actor("admin"), person["user"].id,
                                 person["user"].email)
    assert (plan.pseudonym, plan.pseudonym_email) == first
    with pytest.raises(Invalid) as again:
        privacy_erasure.erase(db, world.actor("admin"), person["user"].id, plan.pseudonym_email)
    assert again.value.key == "privacy.already_erased"


def test_the_audit_log_stays_append_only_outside_an_erasure(db, world, person) -> None:
    entry = db.exec(select(AuditEvent)).first()
    for statement in ("UPDATE audit_event SET target_label = 'x' WHERE id = :i",
                      "DELETE FROM audit_event WHERE id = :i"):
        with pytest.raises(Exception, match="append-only"):
            db.execute(text(statement).bindparams(i=entry.id))
        db.rollback()
    privacy_erasure.erase(db, world.actor("admin"), person["user"].id, person["user"].email)
    redacted = db.execute(text("SELECT audit_id FROM audit_redaction")).scalars().first()
    with pytest.raises(Exception, match="append-only"):  # even a redacted row keeps its action
        db.execute(text("UPDATE audit_event SET action = 'x' WHERE id = :i").bindparams(
            i=redacted))
    db.rollback()


def test_the_export_holds_their_data_and_files_and_nothing_secret(
        db, world, person, tmp_path) -> None:
    target = tmp_path / "carl.zip"
    counts = privacy_export.export_person(db, world.actor("admin"), person["user"].id, target)
    assert counts["tickets"] == 1 and counts["mails"] == 1 and counts["attachments"] == 1
    with zipfile.ZipFile(target) as zf:
        names = zf.namelist()
        profile = json.loads(zf.read("profile.json"))
        assert profile["account"]["email"] == person["user"].email
        assert "password_hash" not in profile["account"]
        assert profile["sessions"][0]["ip"] == "198.51.100.7"
        conversation = json.loads(zf.read("tickets.json"))[0]["conversation"]
        assert any("we are on it" in e["body"] for e in conversation)
        assert not any("no answer" in e["body"] for e in conversation)  # internal note
        stored = db.exec(select(Attachment).where(
            Attachment.uploaded_by_id == person["user"].id)).one()
        assert zf.read(f"attachments/{stored.id}-scan.txt") == (
            f"Scanned by {person['user'].full_name}".encode())
        assert zf.read(f"mail/{person['mail_id']}.eml") == db.get(
            InboundMail, person["mail_id"]).raw
        assert {"messages.json", "work_entries.json", "audit.json", "mails.json"} <= set(names)
    exported = db.exec(select(AuditEvent).where(AuditEvent.action == "privacy.exported")).one()
    assert json.loads(exported.details)["tickets"] == 1


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_cli_previews_then_erases_with_the_confirmation(
        db, world, person, db_url, monkeypatch, capsys, tmp_path) -> None:
    from helpdesk_app import cli

    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    admin, email = world.users["admin"].email, person["user"].email
    with pytest.raises(SystemExit) as done:
        cli.main(["privacy-export", email, str(tmp_path / "p.zip"), "--as", admin])
    assert done.value.code == 0 and (tmp_path / "p.zip").is_file()
    with pytest.raises(SystemExit) as done:
        cli.main(["privacy-erase", email, "--as", admin])
    assert done.value.code == 0 and "nothing written" in capsys.readouterr().out
    with pytest.raises(SystemExit) as done:
        cli.main(["privacy-erase", email, "--as", admin, "--confirm", "wrong@x.test"])
    assert done.value.code == 2
    with pytest.raises(SystemExit) as done:
        cli.main(["privacy-erase", email, "--as", admin, "--confirm", email])
    assert done.value.code == 0 and "Anonim" in capsys.readouterr().out
    db.expire_all()
    assert _mentions(db, person["needles"]) == []
