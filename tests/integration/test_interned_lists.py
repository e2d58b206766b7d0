"""The option lists every agent tab shows alike are held once per process, and with Redis a
tab state is pickled with their digests, not their items (issue 15: a list tab's pickle
was ~70 % three lists of every agent, unpickled on each of its events). Another process
(a second worker, or this one after a restart) finds the items in Redis; when Redis
cannot keep them the lists are pickled whole. Against a real Redis."""

from __future__ import annotations

import logging
import pickle
import uuid
from collections.abc import Iterator

import pytest
import redis
from reflex.config import get_config
from state_support import call_handler, state_for

from helpdesk_app.config import get_settings
from helpdesk_app.state import interned as interned_mod
from helpdesk_app.state.agent_list import AgentListState
from helpdesk_app.state.interned import interned
from helpdesk_app.state.views import Opt

COORD = "koordynator@pomocnik.example"
SHARED = ("queue_opts", "org_opts", "bulk_status_opts", "bulk_assignee_opts", "agent_opts",
          "_agents")


def _another_process() -> None:
    """What a process that never built the lists has: nothing interned, no Redis client."""
    interned_mod._by_key.clear()
    interned_mod._by_digest_map.clear()
    interned_mod._stores.clear()


@pytest.fixture
def state_redis(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Tab states are kept in this Redis (as rxconfig sets it up), under a test prefix."""
    prefix = f"pomocnik-test-{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("REFLEX_REDIS_URL", redis_url)
    monkeypatch.setenv("POMOCNIK_REDIS_PREFIX", prefix)
    get_settings.cache_clear()
    _another_process()
    yield prefix
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    _another_process()


def _list_tab() -> AgentListState:
    tab = state_for(AgentListState, COORD)
    call_handler(AgentListState, "on_load", tab)
    return tab


def _lists(state: AgentListState) -> dict[str, list]:
    return {name: list(vars(state)[name]) for name in SHARED}


def test_equal_lists_are_one_object_in_a_process(demo_db):
    a = interned([Opt("1", "Anna"), Opt("2", "Piotr")])
    assert interned([Opt("1", "Anna"), Opt("2", "Piotr")]) is a
    assert interned([Opt("1", "Anna")]) is not a
    assert interned([("1", "Anna")]) is not interned([Opt("1", "Anna")])  # kind counts
    first, second = _list_tab(), _list_tab()
    for name in SHARED:
        assert vars(first)[name] is vars(second)[name], name


def test_without_redis_a_state_is_pickled_with_the_lists_whole(demo_db):
    tab = _list_tab()
    shown = _lists(tab)
    data = tab._serialize()
    _another_process()
    again = type(tab)._deserialize(data)
    assert _lists(again) == shown and again.agent_opts  # the desk's people are there


def test_with_redis_the_lists_are_pickled_as_digests_and_found_by_another_process(
        demo_db, state_redis, redis_url):
    tab = _list_tab()
    shown = _lists(tab)
    with_digests = tab._serialize()
    whole = pickle.dumps({name: list(v) if isinstance(v, interned_mod.Interned) else v
                          for name, v in vars(tab).items()})
    assert len(with_digests) < len(whole)
    for name in SHARED:  # a digest, whatever the number of people on the desk
        value = vars(tab)[name]
        assert len(pickle.dumps(value)) < 120 < len(pickle.dumps(list(value))), name
    # each list is kept once in Redis, for longer than any tab state that names it
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{state_redis}:interned:*"))
    assert len(keys) == len({id(vars(tab)[name]) for name in SHARED})
    assert min(client.ttl(k) for k in keys) > get_config().redis_token_expiration

    _another_process()
    again = type(tab)._deserialize(with_digests)
    assert _lists(again) == shown
    # and that process now holds them once too: a second tab's state shares its lists
    other = type(tab)._deserialize(with_digests)
    assert all(vars(other)[name] is vars(again)[name] for name in SHARED)


def test_when_redis_is_down_the_lists_are_pickled_whole(demo_db, monkeypatch, caplog):
    monkeypatch.setenv("REFLEX_REDIS_URL", "redis://127.0.0.1:9/0")  # nothing listens
    _another_process()
    tab = _list_tab()
    shown = _lists(tab)
    with caplog.at_level(logging.WARNING, logger="helpdesk_app.state.interned"):
        data = tab._serialize()
    assert "pickling it whole" in caplog.text
    _another_process()
    assert _lists(type(tab)._deserialize(data)) == shown


def test_a_list_redis_lost_comes_back_empty_and_the_next_load_sends_it_again(
        demo_db, state_redis, redis_url, caplog):
    tab = _list_tab()
    shown = _lists(tab)
    data = tab._serialize()
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{state_redis}:interned:*"):
        client.delete(key)
    _another_process()
    with caplog.at_level(logging.WARNING, logger="helpdesk_app.state.interned"):
        again = type(tab)._deserialize(data)
    assert again.agent_opts == [] and "not found in Redis" in caplog.text
    # the tab's state as restored; its next load redraws the lists (and sends them)
    for name in SHARED:
        vars(tab)[name] = vars(again)[name]
    tab.dirty_vars.clear()
    call_handler(AgentListState, "on_load", tab)
    assert _lists(tab) == shown and "agent_opts" in tab.dirty_vars
