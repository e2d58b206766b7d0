"""With Redis, each event of a tab reads and unpickles the states it needs: its page
state, the parents, and every state with a computed var that reads one of those. A page
state's computed var over SessionState (e.g. the language) would add that page to every
other page's events (issue 15: the agent list's events read 7 states, now 3)."""

from __future__ import annotations

import reflex as rx
from reflex.istate.manager.redis import StateManagerRedis

import helpdesk_app.helpdesk_app  # noqa: F401  (imports every page state)
from helpdesk_app.state.agent_list import AgentListState
from helpdesk_app.state.session import SessionState


def _every_state(root: type[rx.State]) -> list[type[rx.State]]:
    found, stack = [], [root]
    while stack:
        cls = stack.pop()
        found.append(cls)
        stack.extend(cls.get_substates())
    return found


def _needed_for(state_cls: type[rx.State]) -> set[str]:
    manager = StateManagerRedis.__new__(StateManagerRedis)  # only its class logic is used
    return {cls.__name__ for cls in manager._get_required_state_classes(state_cls)}


def test_the_agent_list_event_reads_only_its_own_state_and_its_parents():
    assert _needed_for(AgentListState) == {"State", "SessionState", "AgentListState"}


def test_no_state_is_loaded_along_with_another_for_its_computed_vars():
    # (a state's own computed vars over its own vars are fine: it is loaded anyway)
    dragged = {cls.__name__: sorted(s.__name__ for s in cls._get_potentially_dirty_states()
                                    if s is not cls)
               for cls in _every_state(SessionState.get_root_state())}
    assert {name: deps for name, deps in dragged.items() if deps} == {}
