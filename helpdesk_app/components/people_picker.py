"""Members of a queue or a custom role: the current list with Remove, and a type-to-find
box whose matches each get an Add button (only matches are ever sent to the browser)."""

from __future__ import annotations

import reflex as rx

from helpdesk_app.state.session import SessionState as S


def members_panel(state, prefix: str) -> rx.Component:
    """`state` has members/people_query/people_found and find_people/add_member/
    remove_member; ids start with `prefix` (e.g. "qm")."""
    return rx.vstack(
        rx.heading(S.tr["queues_roles.members"], size="3"),
        rx.cond(
            state.members.length() > 0,
            rx.vstack(rx.foreach(state.members, lambda m: rx.hstack(
                rx.text(m.label, size="2", class_name="pm-member"),
                rx.spacer(),
                rx.button(S.tr["queues_roles.remove"], size="1", variant="soft",
                          color_scheme="red", on_click=state.remove_member(m.value),
                          id=f"{prefix}-remove-" + m.value),
                width="100%", align="center")),
                width="100%", spacing="1", id=f"{prefix}-members"),
            rx.text(S.tr["queues_roles.no_members"], size="1", color_scheme="gray"),
        ),
        rx.input(value=state.people_query, on_change=state.find_people, type="search",
                 id=f"{prefix}-find", placeholder=S.tr["queues_roles.find_person"],
                 width="100%", debounce_timeout=250,
                 custom_attrs={"aria-label": S.tr["queues_roles.find_person"]}),
        rx.foreach(state.people_found, lambda p: rx.hstack(
            rx.text(p.label, size="2"),
            rx.spacer(),
            rx.button(S.tr["queues_roles.add"], size="1", on_click=state.add_member(p.value),
                      id=f"{prefix}-add-" + p.value),
            width="100%", align="center")),
        rx.cond((state.people_query != "") & (state.people_found.length() == 0),
                rx.text(S.tr["queues_roles.no_match"], size="1", color_scheme="gray")),
        spacing="2", width="100%",
    )
