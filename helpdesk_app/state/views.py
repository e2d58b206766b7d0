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


def row_view(row: TicketRow, lang: str, updated: str) -> RowView:
    return RowView(
        id=str(row.id), number=row.number, subject=row.subject, status=row.status,
        status_label=t(f"status.{row.status}", lang), priority=str(row.priority),
        priority_label=t(f"priority.{row.priority}", lang),
        channel_label=t(f"channel.{row.channel}", lang), queue=row.queue,
        organisation=row.organisation, requester=row.requester, assignee=row.assignee,
        updated=updated,
    )


def options(items: list, lang: str, prefix: str) -> list[Opt]:
    """Translated options for a fixed vocabulary, e.g. statuses."""
    return [Opt(str(v), t(f"{prefix}.{v}", lang)) for v in items]
