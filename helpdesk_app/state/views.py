"""Plain display records shared by the page states (what a row or timeline item shows)."""

from __future__ import annotations

import dataclasses

from helpdesk_app.domain.sla_outcome import Outcome
from helpdesk_app.domain.tickets import TicketRow
from helpdesk_app.i18n import format_duration, t


@dataclasses.dataclass
class Opt:
    value: str = ""
    label: str = ""


@dataclasses.dataclass
class BulkFailureView:  # one ticket a bulk change could not change, and why
    number: str = ""
    reason: str = ""


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
    channel: str = ""  # the key (phone, email, web, chat): the list shows it as an icon
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
    unread: bool = False  # something new by someone else since this agent last opened it
    # the assignee is away (issue 13): "away until …, substituted by …", else ""
    assignee_away: str = ""


def row_view(row: TicketRow, lang: str, updated: str, *,
             labels: dict[str, str] | None = None, unread: bool = False,
             away: str = "") -> RowView:
    """An agent list row (clients get `client_row_view`).
    `labels` are the status names for this viewer (domain.workflow.labels); `unread` comes
    from domain.ticket_seen.unread_ids."""
    sla = {"is_key": row.is_key, "unread": unread}
    if row.sla_outcome is not None:  # finished: the outcome, no countdown
        sla |= {"sla_state": row.sla_outcome.state,
                "sla_label": outcome_label(row.sla_outcome, lang)}
    elif row.sla_state != "none":
        sla |= {"sla_state": row.sla_state, "sla_label": t(f"sla.{row.sla_state}", lang),
                "sla_due": row.sla_due_at.isoformat() if row.sla_due_at else ""}
    return RowView(
        **sla,
        id=str(row.id), number=row.number, subject=row.subject, status=row.status,
        status_label=(labels or {}).get(row.status) or t(f"status.{row.status}", lang),
        priority=str(row.priority),
        priority_label=t(f"priority.{row.priority}", lang),
        channel=row.channel, channel_label=t(f"channel.{row.channel}", lang), queue=row.queue,
        organisation=row.organisation, requester=row.requester, assignee=row.assignee,
        updated=updated, assignee_away=away,
    )


# What a subcontractor's list row carries (issue 13): the ticket, its status label,
# priority and SLA countdown (they do the work). Not the status key (a status hidden from
# them reads as its category), queue, assignee, channel or the key-contract mark.
SUBCONTRACTOR_ROW_FIELDS = ("id", "number", "subject", "status_label", "priority",
                            "priority_label", "organisation", "requester", "updated",
                            "sla_state", "sla_label", "sla_due", "unread")


def subcontractor_row_view(view: RowView) -> RowView:
    """`view` cut down to SUBCONTRACTOR_ROW_FIELDS: built from the allowed fields, so a
    field added to RowView later stays empty for subcontractors until someone says so."""
    return RowView(**{name: getattr(view, name) for name in SUBCONTRACTOR_ROW_FIELDS})


def outcome_label(o: Outcome, lang: str) -> str:
    """A finished ticket's SLA outcome: "met", "resolved 21 min late" (wall-clock time
    after the deadline; domain/sla_outcome.py)."""
    if o.state != "late":
        return t("sla.outcome.met", lang)
    if o.late_by is None or o.clock is None:
        return t("sla.outcome.late", lang)
    key = "sla.outcome.resolved_late" if o.clock == "resolution" else "sla.outcome.answered_late"
    return t(key, lang, late=format_duration(o.late_by, lang))


@dataclasses.dataclass
class ClientRowView:
    """A row of the client portal: only what a client may see. No assignee, queue, SLA or
    internal status key; the status is the client-facing label."""

    number: str = ""
    subject: str = ""
    status_label: str = ""
    requester: str = ""
    updated: str = ""


def client_row_view(row: TicketRow, updated: str, labels: dict[str, str]) -> ClientRowView:
    """`labels` must be the client-facing status names (domain.workflow.labels with
    for_client=True): a status hidden from clients shows its public label."""
    return ClientRowView(number=row.number, subject=row.subject,
                         status_label=labels.get(row.status, ""),
                         requester=row.requester, updated=updated)


def options(items: list, lang: str, prefix: str) -> list[Opt]:
    """Translated options for a fixed vocabulary, e.g. statuses."""
    return [Opt(str(v), t(f"{prefix}.{v}", lang)) for v in items]
