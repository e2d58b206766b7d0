"""Several workers (issue 15): the production app with two worker processes on one
PostgreSQL database and one Redis, driven in a real browser.

One `reflex run --env prod` with GRANIAN_WORKERS=2 is what scripts/run-scaled.sh starts:
both workers serve the same port and the kernel hands each new connection to one of
them. To put two tabs on *different* workers the test asks Reflex's Redis token manager
which worker holds each tab's websocket and opens tabs until it has one on each.

Proves: a reply made through one worker appears live on a page held by the other; a
change committed by a plain Python process (domain call + commit, like the CLI) appears
live on pages of both workers; a client's page still hears only public changes; the
scheduler and the outbox run once per deployment (one leader per lock, each mail sent
once). Skipped with the reason when PostgreSQL, Redis or Chromium is missing; a failure
instead when CI=true.
"""

from __future__ import annotations

import os
import pickle
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
from e2e_support import AGENT, AGENT2, CLIENT, create_ticket, login
from smtp_sink import SmtpSink
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from helpdesk_app.config import REPO_ROOT
from helpdesk_app.testing import CHROMIUM, CHROMIUM_ARGS, RunningApp, start_app

WORKERS = 2
LIVE_TIMEOUT_MS = 5_000  # the goal is 1 s; headroom for a busy 2-core machine
# Redis database for this test's Reflex state (its keys expire on their own); the bus
# channel gets a unique prefix, since pub/sub channels ignore database numbers.
REDIS_DB = int(os.environ.get("POMOCNIK_TEST_SCALED_REDIS_DB", "13"))
# Reflex's RedisTokenManager keeps one record per tab: which worker holds its socket.
_SOCKET_RECORD = "token_manager_socket_record_{}"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def _missing(what: str) -> None:
    if _in_ci():
        pytest.fail(f"{what} [CI=true: the scaled-app tests must run, not skip]",
                    pytrace=False)
    pytest.skip(what)


