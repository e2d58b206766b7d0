"""A browser tab of a Reflex app without a browser: Socket.IO v5 over Engine.IO v4 over one
websocket, spoken by hand (wsproto + asyncio streams), for benchmarks/live_load.py.

What the generated frontend (.web/utils/state.js, context.jsx) does, and this repeats:
- connect `ws://HOST/_event/?EIO=4&transport=websocket&token=<tab token>` (the token is
  the tab's sessionStorage uuid; the session cookie rides in the handshake's headers);
- the server opens with `0{"sid":..,"pingInterval":..}`; the client joins Reflex's
  namespace "/_event" with `40/_event,{"event": <boot event>, "state_schema": ..}`; the
  boot event is `reflex___state____state.hydrate_and_load` (payload `hashes` = the
  compiled initial state's hashes on a first connect, `vars` = browser-storage values)
  with `router_data = {"pathname", "asPath", "query"}`; it hydrates and runs the page's
  on_load;
- an event is `42/_event,["event", {"name": "<full state path>.<handler>", "payload": {..},
  "router_data": {..}}]`; every update is `42/_event,["event", {"delta": {state: {var: value}},
  "events": [..]}]` (no "final" marker: an event with nothing dirty sends nothing);
- a client-side navigation sends `..on_load_internal_state.on_load_internal` with the new
  route's router_data; pings are `2`, answered `3`.

Signing in (`sign_in`) is Pomocnik's own flow: LoginState.submit answers with a
`_call_script` that form-POSTs a one-time claim to /api/session, whose answer sets the
HttpOnly session cookie; the next socket of the tab carries it in its handshake.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
import urllib.parse
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    CloseConnection,
    Ping,
    RejectConnection,
    Request,
    TextMessage,
)

ROOT = "reflex___state____state"
HYDRATE = f"{ROOT}.hydrate_and_load"
ON_LOAD = f"{ROOT}.reflex___state____on_load_internal_state.on_load_internal"
USER_AGENT = "pomocnik-live-load/1"
NAMESPACE = "/_event"  # Reflex's EventNamespace; the default "/" connects but hears nothing
SESSION_COOKIE = "pomocnik_session"


def new_token() -> str:
    """A tab's token (the browser keeps one uuid per tab in sessionStorage)."""
    return str(uuid.uuid4())


def state_path(*classes: tuple[str, str]) -> str:
    """Reflex's name of a substate: each (module, ClassName) under the root, e.g.
    ("helpdesk_app.state.session", "SessionState") -> ...helpdesk_app___state___session
    ____session_state."""
    parts = [ROOT]
    for module, cls in classes:
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", cls).lower()
        parts.append(f"{module.replace('.', '___')}____{snake}")
    return ".".join(parts)


def field(name: str) -> str:
    """A state var's key in a delta."""
    return f"{name}_rx_state_"


def router_data(pathname: str, query: dict[str, str] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"pathname": pathname, "asPath": pathname}
    if query:
        data["query"] = query
    return data


def encode_event(name: str, payload: dict[str, Any] | None, route: dict[str, Any]) -> str:
    event: dict[str, Any] = {"name": name}
    if payload:
        event["payload"] = payload
    event["router_data"] = route
    return f"42{NAMESPACE}," + json.dumps(["event", event], separators=(",", ":"))


def encode_connect(auth: dict[str, Any]) -> str:
    return f"40{NAMESPACE}," + json.dumps(auth, separators=(",", ":"))


def form_data(**values: str) -> dict[str, Any]:
    """A form's submit payload as the browser encodes it (encodeFormDataArgs)."""
    return {"__reflex_form_data__": [[k, v] for k, v in values.items()]}


