"""Plain display records shared by the page states (what a row or timeline item shows)."""

from __future__ import annotations

import dataclasses

from helpdesk_app.domain.tickets import TicketRow
from helpdesk_app.i18n import t


@dataclasses.dataclass
class Opt:
    value: str = ""
    label: str = ""


@dataclasses.dataclass
class QueueCount:
    value: str = ""
    label: str = ""
    count: int = 0


@dataclasses.dataclass
class RowView:
    id: str = ""
    number: str = ""
    subject: str = ""
    status: str = ""
    status_label: str = ""
    priority: str = ""
    priority_label: str = ""
    channel_label: str = ""
    queue: str = ""
    organisation: str = ""
    requester: str = ""
    assignee: str = ""
    updated: str = ""
    sla_state: str = "none"
    sla_label: str = ""
    sla_due: str = ""  # ISO 8601 UTC, counted down in the browser
    is_key: bool = False


def row_view(row: TicketRow, lang: str, updated: str, *, staff: bool = True,
             labels: dict[str, str] | None = None) -> RowView:
    """A list row. SLA data is agent-only: clients' rows never carry it to the browser.
    `labels` are the status names for this viewer (domain.workflow.labels)."""
    sla = {}
    if staff and row.sla_state != "none":
        sla = {"sla_state": row.sla_state, "sla_label": t(f"sla.{row.sla_state}", lang),
               "sla_due": row.sla_due_at.isoformat() if row.sla_due_at else "",
               "is_key": row.is_key}
    elif staff:
        sla = {"is_key": row.is_key}
    return RowView(
        **sla,
        id=str(row.id), number=row.number, subject=row.subject, status=row.status,
        status_label=(labels or {}).get(row.status) or t(f"status.{row.status}", lang),
        priority=str(row.priority),
        priority_label=t(f"priority.{row.priority}", lang),
        channel_label=t(f"channel.{row.channel}", lang), queue=row.queue,
        organisation=row.organisation, requester=row.requester, assignee=row.assignee,
        updated=updated,
    )


def options(items: list, lang: str, prefix: str) -> list[Opt]:
    """Translated options for a fixed vocabulary, e.g. statuses."""
    return [Opt(str(v), t(f"{prefix}.{v}", lang)) for v in items]
