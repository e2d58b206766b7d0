"""The page decorator: route, title, roles and on_load next to the page function.

    @page(routes.ADMIN_SLA, title_key="page.admin_sla", roles=routes.ADMINS,
          on_load=AdminSlaState.on_load)
    def admin_sla_page() -> rx.Component: ...

The page gets the shared layout (top bar, navigation) unless `layout=False`. Its on_load
is always `SessionState.enter_page`, which checks the declared roles on the server and
only then runs the page's own on_load, so a page cannot forget its check.

`title_key` is a catalog key: the tab reads "Pomocnik — <name>" in the user's language
(empty: just "Pomocnik"); `<html lang>` follows the language too (components/document_meta.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.components.document_meta import document_meta, page_title
from helpdesk_app.components.layout import shell
from helpdesk_app.state.session import SessionState


@dataclass(frozen=True)
class PageSpec:
    route: str
    title_key: str
    component: Callable[[], rx.Component]


PAGES: list[PageSpec] = []


def page(route: str, *, title_key: str, roles: frozenset[str] | None, on_load: object = None,
         layout: bool = True, max_width: str = "1200px",
         permission: str | None = None) -> Callable:
    def register(fn: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        def component() -> rx.Component:
            body = shell(fn(), max_width=max_width) if layout else fn()
            return rx.fragment(document_meta(), body)

        component.__name__ = fn.__name__
        routes.declare_page(route, roles, on_load, permission)
        PAGES.append(PageSpec(route, title_key, component))
        return fn

    return register


def add_pages(app: rx.App) -> None:
    for p in PAGES:
        app.add_page(p.component, route=p.route, title=page_title(p.title_key),
                     on_load=SessionState.enter_page)
