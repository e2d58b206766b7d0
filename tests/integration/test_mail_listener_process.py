"""The SMTP listener in its own process (the app's default): it stores, reports, comes
back after a crash, refuses to start on a taken port, and dies with its parent."""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from helpdesk_app.config import get_settings
from helpdesk_app.mail.inbound.listener_process import ListenerProcess
from helpdesk_app.models import InboundMail, InboundStatus
from tests.mail_support import Room, free_port, message, send

REPO = Path(__file__).resolve().parents[2]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not yet reaped) counts as gone
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split(")")[-1].split()[0] != "Z"


def _wait(predicate, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


class _Woken:
    def __init__(self) -> None:
        self.ids: list[int] = []
        self.event = threading.Event()

    def __call__(self, mail_id: int) -> None:
        self.ids.append(mail_id)
        self.event.set()


@pytest.fixture
def child(room: Room):
    woken = _Woken()
    settings = dataclasses.replace(get_settings().mail, listen_port=free_port())
    proc = ListenerProcess(room.engine.url.render_as_string(hide_password=False), settings,
                           on_stored=woken).start()
    proc.woken = woken
    yield proc
    proc.stop()


def test_the_child_stores_the_exact_bytes_and_wakes_the_parent(room: Room, child) -> None:
    msg = message(sender="carl@org-a.test", subject="Through the child")
    send(child.port, msg)
    assert child.woken.event.wait(15), "the parent was not told"
    [mail_id] = child.woken.ids
    room.db.expire_all()
    row = room.db.get(InboundMail, mail_id)
    assert row.status == InboundStatus.RECEIVED and row.subject == "Through the child"
    assert row.raw.replace(b"\r\n", b"\n").rstrip() == msg.as_bytes().rstrip()


def test_a_killed_child_is_started_again_and_takes_mail(room: Room, child) -> None:
    first = child.pid
    os.kill(first, signal.SIGKILL)
    assert _wait(lambda: child.pid not in (None, first)), "no new listener process"
    # the new child listens on the same port as soon as it reported ready
    assert _wait(lambda: _accepts(child.port))
    send(child.port, message(sender="carl@org-a.test", subject="After the crash"))
    assert child.woken.event.wait(15)
    room.db.expire_all()
    assert room.db.get(InboundMail, child.woken.ids[-1]).subject == "After the crash"


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def test_a_taken_port_is_a_clear_error(room: Room) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        settings = dataclasses.replace(get_settings().mail,
                                       listen_port=taken.getsockname()[1])
        proc = ListenerProcess(room.engine.url.render_as_string(hide_password=False),
                               settings)
        with pytest.raises(RuntimeError, match=r"address already in use|Errno 98"):
            proc.start()
        assert proc.pid is None


def test_the_child_stops_with_its_parent_even_when_the_parent_is_killed(
        room: Room, tmp_path: Path) -> None:
    script = tmp_path / "parent.py"
    script.write_text(textwrap.dedent(f"""
        import dataclasses, sys, time
        sys.path.insert(0, {str(REPO)!r})
        from helpdesk_app.config import get_settings
        from helpdesk_app.mail.inbound.listener_process import ListenerProcess
        settings = dataclasses.replace(get_settings().mail, listen_port={free_port()})
        proc = ListenerProcess({room.engine.url.render_as_string(hide_password=False)!r},
                               settings).start()
        print(proc.pid, flush=True)
        time.sleep(600)
    """))
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        child_pid = int(parent.stdout.readline())
        assert _alive(child_pid)
        parent.kill()
        parent.wait(timeout=10)
        assert _wait(lambda: not _alive(child_pid)), "the listener outlived its parent"
    finally:
        parent.kill()
