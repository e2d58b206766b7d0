"""Attachment storage: limits, private location, safe names, checked reads."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlmodel import Session, select

from helpdesk_app.config import REPO_ROOT, get_settings
from helpdesk_app.domain import attachments, tickets
from helpdesk_app.domain.attachments import IncomingFile
from helpdesk_app.domain.errors import Invalid
from helpdesk_app.models import Attachment, Ticket, TimelineEvent

MB = 1024 * 1024


def _files_on_disk(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def ticket(world, make) -> Ticket:
    return make.ticket(world.actor("client"), "Need the invoice")


@pytest.fixture
def one_mb_limit(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv("POMOCNIK_MAX_ATTACHMENT_MB", "1")
    get_settings.cache_clear()
    assert get_settings().max_attachment_bytes == MB
    return MB


def test_oversized_reply_writes_nothing(db: Session, world, ticket, one_mb_limit,
                                        changes) -> None:
    root = get_settings().attachments_dir
    events_before = len(db.exec(select(TimelineEvent)).all())
    with pytest.raises(Invalid) as exc:
        tickets.add_comment(db, world.actor("client"), ticket.id, "see attached", public=True,
                            files=[IncomingFile("small.txt", b"ok"),
                                   IncomingFile("huge.iso", b"\0" * (one_mb_limit + 1))])
    assert exc.value.key == "attachment.too_large"
    assert exc.value.params == {"name": "huge.iso", "max_mb": 1}
    db.rollback()
    assert len(db.exec(select(TimelineEvent)).all()) == events_before
    assert db.exec(select(Attachment)).all() == []
    assert _files_on_disk(root) == []
    assert changes == []


def test_oversized_new_ticket_writes_nothing(db: Session, world, one_mb_limit) -> None:
    with pytest.raises(Invalid) as exc:
        tickets.create_ticket(db, world.actor("client"), tickets.NewTicket(
            subject="big", files=[IncomingFile("big.bin", b"x" * (one_mb_limit + 1))]))
    assert exc.value.key == "attachment.too_large"
    db.rollback()
    assert db.exec(select(Ticket)).all() == []
    assert _files_on_disk(get_settings().attachments_dir) == []


def test_file_at_the_limit_is_stored(db: Session, world, ticket, one_mb_limit) -> None:
    tickets.add_comment(db, world.actor("client"), ticket.id, "", public=True,
                        files=[IncomingFile("exact.bin", b"x" * one_mb_limit)])
    [row] = db.exec(select(Attachment)).all()
    assert row.size == one_mb_limit


def test_stored_under_private_attachments_dir(db: Session, world, ticket, app_env) -> None:
    content = "Faktura VAT — zażółć".encode()
    event_id = tickets.add_comment(
        db, world.actor("client"), ticket.id, "invoice", public=True,
        files=[IncomingFile("../../../etc/faktura 03.pdf", content)])
    [row] = db.exec(select(Attachment)).all()
    assert row.filename == "faktura 03.pdf"
    assert row.content_type == "application/pdf"  # guessed from the safe name
    assert row.size == len(content)
    assert row.sha256 == hashlib.sha256(content).hexdigest()
    assert (row.ticket_id, row.event_id, row.uploaded_by_id) == (
        ticket.id, event_id, world.users["client"].id)
    assert db.get(TimelineEvent, event_id).data == {"attachments": [row.id]}

    root = get_settings().attachments_dir
    assert root == (app_env / "attachments").resolve()
    [stored] = _files_on_disk(root)
    assert stored.read_bytes() == content
    assert stored.resolve().is_relative_to(root)
    # The stored name is the random key, never the user's file name.
    assert stored.name == row.storage_key and "faktura" not in str(stored)
    assert not stored.resolve().is_relative_to(REPO_ROOT)


def test_default_attachments_dir_is_not_public(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POMOCNIK_ATTACHMENTS_DIR")
    get_settings.cache_clear()
    settings = get_settings()
    assert settings.attachments_dir.is_relative_to(settings.data_dir)
    for public in ("assets", "uploaded_files", ".web", "public"):
        assert not settings.attachments_dir.is_relative_to(REPO_ROOT / public)


def test_open_attachment_for_permitted_actor(db: Session, world, ticket) -> None:
    tickets.add_comment(db, world.actor("technician"), ticket.id, "driver", public=True,
                        files=[IncomingFile("driver.zip", b"PK\x03\x04", "application/zip")])
    [att] = db.exec(select(Attachment)).all()
    for role in ("client", "client-manager", "technician", "admin"):
        row, path = attachments.open_attachment(db, world.actor(role), att.id)
        assert row.id == att.id and row.content_type == "application/zip"
        assert path.is_file() and path.read_bytes() == b"PK\x03\x04"
        assert path.resolve().is_relative_to(get_settings().attachments_dir)
    view = tickets.get_ticket(db, world.actor("client"), ticket.id)
    assert [(a.id, a.filename, a.size) for e in view.events for a in e.attachments] == [
        (att.id, "driver.zip", 4)]


def test_open_attachment_missing_bytes_is_not_found(db: Session, world, ticket) -> None:
    from helpdesk_app.domain.errors import NotFound

    tickets.add_comment(db, world.actor("client"), ticket.id, "x", public=True,
                        files=[IncomingFile("a.txt", b"a")])
    [att] = db.exec(select(Attachment)).all()
    _row, path = attachments.open_attachment(db, world.actor("client"), att.id)
    path.unlink()
    with pytest.raises(NotFound):
        attachments.open_attachment(db, world.actor("client"), att.id)


def test_files_on_new_ticket(db: Session, world) -> None:
    row = tickets.create_ticket(db, world.actor("client"), tickets.NewTicket(
        subject="Screenshots", body="see", files=[IncomingFile("a.png", b"\x89PNG"),
                                                   IncomingFile("b.png", b"\x89PNG2")]))
    detail = tickets.get_ticket(db, world.actor("technician"), row.id)
    assert [a.filename for a in detail.events[0].attachments] == ["a.png", "b.png"]
    assert detail.events[0].data["attachments"] == [a.id for a in detail.events[0].attachments]
    # Clients do not get internal bookkeeping in event data.
    client_view = tickets.get_ticket(db, world.actor("client"), row.id)
    assert "attachments" not in client_view.events[0].data
    assert [a.filename for a in client_view.events[0].attachments] == ["a.png", "b.png"]


def test_too_many_files(db: Session, world, ticket) -> None:
    files = [IncomingFile(f"{i}.txt", b"x") for i in range(attachments.MAX_FILES_PER_MESSAGE + 1)]
    with pytest.raises(Invalid) as exc:
        tickets.add_comment(db, world.actor("client"), ticket.id, "many", public=True,
                            files=files)
    assert exc.value.key == "attachment.too_many"
    assert _files_on_disk(get_settings().attachments_dir) == []
