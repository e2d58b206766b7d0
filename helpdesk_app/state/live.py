"""Live refresh: change events from the bus → the page states of the open tabs they concern.

A page's on_load registers what its tab watches (topics, and whether it only cares about
public changes). The topic is decided here on the server from what the page loaded after
the access check, never from event arguments. A lifespan task hears every committed
change and, for each tab whose topics match, calls that page state's `_live_refresh()`,
which re-queries through the access policy; Reflex then pushes the delta to the browser.

A tab has one *page* watch (slot "page", the default: opening another page replaces it)
and may have more in other slots for parts of the shell that live on every page, e.g. the
notification bell (slot "bell"). Watches of one tab that point at the same state class are
refreshed once per burst, with the changes of all of them.

Cost at scale (issue 15): a delivery pass runs each tab's refresh in a worker thread (one
tab after another), so the event loop keeps answering other tabs'
events while the database is read; within one pass, tabs that would run the same query
for the same access scope share its result (`shared`: e.g. 200 agents on the default list
cost one list query, not 200); and passes
start at most every `MIN_PASS_INTERVAL` seconds — changes arriving meanwhile wait and go
together, the last one always delivered. A page whose fresh result equals what it shows
changes no variable, so Reflex sends that tab nothing.

A page may also leave a `Probe` with its tab: the fingerprint of what it shows and how to
compute that fingerprint again (through `shared`, with the actor and query of its last
load). A pass first runs the probes of the concerned tabs, together in one worker thread;
a tab whose fingerprint is unchanged is skipped without taking its state lock, resolving
its session or touching its state (most tabs, for most changes). The probe only decides
*whether* to refresh: what a tab is sent still comes from its own `_live_refresh`, with
the actor resolved again. Changes of a kind in `Probe.always` (e.g. the person's access)
always take the full refresh. Tabs whose page shows a changed ticket are stale on screen:
they are refreshed first, before the probes of the others run.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

import reflex as rx
from sqlmodel import Session

from helpdesk_app.db import session_scope
from helpdesk_app.live.bus import EVERYTHING, Change, asyncio_listener, bus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Watch:
    state_cls: type[rx.State]
    topics: frozenset[str]
    public_only: bool


@dataclass(frozen=True)
class Probe:
    fingerprint: Hashable
    compute: Callable[[Session], Hashable]  # run in a worker thread inside a pass
    always: frozenset[str] = frozenset()  # change kinds that skip the probe
    shown: frozenset[int] = frozenset()  # ticket ids on the tab's page (refreshed first)


# (client token, page state class) -> the changes a pass delivers to it
Due = dict[tuple[str, type[rx.State]], list[Change]]

PAGE = "page"
# at most one delivery pass per this many seconds (a burst of changes is one pass)
MIN_PASS_INTERVAL = 0.25

T = TypeVar("T")
# results computed during the current delivery pass, by key (see `shared`)
_pass_results: contextvars.ContextVar[dict[Hashable, Any] | None] = contextvars.ContextVar(
    "pomocnik_live_pass", default=None)

# (client token (one per browser tab), slot) -> what that part of the tab watches
_watches: dict[tuple[str, str], Watch] = {}
# (client token, state class) -> the probe its page left at its last load
_probes: dict[tuple[str, type[rx.State]], Probe] = {}


def watch(state: rx.State, topics: set[str] | frozenset[str], *, public_only: bool,
          slot: str = PAGE) -> None:
    token = state.router.session.client_token
    if token:
        old = _watches.get((token, slot))
        if old is not None and old.state_cls is not type(state):
            _probes.pop((token, old.state_cls), None)
        _watches[(token, slot)] = Watch(type(state), frozenset(topics), public_only)


def leave_probe(state: rx.State, probe: Probe | None) -> None:
    """Set (None: drop) the probe of this state's tab; see the module doc."""
    key = (state.router.session.client_token, type(state))
    if probe is None:
        _probes.pop(key, None)
    elif key[0]:
        _probes[key] = probe


def unwatch(state: rx.State, *, slot: str = PAGE) -> None:
    old = _watches.pop((state.router.session.client_token, slot), None)
    if old is not None:
        _probes.pop((state.router.session.client_token, old.state_cls), None)


def forget_tab(state: rx.State) -> None:
    """Drop every watch of this state's tab (sign-out: nothing more reaches it)."""
    token = state.router.session.client_token
    for key in [k for k in _watches if k[0] == token]:
        _watches.pop(key, None)
    for key in [k for k in _probes if k[0] == token]:
        _probes.pop(key, None)


def watching(state: rx.State, *, slot: str = PAGE) -> bool:
    """Whether `slot` of this state's tab is watched by this state's class (e.g. "is my
    page still the one open in this tab")."""
    w = _watches.get((state.router.session.client_token, slot))
    return w is not None and w.state_cls is type(state)


def in_pass() -> bool:
    """Whether this code runs inside a delivery pass (a refresh pushed to an open tab,
    not something its person did)."""
    return _pass_results.get() is not None


