"""The one way a page state's event handler does its work.

    @handler(roles=routes.ADMINS)
    def save(self, db, actor):
        calendar_config.save_calendar(db, actor, ...)

`handler` opens one unit of work, re-resolves the actor from the session cookie (no
session: to the login page), enforces the roles (anyone else: to their start page) and
turns a `DomainError` into the page's message (`error="error"` names the state var; the
form keeps what was typed; `toast=True` also shows it as an error toast); a `FormInvalid`
also fills the state's `form_errors` (field -> message), when it has one. The browser
sees the handler without `db` and `actor`, so it cannot pass them. Code that is not an
event (live refreshes, background tasks) opens the same unit of work with
`unit_of_work(state)`; a worker thread handed its checked actor uses `bare_session()`.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import reflex as rx
from sqlmodel import Session

from helpdesk_app import routes
from helpdesk_app.db import session_scope
from helpdesk_app.domain import access
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import DomainError, FormInvalid


@contextmanager
def unit_of_work(state: Any) -> Iterator[tuple[Session, Actor | None]]:
    """A session plus the actor re-resolved from the state's session (None: signed out)."""
    with session_scope() as db:
        yield db, state._actor(db)


def bare_session() -> AbstractContextManager[Session]:
    """A unit of work without an actor: for signing in and out (there is none yet, or no
    more), and for a worker thread handed its already checked actor (a thread must not
    touch the state, so it cannot re-resolve the session itself)."""
    return session_scope()


def _admit(state: Any, db: Session, roles: frozenset[str],
           permission: str | None = None) -> Actor | rx.event.EventSpec:
    actor = state._actor(db)
    if actor is None:
        return state._to_login()
    if not access.admits(actor, roles, permission):
        return rx.redirect(routes.start_page(actor.is_agent))
    return actor


def _public(fn: Callable, wrapper: Callable) -> Callable:
    """Give `wrapper` the name and browser-facing signature of `fn` minus (db, actor)."""
    params = list(inspect.signature(fn).parameters.values())
    hidden = {p.name for p in params[1:3]}
    wrapper.__name__, wrapper.__qualname__ = fn.__name__, fn.__qualname__
    wrapper.__doc__, wrapper.__module__ = fn.__doc__, fn.__module__
    wrapper.__wrapped__ = fn  # type hints resolve in the handler's own module
    wrapper.__signature__ = inspect.Signature([params[0], *params[3:]])
    wrapper.__annotations__ = {k: v for k, v in fn.__annotations__.items() if k not in hidden}
    return wrapper


def _refuse(state: Any, db: Session, e: DomainError, error: str, toast: bool) -> Any:
    db.rollback()
    if isinstance(e, FormInvalid) and hasattr(state, "form_errors"):
        state.form_errors = state._field_errors(e)  # each message next to its field
    setattr(state, error, state._err(e))
    return rx.toast.error(getattr(state, error)) if toast else None


def handler(*, roles: frozenset[str] = routes.ANYONE, error: str = "error", toast: bool = False,
            permission: str | None = None, **event_options: Any) -> Callable[[Callable], Any]:
    """Decorate `fn(self, db, actor, *args)` into a checked event handler (see module doc).
    `permission` (domain/permissions.py): the actor must also hold it, like the page."""

    def decorate(fn: Callable) -> Any:
        if inspect.iscoroutinefunction(fn):
            async def run_async(self, *args, **kwargs):
                with session_scope() as db:
                    actor = _admit(self, db, roles, permission)
                    if not isinstance(actor, Actor):
                        return actor
                    try:
                        return await fn(self, db, actor, *args, **kwargs)
                    except DomainError as e:
                        return _refuse(self, db, e, error, toast)

            return rx.event(_public(fn, run_async), **event_options)

        def run_sync(self, *args, **kwargs):
            with session_scope() as db:
                actor = _admit(self, db, roles, permission)
                if not isinstance(actor, Actor):
                    return actor
                try:
                    return fn(self, db, actor, *args, **kwargs)
                except DomainError as e:
                    return _refuse(self, db, e, error, toast)

        async def run(self, *args, **kwargs):
            # The database work runs off the event loop: meanwhile the worker answers other
            # tabs and delivers live changes. Reflex holds this tab's state lock until the
            # handler returns, so nothing else touches the state from another thread.
            return await asyncio.to_thread(run_sync, self, *args, **kwargs)

        return rx.event(_public(fn, run), **event_options)

    return decorate
