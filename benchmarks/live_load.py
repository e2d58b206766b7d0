"""Benchmark: many agents with the live ticket list open while tickets change.

    PYTHONPATH=. .venv/bin/python benchmarks/live_load.py [--agents 25] [--rate 2] \
        [--seconds 60] [--warmup 10] [--workers 1] [--keep]
    # scaled out: two workers on a fresh PostgreSQL database (dropped after) and Redis
    PYTHONPATH=. .venv/bin/python benchmarks/live_load.py --agents 400 --workers 2 \
        --pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres \
        --redis redis://127.0.0.1:6379/12
    # against an app that is already running (its database must be reachable here):
    PYTHONPATH=. .venv/bin/python benchmarks/live_load.py --url http://127.0.0.1:3000 \
        --db-url sqlite:////path/to/data/pomocnik.db [--app-pid PID (for RSS and CPU)]

Starts the production app itself (`helpdesk_app.testing.start_app`: a temp data folder,
migrated, demo seed; `--workers W` is passed as GRANIAN_WORKERS) and stops it at the end,
also on Ctrl-C or an error. Creates N technician accounts (plus one "writer") through
`users_admin.create_user` with the admin as actor, with a password hashed by
`auth.hash_password`; plain technicians see every queue, so all of them see the same list.

Every agent is one browser tab without a browser (benchmarks/_live_protocol.py speaks the
Reflex websocket protocol): it signs in on /login as the page does (LoginState.submit,
then POST /api/session with the claim for the HttpOnly cookie), opens /agent on a new
socket carrying the cookie (hydrate + the page's on_load, then the bell's start, exactly
the events the browser sends), and so is registered for live updates. All tabs live in
this one asyncio process.

Measured over `--seconds` after `--warmup`:
- event RTT: every 5-10 s (random) each agent sorts (sort_by), pages (next_page /
  prev_page) or searches (set_value + apply_search, or clear_search); RTT = from sending
  the event until its answer (the list's delta that sets `page`, which only a list
  handler does; a live refresh carries `refreshed` instead). A browser's sort click
  today also re-runs the page's on_load (the header link's href="#" navigates); that
  second event is not sent here;
- propagation: the writer (its own signed-in tabs) makes `--rate` changes per second
  through the ticket page as an agent would: open /agent/tickets/<n> (on_load), set the
  priority (set_value) and save (save_header). For every agent tab that showed the
  ticket when the save was sent: time until a live refresh of its list (the delta that
  bumps `refreshed`) shows the new priority; when the row is no longer on the tab's page
  (re-sorted by the change, or the agent paged away), the first refresh after the save's
  answer counts. The agent's own click re-querying the list is a pull and does not
  count; when such a pull surely read after the commit (it shows the new priority, or
  it was sent after the save's answer) the tab is current and no refresh follows: the
  watch is settled as superseded, neither timed nor missed. Unanswered in 15 s: missed;
- errors: disconnects, backend error toasts, timeouts (30 s), failed saves, missed
  updates;
- app RSS (sum of VmRSS over the app's process group) before and after connecting the
  agents, growth per tab; app CPU % of one core over the window (all its processes, from
  /proc/<pid>/stat); the generator's own CPU (warns above 80 %: then the figures show
  the generator's limit); how busy the whole machine was (/proc/stat) and load average:
  on a shared machine other work takes CPU from the app.

Prints the figures; the LAST line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

import _live_protocol as P

from helpdesk_app.config import REPO_ROOT

PASSWORD = "Bench-live-Haslo-2718"
AGENT_EMAIL = "bench.agent{:04d}@pomocnik.example"
WRITER_EMAIL = "bench.writer@pomocnik.example"
_S = ("helpdesk_app.state.session", "SessionState")
LIST = P.state_path(_S, ("helpdesk_app.state.agent_list", "AgentListState"))
TICKET = P.state_path(_S, ("helpdesk_app.state.ticket", "TicketState"))
BELL = P.state_path(_S, ("helpdesk_app.state.notifications", "NotificationState"))
SORTS = ("priority", "updated", "number", "status", "due")
TIMEOUT = 30.0
PROPAGATION_TIMEOUT = 15.0


# ---- the accounts


def create_accounts(db_url: str, n: int) -> list[str]:
    """N technicians + the writer, created as the admin would (existing ones are reused);
    one argon2 hash for all: the same password, and seconds saved per hundred users."""
    from sqlmodel import Session, col, select

    from helpdesk_app.db import make_engine
    from helpdesk_app.domain import actor_loading, auth, directory, users_admin
    from helpdesk_app.models import Role, User

    engine = make_engine(db_url)
    emails = [AGENT_EMAIL.format(i) for i in range(n)] + [WRITER_EMAIL]
    try:
        with Session(engine) as db:
            admin = db.exec(select(User).where(User.role == Role.ADMIN,
                                               col(User.is_active).is_(True))).first()
            if admin is None:
                raise SystemExit("no active admin in the database: seed it first")
            actor = actor_loading.load(db, admin)
            pw_hash = auth.hash_password(PASSWORD)
            for i, email in enumerate(emails):
                user = directory.user_by_email(db, email)
                if user is None:
                    name = "Bench Writer" if email == WRITER_EMAIL else f"Bench Agent {i:04d}"
                    uid = users_admin.create_user(db, actor, users_admin.UserInput(
                        full_name=name, email=email, role=Role.TECHNICIAN,
                        organisation_id=admin.organisation_id))
                    user = db.get(User, uid)
                user.password_hash = pw_hash
                db.add(user)
                db.commit()
    finally:
        engine.dispose()
    return emails


# ---- the app's processes, from /proc


def machine_busy() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs so far, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def app_usage(pgid: int | None) -> tuple[int | None, float | None]:
    """(VmRSS in KB summed over the app's process group, CPU seconds its processes used so
    far: utime + stime), from /proc; (None, None) when the app's processes are unknown."""
    if not pgid:
        return None, None
    rss, ticks = 0, 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:  # the fields after "(comm)": state ppid pgrp ... utime(11) stime(12)
            stat = Path(f"/proc/{entry}/stat").read_text().rpartition(")")[2].split()
            if int(stat[2]) != pgid:
                continue
            found = re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{entry}/status").read_text())
        except OSError:
            continue
        ticks += int(stat[11]) + int(stat[12])
        rss += int(found.group(1)) if found else 0
    return rss, ticks / os.sysconf("SC_CLK_TCK")


