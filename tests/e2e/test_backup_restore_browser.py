"""Backup and restore end to end (issue 16): the README's CLI backs up an install while
tickets and mail are being written, restores it into a fresh folder, the app starts on
that folder, and every ticket, attachment and mail committed before the backup is there
in the browser and through the app's own download routes."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import AGENT, CLIENT, login
from sqlmodel import Session, select

from helpdesk_app.config import REPO_ROOT, get_settings
from helpdesk_app.testing import app_env, prepare_database, start_app

ADMIN = "admin@pomocnik.example"


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "helpdesk_app.cli", *args], cwd=REPO_ROOT,
                          env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def install(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, dict[str, str]]]:
    """A demo install in a temp folder; this process's settings point at it."""
    folder = Path(tempfile.mkdtemp(prefix="pomocnik-backup-e2e-"))
    env = app_env(folder / "data", 0)
    prepare_database(env, demo=True)
    for name in ("POMOCNIK_DATA_DIR", "DATABASE_URL", "POMOCNIK_ATTACHMENTS_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("POMOCNIK_DATA_DIR", env["POMOCNIK_DATA_DIR"])
    get_settings.cache_clear()
    yield folder, env
    get_settings.cache_clear()


def _write_until(stop: threading.Event, done: list, errors: list) -> None:
    """The demo client opens tickets with a file, and mail arrives, until stopped."""
    from helpdesk_app.db import make_engine
    from helpdesk_app.domain import tickets
    from helpdesk_app.domain.actor import Actor
    from helpdesk_app.domain.attachments import IncomingFile
    from helpdesk_app.mail.inbound.store import store_raw
    from helpdesk_app.models import User

    engine = make_engine(get_settings().database_url)
    try:
        n = 0
        while not stop.is_set():
            n += 1
            with Session(engine, expire_on_commit=False) as s:
                client = s.exec(select(User).where(User.email == CLIENT)).one()
                content = f"router log {n}\n".encode() * 50
                view = tickets.create_ticket(s, Actor.from_user(client), tickets.NewTicket(
                    subject=f"Restored ticket {n}", body="details",
                    files=[IncomingFile(f"router-{n}.log", content)]))
                raw = (f"From: {CLIENT}\r\nSubject: Restored mail {n}\r\n"
                       f"Message-ID: <restored-{n}@test>\r\n\r\nHello {n}\r\n").encode()
                mail_id = store_raw(s, raw, source="smtp", mail_from=CLIENT)
            done.append((view.number, view.subject, content, mail_id, raw))
    except BaseException as exc:
        errors.append(exc)
    finally:
        engine.dispose()


def test_a_backup_made_while_writing_restores_into_a_fresh_folder_the_app_serves(
        install, browser) -> None:
    folder, env = install
    stop, done, errors = threading.Event(), [], []
    writer = threading.Thread(target=_write_until, args=(stop, done, errors))
    writer.start()
    try:
        while len(done) < 3 and not errors:
            time.sleep(0.02)
        before = list(done)
        made = _cli(env, "backup", str(folder / "backup"))
        while len(done) < len(before) + 3 and not errors:
            time.sleep(0.02)
    finally:
        stop.set()
        writer.join(60)
    assert not errors, errors
    assert made.returncode == 0, made.stderr
    assert "Backup written to" in made.stdout

    fresh = folder / "fresh"
    restore_env = app_env(fresh, 0)
    restored = _cli(restore_env, "restore", str(folder / "backup"))
    assert restored.returncode == 0, restored.stderr
    again = _cli(restore_env, "restore", str(folder / "backup"))
    assert again.returncode == 2 and "empty" in again.stderr  # never over a live install

    # its own build folder: the shared test app (.web-test) may be serving meanwhile
    app = start_app(fresh, demo=False, extra_env={
        "REFLEX_WEB_WORKDIR": str(Path(tempfile.gettempdir()) / "pomocnik-web-restored")})
    try:
        contexts = [browser.new_context(base_url=app.url) for _ in range(2)]
        try:
            agent, admin = (c.new_page() for c in contexts)
            login(agent, AGENT)
            for number, subject, content, _mail, _raw in before:
                agent.goto(f"/agent/tickets/{number}")
                agent.get_by_text(subject, exact=True).first.wait_for()
                link = agent.locator("a.pm-attachment").first
                link.wait_for()
                got = agent.request.get(link.get_attribute("href"))
                assert got.ok and got.body() == content
            login(admin, ADMIN)
            for _number, _subject, _content, mail_id, raw in before:
                got = admin.request.get(f"/api/mail/{mail_id}.eml")
                assert got.ok and got.body() == raw
        finally:
            for c in contexts:
                c.close()
    finally:
        app.stop()
