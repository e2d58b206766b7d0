"""How a finished ticket's SLA ended, for the lists, the ticket header and the board.

A resolved or closed ticket is no longer "overdue": its SLA has an outcome. Plain Python,
no query; the inputs are the Ticket's stored SLA columns (domain/sla.py keeps them).

* **met** — the overall SLA state is "met" (every clock with a target finished in time).
* **late** — the state is "breached": the clock that finished late and by how much, in
  **wall-clock time** (the finish instant minus the deadline instant, as a client would
  count it, not business time): the resolution when it was late ("resolved 21 min
  late"), else the reaction (the first public reply, or the resolution when there was
  none, came after the reaction deadline). `late_by` is None when the columns do not
  say (a recompute will fill them).

A ticket is finished when its resolution clock has stopped (`resolved_at` is set: it is
in a status whose SLA effect stops the clock).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

MET, LATE = "met", "late"
RESOLUTION, REACTION = "resolution", "reaction"


@dataclass(frozen=True)
class Outcome:
    state: str  # "met" / "late"
    clock: str | None = None  # the clock that was late
    late_by: timedelta | None = None  # wall-clock time after the deadline


def _late(finished: datetime | None, due: datetime | None) -> timedelta | None:
    if finished is None or due is None or finished <= due:
        return None
    return finished - due


def outcome(sla_state: str, resolved_at: datetime | None, *,
            first_response_at: datetime | None = None,
            reaction_due_at: datetime | None = None,
            resolution_due_at: datetime | None = None) -> Outcome | None:
    """The outcome of a finished ticket; None while it is not finished or has no SLA."""
    if resolved_at is None or sla_state not in ("met", "breached"):
        return None
    if sla_state == "met":
        return Outcome(MET)
    late = _late(resolved_at, resolution_due_at)
    if late is not None:
        return Outcome(LATE, RESOLUTION, late)
    late = _late(first_response_at or resolved_at, reaction_due_at)
    if late is not None:
        return Outcome(LATE, REACTION, late)
    return Outcome(LATE)


def of_ticket(ticket) -> Outcome | None:
    """`outcome` from a Ticket row's stored columns."""
    return outcome(ticket.sla_state, ticket.resolved_at,
                   first_response_at=ticket.first_response_at,
                   reaction_due_at=ticket.reaction_due_at,
                   resolution_due_at=ticket.resolution_due_at)