# ---- figures


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, max(0, round(q * len(values)) - 1))], 1)


@dataclass
class Figures:
    measuring: bool = False
    window_start: float = 0.0
    window_end: float = float("inf")
    rtt_ms: list[float] = field(default_factory=list)
    rtt_by_action: dict[str, list[float]] = field(default_factory=dict)
    propagation_ms: list[float] = field(default_factory=list)
    # of propagation_ms: timed by the first refresh after the save's answer, the row not
    # being on the tab's page any more (the change re-sorted it, or the agent paged away)
    unseen: int = 0
    superseded: int = 0
    missed: int = 0
    save_ms: list[float] = field(default_factory=list)
    changes: int = 0
    writer_skipped: int = 0
    errors: dict[str, int] = field(default_factory=lambda: {
        "disconnects": 0, "timeouts": 0, "error_events": 0, "writer_failures": 0})

    def in_window(self, t: float) -> bool:
        return self.measuring and self.window_start <= t <= self.window_end

    def error(self, kind: str, t: float | None = None) -> None:
        if self.in_window(t if t is not None else time.perf_counter()):
            self.errors[kind] += 1


@dataclass
class Watch:
    """One saved change that one agent tab showed: waiting for its list to follow."""

    t_send: float
    priority: str
    t_saved: float | None = None  # when the writer had the save's answer (committed by then)


