"""Redis pub/sub for the change bus: a change committed in any process (an app worker,
the CLI, the mail or scheduler threads of another worker) reaches the open pages of
every app worker.

The bus (live/bus.py) delivers a change to its own process's listeners itself, at
publish time, and then hands it to `RedisTransport.publish`, which sends it as JSON on
one channel. Every process that has listeners runs one subscriber thread
(`RedisTransport.listen`) that decodes what the other processes sent and feeds it to
the bus's `deliver_local`. A message carries the sender's `origin`, so a process never
hears its own changes twice. A process that only publishes (the CLI) starts no thread.

What Redis being unavailable costs (pub/sub keeps nothing for later):

* Publishing never fails a commit: the data is committed before we publish. A change
  that cannot be sent is logged and dropped, and publishing pauses for a moment so a
  dead Redis does not slow every commit down. Tabs on the *same* worker still refresh
  (local delivery does not need Redis); tabs on other workers miss that refresh and show
  it at their next reload or the next change they hear about.
* A subscriber that loses its connection (Redis restarted, connection killed) reconnects
  with a growing pause (up to `MAX_RECONNECT_PAUSE`). Changes sent while it was away are
  lost, so once it is subscribed again it hands its worker one `bus.resync_change()`:
  every open page there re-reads what it shows.

Channels are server-wide (Redis database numbers do not separate pub/sub), so the
channel name holds a deployment prefix (POMOCNIK_REDIS_PREFIX) and the URL's database
number: two deployments on one Redis server never hear each other.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.connection import parse_url
from redis.retry import Retry

from helpdesk_app.live.bus import Change, resync_change

log = logging.getLogger(__name__)

SCHEMA = 1  # message format version; a message of another version is ignored
THREAD_NAME = "pomocnik-bus-subscriber"
CLIENT_NAME_PREFIX = "pomocnik-bus"  # CLIENT LIST shows which process a connection is
# A commit waits at most this long for a Redis that does not answer.
PUBLISH_TIMEOUT = 1.0
# After a failed publish, changes are dropped without trying for this long.
PUBLISH_PAUSE = 1.0
FIRST_RECONNECT_PAUSE = 0.1
MAX_RECONNECT_PAUSE = 5.0
_POLL = 0.5  # how often the subscriber looks at its stop flag while idle

_ERRORS = (redis.RedisError, OSError)


def channel_for(url: str, prefix: str) -> str:
    """The bus channel of a deployment: `<prefix>:changes:db<N>`."""
    db = parse_url(url).get("db", 0) or 0
    return f"{prefix}:changes:db{db}"


def encode(change: Change, origin: str) -> bytes:
    return json.dumps({
        "v": SCHEMA, "origin": origin, "ticket_id": change.ticket_id,
        "organisation_id": change.organisation_id, "kind": change.kind,
        "public": change.public, "topics": list(change.topics),
    }, separators=(",", ":")).encode()


def decode(data: bytes | str) -> tuple[str, Change]:
    """(origin, change) of a bus message; ValueError when it is not one."""
    try:
        msg = json.loads(data)
        if msg.get("v") != SCHEMA:
            raise ValueError(f"unknown message version {msg.get('v')!r}")
        change = Change(ticket_id=int(msg["ticket_id"]),
                        organisation_id=int(msg["organisation_id"]), kind=str(msg["kind"]),
                        public=bool(msg["public"]),
                        topics=tuple(str(t) for t in msg["topics"]))
        return str(msg["origin"]), change
    except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not a bus message: {exc}") from exc


def _client(url: str, *, name: str, timeout: float | None) -> redis.Redis:
    # redis-py's default retries with back-off would hold a commit for seconds. One
    # immediate retry when a connection breaks mid-command (a change sent twice costs a
    # second refresh, nothing more); a timeout is not retried.
    return redis.Redis.from_url(url, socket_connect_timeout=PUBLISH_TIMEOUT,
                                socket_timeout=timeout, socket_keepalive=True,
                                retry=Retry(NoBackoff(), 1,
                                            supported_errors=(redis.ConnectionError,)),
                                client_name=name, health_check_interval=15)


class RedisTransport:
    """Publishes this process's changes and (once `listen` was called) hears the others'."""

    def __init__(self, url: str, channel: str) -> None:
        self.url = url
        self.channel = channel
        # per process: two processes (even forked ones) never share an origin
        self.origin = f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.published = 0
        self.dropped = 0
        self.received = 0
        self.subscriptions = 0  # successful (re)subscribes, for diagnostics and tests
        self._lock = threading.Lock()
        self._publisher: redis.Redis | None = None
        self._paused_until = 0.0
        self._publish_failing = False
        self._deliver: Callable[[Change], None] | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._ready = threading.Event()

    @property
    def client_name(self) -> str:
        return f"{CLIENT_NAME_PREFIX}:{self.origin}".replace(" ", "_")

    # -- publishing (any thread)

    def publish(self, change: Change) -> bool:
        """Send `change` to the other processes. Never raises: False when it was dropped."""
        if time.monotonic() < self._paused_until:
            self.dropped += 1
            return False
        try:
            with self._lock:
                if self._publisher is None:
                    self._publisher = _client(self.url, name=self.client_name,
                                              timeout=PUBLISH_TIMEOUT)
                publisher = self._publisher
            publisher.publish(self.channel, encode(change, self.origin))
        except _ERRORS as exc:
            self.dropped += 1
            self._paused_until = time.monotonic() + PUBLISH_PAUSE
            if not self._publish_failing:  # once per outage, not once per change
                self._publish_failing = True
                log.warning("live bus: cannot publish to Redis (%s); other workers miss "
                            "changes until it is back", exc)
            return False
        if self._publish_failing:
            self._publish_failing = False
            log.info("live bus: publishing to Redis again")
        self.published += 1
        return True

    # -- subscribing (one background thread)

    def listen(self, deliver: Callable[[Change], None]) -> None:
        """Start the subscriber thread (once) that hands other processes' changes to
        `deliver`."""
        with self._lock:
            self._deliver = deliver
            if self._thread is not None and self._thread.is_alive() \
                    and not self._stop.is_set():
                return
            # Fresh flags per thread: a stopping thread may still be finishing its poll.
            self._stop, self._ready = threading.Event(), threading.Event()
            self._thread = threading.Thread(target=self._run, args=(self._stop, self._ready),
                                            name=THREAD_NAME, daemon=True)
            self._thread.start()

    @property
    def listening(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    def wait_ready(self, timeout: float) -> bool:
        """Block until the subscription is confirmed (changes published from now on arrive)."""
        return self._ready.wait(timeout)

    def stop(self, wait: float = 0.0) -> None:
        """Stop the subscriber thread (publishing keeps working); it ends within `_POLL`
        seconds, or `wait` for it that long."""
        with self._lock:
            self._stop.set()
            self._ready.clear()
            thread = self._thread
        if wait and thread is not None and thread is not threading.current_thread():
            thread.join(wait)

    def _run(self, stop: threading.Event, ready: threading.Event) -> None:
        pause = FIRST_RECONNECT_PAUSE
        lost = False
        # Subscribed before: a new confirmation follows a reconnection (ours, or redis-py's
        # own retry, which subscribes again by itself), and changes may have been missed.
        confirmed = False
        while not stop.is_set():
            client = _client(self.url, name=self.client_name, timeout=None)
            pubsub = client.pubsub()
            try:
                pubsub.subscribe(self.channel)
                while not stop.is_set():
                    message = pubsub.get_message(timeout=_POLL)
                    if message is None:
                        continue
                    if message["type"] == "subscribe":
                        self.subscriptions += 1
                        ready.set()
                        pause = FIRST_RECONNECT_PAUSE
                        if lost:
                            lost = False
                            log.info("live bus: subscribed to Redis again")
                        if confirmed:
                            self._resync()
                        confirmed = True
                    elif message["type"] == "message" and not stop.is_set():
                        # (a stopped thread still polling must not deliver beside its
                        # successor)
                        self._handle(message["data"])
            except _ERRORS as exc:
                ready.clear()
                if not lost:
                    lost = True
                    log.warning("live bus: lost the Redis subscription (%s); reconnecting "
                                "(the open pages re-read what they show then)", exc)
            except Exception:  # a bug must not end live updates for good
                ready.clear()
                log.exception("live bus: subscriber failed; restarting it")
            finally:
                _close_quietly(pubsub, client)
            stop.wait(pause)
            pause = min(pause * 2, MAX_RECONNECT_PAUSE)

    def _resync(self) -> None:
        deliver = self._deliver
        if deliver is not None:
            deliver(resync_change())

    def _handle(self, data: Any) -> None:
        try:
            origin, change = decode(data)
        except ValueError as exc:
            log.warning("live bus: ignored a message on %s: %s", self.channel, exc)
            return
        if origin == self.origin:
            return  # already delivered here by the bus itself
        self.received += 1
        deliver = self._deliver
        if deliver is not None:
            deliver(change)


def _close_quietly(pubsub: Any, client: redis.Redis) -> None:
    for thing in (pubsub, client):
        try:
            thing.close()
        except Exception:  # closing a dead connection may fail; there is nothing to save
            log.debug("live bus: error while closing a Redis connection", exc_info=True)


_transports: dict[tuple[int, str, str], RedisTransport] = {}
_transports_lock = threading.Lock()


def transport_for(url: str, prefix: str) -> RedisTransport:
    """This process's transport for a Redis URL and deployment prefix (one per process:
    a forked worker makes its own instead of reusing its parent's connections)."""
    channel = channel_for(url, prefix)
    key = (os.getpid(), url, channel)
    with _transports_lock:
        transport = _transports.get(key)
        if transport is None:
            transport = _transports[key] = RedisTransport(url, channel)
        return transport