def decode(text: str) -> tuple[str, Any]:
    """An Engine.IO text packet -> (kind, data). Kinds: open, ping, pong, connect,
    disconnect, event (data = [name, *args]), connect_error, other."""
    if not text:
        return "other", None
    eio = text[0]
    if eio == "0":
        return "open", json.loads(text[1:])
    if eio == "2":
        return "ping", text[1:]
    if eio == "3":
        return "pong", text[1:]
    if eio == "1":
        return "close", None
    if eio != "4" or len(text) < 2:
        return "other", text
    sio, body = text[1], text[2:]
    if body.startswith("/"):  # "/_event,": Reflex's namespace (the socket.io path's name)
        _ns, _, body = body.partition(",")
    if sio == "0":
        return "connect", json.loads(body) if body else {}
    if sio == "1":
        return "disconnect", None
    if sio == "2":
        return "event", json.loads(body)
    if sio == "4":
        return "connect_error", json.loads(body) if body else {}
    return "other", text


def compiled_boot(web_dir: Path) -> tuple[list[str], str]:
    """(initialStateHashes, stateSchema) of a built frontend, as the browser sends them on
    a first connect: the server then skips the vars the compiled page already holds."""
    path = web_dir / "utils" / "context.jsx"
    if not path.exists():
        return [], ""
    text = path.read_text(encoding="utf-8")
    hashes = re.search(r"initialStateHashes = (\[[^\]]*\])", text)
    schema = re.search(r'stateSchema = "([^"]*)"', text)
    return (json.loads(hashes.group(1)) if hashes else [], schema.group(1) if schema else "")


def apply_delta(mirror: dict[str, dict[str, Any]], delta: dict[str, dict[str, Any]]) -> None:
    for substate, values in delta.items():
        mirror.setdefault(substate, {}).update(values)


class Disconnected(Exception):
    pass