class Load:
    """Every tab of the run and what they measure."""

    def __init__(self, base_url: str, hashes: list[str], schema: str, seed: int) -> None:
        self.base_url = base_url
        self.hashes, self.schema = hashes, schema
        self.rng = random.Random(seed)
        self.fig = Figures()
        self.agents: list[P.Tab] = []
        self.writers: list[P.Tab] = []
        self.watches: dict[str, dict[str, Watch]] = {}  # tab token -> ticket id -> watch
        self.recent: dict[str, float] = {}  # ticket id -> when the writer last changed it
        self.busy: set[str] = set()  # writer tab tokens in the middle of a change
        self.signin_ms: list[float] = []
        self.stop = False

    # ---- signing in and opening tabs

    async def sign_in(self, email: str) -> tuple[str, str, dict[str, str]]:
        t0 = time.perf_counter()
        got = await P.sign_in(self.base_url, email, PASSWORD, hashes=self.hashes,
                              schema=self.schema, timeout=TIMEOUT)
        self.signin_ms.append((time.perf_counter() - t0) * 1000)
        return got

    async def open_list(self, token: str, cookie: str, storage: dict[str, str],
                        *, writer: bool = False) -> P.Tab:
        """A tab on /agent: hydrate + on_load (the rows arrive), then the bell's start."""
        tab = P.Tab(self.base_url, token=token, cookie=cookie, hashes=self.hashes,
                    schema=self.schema, listener=None if writer else self._on_update)
        tab.storage_keys.add(P.UI_LANG)
        tab.storage = dict(storage)
        try:
            # The boot event runs the on_load; register before the socket says anything.
            loaded = tab.expect(P.delta_has(LIST, "rows"))
            await tab.open("/agent")
            await asyncio.wait_for(loaded, TIMEOUT)
            tab.emit(f"{BELL}.start")
        except BaseException:
            await tab.close()
            raise
        return tab

    # ---- what every agent tab hears

    def _on_update(self, tab: P.Tab, t: float, update: dict) -> None:
        events = update.get("events") or []
        if events and "backend_error" in json.dumps(events):
            self.fig.error("error_events", t)
        values = (update.get("delta") or {}).get(LIST)
        if not values:
            return
        if values.get(P.field("error")):
            self.fig.error("error_events", t)
        rows = values.get(P.field("rows"))
        watches = self.watches.get(tab.token)
        if rows is None or not watches:
            return
        shown = {r.get("id"): r.get("priority") for r in rows}
        # Only a live refresh (it bumps `refreshed`) counts as the change reaching the tab;
        # the agent's own click re-querying the list is a pull, not propagation. A pull that
        # surely read after the commit (it shows the new priority, or it was sent after the
        # save's answer) leaves the tab current: no refresh follows, the watch is settled
        # as superseded, neither timed nor missed.
        if P.field("refreshed") not in values:
            for tid, w in list(watches.items()):
                if w.t_saved is not None and (
                        shown.get(tid) == w.priority
                        or (tid not in shown and tab.action_sent >= w.t_saved)):
                    if self.fig.in_window(w.t_send):
                        self.fig.superseded += 1
                    del watches[tid]
            return
        for tid, w in list(watches.items()):
            if tid in shown and shown[tid] != w.priority:
                continue  # a refresh that queried before the commit: wait on
            if tid not in shown:
                # Off the page: no content to check, so the first refresh that arrives
                # after the save's answer (the commit) counts. Not dropped when the agent's
                # own click hides the row first: that would keep only the fast ones.
                if w.t_saved is None or t < w.t_saved:
                    continue
                if self.fig.in_window(w.t_send):
                    self.fig.unseen += 1
            if self.fig.in_window(w.t_send):
                self.fig.propagation_ms.append((t - w.t_send) * 1000)
            del watches[tid]

    # ---- the agents

    def _next_action(self, tab: P.Tab) -> tuple[str, list[tuple[str, dict | None]]]:
        """(label, events): a real list action, chosen the way a person might."""
        rng = self.rng
        if tab.get(LIST, "shown_search") and rng.random() < 0.6:
            return "clear_search", [("clear_search", None)]
        r = rng.random()
        page, pages = tab.get(LIST, "page", 1), tab.get(LIST, "page_count", 1)
        if 0.4 <= r < 0.7 and (page < pages or page > 1):
            step = "next_page" if page < pages else "prev_page"
            return "page", [(step, None)]
        rows = tab.get(LIST, "rows") or []
        if r >= 0.7 and rows:
            row = rng.choice(rows)
            words = [w for w in re.findall(r"\w+", row.get("subject", "")) if len(w) >= 4]
            term = rng.choice(words) if words and rng.random() < 0.7 else row.get("number", "")
            return "search", [("set_value", {"name": "search", "value": term}),
                              ("apply_search", {"_form": P.form_data(search=term)})]
        return "sort", [("sort_by", {"column": rng.choice(SORTS)})]

    async def agent(self, tab: P.Tab) -> None:
        await asyncio.sleep(self.rng.uniform(0, 10))  # spread the first clicks
        while not self.stop:
            label, events = self._next_action(tab)
            # A list handler's answer sets `page`; a live refresh sets `refreshed`.
            answer = tab.expect(lambda u: P.delta_has(LIST, "page")(u)
                                and not P.delta_has(LIST, "refreshed")(u))
            try:
                for name, payload in events:
                    t0 = tab.emit(f"{LIST}.{name}", payload)
                tab.action_sent = t0
                t1, _update = await asyncio.wait_for(answer, TIMEOUT)
                if self.fig.in_window(t0):
                    ms = (t1 - t0) * 1000
                    self.fig.rtt_ms.append(ms)
                    self.fig.rtt_by_action.setdefault(label, []).append(ms)
            except TimeoutError:
                tab.forget(answer)
                self.fig.error("timeouts")
            except P.Disconnected:
                self.fig.error("disconnects")
                return
            await asyncio.sleep(self.rng.uniform(5, 10))

    # ---- the writer

    def _pick_ticket(self) -> dict | None:
        now = time.perf_counter()
        shown: dict[str, dict] = {}
        for tab in self.agents:
            for row in tab.get(LIST, "rows") or []:
                shown[row["id"]] = row
        choices = [r for tid, r in shown.items() if now - self.recent.get(tid, -1e9) > 5]
        return self.rng.choice(choices) if choices else None

    async def writer_loop(self, rate: float) -> None:
        interval, due = 1.0 / rate, time.perf_counter()
        tasks: set[asyncio.Task] = set()
        while not self.stop:
            due += interval
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            free = [w for w in self.writers if w.token not in self.busy and w.connected]
            row = self._pick_ticket()
            if not free or row is None:  # every writer tab still busy: the app is behind
                if self.fig.in_window(time.perf_counter()):
                    self.fig.writer_skipped += 1
                continue
            self.recent[row["id"]] = time.perf_counter()
            self.busy.add(free[0].token)
            task = asyncio.create_task(self.change(free[0], row))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.wait(tasks, timeout=TIMEOUT)

    async def change(self, w: P.Tab, row: dict) -> None:
        """Open the ticket page, pick another priority, save: what an agent does."""
        tid, number = row["id"], row["number"]
        try:
            opened = w.expect(lambda u: (v := (u.get("delta") or {}).get(TICKET)) is not None
                              and v.get(P.field("loaded")) is True
                              and (v.get(P.field("ticket")) or {}).get("id") == tid)
            w.navigate(f"/agent/tickets/{number}", {"ticket_number": number})
            await asyncio.wait_for(opened, TIMEOUT)
            current = w.get(TICKET, "f_priority")
            priority = self.rng.choice([p for p in ("1", "2", "3", "4") if p != current])
            edited = w.expect(lambda u: P.delta_has(TICKET, "edit_dirty")(u)
                              and not P.delta_has(TICKET, "conflict", "refreshed")(u))
            w.emit(f"{TICKET}.set_value", {"name": "f_priority", "value": priority})
            await asyncio.wait_for(edited, TIMEOUT)
            saved = w.expect(P.delta_has(TICKET, "conflict"))  # only save_header sets it
            t_send, mine = time.perf_counter(), []
            for tab in self.agents:  # who shows the ticket as the save goes out
                if any(r.get("id") == tid for r in tab.get(LIST, "rows") or []):
                    watches = self.watches.setdefault(tab.token, {})
                    if tid in watches and self.fig.in_window(watches[tid].t_send):
                        self.fig.superseded += 1
                    watches[tid] = Watch(t_send, priority)
                    mine.append((watches, watches[tid]))
            w.emit(f"{TICKET}.save_header")
            t1, _u = await asyncio.wait_for(saved, TIMEOUT)
            ok = not w.get(TICKET, "conflict") and w.get(TICKET, "f_priority") == priority
            for watches, watch in mine:
                watch.t_saved = t1
                if not ok and watches.get(tid) is watch:  # nothing changed: nothing to see
                    del watches[tid]
            if self.fig.in_window(t_send):
                self.fig.changes += 1
                self.fig.save_ms.append((t1 - t_send) * 1000)
                if not ok:
                    self.fig.errors["writer_failures"] += 1
        except TimeoutError:
            self.fig.error("timeouts")
        except P.Disconnected:
            self.fig.error("disconnects")
        finally:
            self.busy.discard(w.token)

    def expire_watches(self, now: float) -> None:
        """A watch nobody answered within PROPAGATION_TIMEOUT is a missed update."""
        for watches in self.watches.values():
            for tid, w in list(watches.items()):
                if now - w.t_send > PROPAGATION_TIMEOUT:
                    if self.fig.in_window(w.t_send):
                        self.fig.missed += 1
                    del watches[tid]


