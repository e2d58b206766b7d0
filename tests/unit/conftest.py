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
