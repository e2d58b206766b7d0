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

Cost at scale (issue 15): a delivery pass runs each tab's refresh in a worker thread, so
the event loop keeps answering other tabs' events while the database is read; within one
pass, tabs that would run the same query for the same access scope share its result
(`shared`: e.g. 200 agents on the default list cost one list query, not 200); and passes
start at most every `MIN_PASS_INTERVAL` seconds — changes arriving meanwhile wait and go
together, the last one always delivered. A page whose fresh result equals what it shows
changes no variable, so Reflex sends that tab nothing.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

import reflex as rx

from helpdesk_app.live.bus import Change, asyncio_listener, bus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Watch:
    state_cls: type[rx.State]
    topics: frozenset[str]
    public_only: bool


PAGE = "page"
# at most one delivery pass per this many seconds (a burst of changes is one pass)
MIN_PASS_INTERVAL = 0.25

T = TypeVar("T")
# results computed during the current delivery pass, by key (see `shared`)
_pass_results: contextvars.ContextVar[dict[Hashable, Any] | None] = contextvars.ContextVar(
    "pomocnik_live_pass", default=None)

# (client token (one per browser tab), slot) -> what that part of the tab watches
_watches: dict[tuple[str, str], Watch] = {}


def watch(state: rx.State, topics: set[str] | frozenset[str], *, public_only: bool,
          slot: str = PAGE) -> None:
    token = state.router.session.client_token
    if token:
        _watches[(token, slot)] = Watch(type(state), frozenset(topics), public_only)


def unwatch(state: rx.State, *, slot: str = PAGE) -> None:
    _watches.pop((state.router.session.client_token, slot), None)


def forget_tab(state: rx.State) -> None:
    """Drop every watch of this state's tab (sign-out: nothing more reaches it)."""
    token = state.router.session.client_token
    for key in [k for k in _watches if k[0] == token]:
        _watches.pop(key, None)


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
    due: dict[tuple[str, type[rx.State]], list[Change]] = {}
    for key, w in list(_watches.items()):
        token = key[0]
        if token not in connected:
            _watches.pop(key, None)  # tab closed; a reconnecting tab re-registers on load
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
    try:
        for (token, state_cls), relevant in due.items():
            try:
                async with app.modify_state(
                        rx.BaseStateToken(ident=token, cls=state_cls)) as root:
                    page_state = await root.get_state(state_cls)
                    # the database work off the event loop; the state stays locked for
                    # this tab meanwhile, so nothing else touches it
                    await asyncio.to_thread(page_state._live_refresh, relevant)
            except Exception:  # one broken tab must not stop the others' updates
                log.exception("live refresh failed for a tab")
    finally:
        _pass_results.reset(marker)