async def _bounded(n: int, coros: list) -> list:
    gate = asyncio.Semaphore(n)

    async def one(c):
        async with gate:
            return await c

    return await asyncio.gather(*(one(c) for c in coros))


async def run_load(load: Load, emails: list[str], args: argparse.Namespace,
                   pgid: int | None) -> dict[str, Any]:
    fig = load.fig
    out: dict[str, Any] = {}
    # The writer first: its sign-in and pages warm the app's code paths before the baseline.
    w_token, w_cookie, w_storage = await load.sign_in(WRITER_EMAIL)
    for k in range(max(2, round(args.rate * 2))):
        token = w_token if k == 0 else P.new_token()  # more tabs, one cookie
        load.writers.append(await load.open_list(token, w_cookie, w_storage, writer=True))
    await asyncio.sleep(2)
    out["rss_before_kb"] = app_usage(pgid)[0]
    t0, load.signin_ms = time.perf_counter(), []
    # argon2 runs in the app's threads: a few at a time, as people arriving would
    sessions = await _bounded(4, [load.sign_in(e) for e in emails if e != WRITER_EMAIL])
    t_signed = time.perf_counter()
    tabs = await _bounded(8, [load.open_list(*s) for s in sessions])
    load.agents.extend(tabs)
    out["signin_p50_ms"] = pct(load.signin_ms, 0.5)
    out["signin_s"] = round(t_signed - t0, 1)
    out["connect_s"] = round(time.perf_counter() - t_signed, 1)
    print(f"  {len(tabs)} agents signed in in {out['signin_s']} s (p50 "
          f"{out['signin_p50_ms']} ms each), tabs on /agent in {out['connect_s']} s",
          flush=True)
    await asyncio.sleep(3)  # let the last on_loads and bells settle
    out["rss_after_kb"] = app_usage(pgid)[0]

    tasks = [asyncio.create_task(load.agent(t)) for t in load.agents]
    tasks.append(asyncio.create_task(load.writer_loop(args.rate)))
    print(f"  warm-up {args.warmup:.0f} s, then {args.seconds:.0f} s measured ...", flush=True)
    await asyncio.sleep(args.warmup)
    fig.measuring, fig.window_start = True, time.perf_counter()
    fig.window_end = fig.window_start + args.seconds
    cpu0, gen0, busy0 = app_usage(pgid)[1], time.process_time(), machine_busy()
    while time.perf_counter() < fig.window_end:
        await asyncio.sleep(1)
        load.expire_watches(time.perf_counter())
    wall, cpu1 = time.perf_counter() - fig.window_start, app_usage(pgid)[1]
    out["app_cpu_pct"] = round((cpu1 - cpu0) / wall * 100, 1) if cpu0 is not None else None
    out["gen_cpu_pct"] = round((time.process_time() - gen0) / wall * 100, 1)
    busy1 = machine_busy()
    out["machine_busy_pct"] = round((busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]) * 100)
    out["load1"] = round(os.getloadavg()[0], 2)
    # let answers to what was sent inside the window arrive, then stop
    grace = time.perf_counter() + PROPAGATION_TIMEOUT
    while time.perf_counter() < grace and any(load.watches.values()):
        await asyncio.sleep(0.5)
        load.expire_watches(time.perf_counter())
    load.expire_watches(float("inf"))
    load.stop = True
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    out["disconnected_tabs"] = sum(1 for t in load.agents + load.writers if not t.connected)
    fig.errors["disconnects"] = max(fig.errors["disconnects"], out["disconnected_tabs"])
    out["rss_end_kb"] = app_usage(pgid)[0]
    await asyncio.gather(*(t.close() for t in load.agents + load.writers),
                         return_exceptions=True)
    return out


