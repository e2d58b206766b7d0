"""A production start (POMOCNIK_DEMO=0 in scripts/run-app.sh) never runs with the demo
accounts and their published password; the banner points a fresh install at /setup."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlmodel import Session, select

from helpdesk_app import cli
from helpdesk_app.config import REPO_ROOT, get_settings
from helpdesk_app.db import session_scope
from helpdesk_app.demo import DEMO_PASSWORD, demo_emails
from helpdesk_app.domain import auth
from helpdesk_app.domain.errors import AuthFailed
from helpdesk_app.models import User


@pytest.fixture
def demo_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    cli.migrate(url)
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    cli.seed()
    return url


@pytest.fixture
def empty_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    cli.migrate(url)
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    return url


def _run(*args: str) -> int:
    with pytest.raises(SystemExit) as exc:
        cli.main(list(args))
    return exc.value.code


def test_production_check_refuses_demo_accounts_until_they_are_disabled(demo_copy,
                                                                        capsys) -> None:
    assert _run("check-production") == 3
    err = capsys.readouterr().err
    assert "demo accounts" in err and "python -m helpdesk_app.cli disable-demo" in err
    assert _run("disable-demo") == 0
    assert f"{len(demo_emails())} demo accounts deactivated" in capsys.readouterr().out
    assert _run("check-production") == 0
    with session_scope() as db:
        with pytest.raises(AuthFailed):
            auth.login(db, "admin@pomocnik.example", DEMO_PASSWORD)
        users = db.exec(select(User).where(User.email.in_(demo_emails()))).all()
        assert users and not any(u.is_active for u in users)


def test_a_demo_account_whose_password_was_changed_is_not_a_demo_login(demo_copy) -> None:
    with session_scope() as db:
        for user in db.exec(select(User)).all():
            user.password_hash = auth.hash_password("zupelnie-nowe-haslo-1")
            db.add(user)
        db.commit()
    assert _run("check-production") == 0


def test_an_empty_database_passes_the_check_and_the_banner_points_at_setup(empty_app,
                                                                           capsys) -> None:
    assert _run("check-production") == 0
    capsys.readouterr()
    cli.main(["banner", "--no-demo"])
    out = capsys.readouterr().out
    assert f"{get_settings().base_url}/setup" in out and "Demo logins" not in out


def test_the_demo_banner_still_lists_the_demo_logins(empty_app, capsys) -> None:
    cli.main(["banner"])
    assert "Demo logins" in capsys.readouterr().out


def test_the_demo_password_passes_the_policy(db: Session) -> None:
    auth.hash_password(DEMO_PASSWORD)  # the seed hashes it through the policy too


def test_run_app_script_binds_localhost_and_has_a_production_mode() -> None:
    script = (REPO_ROOT / "scripts" / "run-app.sh").read_text()
    assert 'BIND="${POMOCNIK_BIND:-127.0.0.1}"' in script
    assert '--backend-host "$BIND"' in script
    assert "check-production" in script and "banner --no-demo" in script
    subprocess.run(["bash", "-n", str(REPO_ROOT / "scripts" / "run-app.sh")], check=True)
