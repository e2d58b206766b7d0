"""Scheduled backups (issue 16): made when due by the one leader, rotated, and the CLI's
backup / verify / restore commands with their exit codes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from helpdesk_app import cli
from helpdesk_app.backup import rotation
from helpdesk_app.config import get_settings
from helpdesk_app.jobs.backup import BackupScheduler

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


@pytest.fixture
def live(db_url: str, app_env: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    return db_url


def _scheduler(folder: Path, owner: str, keep: int = 2) -> BackupScheduler:
    return BackupScheduler(folder, every_hours=24, keep=keep, owner=owner)


def test_one_leader_backs_up_when_due_and_keeps_the_newest(live, world, make,
                                                           tmp_path) -> None:
    folder = tmp_path / "backups"
    a, b = _scheduler(folder, "worker-a"), _scheduler(folder, "worker-b")
    first = a.tick(NOW)
    assert first is not None and first.folder.name == "pomocnik-20261207T030000Z"
    assert b.tick(NOW + timedelta(minutes=10)) is None  # not the leader
    assert a.tick(NOW + timedelta(hours=23)) is None  # not due yet
    make.ticket(world.actor("client"), "Later")
    for hours in (24, 48, 72):
        assert a.tick(NOW + timedelta(hours=hours)) is not None
    kept = [p.name for p in rotation.complete(folder)]
    assert kept == ["pomocnik-20261209T030000Z", "pomocnik-20261210T030000Z"]
    assert sorted(p.name for p in folder.iterdir()) == kept  # nothing else left behind


def test_a_restart_does_not_double_a_backup_and_leftovers_of_a_crash_go(
        live, world, tmp_path) -> None:
    folder = tmp_path / "backups"
    assert _scheduler(folder, "before-restart").tick(NOW) is not None
    crashed = folder / (rotation.name_for(NOW + timedelta(hours=1)) + ".partial")
    crashed.mkdir()
    (crashed / "database.sqlite3").write_bytes(b"half")
    restarted = _scheduler(folder, "after-restart")
    # the old owner's lease (an hour) still holds the lock
    assert restarted.tick(NOW + timedelta(minutes=30)) is None
    # once it has run out the new one leads, and a backup of two hours ago is not due
    assert restarted.tick(NOW + timedelta(hours=2)) is None
    assert crashed.exists()
    assert restarted.tick(NOW + timedelta(days=1, minutes=5)) is not None
    assert not crashed.exists()
    assert len(rotation.complete(folder)) == 2


# the command line on SQLite; test_backup.py covers PostgreSQL's pg_dump / pg_restore
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_cli_backs_up_verifies_and_restores_with_exit_codes(
        live, world, make, tmp_path, monkeypatch, capsys) -> None:
    make.ticket(world.actor("client"), "Through the CLI")
    with pytest.raises(SystemExit) as done:
        cli.main(["backup", str(tmp_path / "b")])
    assert done.value.code == 0
    assert "1 tickets" in capsys.readouterr().out

    with pytest.raises(SystemExit) as checked:
        cli.main(["verify", str(tmp_path / "b")])
    assert checked.value.code == 0 and "checks out" in capsys.readouterr().out

    with pytest.raises(SystemExit) as refused:
        cli.main(["restore", str(tmp_path / "b")])  # into the live install: refused
    assert refused.value.code == 2 and "empty" in capsys.readouterr().err

    fresh = tmp_path / "fresh"
    monkeypatch.setenv("POMOCNIK_DATA_DIR", str(fresh))
    monkeypatch.setenv("POMOCNIK_ATTACHMENTS_DIR", str(fresh / "attachments"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{fresh / 'pomocnik.db'}")
    get_settings.cache_clear()
    with pytest.raises(SystemExit) as restored:
        cli.main(["restore", str(tmp_path / "b")])
    assert restored.value.code == 0 and "1 tickets" in capsys.readouterr().out

    with pytest.raises(SystemExit) as missing:
        cli.main(["verify", str(tmp_path / "nothing-here")])
    assert missing.value.code == 2 and "no manifest.json" in capsys.readouterr().err


def test_the_worker_lifespan_task_starts_scheduled_backups_only_when_a_folder_is_set(
        live, world, tmp_path, monkeypatch) -> None:
    import asyncio

    from helpdesk_app.jobs.backup import run_backup_scheduler

    async def lifespan() -> BackupScheduler | None:
        async with run_backup_scheduler() as scheduler:
            if scheduler is not None:
                await asyncio.to_thread(scheduler.wait_for_tick, 30)
            return scheduler

    assert asyncio.run(lifespan()) is None  # POMOCNIK_BACKUP_DIR unset: off
    monkeypatch.setenv("POMOCNIK_BACKUP_DIR", str(tmp_path / "nightly"))
    get_settings.cache_clear()
    scheduler = asyncio.run(lifespan())
    assert scheduler is not None and not scheduler.running  # stopped with the worker
    assert len(rotation.complete(tmp_path / "nightly")) == 1  # the first tick, at start
