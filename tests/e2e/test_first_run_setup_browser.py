"""First run in a browser: an app started on an empty database (production start, no demo)
sends the visitor to /setup; the form reports bad input next to its field, creates the
provider and the first admin once, and the admin signs in. Afterwards /setup is gone."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from helpdesk_app.config import REPO_ROOT
from helpdesk_app.testing import CHROMIUM, RunningApp, start_app

PASSWORD = "zielona-herbata-o-pomocy"
SHOTS = Path(os.environ.get("POMOCNIK_SCREENSHOTS") or "test-results/screenshots")


def _no_sideways_scroll(page) -> None:
    width, inner = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"the setup page scrolls sideways ({width} > {inner})"


@pytest.fixture(scope="module")
def empty_app() -> Iterator[RunningApp]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    # Its own build and state folders: a second app built into the demo app's folder
    # would point the demo app's pages at this app's port.
    app = start_app(Path(tempfile.mkdtemp(prefix="pomocnik-e2e-setup-")), demo=False,
                    extra_env={"REFLEX_WEB_WORKDIR": str(REPO_ROOT / ".web-test-setup"),
                               "REFLEX_STATES_WORKDIR": str(REPO_ROOT / ".states-test-setup")})
    try:
        yield app
    finally:
        app.stop()


@pytest.fixture(scope="module")
def chromium(browser, empty_app: RunningApp):
    """The session's Chromium (conftest): Playwright's sync API runs once per process."""
    return browser


def _page(chromium, app: RunningApp, *, phone: bool = False):
    viewport = {"width": 390, "height": 844} if phone else {"width": 1400, "height": 900}
    ctx = chromium.new_context(viewport=viewport, base_url=app.url, is_mobile=phone,
                               has_touch=phone)
    ctx.set_default_timeout(20_000)
    return ctx, ctx.new_page()


def _fill(page, password: str) -> None:
    page.fill("#setup-provider", "Serwis IT Kowalscy sp.j.")
    page.fill("#setup-name", "Łucja Kowalska")
    page.fill("#setup-email", "lucja@serwis-kowalscy.test")
    page.fill("#new-password", password)
    page.fill("#repeat-password", password)
    page.select_option("#setup-language", "pl")
    page.fill("#setup-timezone", "Europe/Warsaw")


def test_first_run_setup_then_sign_in_and_the_route_is_gone(chromium, empty_app) -> None:
    ctx, page = _page(chromium, empty_app, phone=True)
    page.goto("/")
    page.wait_for_url("**/setup")
    expect(page.locator("#setup-submit")).to_be_visible()

    # A common password is refused next to the field; what was typed stays.
    _fill(page, "password1")
    page.click("#setup-submit")
    expect(page.locator("#new-password-error")).to_contain_text("najczęściej używanych")
    expect(page.locator("#setup-email")).to_have_value("lucja@serwis-kowalscy.test")
    _no_sideways_scroll(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "anonymous_setup-phone-pl.png"), full_page=True)

    page.fill("#new-password", PASSWORD)
    page.fill("#repeat-password", PASSWORD)
    page.click("#setup-submit")
    expect(page.locator("#account-done")).to_be_visible()
    page.click("#to-login")
    page.wait_for_url("**/login")
    expect(page.locator("#email")).to_have_value("lucja@serwis-kowalscy.test")
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url("**/agent")
    ctx.close()

    # Another visitor: /setup now leads to the sign-in page; / no longer to setup.
    ctx, page = _page(chromium, empty_app)
    page.goto("/setup")
    page.wait_for_url("**/login")
    page.goto("/")
    page.wait_for_url("**/login")
    expect(page.locator("#forgot-password")).to_be_visible()
    ctx.close()
