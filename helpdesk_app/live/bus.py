"""The change bus.

Domain code calls `queue_change(session, ...)` inside a unit of work; the change is
published only after the transaction commits (a rolled-back change never reaches a page).
Subscribers receive `Change` objects that carry topics and ids, never private data; a page
that receives one re-queries through the access policy.

`bus` (a `ChangeBus`) always delivers a change to the listeners of its own process, once,
at publish time. Without REDIS_URL that is all (the embedded default). With REDIS_URL it
also sends the change to the other processes of the deployment through Redis pub/sub
(live/redis_bus.py), and a process with listeners runs one subscriber thread that feeds
their changes to `deliver_local()` — pages don't change. Publishing never fails a commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_PENDING_KEY = "pomocnik_pending_changes"


@dataclass(frozen=True)
class Change:
    """What changed, with just enough to decide who must refresh."""

    ticket_id: int
    organisation_id: int
    kind: str
    # False when only agents may see the change (internal note, agent-only field).
    public: bool
    topics: tuple[str, ...] = field(default=())


def topics_for(ticket_id: int, organisation_id: int) -> tuple[str, ...]:
    return ("tickets", f"org:{organisation_id}", f"ticket:{ticket_id}")


def user_topic(user_id: int) -> str:
    """The topic of one user's own things (notifications): only that user's tabs watch it."""
    return f"user:{user_id}"


USER_CHANGE = "notifications"  # `Change.kind` of a per-user change (ticket/org ids are 0)


def seen_topic(user_id: int) -> str:
    """The topic of one user's unread marks (they opened a ticket): only that user's lists
    watch it. Separate from `user_topic` so the bell does not re-query for it."""
    return f"seen:{user_id}"


SEEN_CHANGE = "seen"  # `Change.kind` of "this user opened a ticket" (ticket/org ids are 0)


def access_topic(user_id: int) -> str:
    """The topic of what one user may see changing without any ticket changing (a
    substitution started or ended): that user's lists and ticket pages re-query."""
    return f"access:{user_id}"


ACCESS_CHANGE = "access"  # `Change.kind` of a per-user access change (ticket/org ids are 0)


def timer_topic(user_id: int) -> str:
    """The topic of one user's work timer (domain/worktime_timer.py): their tabs showing
    it follow a start, pause or stop made in another tab."""
    return f"timer:{user_id}"


TIMER_CHANGE = "timer"  # `Change.kind` of a timer change (ticket/org ids are 0)

# Every watch hears a change with this topic: "what you show may be stale, read it again".
EVERYTHING = "*"
RESYNC = "resync"  # `Change.kind` of that (ticket/org ids are 0)


def resync_change() -> Change:
    """Sent to this process's listeners when it may have missed changes (its Redis
    subscription was lost for a while): every open page re-reads through the access
    policy. It carries no data, so it is public: a client's page re-reads its own."""
    return Change(ticket_id=0, organisation_id=0, kind=RESYNC, public=True,
                  topics=(EVERYTHING,))


Listener = Callable[[Change], None]


