"""Driving Reflex page states in-process, as a crafted websocket message would.

Every public method of a state is callable by any browser, by name, with any arguments;
these helpers call handlers directly so tests can check the server still refuses.
"""

from __future__ import annotations

import asyncio

import reflex as rx
from async_support import run_async

from helpdesk_app.db import session_scope
from helpdesk_app.domain import auth

DEMO_PASSWORD = "pomocnik-demo"


def state_for(cls, email: str | None):
    """A fresh state of `cls`, logged in as `email` (None: anonymous)."""
    root = rx.State(_reflex_internal_init=True)
    state = root.get_substate(cls.get_full_name().split(".")[1:])
    if email:
        with session_scope() as db:
            state.token, _actor = auth.login(db, email, DEMO_PASSWORD)
    return state


def call_handler(cls, name: str, state, *args):
    """Run the event handler `name` of `cls` on `state`, sync or async."""
    result = cls.event_handlers[name].fn(state, *args)
    return run_async(result) if asyncio.iscoroutine(result) else result
