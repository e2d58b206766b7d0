"""Benchmark: from clicking "Log in" to the first ticket row on the agent list, in a browser.

    .venv/bin/python benchmarks/login_to_list.py --tickets 100000 [--runs 5] [--keep]

Prepares a data folder (alembic migrations and the demo data through
`python -m helpdesk_app.cli migrate|seed`, then bulk tickets up to --tickets with
benchmarks/_seed.py, reusing the demo's organisations, people and queues), starts the real
production app on a free port (`helpdesk_app.testing.start_app`), and with Playwright and
Debian Chromium measures, in a fresh browser context per run, the time from clicking
`#login-submit` on /login (the page already loaded and connected) until the first `.pm-row`
is visible on /agent. One warm-up run is reported but not counted. The app is always
stopped. The last printed line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _seed

from helpdesk_app.config import REPO_ROOT
from helpdesk_app.db import make_engine
from helpdesk_app.demo import DEMO_PASSWORD
from helpdesk_app.models import Ticket
from helpdesk_app.testing import CHROMIUM, CHROMIUM_ARGS, start_app

GOAL_MS = 1500.0
AGENT_EMAIL = "anna.nowak@pomocnik.example"


def prepare_data(data_dir: Path, n_tickets: int) -> float:
    """Migrate + demo data (the app's CLI), then bulk tickets up to `n_tickets`. Seconds."""
    t0 = time.perf_counter()
    env = dict(os.environ, POMOCNIK_DATA_DIR=str(data_dir))
    env.pop("DATABASE_URL", None)
    for cmd in ("migrate", "seed"):
        subprocess.run([sys.executable, "-m", "helpdesk_app.cli", cmd], env=env, check=True,
                       cwd=REPO_ROOT, stdout=subprocess.DEVNULL)
    engine = make_engine(f"sqlite:///{data_dir / 'pomocnik.db'}")
    _seed.bulk_engine_pragmas(engine)
    try:
        with engine.connect() as conn:
            have = conn.execute(select(func.count()).select_from(Ticket)).scalar_one()
        if n_tickets > have:
            refs = _seed.load_reference(engine)
            _seed.add_tickets(engine, refs, n_tickets - have, progress=n_tickets >= 200_000)
        _seed.analyze(engine)
    finally:
        engine.dispose()
    return time.perf_counter() - t0


def _wait_connected(page: Any, frames: list[int], timeout_s: float = 30) -> None:
    """Wait until the page's websocket has delivered its first state update (hydrated)."""
    deadline = time.monotonic() + timeout_s
    while not frames and time.monotonic() < deadline:
        page.wait_for_timeout(20)
    page.wait_for_load_state("networkidle")


def one_run(browser: Any, base_url: str) -> tuple[float, float]:
    """(ms until /agent is the URL, ms until the first ticket row is visible)."""
    ctx = browser.new_context(base_url=base_url, viewport={"width": 1400, "height": 900})
    ctx.set_default_timeout(30_000)
    try:
        page = ctx.new_page()
        frames: list[int] = []
        page.on("websocket", lambda ws: ws.on("framereceived", lambda _f: frames.append(1)))
        page.goto("/login")
        page.fill("#email", AGENT_EMAIL)
        page.fill("#password", DEMO_PASSWORD)
        _wait_connected(page, frames)
        t0 = time.perf_counter()
        page.click("#login-submit")
        page.wait_for_url("**/agent")
        t_url = time.perf_counter()
        page.locator(".pm-row").first.wait_for(state="visible")
        t_row = time.perf_counter()
        return (t_url - t0) * 1000, (t_row - t0) * 1000
    finally:
        ctx.close()


def run(n_tickets: int, runs: int, data_dir: Path) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    print(f"Preparing {data_dir} with {n_tickets:,} tickets ...", flush=True)
    seed_s = prepare_data(data_dir, n_tickets)
    print(f"Data ready in {seed_s:.1f}s; starting the app (prod build) ...", flush=True)
    t0 = time.perf_counter()
    app = start_app(data_dir)
    print(f"App up at {app.url} in {time.perf_counter() - t0:.1f}s (log: {app.log_path})")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                warm_url, warm_row = one_run(browser, app.url)
                print(f"  warm-up        to /agent {warm_url:7.0f} ms   to first row "
                      f"{warm_row:7.0f} ms  (not counted)")
                results = []
                for i in range(1, runs + 1):
                    url_ms, row_ms = one_run(browser, app.url)
                    results.append((url_ms, row_ms))
                    print(f"  run {i:<2}         to /agent {url_ms:7.0f} ms   to first row "
                          f"{row_ms:7.0f} ms")
            finally:
                browser.close()
    finally:
        app.stop()
    load1 = os.getloadavg()[0]
    rows = [r for _u, r in results]
    urls = [u for u, _r in results]
    p50, worst = statistics.median(rows), max(rows)
    verdict = "meets" if worst <= GOAL_MS else ("p50 meets" if p50 <= GOAL_MS else "MISSES")
    print(f"\nLogin -> first row at {n_tickets:,} tickets over {runs} runs: p50 {p50:.0f} ms, "
          f"max {worst:.0f} ms (of which click -> /agent p50 {statistics.median(urls):.0f} ms)"
          f"  -> {verdict} ≤ {GOAL_MS:.0f} ms; {os.cpu_count()} CPUs, load average {load1:.1f}")
    return {"benchmark": "login_to_list", "tickets": n_tickets, "p50_ms": round(p50, 1),
            "max_ms": round(worst, 1), "to_agent_url_p50_ms": round(statistics.median(urls), 1),
            "warmup_ms": round(warm_row, 1), "seed_s": round(seed_s, 1),
            "load1": round(load1, 1)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the data folder afterwards")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        sys.exit(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
    data_dir = Path(tempfile.mkdtemp(prefix="pomocnik-login-bench-"))
    try:
        result = run(args.tickets, args.runs, data_dir)
    finally:
        if args.keep:
            print(f"Data folder kept: {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
