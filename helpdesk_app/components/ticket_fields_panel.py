"""The ticket's custom fields (agents; clients see the fields opened to them): current
values, editable where this actor may edit, Save / Discard, each field's own error.

Mounting it loads the fields of the ticket in the current route and starts the panel's
own live watch (TicketFieldsState.start); it is keyed by the route path, so opening
another ticket remounts it. Dependencies are evaluated on the server on every change,
by the same function that checks the values at save.
"""

from __future__ import annotations

import reflex as rx

from helpdesk_app.components.field_inputs import field_inputs
from helpdesk_app.components.layout import error_callout
from helpdesk_app.state.session import SessionState as S
from helpdesk_app.state.ticket_fields import TicketFieldsState as F


def ticket_fields_panel() -> rx.Component:
    return rx.box(
        rx.cond(
            F.visible,
            rx.card(rx.vstack(
                rx.heading(S.tr["fields.title"], size="3"),
                field_inputs(F.rows, F.set_field, F.toggle_option, prefix="tf"),
                error_callout(F.error),
                rx.cond(
                    F.can_save,
                    rx.hstack(
                        rx.button(S.tr["fields.save"], on_click=F.save, id="tf-save",
                                  disabled=~F.dirty),
                        rx.button(S.tr["ticket.discard"], on_click=F.discard, variant="soft",
                                  id="tf-discard", disabled=~F.dirty),
                        rx.text(F.message, size="2", id="tf-message"),
                        align="center", wrap="wrap",
                    ),
                ),
                rx.el.span(F.refreshed, id="tf-refreshed", hidden=True),
                spacing="3", width="100%",
            ), width="100%"),
        ),
        key=rx.State.router.url.path,
        on_mount=F.start,
        on_unmount=F.stop,
        id="ticket-fields-panel",
        width="100%",
    )
