"""Browser tests: the real app (prod build) on a free port, a fresh database, Debian Chromium."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import E2E_SECRETS_KEY, MAX_MB, SMTP_PORT
from smtp_sink import SmtpSink

from helpdesk_app.testing import CHROMIUM, CHROMIUM_ARGS, RunningApp, start_app


def _require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        msg = f"Chromium not found at {CHROMIUM}: apt-get install -y chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(msg)
        pytest.skip(msg)


@pytest.fixture(scope="session")
def outbound_sink() -> Iterator[SmtpSink]:
    """The relay the test app sends its outgoing mail to (a real SMTP server)."""
    sink = SmtpSink().start()
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture(scope="session")
def app_server(outbound_sink: SmtpSink) -> Iterator[RunningApp]:
    _require_chromium()
    data = Path(tempfile.mkdtemp(prefix="pomocnik-e2e-"))
    app = start_app(data, extra_env={
                                     # outgoing mail to the sink (sign-in codes, alerts)
                                     "POMOCNIK_SMTP_RELAY_HOST": "127.0.0.1",
                                     "POMOCNIK_SMTP_RELAY_PORT": str(outbound_sink.port),
                                     # every test signs in from 127.0.0.1: per-address
                                     # throttling would slow the whole run down
                                     "POMOCNIK_SIGNIN_IP_FREE_ATTEMPTS": "1000",
                                     "POMOCNIK_MAX_ATTACHMENT_MB": str(MAX_MB),
                                     # SLA sweeps every 2 s so the warning test is quick
                                     "POMOCNIK_SLA_SWEEP_SECONDS": "2",
                                     "POMOCNIK_SUBSTITUTION_SWEEP_SECONDS": "1",
                                     # the app's own SMTP listener, for the mail tests
                                     "POMOCNIK_SMTP_LISTEN_PORT": str(SMTP_PORT),
                                     "POMOCNIK_MAIL_WORKER_SECONDS": "1",
                                     # seals the directory bind password (admin LDAP test)
                                     "POMOCNIK_SECRETS_KEY": E2E_SECRETS_KEY})
    try:
        yield app
    finally:
        app.stop()


@pytest.fixture(scope="session")
def browser(app_server: RunningApp):
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield b
    finally:
        b.close()
        pw.stop()


@pytest.fixture
def new_page(browser, app_server: RunningApp):
    """Factory: a page in its own browser context (its own cookies = its own user)."""
    contexts = []

    def make(*, phone: bool = False):
        viewport = {"width": 390, "height": 844} if phone else {"width": 1400, "height": 900}
        ctx = browser.new_context(viewport=viewport, base_url=app_server.url,
                                  is_mobile=phone, has_touch=phone)
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()

