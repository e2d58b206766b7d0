"""One timeline item, drawn by the component for its kind: a message (the ticket's first
text, a reply, an internal note) with its body and files; an SLA warning or breach; an
escalation; a period the SLA clock was paused; any other change as one compact line."""

from __future__ import annotations

import reflex as rx

from helpdesk_app.components.avatar import avatar
from helpdesk_app.models import EventKind
from helpdesk_app.state.session import SessionState as S
from helpdesk_app.state.timeline import PAUSE_KIND, EventItem, FileView


def _file(f: FileView) -> rx.Component:
    return rx.link("📎 ", f.name, " (", f.size, ")", href=f.url, is_external=True,
                   class_name="pm-attachment", size="2")


def _frame(e: EventItem, *body: rx.Component, badge: rx.Component | None = None,
           class_name: str = "pm-event") -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.cond(e.by_person, avatar(e.author, size="1.4rem")),
            rx.text(e.author, weight="bold", size="2"),
            rx.text(e.title, size="2", color_scheme="gray"),
            *([badge] if badge is not None else []),
            rx.spacer(),
            rx.text(e.when, size="1", color_scheme="gray"),
            wrap="wrap", width="100%", align="center",
        ),
        *body,
        class_name=class_name, custom_attrs={"data-kind": e.kind},
        padding="0.6em", border_radius="6px", border="1px solid var(--gray-5)", width="100%",
    )


def _files(e: EventItem) -> rx.Component:
    return rx.cond(e.files.length() > 0,
                   rx.flex(rx.foreach(e.files, _file), gap="0.75em", wrap="wrap"))


def message_item(e: EventItem) -> rx.Component:
    return _frame(e, rx.cond(e.body != "", rx.text(e.body, size="2", class_name="pm-body")),
                  _files(e))


def note_item(e: EventItem) -> rx.Component:
    # staff read "shared with the subcontractor"; a subcontractor's own notes are shared
    badge = rx.cond(e.shared & S.is_staff,
                    rx.badge(S.tr["event.internal_shared"], color_scheme="cyan",
                             class_name="pm-shared"),
                    rx.badge(S.tr["event.internal"], color_scheme="amber"))
    return _frame(e, rx.cond(e.body != "", rx.text(e.body, size="2", class_name="pm-body")),
                  _files(e), badge=badge, class_name="pm-event pm-note")


def handover_item(e: EventItem) -> rx.Component:
    """Handed to / accepted / returned by / withdrawn from a subcontractor, with the note."""
    return _frame(e, rx.cond(e.body != "", rx.text(e.body, size="2", class_name="pm-body")),
                  badge=rx.badge(S.tr["event.handover"], color_scheme="cyan", variant="soft"),
                  class_name="pm-event pm-handover")


def sla_item(e: EventItem, colour: str) -> rx.Component:
    return _frame(e, badge=rx.badge("SLA", color_scheme=colour, variant="soft"),
                  class_name=f"pm-event pm-sla-{colour}")


def change_item(e: EventItem) -> rx.Component:
    return _frame(e, _files(e))


def timeline_item(e: EventItem) -> rx.Component:
    return rx.match(
        e.kind,
        (EventKind.CREATED, message_item(e)),
        (EventKind.REPLY, message_item(e)),
        (EventKind.NOTE, note_item(e)),
        (EventKind.SLA_WARNING, sla_item(e, "amber")),
        (EventKind.SLA_BREACH, sla_item(e, "red")),
        (EventKind.ESCALATION, sla_item(e, "purple")),
        (PAUSE_KIND, sla_item(e, "gray")),
        (EventKind.HANDOVER, handover_item(e)),
        change_item(e),
    )
