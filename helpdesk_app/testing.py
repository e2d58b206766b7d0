"""Start the real app (production build, one port) against a throw-away data folder.

Used by the browser tests and the benchmarks: they drive what a user gets, not a mock.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from helpdesk_app.config import REPO_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RunningApp:
    url: str
    data_dir: Path
    process: subprocess.Popen
    log_path: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            # reflex starts children (granian workers); stop the whole process group.
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


def app_env(data_dir: Path, port: int, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    # the embedded mode unless a caller asks for more (`extra`): a developer's own
    # DATABASE_URL / REDIS_URL must not turn a test app into a scaled one
    for name in ("DATABASE_URL", "REDIS_URL", "REFLEX_REDIS_URL"):
        env.pop(name, None)
    bin_dirs = [str(REPO_ROOT / ".tools" / "node_modules" / ".bin"),
                str(Path(sys.executable).parent)]
    env.update({
        "POMOCNIK_DATA_DIR": str(data_dir),
        "POMOCNIK_BASE_URL": f"http://127.0.0.1:{port}",
        "REFLEX_USE_SYSTEM_BUN": "1",
        # A separate build folder so a developer's running app and the tests don't clash.
        "REFLEX_WEB_WORKDIR": str(REPO_ROOT / ".web-test"),
        "PATH": os.pathsep.join([*bin_dirs, env.get("PATH", "")]),
        # no SMTP listener unless a test asks for one (port 2525 may be a developer's app)
        "POMOCNIK_SMTP_LISTEN_PORT": "0",
    })
    env.update(extra or {})
    return env


def prepare_database(env: dict[str, str], *, demo: bool = True) -> None:
    """Migrate (and seed) in a child process so this process's cached settings stay untouched."""
    cmds = [["migrate"]] + ([["seed"]] if demo else [])
    for args in cmds:
        subprocess.run([sys.executable, "-m", "helpdesk_app.cli", *args], env=env, check=True,
                       cwd=REPO_ROOT, stdout=subprocess.DEVNULL)


def start_app(data_dir: Path, *, demo: bool = True, extra_env: dict[str, str] | None = None,
              timeout: float = 600) -> RunningApp:
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    env = app_env(data_dir, port, extra_env)
    prepare_database(env, demo=demo)
    log_path = data_dir / "app.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "helpdesk_app.serve", "run", "--env", "prod",
         "--frontend-port", str(port), "--backend-port", str(port), "--loglevel", "info"],
        cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    app = RunningApp(f"http://127.0.0.1:{port}", data_dir, proc, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app exited early; log:\n{log_path.read_text()[-4000:]}")
        if _ready(app.url):
            return app
        time.sleep(0.5)
    app.stop()
    raise RuntimeError(f"app not ready after {timeout}s; log:\n{log_path.read_text()[-4000:]}")


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/ping", timeout=2) as r:
            if r.status != 200:
                return False
        with urllib.request.urlopen(url + "/login", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False
