"""Crafted events whose arguments do not fit the handler: one log line, no state change.

Any browser can send any handler name with any payload over the websocket; these call the
app's event middleware exactly as Reflex does before it would run the handler."""

from __future__ import annotations

import logging

import pytest
from async_support import run_async
from reflex_base.event import Event
from state_support import state_for

from helpdesk_app.state.event_guard import EventArgumentGuard, refusal
from helpdesk_app.state.session import SessionState
from helpdesk_app.state.ticket import TicketState

AGENT = "anna.nowak@pomocnik.example"


def _event(cls, handler: str, **payload) -> Event:
    return Event(name=f"{cls.get_full_name()}.{handler}", payload=payload)


def _preprocess(state, event: Event):
    return run_async(EventArgumentGuard().preprocess(None, state, event))


@pytest.mark.parametrize("payload, why", [
    ({"name": "reply_text", "value": {"x": 1}}, "argument 'value' is a dict"),
    ({"name": "reply_text", "value": ["a"]}, "argument 'value' is a list"),
    ({"name": 7, "value": "ok"}, "argument 'name' is a int"),
    ({"evil": "x", "name": "reply_text", "value": "ok"}, "unexpected argument(s) evil"),
    ({}, "missing argument(s) name, value"),
])
def test_event_with_bad_arguments_is_dropped_with_one_log_line(demo_db, caplog, payload, why):
    state = state_for(TicketState, AGENT)
    state.reply_text = "what the agent typed"
    with caplog.at_level(logging.INFO):
        update = _preprocess(state, _event(TicketState, "set_value", **payload))
    assert update is not None and update.delta == {}  # answered, handler never runs
    assert state.reply_text == "what the agent typed"
    lines = [r for r in caplog.records if r.name == "helpdesk_app.state.event_guard"]
    assert len(lines) == 1 and why in lines[0].getMessage()
    assert lines[0].exc_info is None  # no traceback


def test_event_with_fitting_arguments_goes_on_to_its_handler(demo_db):
    state = state_for(TicketState, AGENT)
    assert _preprocess(state, _event(TicketState, "set_value", name="reply_text",
                                     value="hello")) is None
    assert _preprocess(state, _event(TicketState, "set_value", name="reply_public",
                                     value=False)) is None
    assert _preprocess(state, _event(SessionState, "logout")) is None


def test_reflex_internal_events_are_not_judged(demo_db):
    state = state_for(TicketState, AGENT)
    assert _preprocess(state, Event(name="reflex___state____state.hydrate")) is None


def test_numbers_may_come_as_numeric_strings_but_not_as_text():
    def handler(self, page: int, ratio: float | None = None, flag: bool = False): ...

    assert refusal(handler, {"page": "3"}) is None
    assert refusal(handler, {"page": 3, "ratio": 0.5, "flag": True}) is None
    assert refusal(handler, {"page": "three"}) is not None
    assert refusal(handler, {"page": True}) is not None
    assert refusal(handler, {"page": 1, "flag": "yes"}) is not None
