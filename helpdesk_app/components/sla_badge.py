"""SLA badge: state colour plus a countdown that ticks in the browser (no server round trip).
A finished ticket's badge ("late" / "met") is neutral grey and says the outcome, no
countdown (state/views.py outcome_label)."""

from __future__ import annotations

import reflex as rx

from helpdesk_app.state.session import SessionState as S

_COLOURS = {"running": "green", "warning": "orange", "breached": "red", "paused": "gray",
            "met": "gray", "late": "gray"}


def sla_badge(state, label, due_iso) -> rx.Component:
    colour = rx.match(state, *_COLOURS.items(), "gray")
    return rx.cond(
        state != "none",
        rx.badge(
            label,
            rx.cond(
                (due_iso != "") & (state != "met") & (state != "late") & (state != "paused"),
                rx.fragment(" · ", rx.moment(date=due_iso, from_now=True, interval=30_000,
                                             locale=S.ui_lang)),
            ),
            color_scheme=colour,
            variant=rx.cond(state == "breached", "solid",
                            rx.cond((state == "met") | (state == "late"), "outline", "soft")),
            class_name="pm-sla", custom_attrs={"data-sla": state},
        ),
    )
