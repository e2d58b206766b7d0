"""The SMTP listener in a process of its own.

Accepting mail (SMTP dialogue, reading DATA, storing the raw message) and turning it
into tickets (the pipeline) are both CPU work in Python; in one process they share one
core (the GIL). So the app runs the listener in a child process and the pipeline stays
in the app process, where ticket changes reach the live pages. The child only stores
raw messages (mail/inbound/store.py) and reports each stored id on its stdout, which
wakes the pipeline; a lost wake-up costs nothing, the pipeline also looks on its own.

The child lives as long as its parent: it stops when its stdin closes (the parent
exited, even by SIGKILL). When the child dies, the parent starts it again.

Child protocol (stdout lines): ``ready <port>``, then ``stored <id>`` per message; or
``error <text>`` and exit when it cannot listen.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Callable

from helpdesk_app.config import MailSettings

log = logging.getLogger(__name__)

_SETTINGS_ENV = "POMOCNIK_MAIL_LISTENER_SETTINGS"
_START_TIMEOUT = 30.0
_RESTART_DELAY = 1.0
_RESTART_DELAY_MAX = 30.0


class ListenerProcess:
    """Start, watch and stop the child (the parent side)."""

    def __init__(self, database_url: str, settings: MailSettings, *,
                 on_stored: Callable[[int], None] | None = None) -> None:
        self.database_url = database_url
        self.settings = settings
        self.on_stored = on_stored
        self.port: int | None = None
        self._proc: subprocess.Popen[str] | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._watcher: threading.Thread | None = None

    def _spawn(self) -> subprocess.Popen[str]:
        env = dict(os.environ)
        env["DATABASE_URL"] = self.database_url
        env[_SETTINGS_ENV] = json.dumps(dataclasses.asdict(self.settings))
        return subprocess.Popen(
            [sys.executable, "-m", "helpdesk_app.mail.inbound.listener_process"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, bufsize=1)

    def _await_ready(self, proc: subprocess.Popen[str]) -> int:
        lines: queue.Queue[str] = queue.Queue()

        def first_answer() -> None:
            # anything else a library may print on stdout before the answer is skipped
            for line in proc.stdout:
                if line.startswith(("ready ", "error ")):
                    lines.put(line.strip())
                    return
            lines.put("")  # the child exited without a word

        threading.Thread(target=first_answer, daemon=True).start()
        try:
            first = lines.get(timeout=_START_TIMEOUT)
        except queue.Empty:
            proc.kill()
            raise RuntimeError("the SMTP listener process did not start in time") from None
        if not first.startswith("ready "):
            proc.wait(timeout=10)
            raise RuntimeError(first.removeprefix("error ") or
                               f"the SMTP listener exited ({proc.returncode})")
        return int(first.split()[1])

    def start(self) -> ListenerProcess:
        """Start the child; raises when it cannot listen (port taken, not allowed)."""
        proc = self._spawn()
        self.port = self._await_ready(proc)
        self._proc = proc
        self._watcher = threading.Thread(target=self._watch, name="smtp-listener-watch",
                                         daemon=True)
        self._watcher.start()
        log.info("SMTP listener process %s on %s:%s", proc.pid, self.settings.listen_host,
                 self.port)
        return self

    def _read(self, proc: subprocess.Popen[str]) -> None:
        for line in proc.stdout:
            kind, _, value = line.strip().partition(" ")
            if kind == "stored" and self.on_stored is not None:
                try:
                    self.on_stored(int(value))
                except Exception:  # the pipeline's own look catches the message anyway
                    log.exception("SMTP: could not wake the mail pipeline")

    def _watch(self) -> None:
        while not self._stopping.is_set():
            proc = self._proc
            if proc is None:
                return
            self._read(proc)  # until the child's stdout closes
            proc.wait()
            if self._stopping.is_set():
                return
            log.error("SMTP listener process exited (%s); starting it again", proc.returncode)
            delay = _RESTART_DELAY
            while not self._stopping.wait(delay):
                delay = min(delay * 2, _RESTART_DELAY_MAX)  # e.g. the port is taken
                try:
                    with self._lock:
                        if self._stopping.is_set():
                            return
                        new = self._spawn()
                        self.port = self._await_ready(new)
                        self._proc = new
                    break
                except Exception as exc:
                    log.error("SMTP listener process could not start again: %s", exc)

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            proc.stdin.close()  # the child's signal to stop
            proc.wait(timeout=10)
        except Exception:
            proc.kill()
            proc.wait(timeout=10)
        if self._watcher is not None:
            self._watcher.join(timeout=10)


def _child() -> int:
    """The child: listen, store, report; stop when stdin closes."""
    from helpdesk_app.db import get_engine
    from helpdesk_app.mail.inbound.smtp import SmtpListener

    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s smtp-listener: %(message)s")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd: every connection
    settings = MailSettings(**json.loads(os.environ[_SETTINGS_ENV]))
    out_lock = threading.Lock()

    def report(line: str) -> None:
        with out_lock:
            try:
                sys.stdout.write(line + "\n")
                sys.stdout.flush()
            except (BrokenPipeError, ValueError):  # the parent is gone: stdin says so too
                pass

    try:
        listener = SmtpListener(get_engine(), settings,
                                on_stored=lambda mail_id: report(f"stored {mail_id}")).start()
    except Exception as exc:
        report(f"error {exc}".replace("\n", " "))
        return 1
    report(f"ready {listener.port}")
    try:
        while sys.stdin.readline():  # nothing is sent; EOF means the parent is gone
            pass
    except KeyboardInterrupt:
        pass
    listener.stop()
    return 0


if __name__ == "__main__":
    sys.exit(_child())
