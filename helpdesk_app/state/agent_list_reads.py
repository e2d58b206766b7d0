"""What an agent-list tab reads, shaped so that a live pass (state/live.py) computes each
part once for all the tabs that would read it alike: the page and queue counts per access
scope and query, the timeline side of the unread marks per scope and page, the away marks
per set of assignees, the assignee choices once per process."""

from __future__ import annotations

from helpdesk_app.domain import access, substitution_cover, substitutions, ticket_seen, tickets
from helpdesk_app.domain.actor import Actor
from helpdesk_app.models.base import utcnow
from helpdesk_app.state import live
from helpdesk_app.state.interned import interned
from helpdesk_app.state.views import Opt


def page(db, actor: Actor, query: tickets.ListQuery, counts: list | None = None
         ) -> tuple[tickets.TicketPage, list, int]:
    """The page, the queue counts and their fingerprint; shared by the tabs of one live
    pass that have the same access scope and query. `counts`: the ones the tab shows,
    when its own click changed only the view (the counts do not depend on it, and a
    change to them reaches the tab through its probe)."""
    scope = access.list_scope_key(actor, names_self=query.assignee in ("mine", tickets.COVERING))
    result, rows_hash = live.shared(("agent_list", scope, repr(query)),
                                    lambda: _page(db, actor, query))
    if counts is None:
        counts = (live.shared(("queue_counts", access.list_scope_key(actor, names_self=False)),
                              lambda: tickets.queue_counts(db, actor))
                  if actor.is_staff else [])
    return result, counts, hash((rows_hash, tuple(counts)))


def _page(db, actor: Actor, query: tickets.ListQuery) -> tuple[tickets.TicketPage, int]:
    # hashed once per shared page, not once per tab that probes it
    result = tickets.list_tickets(db, actor, query)
    return result, hash((tuple(result.rows), result.total, result.total_capped))


_agent_opts_made: dict[tuple, list] = {}


def agent_opts(head: tuple[tuple[str, str], ...], agents: list) -> list[Opt]:
    """The assignee filter's choices: `head` ("Mine", "Unassigned", …), then `agents`
    (an interned list). Made once per process for each head and list: a live refresh
    asks for them on every tab."""
    digest = getattr(agents, "digest", None)
    got = _agent_opts_made.get((head, digest)) if digest else None
    if got is None:
        got = interned([Opt(v, label) for v, label in (*head, *agents)])
        if digest:
            if len(_agent_opts_made) >= 256:
                _agent_opts_made.clear()
            _agent_opts_made[(head, digest)] = got
    return got


def away(db, assignees: frozenset[int]) -> tuple[dict, dict[int, str]]:
    """Who of `assignees` is away now, and their substitutes' names (the same for every
    staff viewer, so a live pass reads them once per set of assignees)."""
    return live.shared(("away", assignees), lambda: _away(db, assignees))


def _away(db, assignees: frozenset[int]) -> tuple[dict, dict[int, str]]:
    found = substitution_cover.away_many(db, assignees, utcnow())
    return found, substitutions.names(db, {a.substitute_id for a in found.values()})


def unread(db, actor: Actor, ids: list[int]) -> set[int]:
    """Which of the page's `ids` are unread for `actor` (domain/ticket_seen.py)."""
    return ticket_seen.unread_ids(db, actor, ids, live.shared(
        ("unread_latest", access.list_scope_key(actor, names_self=False), tuple(ids)),
        lambda: ticket_seen.latest_by_author(db, actor, ids)))
