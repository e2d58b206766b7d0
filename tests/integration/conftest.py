"""Every test here runs with settings pointed at a temp folder and cheap argon2 parameters
(fixtures in tests/conftest.py; the browser tests in tests/e2e run the real app instead)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing(cheap_argon2) -> None:
    pass


@pytest.fixture(autouse=True)
def _isolated_settings(app_env: Path) -> None:
    pass


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One migrated demo database per module (seeding hashes passwords: slow-ish), for
    tests that drive page states against the demo accounts."""
    from helpdesk_app.cli import migrate, seed
    from helpdesk_app.config import get_settings

    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    migrate(url)
    mp = pytest.MonkeyPatch()
    mp.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        seed()
    finally:
        mp.undo()
        get_settings.cache_clear()
    return url


@pytest.fixture
def demo_db(demo_url: str, app_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from helpdesk_app.config import get_settings

    monkeypatch.setenv("DATABASE_URL", demo_url)
    get_settings.cache_clear()


@pytest.fixture
def room(db, world, monkeypatch: pytest.MonkeyPatch):
    """A mail channel (helpdesk@pomocnik.test -> queue2) on top of `world`; org A's
    domain org-a.test is verified and its plain client is carl@org-a.test."""
    from tests.mail_support import make_room

    return make_room(db, world, monkeypatch)


@pytest.fixture(scope="module")
def ldap_server():
    """A real OpenLDAP server (tests/ldap_server.py) for a module's directory tests; the
    tests that change its tree put it back."""
    from tests.ldap_server import slapd_server

    with slapd_server() as server:
        yield server


@pytest.fixture
def secrets_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh POMOCNIK_SECRETS_KEY (Fernet), so directory passwords can be sealed."""
    from cryptography.fernet import Fernet

    from helpdesk_app.config import get_settings

    key = Fernet.generate_key().decode()
    monkeypatch.setenv("POMOCNIK_SECRETS_KEY", key)
    get_settings.cache_clear()
    return key
