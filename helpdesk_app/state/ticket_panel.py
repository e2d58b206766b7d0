"""What a side panel of the ticket page (checklist, subcontractor handover) does when it
mounts: find the route's ticket through the access policy, load the panel and watch the
ticket in the panel's own slot, beside the page's watch.

Not a checked handler: for anyone but staff and subcontractors, or a ticket they may not
see, the panel stays empty, quietly (the ticket page around it does the redirecting)."""

from __future__ import annotations

from typing import Any

from helpdesk_app.domain import tickets
from helpdesk_app.domain.errors import DomainError
from helpdesk_app.state import live
from helpdesk_app.state.toolkit import unit_of_work


def open_panel(state: Any, slot: str) -> None:
    """`state` has `_clear()`, `_route_number()`, `_load(db, actor)` and `_ticket_id`; and
    optionally `_extra_topics(actor)`, more topics for its watch (the person's timer)."""
    state._clear()
    extra: set[str] = set()
    with unit_of_work(state) as (db, actor):
        if actor is None or not actor.is_agent:
            live.unwatch(state, slot=slot)
            return
        try:
            state._ticket_id = tickets.find_by_number(db, actor, state._route_number())
            state._load(db, actor)
            if hasattr(state, "_extra_topics"):
                extra = set(state._extra_topics(actor))
        except DomainError:
            state._clear()
            live.unwatch(state, slot=slot)
            return
    live.watch(state, {f"ticket:{state._ticket_id}", *extra}, public_only=False, slot=slot)
