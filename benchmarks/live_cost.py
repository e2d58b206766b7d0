"""What the agent list costs the worker's CPU: one agent's list event, and one delivery pass
after a ticket change, with N agent tabs open (issue 15).

`live_load.py` measures what agents feel over the websocket, and on this shared VM its
figures move with the machine's mood by a factor of two or more. This one runs the same
page-state code in one process, with no server, browser or network: the CPU time
(`time.process_time`) of each step is steady enough to compare two versions of the code.

Setup: a fresh demo database (SQLite in a temp folder, or `--pg ADMIN_URL` for a fresh
PostgreSQL database), N technicians, and one agent-list tab per technician on the view
a `live_load` agent might have open (sort column, direction, page, a search). Then:

- `event`: each tab runs one list event (a sort, a page, a search or its clearing), as
  its agent would; CPU per event.
- `pass`: `--changes` times, the writer changes one ticket's priority and a delivery pass
  runs as `state/live._deliver` does (the full refresh of the tabs showing the ticket,
  then the probes of the other tabs and the full refresh of those whose page changed);
  CPU per pass, per probed tab and per refreshed tab.

Run:  PYTHONPATH=. .venv/bin/python benchmarks/live_cost.py --agents 200
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import statistics
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

SORTS = ("priority", "updated", "number", "status", "due")


class _Statements:
    """SQL statements sent, process-wide: a count that does not move with the machine."""

    n = 0

    @classmethod
    def install(cls) -> None:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        @event.listens_for(Engine, "before_cursor_execute")
        def _count(*_args: Any) -> None:
            cls.n += 1


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))], 2)


def _tab(cls: Any, token: str) -> Any:
    """An agent-list state signed in with `token`, in a browser tab of its own."""
    import reflex as rx
    from reflex.istate.data import RouterData
    from reflex_base import constants

    root = rx.State(_reflex_internal_init=True)
    tab = root.get_substate(cls.get_full_name().split(".")[1:])
    root.router = RouterData.from_router_data(
        {constants.RouteVar.CLIENT_TOKEN: uuid.uuid4().hex})
    tab.token = token
    return tab


_loop = asyncio.new_event_loop()


def _call(cls: Any, name: str, tab: Any, *args: Any) -> None:
    result = cls.event_handlers[name].fn(tab, *args)
    if asyncio.iscoroutine(result):  # a @handler: its unit of work runs in a thread
        _loop.run_until_complete(result)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from sqlmodel import col, select

    from helpdesk_app.db import session_scope
    from helpdesk_app.domain import actor_loading, auth, tickets
    from helpdesk_app.live.bus import Change, topics_for
    from helpdesk_app.models import Ticket, User
    from helpdesk_app.state import live
    from helpdesk_app.state.agent_list import AgentListState

    rng = random.Random(args.seed)
    with session_scope() as db:
        emails = db.exec(select(User.email).where(col(User.email).like("bench.agent%"))
                         .order_by(col(User.email))).all()
        tokens = [auth.open_session(db, db.exec(select(User).where(User.email == e)).one())
                  for e in emails[:args.agents]]
    tabs = []
    for token in tokens:
        tab = _tab(AgentListState, token)
        _call(AgentListState, "on_load", tab)
        # the view its agent left it on
        _call(AgentListState, "sort_by", tab, rng.choice(SORTS))
        if rng.random() < 0.3 and tab.page_count > 1:
            _call(AgentListState, "next_page", tab)
        if rng.random() < 0.2 and tab.rows:
            tab.search = rng.choice(tab.rows).subject.split()[0]
            _call(AgentListState, "apply_search", tab, None)
        tabs.append(tab)

    # one list event per tab
    event_ms: list[float] = []
    _Statements.install()
    q0 = _Statements.n
    for tab in tabs:
        r = rng.random()
        t0 = time.process_time()
        if tab.search:
            _call(AgentListState, "clear_search", tab)
        elif r < 0.4 and tab.page_count > 1:
            _call(AgentListState, "next_page" if tab.page < tab.page_count else "prev_page",
                  tab)
        elif r < 0.6 and tab.rows:
            tab.search = rng.choice(tab.rows).subject.split()[0]
            _call(AgentListState, "apply_search", tab, None)
        else:
            _call(AgentListState, "sort_by", tab, rng.choice(SORTS))
        event_ms.append((time.process_time() - t0) * 1000)
    event_queries = (_Statements.n - q0) / len(tabs)

    # delivery passes: the writer changes a ticket's priority, every tab is concerned
    with session_scope() as db:
        writer = actor_loading.load(db, db.exec(select(User).where(
            User.email == "koordynator@pomocnik.example")).one())
        ids = db.exec(select(Ticket.id).where(col(Ticket.status) != "closed")).all()
    pass_ms, probe_ms, refresh_ms, refreshed = [], [], [], []
    probe_q, refresh_q = [], []
    for _ in range(args.changes):
        with session_scope() as db:
            ticket = db.get(Ticket, rng.choice(ids))
            tickets.update_ticket(db, writer, ticket.id, ticket.version,
                                  {"priority": rng.choice([p for p in (1, 2, 3, 4)
                                                           if p != ticket.priority])})
            change = Change(ticket_id=ticket.id, organisation_id=ticket.organisation_id,
                            kind="updated", public=True,
                            topics=topics_for(ticket.id, ticket.organisation_id))
        due = {(tab.router.session.client_token, AgentListState): [change] for tab in tabs}
        by_key = {(tab.router.session.client_token, AgentListState): tab for tab in tabs}
        marker = live._pass_results.set({})
        try:  # as _deliver runs it: the stale tabs, then the probes of the rest, then those
            stale, rest = live.split_stale(due, [change])
            t0, q0 = time.process_time(), _Statements.n
            for key, relevant in stale.items():
                by_key[key]._live_refresh(relevant)
            t1, q1 = time.process_time(), _Statements.n
            rest = live.still_due(rest)
            t2, q2 = time.process_time(), _Statements.n
            for key, relevant in rest.items():
                by_key[key]._live_refresh(relevant)
            t3, q3 = time.process_time(), _Statements.n
        finally:
            live._pass_results.reset(marker)
        probed, left = len(due) - len(stale), len(stale) + len(rest)
        pass_ms.append((t3 - t0) * 1000)
        if probed:
            probe_ms.append((t2 - t1) * 1000 / probed)
            probe_q.append((q2 - q1) / probed)
        if left:
            refresh_ms.append(((t1 - t0) + (t3 - t2)) * 1000 / left)
            refresh_q.append(((q1 - q0) + (q3 - q2)) / left)
        refreshed.append(left)
    return {
        "event_cpu_ms_mean": round(statistics.mean(event_ms), 2),
        "event_cpu_ms_p95": _pct(event_ms, 0.95),
        "event_queries": round(event_queries, 2),
        "pass_cpu_ms_mean": round(statistics.mean(pass_ms), 1),
        "probe_cpu_ms_per_tab": round(statistics.mean(probe_ms), 3) if probe_ms else None,
        "refresh_cpu_ms_per_tab": round(statistics.mean(refresh_ms), 2) if refresh_ms else None,
        "refreshed_tabs_mean": round(statistics.mean(refreshed), 1),
        "probe_queries_per_tab": round(statistics.mean(probe_q), 3) if probe_q else None,
        "refresh_queries_per_tab": round(statistics.mean(refresh_q), 2) if refresh_q else None,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pg", help="PostgreSQL admin URL: run on a fresh database there")
    args = parser.parse_args(argv)

    import os

    from live_load import create_accounts

    data = Path(tempfile.mkdtemp(prefix="pomocnik-live-cost-"))
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, data, ignore_errors=True)
        url = f"sqlite:///{data / 'pomocnik.db'}"
        if args.pg:
            from _seed import pg_database

            url = stack.enter_context(pg_database(args.pg, None))
        os.environ.update(POMOCNIK_DATA_DIR=str(data), DATABASE_URL=url)
        from helpdesk_app.cli import migrate, seed
        from helpdesk_app.config import get_settings

        get_settings.cache_clear()
        migrate(url)
        seed()
        create_accounts(url, args.agents)
        print(f"{args.agents} agent tabs on {'PostgreSQL' if args.pg else 'SQLite'}, "
              f"{args.changes} changes ...", flush=True)
        result = {"benchmark": "live_cost", "agents": args.agents,
                  "database": "postgresql" if args.pg else "sqlite", **run(args)}
    for key, value in result.items():
        print(f"  {key:24} {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