def report(args: argparse.Namespace, fig: Figures, out: dict[str, Any]) -> dict[str, Any]:
    def mb(kb: int | None) -> float | None:
        return round(kb / 1024, 1) if kb is not None else None

    before, after = out.get("rss_before_kb"), out.get("rss_after_kb")
    errors = dict(fig.errors, missed_updates=fig.missed)
    r = {
        "benchmark": "live_load", "agents": args.agents, "workers": args.workers,
        "rate": args.rate, "seconds": args.seconds, "warmup": args.warmup,
        "database": "postgresql" if args.pg else ("sqlite" if not args.url else None),
        "redis": bool(args.redis),
        "rtt_p50_ms": pct(fig.rtt_ms, 0.5), "rtt_p95_ms": pct(fig.rtt_ms, 0.95),
        "rtt_p99_ms": pct(fig.rtt_ms, 0.99), "rtt_max_ms": pct(fig.rtt_ms, 1.0),
        "rtt_count": len(fig.rtt_ms),
        "rtt_p95_by_action_ms": {k: pct(v, 0.95) for k, v in sorted(fig.rtt_by_action.items())},
        "propagation_p50_ms": pct(fig.propagation_ms, 0.5),
        "propagation_p95_ms": pct(fig.propagation_ms, 0.95),
        "propagation_max_ms": pct(fig.propagation_ms, 1.0),
        "propagation_count": len(fig.propagation_ms),
        "propagation_unseen": fig.unseen, "propagation_missed": fig.missed,
        "propagation_superseded": fig.superseded,
        "changes": fig.changes, "changes_per_s": round(fig.changes / args.seconds, 2),
        "writer_skipped": fig.writer_skipped,
        "save_p50_ms": pct(fig.save_ms, 0.5), "save_p95_ms": pct(fig.save_ms, 0.95),
        "errors": sum(errors.values()), "errors_detail": errors,
        "rss_before_mb": mb(before), "rss_after_mb": mb(after),
        "rss_end_mb": mb(out.get("rss_end_kb")),
        "rss_per_tab_kb": round((after - before) / args.agents, 1)
        if before is not None and after is not None else None,
        "app_cpu_pct": out.get("app_cpu_pct"), "gen_cpu_pct": out.get("gen_cpu_pct"),
        "cpus": os.cpu_count(), "machine_busy_pct": out.get("machine_busy_pct"),
        "load1": out.get("load1"),
        **{k: out.get(k) for k in ("signin_p50_ms", "signin_s", "connect_s")},
    }
    print(f"\n{args.agents} agents, {args.workers} worker(s), {r['changes']} changes in "
          f"{args.seconds:.0f} s ({r['changes_per_s']}/s of {args.rate}; "
          f"{r['writer_skipped']} skipped: writer busy)")
    print(f"  event RTT     p50 {r['rtt_p50_ms']} ms  p95 {r['rtt_p95_ms']} ms  p99 "
          f"{r['rtt_p99_ms']} ms  max {r['rtt_max_ms']} ms  ({r['rtt_count']} events; p95 by "
          f"action {r['rtt_p95_by_action_ms']})")
    print(f"  propagation   p50 {r['propagation_p50_ms']} ms  p95 {r['propagation_p95_ms']} ms"
          f"  max {r['propagation_max_ms']} ms  ({r['propagation_count']} tab updates, "
          f"{fig.unseen} of them with the row off the page by then; missed {fig.missed}, "
          f"superseded {fig.superseded})")
    print(f"  save (writer) p50 {r['save_p50_ms']} ms  p95 {r['save_p95_ms']} ms")
    print(f"  errors        {r['errors']} {errors}")
    print(f"  app RSS       {r['rss_before_mb']} MB before the agents, {r['rss_after_mb']} MB "
          f"with them, {r['rss_end_mb']} MB at the end -> {r['rss_per_tab_kb']} KB per tab")
    print(f"  app CPU       {r['app_cpu_pct']} % of one core ({r['cpus']} CPUs); generator "
          f"{r['gen_cpu_pct']} %; all CPUs {r['machine_busy_pct']} % busy; load average "
          f"{r['load1']}")
    if (r["gen_cpu_pct"] or 0) > 80:
        print("  WARNING: the load generator used over 80 % of a core: these figures may be "
              "its limit, not the app's")
    return r


