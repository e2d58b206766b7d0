"""What every admin page state shares: the admin check and the page load."""

from __future__ import annotations

import reflex as rx

from helpdesk_app.db import session_scope
from helpdesk_app.domain.actor import Actor
from helpdesk_app.models import Role
from helpdesk_app.state import live


def start_admin_page(state) -> None:
    """The start of an admin page's on_load (the toolkit has checked the role)."""
    live.unwatch(state)
    state.message, state.error = "", ""


def admin_actor(state, db) -> Actor | None:
    """The actor behind the state's session if it is an admin (re-checked per event)."""
    actor = state._actor(db)
    return actor if actor is not None and actor.role == Role.ADMIN else None


def load_admin_page(state):
    """An admin page's on_load: clear messages, send non-admins away, else `state._load`."""
    live.unwatch(state)
    state.message, state.error = "", ""
    with session_scope() as db:
        actor = state._actor(db)
        if actor is None:
            return state._to_login()
        if actor.role != Role.ADMIN:
            return rx.redirect("/agent" if actor.is_staff else "/portal")
        state._load(db, actor)
    return None
