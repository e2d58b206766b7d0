"""Backup and restore (issue 16): a consistent copy while tickets and mail are written,
restored into an empty folder and checked; bad backups and occupied targets refused."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlmodel import Session, select

from helpdesk_app.backup import BackupError, make_backup, restore_backup, verify
from helpdesk_app.backup.manifest import MANIFEST, Manifest
from helpdesk_app.config import get_settings
from helpdesk_app.db import make_engine
from helpdesk_app.domain import attachments, tickets
from helpdesk_app.domain.attachments import IncomingFile
from helpdesk_app.mail.inbound.store import store_raw
from helpdesk_app.models import Attachment, InboundMail, Ticket
from tests.conftest import fresh_postgres_database


@dataclass
class Written:
    ticket_id: int
    subject: str
    content: bytes
    mail_id: int
    raw: bytes


@dataclass
class Writer:
    """Creates a ticket with an attachment and stores a raw mail, again and again, on its
    own connection, until stopped; `done` holds what was committed, in order."""
    url: str
    actor: object
    done: list[Written] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    error: list[BaseException] = field(default_factory=list)

    def run(self) -> None:
        engine = make_engine(self.url)
        try:
            n = 0
            while not self.stop.is_set():
                n += 1
                content = f"log file {n} ".encode() * 200
                with Session(engine, expire_on_commit=False) as s:
                    view = tickets.create_ticket(s, self.actor, tickets.NewTicket(
                        subject=f"Backup while writing #{n}", body="see the log",
                        files=[IncomingFile(f"log-{n}.txt", content)]))
                    raw = (f"From: carl@org-a.test\r\nSubject: Mail {n}\r\n"
                           f"Message-ID: <m{n}@org-a.test>\r\n\r\nBody {n}\r\n").encode()
                    mail_id = store_raw(s, raw, source="smtp", mail_from="carl@org-a.test")
                self.done.append(Written(view.id, f"Backup while writing #{n}", content,
                                         mail_id, raw))
        except BaseException as exc:  # reported by the test, not lost in the thread
            self.error.append(exc)
        finally:
            engine.dispose()


def _point_at(monkeypatch: pytest.MonkeyPatch, url: str, data: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("POMOCNIK_DATA_DIR", str(data))
    monkeypatch.setenv("POMOCNIK_ATTACHMENTS_DIR", str(data / "attachments"))
    get_settings.cache_clear()


@pytest.fixture
def live(db_url: str, app_env: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    _point_at(monkeypatch, db_url, app_env)
    return db_url


@pytest.fixture
def restore_target(db_url: str, tmp_path: Path, request: pytest.FixtureRequest
                   ) -> Iterator[tuple[str, Path]]:
    """An empty database of the same kind as `db_url` and an empty data folder."""
    data = tmp_path / "restored"
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{data / 'pomocnik.db'}", data
    else:
        with fresh_postgres_database(request.getfixturevalue("pg_admin_engine"),
                                     migrated=False) as url:
            yield url, data


def test_a_backup_taken_while_writing_restores_every_committed_ticket_attachment_and_mail(
        live, world, restore_target, tmp_path, monkeypatch) -> None:
    writer = Writer(live, world.actor("client"))
    thread = threading.Thread(target=writer.run)
    thread.start()
    try:
        while len(writer.done) < 5 and not writer.error:
            time.sleep(0.01)
        committed_before = list(writer.done)
        result = make_backup(tmp_path / "backup")
        returned_at = len(writer.done)
        while len(writer.done) < returned_at + 3 and not writer.error:
            time.sleep(0.01)  # the writer went on during and after the backup
    finally:
        writer.stop.set()
        thread.join(60)
    assert not writer.error, writer.error
    assert result.manifest.problems == []
    assert verify(result.folder) == []

    url, data = restore_target
    _point_at(monkeypatch, url, data)
    restored = restore_backup(result.folder)
    assert restored.counts == result.manifest.counts

    engine = make_engine(url)
    try:
        with Session(engine) as s:
            present = {t.id: t.subject for t in s.exec(select(Ticket)).all()}
            mails = {m.id: m.raw for m in s.exec(select(InboundMail)).all()}
            for w in committed_before:
                assert present[w.ticket_id] == w.subject
                assert mails[w.mail_id] == w.raw
                att = s.exec(select(Attachment).where(Attachment.ticket_id == w.ticket_id)
                             ).one()
                _row, path = attachments.open_attachment(s, world.actor("client"), att.id)
                assert path.read_bytes() == w.content
            # consistent: whatever the snapshot holds has its bytes, nothing half-written
            for att in s.exec(select(Attachment)).all():
                path = data / "attachments" / att.storage_key[:2] / att.storage_key
                assert hashlib.sha256(path.read_bytes()).hexdigest() == att.sha256
            # a snapshot, not a later copy: what began after the backup returned is absent
            # (the one item appended first after it may have committed just before)
            for w in writer.done[returned_at + 1:]:
                assert w.ticket_id not in present and w.mail_id not in mails
            assert len(present) == result.manifest.counts["ticket"]
    finally:
        engine.dispose()


def test_restore_refuses_a_target_that_holds_data_and_leaves_it_as_it_was(
        live, world, make, tmp_path, monkeypatch) -> None:
    make.ticket(world.actor("client"), "Keep me")
    result = make_backup(tmp_path / "backup")
    before = Path(live.removeprefix("sqlite:///")).read_bytes() if live.startswith(
        "sqlite") else None
    with pytest.raises(BackupError, match="empty"):
        restore_backup(result.folder)  # into the live install itself
    if before is not None:
        assert Path(live.removeprefix("sqlite:///")).read_bytes() == before
    engine = make_engine(live)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM ticket")).scalar_one() == 1
    finally:
        engine.dispose()


def test_a_changed_backup_file_is_found_and_nothing_is_restored(
        live, world, make, restore_target, tmp_path, monkeypatch) -> None:
    make.ticket(world.actor("client"), "Has a file", files=[IncomingFile("a.txt", b"abc")])
    result = make_backup(tmp_path / "backup")
    stored = next(p for p in (result.folder / "attachments").rglob("*") if p.is_file())
    stored.write_bytes(b"abd")
    assert verify(result.folder) == [
        f"changed since the backup was made: {stored.relative_to(result.folder).as_posix()}"]

    url, data = restore_target
    _point_at(monkeypatch, url, data)
    with pytest.raises(BackupError, match="does not check out"):
        restore_backup(result.folder)
    assert not data.exists() or not any(data.rglob("*"))  # no file written on SQLite
    if not url.startswith("sqlite"):
        engine = make_engine(url)
        try:
            assert inspect(engine).get_table_names() == []
        finally:
            engine.dispose()


def test_a_file_missing_from_the_store_is_reported_in_the_backup(
        live, world, make, tmp_path) -> None:
    ticket = make.ticket(world.actor("client"), "Lost file",
                         files=[IncomingFile("gone.txt", b"bytes")])
    db_att = make.db.exec(select(Attachment).where(Attachment.ticket_id == ticket.id)).one()
    (get_settings().attachments_dir / db_att.storage_key[:2] / db_att.storage_key).unlink()
    result = make_backup(tmp_path / "backup")
    assert result.manifest.problems == [f"attachment {db_att.storage_key}: not in the store"]
    assert verify(result.folder) == []  # what it holds is intact; the loss is on record


def test_a_backup_never_overwrites_and_a_crashed_one_leaves_no_backup_behind(
        live, world, tmp_path, monkeypatch) -> None:
    (tmp_path / "taken").mkdir()
    with pytest.raises(BackupError, match="already exists"):
        make_backup(tmp_path / "taken")

    def broken(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr("helpdesk_app.backup.create._copy_attachments", broken)
    with pytest.raises(OSError, match="disk full"):
        make_backup(tmp_path / "half")
    assert not (tmp_path / "half.partial").exists()
    assert not (tmp_path / "half").exists()


def test_the_manifest_names_the_schema_and_counts(live, world, make, tmp_path) -> None:
    make.ticket(world.actor("client"), "Counted")
    result = make_backup(tmp_path / "backup")
    manifest = Manifest.load(result.folder)
    assert manifest.counts["ticket"] == 1
    assert manifest.counts["user_account"] == len(world.users)
    assert manifest.schema_revision  # the alembic head the snapshot was at
    assert (result.folder / MANIFEST).is_file()
    assert manifest.database_file in manifest.files
