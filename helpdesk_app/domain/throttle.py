"""Sign-in throttling with increasing delays, per account and per client address.

OWASP ASVS V6: slow guessing down without letting an attacker lock a legitimate user out.
- Per client address: after `ip_free` failures in the window, each further attempt from
  that address must wait 1 s, 2 s, 4 s ... up to `ip_cap` (the stricter limit).
- Per account (normalised e-mail, known or not, so the answer says nothing about which
  e-mails exist): after `account_free` failures, 1 s, 2 s ... up to `account_cap` (short:
  the delay slows a distributed guesser but never locks the owner out for long). The
  account delay is not applied to a device the account already signed in from, so the
  owner can still sign in while someone else hammers their account.
- A throttled attempt is answered from this in-memory table, before any database query or
  argon2 work, so it costs the server almost nothing. It counts as a failure: whoever
  ignores the delay only makes it longer (up to the cap), and a refused address never
  reaches the per-account counter.

The table lives in the worker process: with several workers each one throttles on its
own (the delays still grow; an attacker gains at most a factor of the worker count).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from helpdesk_app.config import get_settings


@dataclass
class _Entry:
    failures: int = 0
    last_failure: float = 0.0


@dataclass
class Limiter:
    free: int | Callable[[], int]  # failures allowed before delays start
    cap: float  # longest delay, seconds
    window: float = 15 * 60  # failures older than this (since the last one) are forgotten
    _entries: dict[str, _Entry] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, key: str, now: float | None = None) -> float:
        """Seconds until `key` may try again (0: now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return 0.0
            if now - entry.last_failure > self.window:
                del self._entries[key]
                return 0.0
            over = entry.failures - (self.free() if callable(self.free) else self.free)
            if over < 0:
                return 0.0
            delay = min(self.cap, 2.0 ** min(over, 32))  # a flood must not overflow
            return max(0.0, entry.last_failure + delay - now)

    def fail(self, key: str, now: float | None = None) -> int:
        """Record a failure; returns the failures counted so far."""
        now = time.monotonic() if now is None else now
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or now - entry.last_failure > self.window:
                entry = self._entries[key] = _Entry()
            entry.failures += 1
            entry.last_failure = now
            if len(self._entries) > 100_000:  # a flood of addresses must not grow memory
                self._prune(now)
            return entry.failures

    def forget(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def _prune(self, now: float) -> None:
        old = [k for k, e in self._entries.items() if now - e.last_failure > self.window]
        for k in old:
            del self._entries[k]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


# Per address stricter (cap 5 min) than per account (cap 30 s): see the module doc. The
# free attempts are settings (POMOCNIK_SIGNIN_*_FREE_ATTEMPTS): many people behind one NAT.
by_ip = Limiter(free=lambda: get_settings().signin_ip_free_attempts, cap=300.0)
by_account = Limiter(free=lambda: get_settings().signin_account_free_attempts, cap=30.0)


def account_key(email: str) -> str:
    return (email or "").strip().lower()


def reset() -> None:
    """Forget every counter (tests; a restart does the same)."""
    by_ip.clear()
    by_account.clear()
