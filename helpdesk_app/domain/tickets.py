"""Ticket use cases: create, list, read, reply/note, edit with optimistic locking.

This module only gathers the public names of the `tickets_*` modules, so callers keep
writing `from helpdesk_app.domain import tickets; tickets.create_ticket(...)`. The code
lives in one module per concern:

- `tickets_views`   the data types pages and forms get (`TicketRow`, `TicketPage`,
                    `TicketDetail`, `ListQuery`, `NewTicket`, `Via`, ...) and the builders
                    that label rows in a few batched queries.
- `tickets_queries` reads: `list_tickets` (filters, sort, `COUNT_CAP`), `queue_counts`,
                    `find_by_number`, `get_ticket`, `sla_report`, classification choices.
- `tickets_writes`  writes: `create_ticket`, `add_comment`, `update_ticket`,
                    `set_status_as_client`.

Every function takes a session and an actor, checks access through `domain.access`,
writes the ticket and its timeline event in one transaction, and queues a change event
for live pages (published after commit).

Patching a module attribute here (e.g. `COUNT_CAP`) does not reach the code that reads
it: patch the `tickets_*` module that defines it.
"""

from __future__ import annotations

from helpdesk_app.domain.tickets_queries import (
    COUNT_CAP,
    COVERING,
    PAGE_SIZE_MAX,
    classification_choices,
    client_classification,
    find_by_number,
    get_ticket,
    list_tickets,
    queue_counts,
    sla_report,
    status_choices,
)
from helpdesk_app.domain.tickets_queries import (
    _filters as _filters,  # private, but domain/bulk.py and benchmarks/field_filter.py use it
)
from helpdesk_app.domain.tickets_queries import (
    _order as _order,  # (the same)
)
from helpdesk_app.domain.tickets_views import (
    INACTIVE,
    SLA_FILTERS,
    SORTS,
    AttachmentView,
    ContractChoice,
    EventView,
    ListQuery,
    NewTicket,
    SlaReport,
    TicketDetail,
    TicketPage,
    TicketRow,
    Via,
)
from helpdesk_app.domain.tickets_views import (
    _rows as _rows,  # (the same: benchmarks/field_filter.py)
)
from helpdesk_app.domain.tickets_writes import (
    BODY_MAX,
    SUBJECT_MAX,
    add_comment,
    create_ticket,
    set_status_as_client,
    update_ticket,
)

__all__ = [
    "BODY_MAX", "COUNT_CAP", "COVERING", "INACTIVE", "PAGE_SIZE_MAX", "SLA_FILTERS", "SORTS",
    "SUBJECT_MAX",
    "AttachmentView", "ContractChoice", "EventView", "ListQuery", "NewTicket", "SlaReport",
    "TicketDetail", "TicketPage", "TicketRow", "Via", "add_comment", "classification_choices",
    "client_classification", "create_ticket", "find_by_number", "get_ticket", "list_tickets",
    "queue_counts", "set_status_as_client", "sla_report", "status_choices", "update_ticket",
]