class InProcessBus:
    """Fan-out to listeners in this process; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: dict[int, Listener] = {}
        self._next = 0

    def subscribe(self, listener: Listener) -> int:
        with self._lock:
            self._next += 1
            self._listeners[self._next] = listener
            return self._next

    def unsubscribe(self, handle: int) -> None:
        with self._lock:
            self._listeners.pop(handle, None)

    def publish(self, change: Change) -> None:
        self.deliver_local(change)

    def deliver_local(self, change: Change) -> None:
        with self._lock:
            listeners = list(self._listeners.values())
        for listener in listeners:
            # One broken subscriber must not stop the others from hearing about the change.
            with contextlib.suppress(Exception):
                listener(change)


class Remote(Protocol):
    """Carries changes between processes (live/redis_bus.py `RedisTransport`)."""

    def publish(self, change: Change) -> bool: ...

    def listen(self, deliver: Listener) -> None: ...

    def stop(self) -> None: ...


def _remote_from_settings() -> Remote | None:
    """The Redis transport when REDIS_URL is set, else None (in-process only)."""
    from helpdesk_app.config import get_settings

    settings = get_settings()
    if not settings.redis_url:
        return None
    # imported only when configured: the embedded default never touches redis-py
    from helpdesk_app.live.redis_bus import transport_for

    return transport_for(settings.redis_url, settings.redis_prefix)


class ChangeBus(InProcessBus):
    """The process's bus: local fan-out, plus other processes through `remote` (default:
    Redis when configured). The remote is looked up on every call, so settings read at
    run time (tests, a forked worker) pick the right one."""

    def __init__(self, remote: Callable[[], Remote | None] = _remote_from_settings) -> None:
        super().__init__()
        self._remote_for = remote
        self._remote_lock = threading.Lock()
        self._listening: Remote | None = None

    def _remote(self) -> Remote | None:
        try:
            return self._remote_for()
        except Exception:  # bad settings must not turn a committed change into an error
            log.exception("live bus: no remote transport")
            return None

    def subscribe(self, listener: Listener) -> int:
        handle = super().subscribe(listener)
        remote = self._remote()
        with self._remote_lock:
            if remote is not self._listening:
                if self._listening is not None:
                    self._listening.stop()
                self._listening = remote
            if remote is not None:
                # One subscriber thread per process, started by the first listener only:
                # a process that only publishes (the CLI) never starts one.
                remote.listen(self.deliver_local)
        return handle

    def unsubscribe(self, handle: int) -> None:
        super().unsubscribe(handle)
        # Decided under the remote lock, so a listener subscribing meanwhile either keeps
        # the thread alive or starts a new one after this stop.
        with self._remote_lock:
            with self._lock:
                empty = not self._listeners
            if empty and self._listening is not None:
                self._listening.stop()
                self._listening = None

    def publish(self, change: Change) -> None:
        # Own listeners first, synchronously and exactly once (the remote skips messages
        # of this process); then the others, which never raises.
        self.deliver_local(change)
        remote = self._remote()
        if remote is not None:
            try:
                remote.publish(change)
            except Exception:
                log.exception("live bus: publishing a change failed")


bus = ChangeBus()


def asyncio_listener(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue) -> Listener:
    """A listener that hands changes to an asyncio queue from any thread."""

    def _listener(change: Change) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, change)

    return _listener


def queue_change(session: Session, *, ticket_id: int, organisation_id: int, kind: str,
                 public: bool) -> None:
    """Remember a change; it is published when `session` commits."""
    pending: list[Change] = session.info.setdefault(_PENDING_KEY, [])
    pending.append(
        Change(ticket_id=ticket_id, organisation_id=organisation_id, kind=kind, public=public,
               topics=topics_for(ticket_id, organisation_id))
    )


def queue_user_change(session: Session, *user_ids: int) -> None:
    """Remember that these users' notifications changed (new ones, read ones); published
    when `session` commits, once per user however often it is called."""
    pending: list[Change] = session.info.setdefault(_PENDING_KEY, [])
    seen = {c.topics for c in pending if c.kind == USER_CHANGE}
    for user_id in user_ids:
        topics = (user_topic(int(user_id)),)
        if topics not in seen:
            seen.add(topics)
            pending.append(Change(ticket_id=0, organisation_id=0, kind=USER_CHANGE,
                                  public=False, topics=topics))


def queue_seen_change(session: Session, user_id: int) -> None:
    """Remember that this user's unread marks changed; published once when `session`
    commits. Carries no ticket id: the user's list re-queries its page."""
    pending: list[Change] = session.info.setdefault(_PENDING_KEY, [])
    topics = (seen_topic(int(user_id)),)
    if not any(c.kind == SEEN_CHANGE and c.topics == topics for c in pending):
        pending.append(Change(ticket_id=0, organisation_id=0, kind=SEEN_CHANGE, public=False,
                              topics=topics))


def queue_access_change(session: Session, *user_ids: int) -> None:
    """Remember that what these users may see changed (a substitution started or ended):
    their lists and ticket pages (`access_topic`) and bells (`user_topic`) re-query.
    Published as ONE change carrying every user's topics when `session` commits, so a
    scheduler pass over thousands of people does not flood the bus."""
    ids = sorted({int(u) for u in user_ids})
    if not ids:
        return
    pending: list[Change] = session.info.setdefault(_PENDING_KEY, [])
    pending.append(Change(ticket_id=0, organisation_id=0, kind=ACCESS_CHANGE, public=False,
                          topics=tuple(access_topic(u) for u in ids)
                          + tuple(user_topic(u) for u in ids)))


def queue_timer_change(session: Session, user_id: int) -> None:
    """Remember that this user's timer changed; published once when `session` commits."""
    pending: list[Change] = session.info.setdefault(_PENDING_KEY, [])
    topics = (timer_topic(int(user_id)),)
    if not any(c.kind == TIMER_CHANGE and c.topics == topics for c in pending):
        pending.append(Change(ticket_id=0, organisation_id=0, kind=TIMER_CHANGE,
                              public=False, topics=topics))


@event.listens_for(Session, "after_commit")
def _publish_after_commit(session: Session) -> None:
    for change in session.info.pop(_PENDING_KEY, []):
        bus.publish(change)


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)