class Tab:
    """One browser tab: one websocket, the tab's token, a mirror of its state.

    `listener(tab, t, update)` is called for every update as it arrives (t =
    perf_counter at receipt, before JSON parsing cost is paid by anyone else)."""

    def __init__(self, base_url: str, *, token: str | None = None, cookie: str = "",
                 hashes: list[str] | None = None, schema: str = "",
                 listener: Callable[[Tab, float, dict], None] | None = None) -> None:
        u = urllib.parse.urlsplit(base_url)
        self.base_url = base_url.rstrip("/")
        self.host, self.port = u.hostname or "127.0.0.1", u.port or 80
        self.token = token or new_token()
        self.cookie = cookie
        self.hashes, self.schema = hashes or [], schema
        self.listener = listener
        self.mirror: dict[str, dict[str, Any]] = {}
        self.storage: dict[str, str] = {}  # the tab's localStorage values (client storage vars)
        self.storage_keys: set[str] = set()
        self.route: dict[str, Any] = router_data("/")
        self.connected = False
        self.closed_reason = ""
        self.action_sent = 0.0  # perf_counter when the tab's own last action was sent
        self._ws = WSConnection(ConnectionType.CLIENT)
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._task: asyncio.Task | None = None
        self._joined: asyncio.Future | None = None
        self._waiters: list[tuple[Callable[[dict], bool], asyncio.Future]] = []
        self._boot: dict[str, Any] = {}

    # ---- connection

    async def open(self, pathname: str, query: dict[str, str] | None = None, *,
                   first: bool = True, timeout: float = 30) -> None:
        """Connect at `pathname` and send the boot event (hydrate + the page's on_load)."""
        self.route = router_data(pathname, query)
        payload: dict[str, Any] = {}
        if self.storage:
            payload["vars"] = dict(self.storage)
        if first and self.hashes:
            payload["hashes"] = self.hashes
        boot: dict[str, Any] = {"name": HYDRATE}
        if payload:
            boot["payload"] = payload
        boot["router_data"] = self.route
        self._boot = {"event": boot, **({"state_schema": self.schema} if self.schema else {})}
        self._reader, self._writer = await asyncio.wait_for(
            asyncio.open_connection(self.host, self.port), timeout)
        target = "/_event/?" + urllib.parse.urlencode(
            {"EIO": "4", "transport": "websocket", "token": self.token})
        headers = [(b"origin", self.base_url.encode()), (b"user-agent", USER_AGENT.encode())]
        if self.cookie:
            headers.append((b"cookie", self.cookie.encode()))
        self._writer.write(self._ws.send(Request(host=f"{self.host}:{self.port}",
                                                 target=target, extra_headers=headers)))
        loop = asyncio.get_running_loop()
        self._joined = loop.create_future()
        self._task = asyncio.create_task(self._read_loop())
        await asyncio.wait_for(asyncio.shield(self._joined), timeout)

    async def close(self) -> None:
        self.connected = False
        if self._writer is not None:
            with contextlib.suppress(Exception):
                self._writer.write(self._ws.send(CloseConnection(code=1000)))
                await self._writer.drain()
            self._writer.close()
            with contextlib.suppress(Exception):
                await self._writer.wait_closed()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task
        self._fail_waiters(Disconnected("closed"))

    def _send_text(self, text: str) -> None:
        if self._writer is None or self._writer.is_closing():
            raise Disconnected(self.closed_reason or "not connected")
        self._writer.write(self._ws.send(TextMessage(data=text)))

    async def _read_loop(self) -> None:
        assert self._reader is not None
        parts: list[str] = []
        try:
            while True:
                data = await self._reader.read(1 << 16)
                self._ws.receive_data(data or None)
                for ev in self._ws.events():
                    if isinstance(ev, TextMessage):
                        parts.append(ev.data)
                        if ev.message_finished:
                            text, parts = "".join(parts), []
                            self._packet(time.perf_counter(), text)
                    elif isinstance(ev, Ping):
                        self._writer.write(self._ws.send(ev.response()))
                    elif isinstance(ev, CloseConnection):
                        self.closed_reason = f"server closed ({ev.code})"
                        with contextlib.suppress(Exception):
                            self._writer.write(self._ws.send(ev.response()))
                        return
                    elif isinstance(ev, RejectConnection):
                        self.closed_reason = f"handshake refused ({ev.status_code})"
                        return
                    elif isinstance(ev, AcceptConnection):
                        pass
                if not data:
                    self.closed_reason = self.closed_reason or "connection lost"
                    return
        except asyncio.CancelledError:
            raise
        except Exception as e:  # a broken socket ends this tab, not the benchmark
            self.closed_reason = f"{type(e).__name__}: {e}"
        finally:
            self.connected = False
            if self._joined is not None and not self._joined.done():
                self._joined.set_exception(Disconnected(self.closed_reason))
            self._fail_waiters(Disconnected(self.closed_reason or "closed"))

    def _packet(self, t: float, text: str) -> None:
        kind, data = decode(text)
        if kind == "open":
            self._send_text(encode_connect(self._boot))
        elif kind == "ping":
            self._send_text("3" + (data or ""))
        elif kind == "connect":
            self.connected = True
            if self._joined is not None and not self._joined.done():
                self._joined.set_result(data)
        elif kind == "connect_error":
            self.closed_reason = f"connect refused: {data}"
            if self._joined is not None and not self._joined.done():
                self._joined.set_exception(Disconnected(self.closed_reason))
        elif kind == "event" and data and data[0] == "event" and len(data) > 1:
            update = data[1] or {}
            delta = update.get("delta") or {}
            apply_delta(self.mirror, delta)
            self._remember_storage(delta)
            if self.listener is not None:
                self.listener(self, t, update)
            for item in list(self._waiters):
                predicate, fut = item
                if not fut.done() and predicate(update):
                    fut.set_result((t, update))
                    self._waiters.remove(item)
        elif kind == "disconnect":
            self.closed_reason = "server disconnected the namespace"

    def _remember_storage(self, delta: dict[str, dict[str, Any]]) -> None:
        # Browser-storage vars (ui language) come back on the next hydrate, as a browser's do.
        for substate, values in delta.items():
            for key, value in values.items():
                if f"{substate}.{key}" in self.storage_keys and isinstance(value, str):
                    self.storage[f"{substate}.{key}"] = value

    def _fail_waiters(self, error: Exception) -> None:
        for _predicate, fut in self._waiters:
            if not fut.done():
                fut.set_exception(error)
        self._waiters.clear()

    # ---- events

    def expect(self, predicate: Callable[[dict], bool]) -> asyncio.Future:
        """A future for the first update (t, update) matching `predicate`; register it
        before sending the event it answers."""
        fut = asyncio.get_running_loop().create_future()
        if not self.connected and self._task is not None and self._task.done():
            fut.set_exception(Disconnected(self.closed_reason or "closed"))
        else:
            self._waiters.append((predicate, fut))
        return fut

    def forget(self, fut: asyncio.Future) -> None:
        self._waiters = [w for w in self._waiters if w[1] is not fut]

    def emit(self, name: str, payload: dict[str, Any] | None = None) -> float:
        """Send one event on the tab's current route; returns the send time."""
        t = time.perf_counter()
        self._send_text(encode_event(name, payload, self.route))
        return t

    def navigate(self, pathname: str, query: dict[str, str] | None = None) -> float:
        """A client-side navigation: the new route's on_load runs on the server."""
        self.route = router_data(pathname, query)
        return self.emit(ON_LOAD)

    def get(self, substate: str, name: str, default: Any = None) -> Any:
        return self.mirror.get(substate, {}).get(field(name), default)


