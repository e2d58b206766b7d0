"""Admin: queues — the ordered list (up/down, deactivate with confirmation), the form and
the members of the queue being edited."""

from __future__ import annotations

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.components.admin_form import text_field
from helpdesk_app.components.layout import error_callout
from helpdesk_app.components.page import page
from helpdesk_app.components.people_picker import members_panel
from helpdesk_app.state.admin_queues import AdminQueuesState as A
from helpdesk_app.state.admin_queues import QueueRow
from helpdesk_app.state.session import SessionState as S


def _row(r: QueueRow) -> rx.Component:
    return rx.flex(
        rx.vstack(rx.text(r.name, weight="medium", size="2",
                          color=rx.cond(r.active, "inherit", "var(--gray-10)")),
                  rx.text(r.detail, size="1", color_scheme="gray"),
                  spacing="0", min_width="0", flex="1"),
        rx.hstack(
            rx.icon_button(rx.icon("arrow-up", size=14), size="1", variant="soft",
                           disabled=r.first, on_click=A.move(r.id, -1), id="q-up-" + r.id,
                           custom_attrs={"aria-label": S.tr["queues.move_up"]}),
            rx.icon_button(rx.icon("arrow-down", size=14), size="1", variant="soft",
                           disabled=r.last, on_click=A.move(r.id, 1), id="q-down-" + r.id,
                           custom_attrs={"aria-label": S.tr["queues.move_down"]}),
            rx.button(S.tr["admin.edit"], size="1", variant="soft",
                      on_click=A.edit_queue(r.id), id="q-edit-" + r.id),
            rx.cond(r.active,
                    rx.button(S.tr["queues.deactivate"], size="1", variant="soft",
                              color_scheme="red", on_click=A.ask_deactivate(r.id),
                              id="q-deactivate-" + r.id),
                    rx.button(S.tr["queues.reactivate"], size="1", variant="soft",
                              on_click=A.reactivate(r.id), id="q-reactivate-" + r.id)),
            spacing="1", flex_wrap="wrap",
        ),
        gap="0.5em", width="100%", padding_y="0.3em", border_bottom="1px solid var(--gray-4)",
        align="center", wrap="wrap", class_name="pm-config-row",
        custom_attrs={"data-title": r.name},
    )


def _confirm() -> rx.Component:
    return rx.cond(A.confirm_id != "", rx.callout(
        rx.vstack(
            rx.text(S.tr["queues.confirm_deactivate"], " ", rx.el.b(A.confirm_name)),
            rx.text(S.tr["queues.deactivate_help"], size="1"),
            rx.hstack(
                rx.button(S.tr["queues.deactivate"], size="1", color_scheme="red",
                          on_click=A.confirm_deactivate, id="q-confirm-yes"),
                rx.button(S.tr["queues_roles.cancel"], size="1", variant="soft",
                          on_click=A.cancel_deactivate, id="q-confirm-no"),
                spacing="2"),
            spacing="2"),
        color_scheme="orange", size="1", id="q-confirm", role="alertdialog"))


def _form() -> rx.Component:
    err = A.form_errors
    return rx.vstack(
        rx.heading(rx.cond(A.f_id != "", S.tr["queues.edit_title"], S.tr["queues.new_title"]),
                   size="4"),
        text_field(S.tr["queues.name"], A.f_name, A.set_value("f_name"), "q-name",
                   error=err.get("name", ""), required=True),
        text_field(S.tr["queues.description"], A.f_description, A.set_value("f_description"),
                   "q-description", error=err.get("description", "")),
        rx.el.label(rx.checkbox(checked=A.f_requires_entry,
                                on_change=A.set_value("f_requires_entry"),
                                id="q-requires-entry"),
                    rx.text(S.tr["worktime.requires_entry"], size="2"),
                    style={"display": "flex", "gap": "0.5em", "alignItems": "center"}),
        rx.button(S.tr["ticket.save"], on_click=A.save, id="q-save"),
        rx.cond(A.f_id != "", members_panel(A, "qm"),
                rx.text(S.tr["queues.members_after_save"], size="1", color_scheme="gray")),
        spacing="3", width="100%",
    )


@page(routes.ADMIN_QUEUES, title_key="page.admin_queues", roles=routes.ADMINS,
      on_load=A.on_load, max_width="1000px")
def admin_queues_page() -> rx.Component:
    return rx.vstack(
        rx.heading(S.tr["queues.title"], size="5"),
        error_callout(A.error),
        rx.cond(A.message != "", rx.callout(A.message, color_scheme="green", size="1",
                                            id="admin-message")),
        _confirm(),
        rx.card(rx.vstack(
            rx.hstack(rx.heading(S.tr["queues.list"], size="4"), rx.spacer(),
                      rx.button(S.tr["admin.new"], size="1", on_click=A.new_queue,
                                id="q-new"), width="100%"),
            rx.vstack(rx.foreach(A.rows, _row), width="100%", spacing="0", id="q-rows"),
            spacing="3", width="100%"), width="100%"),
        rx.card(_form(), width="100%"),
        spacing="4", width="100%",
    )
