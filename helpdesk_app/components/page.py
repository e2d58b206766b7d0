"""The page decorator: route, title, roles and on_load next to the page function.

    @page(routes.ADMIN_SLA, title="SLA configuration", roles=routes.ADMINS,
          on_load=AdminSlaState.on_load)
    def admin_sla_page() -> rx.Component: ...

The page gets the shared layout (top bar, navigation) unless `layout=False`. Its on_load
is always `SessionState.enter_page`, which checks the declared roles on the server and
only then runs the page's own on_load, so a page cannot forget its check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.components.layout import shell
from helpdesk_app.state.session import SessionState


@dataclass(frozen=True)
class PageSpec:
    route: str
    title: str
    component: Callable[[], rx.Component]


PAGES: list[PageSpec] = []


def page(route: str, *, title: str, roles: frozenset[str] | None, on_load: object = None,
         layout: bool = True, max_width: str = "1200px") -> Callable:
    def register(fn: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        def component() -> rx.Component:
            return shell(fn(), max_width=max_width) if layout else fn()

        component.__name__ = fn.__name__
        routes.declare_page(route, roles, on_load)
        PAGES.append(PageSpec(route, title, component))
        return fn

    return register


def add_pages(app: rx.App) -> None:
    for p in PAGES:
        title = "Pomocnik" if not p.title else f"Pomocnik — {p.title}"
        app.add_page(p.component, route=p.route, title=title, on_load=SessionState.enter_page)
