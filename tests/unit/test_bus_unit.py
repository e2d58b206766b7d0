from __future__ import annotations

import asyncio

from async_support import run_async

from helpdesk_app.live.bus import (
    Change,
    InProcessBus,
    asyncio_listener,
    resync_change,
    topics_for,
)


def _change(ticket_id: int = 1) -> Change:
    return Change(ticket_id=ticket_id, organisation_id=7, kind="reply", public=True,
                  topics=topics_for(ticket_id, 7))


def test_topics() -> None:
    assert topics_for(5, 9) == ("tickets", "org:9", "ticket:5")


def test_subscribe_publish_unsubscribe() -> None:
    bus = InProcessBus()
    got_a: list[Change] = []
    got_b: list[Change] = []
    a = bus.subscribe(got_a.append)
    b = bus.subscribe(got_b.append)
    assert a != b
    bus.publish(_change(1))
    bus.unsubscribe(a)
    bus.publish(_change(2))
    assert [c.ticket_id for c in got_a] == [1]
    assert [c.ticket_id for c in got_b] == [1, 2]
    bus.unsubscribe(a)  # unsubscribing twice is harmless


def test_broken_listener_does_not_stop_others() -> None:
    bus = InProcessBus()
    got: list[Change] = []

    def broken(_change: Change) -> None:
        raise RuntimeError("boom")

    bus.subscribe(broken)
    bus.subscribe(got.append)
    bus.publish(_change())
    assert len(got) == 1


def test_asyncio_listener_hands_over_to_queue() -> None:
    async def main() -> Change:
        queue: asyncio.Queue = asyncio.Queue()
        bus = InProcessBus()
        bus.subscribe(asyncio_listener(asyncio.get_running_loop(), queue))
        bus.publish(_change(3))
        return await asyncio.wait_for(queue.get(), timeout=2)

    assert run_async(main()).ticket_id == 3


def test_a_resync_concerns_every_watch_and_carries_no_data() -> None:
    from helpdesk_app.state.live import Watch, _concerns

    resync = resync_change()
    assert (resync.ticket_id, resync.organisation_id) == (0, 0)
    client_page = Watch(object, frozenset({"ticket:5"}), public_only=True)
    agent_list = Watch(object, frozenset({"tickets", "seen:3"}), public_only=False)
    assert _concerns(client_page, resync) and _concerns(agent_list, resync)
    # an ordinary internal change still reaches only the agent's watch
    internal = Change(ticket_id=5, organisation_id=7, kind="note", public=False,
                      topics=topics_for(5, 7))
    assert not _concerns(client_page, internal) and _concerns(agent_list, internal)