def delta_has(substate: str, *names: str) -> Callable[[dict], bool]:
    """Predicate: the update's delta sets any of `names` on `substate`."""
    keys = {field(n) for n in names}

    def check(update: dict) -> bool:
        values = (update.get("delta") or {}).get(substate)
        return bool(values) and not keys.isdisjoint(values)

    return check


def frontend_event(name: str) -> Callable[[dict], bool]:
    """Predicate: the update carries a frontend event such as `_call_script`."""
    return lambda update: any(e.get("name") == name for e in update.get("events") or [])


# ---- Pomocnik's sign-in, as the /login page does it

_SESSION = ("helpdesk_app.state.session", "SessionState")
SESSION = state_path(_SESSION)
LOGIN = state_path(_SESSION, ("helpdesk_app.state.session", "LoginState"))
UI_LANG = f"{SESSION}.{field('ui_lang')}"  # a LocalStorage var: sent back on hydrate


def _sign_in_answer(update: dict) -> bool:
    """The claim script, or the sign-in page refusing / asking for a second factor."""
    if frontend_event("_call_script")(update):
        return True
    values = (update.get("delta") or {}).get(LOGIN) or {}
    return bool(values.get(field("error"))) or values.get(field("step")) in (
        "factor", "enrol", "codes")


async def sign_in(base_url: str, email: str, password: str, *, hashes: list[str] | None = None,
                  schema: str = "", timeout: float = 30) -> tuple[str, str, dict[str, str]]:
    """A tab on /login submits the form; its claim goes to POST /api/session (same address
    and user agent as the socket: the claim is bound to both). Returns (the tab's token,
    the cookie header for its next socket, the tab's browser storage)."""
    tab = Tab(base_url, hashes=hashes, schema=schema)
    tab.storage_keys.add(UI_LANG)
    await tab.open("/login", timeout=timeout)
    try:
        answer = tab.expect(_sign_in_answer)
        tab.emit(f"{LOGIN}.submit", {"form": form_data(email=email, password=password)})
        _t, update = await asyncio.wait_for(answer, timeout)
        scripts = [e["payload"]["javascript_code"] for e in update.get("events") or []
                   if e.get("name") == "_call_script"]
        found = re.search(r'i\.value = ("[^"]*")', scripts[0]) if scripts else None
        if found is None:
            raise RuntimeError(f"sign-in of {email} did not finish: {tab.get(LOGIN, 'error')!r}"
                               f" step {tab.get(LOGIN, 'step')!r}")
        claim = json.loads(found.group(1))
    finally:
        await tab.close()
    async with httpx.AsyncClient(base_url=tab.base_url, timeout=timeout, headers={
            "user-agent": USER_AGENT, "origin": tab.base_url}) as client:
        r = await client.post("/api/session", data={"claim": claim})
    if SESSION_COOKIE not in r.cookies:
        raise RuntimeError(f"no session cookie for {email}: HTTP {r.status_code}")
    cookie = "; ".join(f"{k}={v}" for k, v in r.cookies.items())
    return tab.token, cookie, dict(tab.storage)
