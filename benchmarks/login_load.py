"""Benchmark: what wrong passwords streaming in do to everybody else on the same worker.

    .venv/bin/python benchmarks/login_load.py [--seconds 5] [--attackers 2]

In one asyncio event loop (as a Reflex worker runs its event handlers), a "bystander"
handles a cheap event every 20 ms (resolve its session: one indexed query) and we record
how long each takes from when it was due; meanwhile `--attackers` tasks send wrong
passwords for a real account as fast as they are answered, through the sign-in path:

- `baseline`: no attackers;
- `argon2_on_loop`: the old way — the password check runs on the event loop (throttling
  off), every other user waits behind it;
- `argon2_in_thread`: the password check in a worker thread (throttling off);
- `throttled` (what the app does): in a thread, and with the default throttling, so after
  a few failures the attempts are refused from memory before any query or argon2.

Production argon2id parameters, a migrated SQLite database in a temp folder. Prints one
line per mode and, last, one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpdesk_app.cli import migrate
from helpdesk_app.config import get_settings
from helpdesk_app.db import make_engine
from helpdesk_app.domain import auth, signin, throttle
from helpdesk_app.domain.errors import AuthFailed
from helpdesk_app.models import Organisation, Role, User

EMAIL = "victim@bench.example"
PASSWORD = "benchmark-password-1"
TICK = 0.02


def _prepare(url: str) -> str:
    migrate(url)
    engine = make_engine(url)
    with Session(engine) as db:
        org = Organisation(name="Provider", kind="provider")
        db.add(org)
        db.commit()
        for email in (EMAIL, "bystander@bench.example"):
            db.add(User(email=email, full_name=email, role=Role.TECHNICIAN,
                        password_hash=auth.hash_password(PASSWORD), organisation_id=org.id))
        db.commit()
        token, _ = auth.login(db, "bystander@bench.example", PASSWORD)
    engine.dispose()
    return token


def _percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[max(0, round(q * len(values)) - 1)]


async def _mode(engine, token: str, mode: str, seconds: float, attackers: int) -> dict:
    throttle.reset()
    stop = time.perf_counter() + seconds
    attempts, refused_fast, fast_ns = 0, 0, []

    def attempt(n: int) -> None:
        with Session(engine) as db, contextlib.suppress(AuthFailed):
            signin.sign_in(db, EMAIL, f"wrong-{n}", signin.Client("203.0.113.9", "bot"))

    async def attacker(k: int) -> None:
        nonlocal attempts, refused_fast
        n = 0
        while time.perf_counter() < stop:
            n += 1
            attempts += 1
            if mode == "argon2_on_loop":
                attempt(n)
                await asyncio.sleep(0)  # the next websocket message
                continue
            t0 = time.perf_counter_ns()
            if signin.refused_fast(signin.Client("203.0.113.9", "bot")):
                fast_ns.append(time.perf_counter_ns() - t0)
                refused_fast += 1
                await asyncio.sleep(0.001)  # the next message from the socket
                continue
            await asyncio.to_thread(attempt, n)

    async def bystander() -> list[float]:
        out = []
        due = time.perf_counter()
        while time.perf_counter() < stop:
            due += TICK
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            with Session(engine) as db:
                assert auth.resolve_session(db, token) is not None
            out.append((time.perf_counter() - due) * 1000 + 0.0)
        return out

    tasks = [asyncio.create_task(attacker(k)) for k in range(attackers if mode != "baseline"
                                                             else 0)]
    lat = await bystander()
    await asyncio.gather(*tasks)
    return {"mode": mode, "bystander_p50_ms": round(statistics.median(lat), 1),
            "bystander_p95_ms": round(_percentile(lat, 0.95), 1),
            "bystander_max_ms": round(max(lat), 1), "attempts": attempts,
            "refused_from_memory": refused_fast,
            "refusal_cost_us": round(statistics.median(fast_ns) / 1000, 1) if fast_ns else None}


def run(seconds: float, attackers: int, data_dir: Path) -> dict:
    url = f"sqlite:///{data_dir / 'bench.db'}"
    token = _prepare(url)
    engine = make_engine(url)
    results = []
    try:
        for mode in ("baseline", "argon2_on_loop", "argon2_in_thread", "throttled"):
            free = "5" if mode == "throttled" else "1000000"
            os.environ["POMOCNIK_SIGNIN_IP_FREE_ATTEMPTS"] = "10" if free == "5" else free
            os.environ["POMOCNIK_SIGNIN_ACCOUNT_FREE_ATTEMPTS"] = free
            get_settings.cache_clear()
            r = asyncio.run(_mode(engine, token, mode, seconds, attackers))
            results.append(r)
            print(f"  {mode:<17} bystander p50 {r['bystander_p50_ms']:6.1f} ms  p95 "
                  f"{r['bystander_p95_ms']:6.1f} ms  max {r['bystander_max_ms']:6.1f} ms   "
                  f"attempts {r['attempts']:6d}  refused from memory {r['refused_from_memory']}"
                  + (f" at ~{r['refusal_cost_us']} µs each" if r["refusal_cost_us"] else ""),
                  flush=True)
    finally:
        engine.dispose()
    return {"benchmark": "login_load", "seconds": seconds, "attackers": attackers,
            "cpus": os.cpu_count(), "load1": round(os.getloadavg()[0], 1), "modes": results}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--attackers", type=int, default=2)
    args = parser.parse_args(argv)
    data_dir = Path(tempfile.mkdtemp(prefix="pomocnik-login-load-"))
    os.environ["POMOCNIK_DATA_DIR"] = str(data_dir)
    try:
        result = run(args.seconds, args.attackers, data_dir)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
