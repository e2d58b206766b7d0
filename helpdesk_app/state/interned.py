"""Option lists that every tab of a desk shows alike, held once per process (issue 15).

With 200 agents, each list tab shows three lists of 200 people. `interned(items)` returns
the process's one list equal to `items`, so in-memory tab states share it (134 → 47 kB of
objects per tab).

With Redis, Reflex pickles a tab's touched states after each event and unpickles them at
the next one. An interned list is then pickled as its digest (a few bytes, not ~20 kB of
records each way), and its items are kept once in Redis under that digest: written by a
process the first time it pickles the list, read by a process that meets a digest it has
not built itself (another worker's, or its own before a restart). A list that Redis
cannot take or give is pickled whole: slower, never wrong.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import time

import redis

from helpdesk_app.config import get_settings
from helpdesk_app.state.views import Opt

log = logging.getLogger(__name__)

_MAX = 1024  # distinct lists kept (languages x scopes x lists); then start over
# How often a process writes a list it still pickles again (its Redis copy then lives on).
REPUBLISH_S = 3600
_ERRORS = (redis.RedisError, OSError)


class Interned(list):
    """A list held once per process; assigned whole, never changed in place."""

    __slots__ = ("digest",)

    def __reduce__(self):
        store = _store()
        if store is not None and self.digest and store.keep(self.digest, self):
            return _by_digest, (self.digest,)
        return _whole, (self.digest, list(self))


_by_key: dict[tuple, Interned] = {}
_by_digest_map: dict[str, Interned] = {}


def interned(items: list) -> list:
    """The one list of this process equal to `items` (Opt records or tuples)."""
    key = (type(items[0]) if items else None,
           tuple((o.value, o.label) if isinstance(o, Opt) else o for o in items))
    got = _by_key.get(key)
    if got is None:
        got = _remember(hashlib.blake2b(repr(key).encode(), digest_size=16).hexdigest(),
                        items, key)
    return got


def _remember(digest: str, items: list, key: tuple | None = None) -> Interned:
    if len(_by_key) >= _MAX or len(_by_digest_map) >= _MAX:
        _by_key.clear()
        _by_digest_map.clear()
    got = Interned(items)
    got.digest = digest
    if key is not None:
        _by_key[key] = got
    _by_digest_map[digest] = got
    return got


def _whole(digest: str, items: list) -> Interned:
    """Unpickling a list that was pickled with its items."""
    return _by_digest_map.get(digest) or _remember(digest, items)


def _by_digest(digest: str) -> Interned:
    """Unpickling a list that was pickled as its digest."""
    got = _by_digest_map.get(digest)
    if got is not None:
        return got
    store = _store()
    items = store.fetch(digest) if store is not None else None
    if items is None:
        # Its Redis copy outlives every tab state that names it (see _Store), so this
        # means Redis lost it: the tab shows an empty list until its next page load.
        log.warning("interned list %s not found in Redis; using an empty one", digest)
        got = Interned()
        got.digest = ""
        return got
    return _remember(digest, items)


class _Store:
    """The lists' copies in Redis, under `<prefix>:interned:<digest>`."""

    def __init__(self, url: str, prefix: str, state_ttl_s: int) -> None:
        self._client = redis.Redis.from_url(url, socket_connect_timeout=1.0,
                                            socket_timeout=1.0)
        self._prefix = f"{prefix}:interned:"
        # a tab state lives `state_ttl_s` after its last write, and names a list this
        # process wrote at most REPUBLISH_S before that write
        self._ttl_s = REPUBLISH_S + state_ttl_s + 600
        self._written: dict[str, float] = {}  # digest -> when this process wrote it
        self._paused_until = 0.0

    def keep(self, digest: str, items: list) -> bool:
        """Whether Redis holds the items under `digest` (written now if need be)."""
        now = time.monotonic()
        written = self._written.get(digest)
        if written is not None and now - written < REPUBLISH_S:
            return True
        if now < self._paused_until:
            return False
        try:
            self._client.set(self._prefix + digest, pickle.dumps(list(items)), ex=self._ttl_s)
        except _ERRORS:
            log.warning("cannot keep an interned list in Redis; pickling it whole",
                        exc_info=True)
            self._paused_until = now + 5.0  # a dead Redis must not slow every event
            return False
        self._written[digest] = now
        return True

    def fetch(self, digest: str) -> list | None:
        try:
            data = self._client.get(self._prefix + digest)
        except _ERRORS:
            log.warning("cannot read an interned list from Redis", exc_info=True)
            return None
        return pickle.loads(data) if data else None


_stores: dict[str, _Store] = {}


def _store() -> _Store | None:
    """Where the lists are kept: the Redis of Reflex's tab states, or None (memory mode:
    nothing is pickled)."""
    url = os.environ.get("REFLEX_REDIS_URL", "").strip()
    if not url:
        return None
    store = _stores.get(url)
    if store is None:
        from reflex.config import get_config

        store = _stores[url] = _Store(url, get_settings().redis_prefix,
                                      int(get_config().redis_token_expiration))
    return store
