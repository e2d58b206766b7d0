"""The change bus across processes through a real Redis (POMOCNIK_TEST_REDIS_URL, default
redis://127.0.0.1:6379/0): skipped with the reason when it is not reachable, a failure
when CI=true. Every test uses a channel prefix of its own, so parallel runs (and a
running app on the same Redis) never hear each other."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from sqlmodel import Session, select

from helpdesk_app.config import REPO_ROOT, get_settings
from helpdesk_app.domain import tickets
from helpdesk_app.live import redis_bus
from helpdesk_app.live.bus import RESYNC, Change, ChangeBus, bus, queue_change, resync_change
from helpdesk_app.live.redis_bus import RedisTransport, channel_for, decode, encode
from helpdesk_app.models import Queue, TimelineEvent


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def _wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def prefix() -> str:
    return f"pomocnik-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def live_env(redis_url: str, prefix: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """This process's settings point the global bus at Redis under the test's prefix."""
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("POMOCNIK_REDIS_PREFIX", prefix)
    get_settings.cache_clear()
    yield redis_url
    get_settings.cache_clear()


@pytest.fixture
def heard(live_env: str) -> Iterator[list[Change]]:
    """What the global bus's listeners of this process hear (own and other processes')."""
    seen: list[Change] = []
    handle = bus.subscribe(seen.append)
    transport = redis_bus.transport_for(get_settings().redis_url, get_settings().redis_prefix)
    assert transport.wait_ready(5), "the subscriber did not subscribe"
    yield seen
    bus.unsubscribe(handle)
    assert not transport.listening


# A process other than the test: a reply committed through the domain, like the CLI or
# another worker would. Prints the names of its threads at the end.
_OTHER_PROCESS = """
import json, sys, threading
from sqlmodel import Session
from helpdesk_app.db import get_engine
from helpdesk_app.domain import tickets
from helpdesk_app.domain.actor import Actor
from helpdesk_app.live.bus import queue_change
from helpdesk_app.models import Queue, User

args = json.loads(sys.argv[1])
with Session(get_engine(), expire_on_commit=False) as db:
    if args.get("doomed"):  # a unit of work that rolls back: its change must never travel
        db.add(Queue(name="Doomed"))
        db.flush()
        queue_change(db, ticket_id=args["ticket_id"], organisation_id=0, kind="doomed",
                     public=True)
        db.rollback()
    actor = Actor.from_user(db.get(User, args["user_id"]))
    tickets.add_comment(db, actor, args["ticket_id"], args["text"], public=args["public"])
