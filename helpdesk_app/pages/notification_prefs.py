"""/settings/notifications: event × (in the app, by e-mail) checkboxes; for staff also the
organisations, contracts and queues they want to hear about (none ticked: all)."""

from __future__ import annotations

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.components.layout import error_callout
from helpdesk_app.components.page import page
from helpdesk_app.state.notification_prefs import NotificationPrefsState as P
from helpdesk_app.state.notification_prefs import PrefRow
from helpdesk_app.state.session import SessionState as S
from helpdesk_app.state.views import Opt


def _box(r: PrefRow, channel: str, checked) -> rx.Component:
    return rx.table.cell(rx.center(rx.checkbox(
        checked=checked, on_change=lambda on: P.toggle(r.event, channel, on),
        id="np-" + r.event + "-" + channel, class_name="pm-pref",
        custom_attrs={"data-event": r.event, "data-channel": channel,
                      "aria-label": r.label + " — " + S.tr[f"notification_prefs.{channel}"]},
    )))


def _row(r: PrefRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.vstack(rx.text(r.label, size="2", weight="medium"),
                                rx.text(r.hint, size="1", color_scheme="gray"),
                                spacing="0")),
        _box(r, "in_app", r.in_app),
        _box(r, "email", r.email),
        custom_attrs={"data-event": r.event},
    )


def _scope(title_key: str, scope: str, opts, chosen) -> rx.Component:
    def option(o: Opt) -> rx.Component:
        return rx.hstack(
            rx.checkbox(checked=chosen.contains(o.value),
                        on_change=lambda on: P.toggle_scope(scope, o.value, on),
                        class_name="pm-pref-scope",
                        custom_attrs={"data-scope": scope, "data-id": o.value}),
            rx.text(o.label, size="2"), align="center")

    return rx.vstack(
        rx.text(S.tr[title_key], size="2", weight="medium"),
        rx.box(rx.vstack(rx.foreach(opts, option), spacing="1"),
               max_height="14em", overflow_y="auto", width="100%",
               border="1px solid var(--gray-5)", border_radius="6px", padding="0.5em",
               id=f"np-{scope}"),
        spacing="1", flex="1", min_width="14em",
    )


@page(routes.SETTINGS_NOTIFICATIONS, title_key="page.notification_settings", roles=routes.ANYONE,
      on_load=P.on_load, max_width="900px")
def notification_prefs_page() -> rx.Component:
    return rx.fragment(
        rx.vstack(
            rx.heading(S.tr["notification_prefs.title"], size="5"),
            rx.text(S.tr["notification_prefs.help"], size="2", color_scheme="gray"),
            error_callout(P.error),
            rx.box(rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell(S.tr["notification_prefs.event"]),
                    rx.table.column_header_cell(S.tr["notification_prefs.in_app"]),
                    rx.table.column_header_cell(S.tr["notification_prefs.email"]),
                )),
                rx.table.body(rx.foreach(P.rows, _row)),
                width="100%", id="np-table",
            ), width="100%", overflow_x="auto"),
            rx.cond(
                S.is_staff,
                rx.vstack(
                    rx.text(S.tr["notification_prefs.scope_help"], size="2",
                            color_scheme="gray"),
                    rx.flex(
                        _scope("notification_prefs.organisations", "org_ids", P.org_opts,
                               P.org_ids),
                        _scope("notification_prefs.contracts", "contract_ids",
                               P.contract_opts, P.contract_ids),
                        _scope("notification_prefs.queues", "queue_ids", P.queue_opts,
                               P.queue_ids),
                        gap="1em", width="100%", wrap="wrap",
                    ),
                    spacing="2", width="100%",
                ),
            ),
            rx.button(S.tr["notification_prefs.save"], on_click=P.save, id="np-save",
                      disabled=~P.loaded),
            spacing="3", width="100%",
        )
    )