def _redis_url() -> str:
    base = os.environ.get("POMOCNIK_TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"
    url = re.sub(r"/\d*$", "", base.rstrip("/")) + f"/{REDIS_DB}"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except (redis.RedisError, OSError) as exc:
        _missing(f"Redis not reachable at {url}; set POMOCNIK_TEST_REDIS_URL ({exc})")
    return url


def _children(pid: int) -> set[int]:
    kids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                kids.add(int(entry.name))
    return kids


@dataclass
class Scaled:
    app: RunningApp
    db_url: str
    redis_url: str
    prefix: str
    sink: SmtpSink
    engine: Engine
    workers: set[int]  # the granian worker processes' ids
    leaders: dict[str, str]  # lock name -> owner, a few seconds after the start


@pytest.fixture(scope="module")
def scaled(pg_admin_engine: Engine) -> Iterator[Scaled]:
    if not Path(CHROMIUM).exists():
        _missing(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
    redis_url = _redis_url()
    name = f"pomocnik_scaled_{uuid.uuid4().hex[:12]}"
    with pg_admin_engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db_url = pg_admin_engine.url.set(database=name).render_as_string(hide_password=False)
    engine = create_engine(db_url)
    sink = SmtpSink().start()
    prefix = f"pomocnik-scaled-{uuid.uuid4().hex[:8]}"
    data = Path(tempfile.mkdtemp(prefix="pomocnik-scaled-"))
    try:
        app = start_app(data, extra_env={
            "DATABASE_URL": db_url,
            "REDIS_URL": redis_url, "REFLEX_REDIS_URL": redis_url,
            "POMOCNIK_REDIS_PREFIX": prefix,
            "GRANIAN_WORKERS": str(WORKERS),
            # its own build folder: the build holds the port, and the other browser
            # tests' app (.web-test) may be running meanwhile
            "REFLEX_WEB_WORKDIR": str(Path(tempfile.gettempdir()) / "pomocnik-web-scaled"),
            "POMOCNIK_SMTP_RELAY_HOST": "127.0.0.1",
            "POMOCNIK_SMTP_RELAY_PORT": str(sink.port),
            "POMOCNIK_MAIL_WORKER_SECONDS": "1",
            "POMOCNIK_SLA_SWEEP_SECONDS": "2",
            "POMOCNIK_SUBSTITUTION_SWEEP_SECONDS": "2",
            "POMOCNIK_SIGNIN_IP_FREE_ATTEMPTS": "1000",
        })
        try:
            workers = _children(app.process.pid)
            assert len(workers) == WORKERS, f"expected {WORKERS} workers, got {workers}"
            time.sleep(5)  # every worker has ticked its schedulers by now
            yield Scaled(app, db_url, redis_url, prefix, sink, engine, workers,
                         _lock_owners(engine))
        finally:
            app.stop()
    finally:
        sink.stop()
        engine.dispose()
        shutil.rmtree(data, ignore_errors=True)
        with pg_admin_engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _lock_owners(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT name, owner FROM scheduler_lock")).all())


class BrowserThread:
    """Chromium driven from a thread of its own: Playwright's sync API refuses to start
    a second instance on a thread that already runs one (the other browser tests' session
    browser), and one per thread is fine."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="scaled-browser")
        self.run(self._start)

    def _start(self) -> None:
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        self.browser = self._pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

    def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self._pool.submit(fn, *args).result(timeout=600)

    def close(self) -> None:
        def _stop() -> None:
            self.browser.close()
            self._pw.stop()

        self.run(_stop)
        self._pool.shutdown()


@pytest.fixture(scope="module")
def browser_thread(scaled: Scaled) -> Iterator[BrowserThread]:
    thread = BrowserThread()
    try:
        yield thread
    finally:
        thread.close()


# --------------------------------------------------------------------------- browser steps
# (run on the browser thread)


@dataclass
class Tab:
    page: Any
    worker: str  # Reflex's instance id of the worker holding the tab's websocket

    def live(self) -> int:
        return int(self.page.locator("#live-refreshed").text_content() or "0")

    def close(self) -> None:
        self.page.context.close()


def _worker_of(scaled: Scaled, page: Any) -> str:
    """The worker holding the tab's websocket, once that settled: the same token and
    record twice in a row (right after a page load the tab may still carry a token that
    Reflex is about to replace, whose record still names the previous socket's worker)."""
    client = redis.Redis.from_url(scaled.redis_url)
    seen: tuple[str, str] | None = None
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        time.sleep(0.5)
        token = page.evaluate("() => window.sessionStorage.getItem('token')")
        raw = client.get(_SOCKET_RECORD.format(token)) if token else None
        now = (token, pickle.loads(raw).instance_id) if raw else None
        if now is not None and now == seen:
            return now[1]
        seen = now
    raise AssertionError("no settled socket record for the tab in Redis: has Reflex's "
                         "RedisTokenManager changed its keys?")


def _new_page(scaled: Scaled, browser: Any, email: str, *, phone: bool = False) -> Any:
    viewport = {"width": 390, "height": 844} if phone else {"width": 1400, "height": 900}
    ctx = browser.new_context(base_url=scaled.app.url, viewport=viewport)
    ctx.set_default_timeout(20_000)
    page = ctx.new_page()
    login(page, email)
    return page


def _open(scaled: Scaled, browser: Any, email: str, number: str, *,
          not_on: str | None = None, portal: bool = False) -> Tab:
    """A signed-in tab on the ticket's page; with `not_on`, on a worker other than that
    one (new tabs are opened until the kernel hands one to another worker)."""
    from playwright.sync_api import expect

    for _attempt in range(16):
        page = _new_page(scaled, browser, email, phone=portal)
        page.goto(f"/portal/tickets/{number}" if portal else f"/agent/tickets/{number}")
        # loaded and hydrated (a first load on a busy machine takes a few seconds)
        expect(page.locator("#ticket-number")).to_have_text(number, timeout=20_000)
        tab = Tab(page, _worker_of(scaled, page))
        if not_on is None or tab.worker != not_on:
            return tab
        tab.close()
    raise AssertionError(f"16 tabs in a row landed on worker {not_on}")


def _send(tab: Tab, message: str, *, note: bool = False) -> None:
    page = tab.page
    page.click("#reply-note" if note else "#reply-public")
    page.fill("#reply-text", message)
    page.click("#reply-send")


def _expect_text(tab: Tab, message: str) -> float:
    """Wait until the tab's timeline shows `message` (no reload); the seconds it took."""
    from playwright.sync_api import expect

    started = time.monotonic()
    expect(tab.page.locator("#timeline")).to_contain_text(message, timeout=LIVE_TIMEOUT_MS)
    return time.monotonic() - started


@pytest.fixture(scope="module")
def ticket(scaled: Scaled, browser_thread: BrowserThread) -> str:
    """A ticket of the demo client, created through the app; its number."""

    def make() -> str:
        page = _new_page(scaled, browser_thread.browser, AGENT)
        try:
            return create_ticket(page, f"Skalowanie {uuid.uuid4().hex[:8]}")
        finally:
            page.context.close()

    return browser_thread.run(make)


# --------------------------------------------------------------------------- tests


def test_reply_through_one_worker_appears_live_on_the_other(
        scaled: Scaled, browser_thread: BrowserThread, ticket: str) -> None:
    def story() -> None:
        browser = browser_thread.browser
        writer = _open(scaled, browser, AGENT, ticket)
        watcher = _open(scaled, browser, AGENT2, ticket, not_on=writer.worker)
        before = watcher.live()
        message = f"Odpowiedź z innego workera {uuid.uuid4().hex[:6]}"
        _send(writer, message)
        latency = _expect_text(watcher, message)
        print(f"live latency across workers: {latency * 1000:.0f} ms")
        assert watcher.live() > before
        writer.close()
        watcher.close()

    browser_thread.run(story)


_PLAIN_PROCESS = """
import sys
from sqlmodel import Session, select
from helpdesk_app.db import get_engine
from helpdesk_app.domain import actor_loading, tickets
from helpdesk_app.models import Ticket, User

number, email, message = sys.argv[1:4]
with Session(get_engine(), expire_on_commit=False) as db:
    ticket = db.exec(select(Ticket).where(Ticket.number == number)).one()
    actor = actor_loading.load(db, db.exec(select(User).where(User.email == email)).one())
    tickets.add_comment(db, actor, ticket.id, message, public=False)
"""


def _note_from_a_plain_process(scaled: Scaled, ticket: str, message: str) -> None:
    """An internal note committed by a process of its own, as the CLI would."""
    env = dict(os.environ, DATABASE_URL=scaled.db_url, REDIS_URL=scaled.redis_url,
               POMOCNIK_REDIS_PREFIX=scaled.prefix, POMOCNIK_DATA_DIR=str(scaled.app.data_dir))
    subprocess.run([sys.executable, "-c", _PLAIN_PROCESS, ticket, AGENT, message], env=env,
                   cwd=REPO_ROOT, check=True, timeout=120)


def test_change_from_a_plain_process_reaches_both_workers(
        scaled: Scaled, browser_thread: BrowserThread, ticket: str) -> None:
    browser = browser_thread.browser
    first = browser_thread.run(_open, scaled, browser, AGENT, ticket)
    second = browser_thread.run(
        lambda: _open(scaled, browser, AGENT2, ticket, not_on=first.worker))
    message = f"Notatka z procesu {uuid.uuid4().hex[:6]}"
    _note_from_a_plain_process(scaled, ticket, message)

    def both_see_it() -> None:
        for tab in (first, second):
            _expect_text(tab, message)
            tab.close()

    browser_thread.run(both_see_it)


def test_client_page_on_another_worker_hears_only_public_changes(
        scaled: Scaled, browser_thread: BrowserThread, ticket: str) -> None:
    def story() -> None:
        browser = browser_thread.browser
        agent = _open(scaled, browser, AGENT, ticket)
        client = _open(scaled, browser, CLIENT, ticket, not_on=agent.worker, portal=True)
        before = client.live()
        secret = f"tajne {uuid.uuid4().hex[:6]}"
        _send(agent, secret, note=True)
        _expect_text(agent, secret)
        time.sleep(1.5)  # it would have arrived by now
        assert client.live() == before
        assert secret not in client.page.content()
        public = f"jawne {uuid.uuid4().hex[:6]}"
        _send(agent, public)
        _expect_text(client, public)
        assert client.live() == before + 1
        agent.close()
        client.close()

    browser_thread.run(story)


def test_scheduler_and_outbox_run_once_per_deployment(scaled: Scaled) -> None:
    """Runs last: the replies above queued notification mail for the client."""
    owners = _lock_owners(scaled.engine)
    assert set(owners) >= {"sla_scheduler", "substitution_scheduler", "mail_worker"}
    for name, owner in owners.items():
        # one row per lock, held by a worker of this deployment, and never handed over
        # while both workers lived
        assert int(owner.split(":")[-2]) in scaled.workers, (name, owner)
        assert scaled.leaders.get(name) == owner, (name, scaled.leaders.get(name), owner)

    def outbox() -> dict[str, list[str]]:
        with scaled.engine.connect() as conn:
            rows = conn.execute(text("SELECT status, message_id FROM outbound_mail")).all()
        by_status: dict[str, list[str]] = {}
        for status, message_id in rows:
            by_status.setdefault(status, []).append(message_id)
        return by_status

    deadline = time.monotonic() + 30
    while outbox().get("pending") and time.monotonic() < deadline:
        time.sleep(0.5)
    sent = outbox().get("sent", [])
    assert sent, f"the replies queued no mail: {outbox()}"
    received = Counter(m.message()["Message-ID"].strip("<>") for m in scaled.sink.messages)
    assert [mid for mid, n in received.items() if n > 1] == []  # nothing went out twice
    assert set(sent) <= set(received)


def test_a_killed_worker_is_started_again_and_both_tabs_show_what_changed(
        scaled: Scaled, browser_thread: BrowserThread, ticket: str) -> None:
    """Runs last: it kills a worker (the lock check above wants both as they started).
    The server (helpdesk_app/serve.py) starts a new worker in its place and stays up; the
    tab that was on the killed worker reconnects and shows the change made meanwhile, the
    tab on the other worker gets it live."""
    browser = browser_thread.browser
    first = browser_thread.run(_open, scaled, browser, AGENT, ticket)
    second = browser_thread.run(
        lambda: _open(scaled, browser, AGENT2, ticket, not_on=first.worker))
    victim = min(scaled.workers)  # one of the two tabs is on it: they are on both workers
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        workers = _children(scaled.app.process.pid)
        if len(workers) == WORKERS and victim not in workers:
            break
        assert scaled.app.process.poll() is None, "the instance stopped with its worker"
        time.sleep(0.5)
    else:
        raise AssertionError(f"no new worker in place of {victim}: {workers}")
    message = f"Po awarii workera {uuid.uuid4().hex[:6]}"
    _note_from_a_plain_process(scaled, ticket, message)

    def both_see_it() -> None:
        from playwright.sync_api import expect

        for tab in (first, second):  # the reconnecting tab may take its retry backoff
            expect(tab.page.locator("#timeline")).to_contain_text(message, timeout=30_000)
            tab.close()

    browser_thread.run(both_see_it)