print(json.dumps(sorted(t.name for t in threading.enumerate())))
"""


def _run_other_process(env_extra: dict[str, str], **args: object) -> list[str]:
    env = dict(os.environ, **env_extra)
    out = subprocess.run([sys.executable, "-c", _OTHER_PROCESS, json.dumps(args)], env=env,
                         cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def _other_env(db_url: str, redis_url: str, prefix: str, tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": db_url, "REDIS_URL": redis_url, "POMOCNIK_REDIS_PREFIX": prefix,
            "POMOCNIK_DATA_DIR": str(tmp_path / "other")}


# --------------------------------------------------------------------------- across processes


def test_change_committed_in_another_process_arrives(
        db_url: str, live_env: str, prefix: str, world, make, heard: list[Change],
        tmp_path: Path) -> None:
    ticket = make.ticket(world.actor("client"), "Printer")
    heard.clear()
    threads = _run_other_process(_other_env(db_url, live_env, prefix, tmp_path),
                                 ticket_id=ticket.id, user_id=world.users["technician"].id,
                                 text="from the CLI", public=True)
    assert _wait_for(lambda: any(c.kind == "reply" for c in heard))
    [reply] = [c for c in heard if c.kind == "reply"]
    org = world.org_a.id
    assert reply == Change(ticket_id=ticket.id, organisation_id=org, kind="reply",
                           public=True, topics=("tickets", f"org:{org}", f"ticket:{ticket.id}"))
    # a process that only publishes starts no subscriber thread
    assert redis_bus.THREAD_NAME not in threads


def test_rolled_back_change_never_arrives(db_url: str, live_env: str, prefix: str, world,
                                          make, heard: list[Change], tmp_path: Path) -> None:
    ticket = make.ticket(world.actor("client"), "Printer")
    heard.clear()
    _run_other_process(_other_env(db_url, live_env, prefix, tmp_path), doomed=True,
                       ticket_id=ticket.id, user_id=world.users["technician"].id,
                       text="after the rollback", public=False)
    # the note committed after the rollback arrives; what was rolled back before it never
    assert _wait_for(lambda: any(c.kind == "note" for c in heard))
    time.sleep(0.2)
    assert [c.kind for c in heard if c.ticket_id == ticket.id] == ["note"]


def test_own_process_hears_each_change_once(db_url: str, db: Session, live_env: str,
                                            prefix: str, world, make, heard: list[Change],
                                            tmp_path: Path) -> None:
    ticket = make.ticket(world.actor("client"), "Printer")
    heard.clear()
    tickets.add_comment(db, world.actor("technician"), ticket.id, "here", public=True)

    def kinds() -> list[str]:
        return [c.kind for c in heard if c.ticket_id == ticket.id]

    assert kinds() == ["reply"]  # delivered locally, synchronously
    # A change from another process, published after ours on the same channel, arrives
    # after any echo of ours would have: by then an echo would be in `heard`.
    _run_other_process(_other_env(db_url, live_env, prefix, tmp_path), ticket_id=ticket.id,
                       user_id=world.users["technician"].id, text="marker", public=False)
    assert _wait_for(lambda: "note" in kinds())
    assert kinds() == ["reply", "note"]


def test_commit_succeeds_when_redis_is_unreachable(db: Session, world, make, prefix: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    nobody = f"redis://127.0.0.1:{_free_port()}/0"
    monkeypatch.setenv("REDIS_URL", nobody)
    monkeypatch.setenv("POMOCNIK_REDIS_PREFIX", prefix)
    get_settings.cache_clear()
    ticket = make.ticket(world.actor("client"), "Printer")
    seen: list[Change] = []
    handle = bus.subscribe(seen.append)
    try:
        started = time.monotonic()
        event_id = tickets.add_comment(db, world.actor("technician"), ticket.id, "kept",
                                       public=True)
        assert time.monotonic() - started < 3  # bounded: no retry loop inside a commit
    finally:
        bus.unsubscribe(handle)
        get_settings.cache_clear()
    db.expire_all()
    assert db.get(TimelineEvent, event_id) is not None  # committed
    # this process's own pages still refresh
    assert [c.kind for c in seen if c.ticket_id == ticket.id] == ["reply"]
    transport = redis_bus.transport_for(nobody, prefix)
    assert transport.published == 0 and transport.dropped >= 1


def test_rolled_back_change_is_not_published_in_process(live_env: str, db: Session,
                                                        heard: list[Change]) -> None:
    db.add(Queue(name="Doomed"))
    db.flush()
    queue_change(db, ticket_id=1, organisation_id=1, kind="reply", public=True)
    db.rollback()
    assert heard == []
    assert db.exec(select(Queue).where(Queue.name == "Doomed")).first() is None
    transport = redis_bus.transport_for(live_env, get_settings().redis_prefix)
    assert transport.published == 0


# --------------------------------------------------------------------------- transport


def _change(ticket_id: int) -> Change:
    return Change(ticket_id=ticket_id, organisation_id=3, kind="reply", public=True,
                  topics=("tickets", "org:3", f"ticket:{ticket_id}"))


@pytest.fixture
def pair(redis_url: str, prefix: str) -> Iterator[tuple[ChangeBus, ChangeBus, RedisTransport]]:
    """Two "workers": buses with their own transports on one channel; b listens."""
    channel = channel_for(redis_url, prefix)
    ta, tb = RedisTransport(redis_url, channel), RedisTransport(redis_url, channel)
    a, b = ChangeBus(lambda: ta), ChangeBus(lambda: tb)
    yield a, b, tb
    tb.stop(wait=2)
    ta.stop(wait=2)


def _kill_subscriber(redis_url: str, transport: RedisTransport) -> None:
    """Drop this transport's subscriber connection only (not other apps' on the server)."""
    admin = redis.Redis.from_url(redis_url)
    ids = [c["id"] for c in admin.client_list(_type="pubsub")
           if c.get("name") == transport.client_name]
    assert len(ids) == 1, ids
    admin.client_kill_filter(_id=ids[0])


def test_subscriber_resumes_after_the_connection_drops(pair, redis_url: str) -> None:
    a, b, tb = pair
    got: list[Change] = []
    b.subscribe(got.append)
    assert tb.wait_ready(5)
    a.publish(_change(1))
    assert _wait_for(lambda: len(got) == 1)
    before = tb.subscriptions
    _kill_subscriber(redis_url, tb)
    assert _wait_for(lambda: tb.subscriptions > before), "did not subscribe again"
    # what was sent meanwhile is lost: the worker's pages are told to read again
    assert _wait_for(lambda: [c.kind for c in got] == ["reply", RESYNC])
    assert got[1] == resync_change()
    a.publish(_change(2))
    assert _wait_for(lambda: [(c.ticket_id, c.kind) for c in got]
                     == [(1, "reply"), (0, RESYNC), (2, "reply")])


def test_deployments_with_other_prefixes_do_not_hear_each_other(redis_url: str,
                                                                 prefix: str) -> None:
    ours = RedisTransport(redis_url, channel_for(redis_url, prefix))
    theirs = RedisTransport(redis_url, channel_for(redis_url, prefix + "-other"))
    got: list[Change] = []
    ChangeBus(lambda: ours).subscribe(got.append)
    try:
        assert ours.wait_ready(5)
        assert theirs.publish(_change(1))
        ChangeBus(lambda: RedisTransport(redis_url, ours.channel)).publish(_change(2))
        assert _wait_for(lambda: got != [])
        time.sleep(0.2)
        assert [c.ticket_id for c in got] == [2]
    finally:
        ours.stop(wait=2)
    assert channel_for("redis://h:6379/3", "p") == "p:changes:db3"


def test_messages_round_trip_and_garbage_is_ignored(pair, redis_url: str) -> None:
    change = _change(5)
    assert decode(encode(change, "me")) == ("me", change)
    for bad in (b"not json", b'{"v": 99}', b'{"v": 1, "origin": "x"}', b"[]"):
        with pytest.raises(ValueError):
            decode(bad)
    _a, b, tb = pair
    got: list[Change] = []
    b.subscribe(got.append)
    assert tb.wait_ready(5)
    admin = redis.Redis.from_url(redis_url)
    admin.publish(tb.channel, b"garbage")
    admin.publish(tb.channel, encode(_change(6), "someone else"))
    assert _wait_for(lambda: [c.ticket_id for c in got] == [6])


def test_unsubscribing_the_last_listener_stops_the_thread(pair) -> None:
    _a, b, tb = pair
    h1, h2 = b.subscribe(lambda c: None), b.subscribe(lambda c: None)
    assert tb.listening
    b.unsubscribe(h1)
    assert tb.listening
    b.unsubscribe(h2)
    assert not tb.listening


# --------------------------------------------------------------------------- a Redis restart

@pytest.fixture
def private_redis(tmp_path: Path, redis_url: str
                  ) -> Iterator[tuple[str, Callable[[], None], Callable[[], None]]]:
    """A redis-server of our own on a free port that the test may stop and start again
    (the shared one must stay up for everyone else). Yields (url, start, stop)."""
    binary = shutil.which("redis-server")
    if binary is None:
        msg = "redis-server not installed (apt-get install -y redis-server)"
        if _in_ci():
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    port = _free_port()
    procs: list[subprocess.Popen] = []

    def start() -> None:
        procs.append(subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(tmp_path)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        client = redis.Redis(port=port, socket_connect_timeout=0.5)
        assert _wait_for(lambda: _pings(client), 10), "private redis-server did not start"

    def stop() -> None:
        proc = procs[-1]
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)

    start()
    yield f"redis://127.0.0.1:{port}/0", start, stop
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False


def test_bus_survives_a_redis_restart(private_redis, prefix: str) -> None:
    url, start, stop = private_redis
    channel = channel_for(url, prefix)
    ta, tb = RedisTransport(url, channel), RedisTransport(url, channel)
    a, b = ChangeBus(lambda: ta), ChangeBus(lambda: tb)
    got_a: list[Change] = []
    got_b: list[Change] = []
    a.subscribe(got_a.append)
    b.subscribe(got_b.append)
    try:
        assert tb.wait_ready(5)
        a.publish(_change(1))
        assert _wait_for(lambda: len(got_b) == 1)
        stop()
        a.publish(_change(2))  # Redis down: dropped for the others, never an error
        assert ta.dropped >= 1
        assert [c.ticket_id for c in got_a] == [1, 2]  # own listeners still hear it
        before = tb.subscriptions
        start()
        assert _wait_for(lambda: tb.subscriptions > before, 15), "did not subscribe again"
        time.sleep(redis_bus.PUBLISH_PAUSE + 0.1)  # publishing resumes after its short pause
        a.publish(_change(3))
        assert ta.published == 2
        assert _wait_for(lambda: 3 in [c.ticket_id for c in got_b])
        assert 2 not in [c.ticket_id for c in got_b]  # pub/sub keeps nothing for later...
        assert RESYNC in [c.kind for c in got_b]  # ...so b's pages were told to read again
        # A restart while nobody publishes: the first change after it still goes out
        # (the dead pooled connection is replaced, not reported as an outage).
        before = tb.subscriptions
        stop()
        start()
        assert _wait_for(lambda: tb.subscriptions > before, 15), "did not subscribe again"
        a.publish(_change(4))
        assert ta.published == 3
        assert _wait_for(lambda: 4 in [c.ticket_id for c in got_b])
    finally:
        ta.stop(wait=2)
        tb.stop(wait=2)