def shared(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, once per delivery pass for each `key`: tabs refreshed in the same pass
    that ask with an equal key get the same result. The key must hold everything the
    result depends on (the query and `access.list_scope_key`), so sharing never shows a
    tab anything its own query would not. Outside a pass (a person's own click) it simply
    computes."""
    results = _pass_results.get()
    if results is None:
        return compute()
    if key not in results:
        results[key] = compute()
    return results[key]


def _concerns(w: Watch, change: Change) -> bool:
    if EVERYTHING in change.topics:  # a resync: every page re-reads (it carries no data)
        return True
    return bool(w.topics.intersection(change.topics)) and (change.public or not w.public_only)


async def dispatch_changes(app: rx.App) -> None:
    """Lifespan task: one per worker process."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Change] = asyncio.Queue()
    handle = bus.subscribe(asyncio_listener(loop, queue))
    try:
        while True:
            changes = [await queue.get()]
            started = loop.time()
            # A bulk edit produces a burst: refresh each tab once for the whole burst.
            while not queue.empty():
                changes.append(queue.get_nowait())
            await _deliver(app, changes)
            # what arrives before the next pass may start waits for it (coalescing)
            rest = MIN_PASS_INTERVAL - (loop.time() - started)
            if rest > 0:
                await asyncio.sleep(rest)
    finally:
        bus.unsubscribe(handle)


async def _deliver(app: rx.App, changes: list[Change]) -> None:
    connected = app.event_namespace.token_to_sid if app.event_namespace else {}
    # (token, state class) -> the relevant changes of all its watches, in order, once each
    due: Due = {}
    for key, w in list(_watches.items()):
        token = key[0]
        if token not in connected:
            _watches.pop(key, None)  # tab closed; a reconnecting tab re-registers on load
            _probes.pop((token, w.state_cls), None)
            continue
        relevant = [c for c in changes if _concerns(w, c)]
        if not relevant:
            continue
        got = due.get((token, w.state_cls))
        if got is None:
            due[(token, w.state_cls)] = relevant
        else:  # a second watch of the same state in this tab (page + bell)
            got.extend([c for c in relevant if c not in got])
    marker = _pass_results.set({})
    started, concerned = time.perf_counter(), len(due)
    try:
        # The tabs whose page shows a changed ticket first, without probing them (they
        # are stale on screen, and with PostgreSQL the probes of the rest take a while),
        # then the others a change may enter or reorder, if their probe says so.
        stale, rest = split_stale(due, changes)
        # one tab after another: refreshing three at once was slower at 200 agents (RTT
        # p95 208-213 vs 123-132 ms; the threads fight the event loop for the GIL)
        for (token, state_cls), relevant in stale.items():
            await _refresh(app, token, state_cls, relevant)
        if any(key in _probes for key in rest):
            rest = await asyncio.to_thread(still_due, rest)
        for (token, state_cls), relevant in rest.items():
            await _refresh(app, token, state_cls, relevant)
    finally:
        _pass_results.reset(marker)
    log.debug("live pass: %d changes, %d tabs concerned, %d stale, %d refreshed, %.0f ms",
              len(changes), concerned, len(stale), len(stale) + len(rest),
              (time.perf_counter() - started) * 1000)


async def _refresh(app: rx.App, token: str, state_cls: type[rx.State],
                   relevant: list[Change]) -> None:
    try:
        async with app.modify_state(rx.BaseStateToken(ident=token, cls=state_cls)) as root:
            page_state = await root.get_state(state_cls)
            # the database work off the event loop; the state stays locked for this tab
            # meanwhile, so nothing else touches it
            await asyncio.to_thread(page_state._live_refresh, relevant)
    except Exception:  # one broken tab must not stop the others' updates
        log.exception("live refresh failed for a tab")


def split_stale(due: Due, changes: list[Change]) -> tuple[Due, Due]:
    """`due` split into the tabs whose page shows a changed ticket (stale on screen) and
    the others (a change may enter their page or reorder it), each in its order."""
    changed = {c.ticket_id for c in changes}
    stale: Due = {}
    rest: Due = {}
    for key, relevant in due.items():
        probe = _probes.get(key)
        (stale if probe is not None and probe.shown & changed else rest)[key] = relevant
    return stale, rest


def still_due(due: Due) -> Due:
    """`due` without the tabs whose probe says they would show the same. Runs the probes
    (the database, in one session): call it in a worker thread, inside a pass."""
    left: Due = {}
    with session_scope() as db:
        for key, relevant in due.items():
            probe = _probes.get(key)
            if probe is not None and not any(c.kind in probe.always for c in relevant):
                try:
                    if probe.compute(db) == probe.fingerprint:
                        continue
                except Exception:  # the full refresh decides, and reports, what is wrong
                    log.debug("live probe failed", exc_info=True)
            left[key] = relevant
    return left
