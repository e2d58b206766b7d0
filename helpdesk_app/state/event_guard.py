"""Refuse events whose arguments do not fit their handler, before the handler runs.

Any browser can call any public handler by name with any arguments. Reflex passes a
payload it cannot convert through unchanged, so a crafted `set_reply_text({"a": 1})`
would put a dict into a text field, and a wrong argument name fails inside Reflex with
a full traceback in the log. This middleware checks names and simple types (str, int,
float, bool, list, dict, optional) against the handler's signature and drops a bad
event with one log line and no state change. Richer types (uploads, dataclasses) are
left to Reflex's own conversion.
"""

from __future__ import annotations

import functools
import inspect
import logging
import types
import typing
from collections.abc import Callable
from typing import Any

from reflex.middleware import Middleware
from reflex.state import StateUpdate

from helpdesk_app.state.session import SessionState, user_states

log = logging.getLogger(__name__)

_EMPTY = inspect.Parameter.empty


def _number(value: Any, kind: type) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int) or (kind is float and isinstance(value, float)):
        return True
    if isinstance(value, str):  # Reflex converts numeric strings for int/float hints
        try:
            kind(value)
        except ValueError:
            return False
        return True
    return False


def fits(value: Any, hint: Any) -> bool:
    """Whether `value`, as it came from the browser, can be what `hint` asks for."""
    if hint is _EMPTY or hint is Any:
        return True
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(fits(value, arg) for arg in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint in (int, float):
        return _number(value, hint)
    if hint is str:
        return isinstance(value, str)
    if hint in (list, tuple, set) or origin in (list, tuple, set):
        return isinstance(value, list)
    if hint is dict or origin is dict:
        return isinstance(value, dict)
    return True


@functools.cache
def _signature(fn: Callable) -> tuple[list[inspect.Parameter], dict[str, Any], bool]:
    params = list(inspect.signature(fn).parameters.values())[1:]  # without self
    try:
        hints = typing.get_type_hints(fn)
    except Exception:  # an unresolvable annotation: check names only
        hints = {}
    open_kwargs = any(p.kind is p.VAR_KEYWORD for p in params)
    return params, hints, open_kwargs


def refusal(fn: Callable, payload: dict[str, Any]) -> str | None:
    """Why `payload` does not fit handler `fn`, or None when it does."""
    params, hints, open_kwargs = _signature(fn)
    names = {p.name for p in params}
    if not open_kwargs and (unknown := sorted(set(payload) - names)):
        return f"unexpected argument(s) {', '.join(unknown)}"
    missing = [p.name for p in params if p.default is _EMPTY and p.name not in payload
               and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if missing:
        return f"missing argument(s) {', '.join(missing)}"
    for name, value in payload.items():
        if not fits(value, hints.get(name, _EMPTY)):
            return f"argument {name!r} is a {type(value).__name__}, not {hints[name]}"
    return None


@functools.cache
def _handlers() -> dict[str, Callable]:
    """Full event name -> function, for every handler of our page states."""
    return {f"{cls.get_full_name()}.{name}": handler.fn
            for cls in (SessionState, *user_states())
            for name, handler in cls.event_handlers.items()}


class EventArgumentGuard(Middleware):
    async def preprocess(self, app, state, event) -> StateUpdate | None:
        fn = _handlers().get(event.name)
        if fn is None:  # Reflex's own events (hydrate, on_load dispatch, ...)
            return None
        why = refusal(fn, event.payload or {})
        if why is None:
            return None
        log.warning("refused event %s: %s", event.name.rpartition(".")[2], why)
        return StateUpdate()