def _raise_interrupt(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=25)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--rate", type=float, default=2.0, help="ticket changes per second")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--keep", action="store_true",
                        help="keep the temp data folder (and the --pg database)")
    parser.add_argument("--pg", metavar="ADMIN_URL",
                        help="run the app on a fresh PostgreSQL database made (and dropped) "
                             "through this server URL, e.g. "
                             "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", metavar="URL",
                        help="Redis for the change bus and Reflex's state (needed by "
                             "--workers > 1), e.g. redis://127.0.0.1:6379/12")
    parser.add_argument("--url", help="attach to a running app instead of starting one")
    parser.add_argument("--db-url", help="(with --url) the app's database, for the accounts")
    parser.add_argument("--app-pid", type=int,
                        help="(with --url) a process of the app: its group's RSS and CPU")
    args = parser.parse_args(argv)
    if args.url and not args.db_url:
        parser.error("--url needs --db-url (the accounts are created in the app's database)")
    if args.workers > 1 and not args.url and not args.redis:
        parser.error("--workers > 1 needs --redis (the change bus and the tabs' state)")
    signal.signal(signal.SIGTERM, _raise_interrupt)
    app, data_dir = None, None
    with contextlib.ExitStack() as stack:  # the database is dropped last, after the app
        try:
            if args.url:
                base_url, db_url = args.url.rstrip("/"), args.db_url
                pgid = os.getpgid(args.app_pid) if args.app_pid else None  # no RSS/CPU then
                web_dir = Path(os.environ.get("REFLEX_WEB_WORKDIR", REPO_ROOT / ".web"))
            else:
                from helpdesk_app.testing import start_app

                data_dir = Path(tempfile.mkdtemp(prefix="pomocnik-live-load-"))
                env = {"GRANIAN_WORKERS": str(args.workers)}
                db_url = f"sqlite:///{data_dir / 'pomocnik.db'}"
                if args.pg:
                    from _seed import pg_database

                    kept = f"pomocnik_live_load_{os.getpid()}" if args.keep else None
                    db_url = env["DATABASE_URL"] = stack.enter_context(
                        pg_database(args.pg, kept))
                if args.redis:
                    env.update(REDIS_URL=args.redis, REFLEX_REDIS_URL=args.redis,
                               POMOCNIK_REDIS_PREFIX=f"pomocnik-live-load-{os.getpid()}")
                print(f"Starting the app (prod build, {args.workers} worker(s), "
                      f"{'PostgreSQL' if args.pg else 'SQLite'}"
                      f"{' + Redis' if args.redis else ''}) on {data_dir} ...", flush=True)
                t0 = time.perf_counter()
                app = start_app(data_dir, extra_env=env)
                print(f"App up at {app.url} in {time.perf_counter() - t0:.1f} s "
                      f"(log: {app.log_path})", flush=True)
                base_url, pgid = app.url, app.process.pid
                web_dir = REPO_ROOT / ".web-test"  # testing.app_env's build folder
            emails = create_accounts(db_url, args.agents)
            hashes, schema = P.compiled_boot(web_dir)
            if not hashes:
                print(f"  (no compiled frontend in {web_dir}: every hydrate sends the full "
                      "state)")
            load = Load(base_url, hashes, schema, args.seed)
            out = asyncio.run(run_load(load, emails, args, pgid))
            result = report(args, load.fig, out)
        finally:
            if app is not None:
                app.stop()
            if data_dir is not None and not args.keep:
                shutil.rmtree(data_dir, ignore_errors=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
