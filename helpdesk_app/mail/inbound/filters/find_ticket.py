"""Which ticket a message follows up: the ticket number in the subject (behind any
Re:/RE:/Odp:/ODP:/Fwd:/PD:/AW:/WG:/Re[2]: prefixes), then In-Reply-To / References against
our own Message-IDs (and those of mail already on a ticket).

A reference only counts when the sender may write on that ticket (access.Action.REPLY for
clients - their own tickets, a client manager's whole organisation; staff and
subcontractor mail is an internal note, Action.NOTE - for a subcontractor only while the
ticket is handed to them, see filters/subcontractor.py): guessing a number or answering a
forwarded mail must not let anyone write into someone else's ticket. Such a message
becomes a new ticket of the sender's own (the auto-reply tells them its number), with the
reason `foreign_ticket` on the mail log; nothing of the other ticket is shown to them. A
closed ticket follows the same rule as a reply on the web (domain/closed_replies.py): a
client's mail reopens it where the workflow allows, else it becomes a new ticket that
refers to the closed one; staff mail is a note on it, as on the web."""

from __future__ import annotations

import re

from sqlmodel import Session, col, select

from helpdesk_app.domain import access, actor_loading, closed_replies
from helpdesk_app.domain.access import Action
from helpdesk_app.mail.inbound.context import MailContext, Outcome
from helpdesk_app.models import (
    InboundMail,
    InboundStatus,
    OutboundMail,
    Ticket,
)

# Reply/forward prefixes in the languages our clients' mail programs speak.
REPLY_PREFIX = re.compile(
    r"^\s*((re|odp|fwd?|pd|aw|wg|sv|vs|tr|antw)(\s*\[\d+\]|\s*\(\d+\))?\s*:\s*)+",
    re.IGNORECASE)
# "[#2026-000123]" anywhere (our subjects carry it), "#2026-000123" anywhere, or a bare
# number right at the start of the subject once the prefixes are gone.
_TAGGED = re.compile(r"\[#?\s*(\d{4}-\d{6})\s*\]|#(\d{4}-\d{6})\b")
_LEADING = re.compile(r"^(\d{4}-\d{6})\b")


def number_in_subject(subject: str) -> str | None:
    tagged = _TAGGED.search(subject or "")
    if tagged:
        return tagged.group(1) or tagged.group(2)
    leading = _LEADING.match(REPLY_PREFIX.sub("", subject or ""))
    return leading.group(1) if leading else None


def _by_references(db: Session, ids: list[str]) -> list[int]:
    """Ticket ids for the referenced Message-IDs, in the order of `ids`."""
    wanted = [i[:300] for i in ids if i]
    if not wanted:
        return []
    found: dict[str, int] = {}
    for message_id, ticket_id in db.exec(select(OutboundMail.message_id, OutboundMail.ticket_id)
                                         .where(col(OutboundMail.message_id).in_(wanted))):
        if ticket_id:
            found[message_id] = ticket_id
    for message_id, ticket_id in db.exec(
            select(InboundMail.message_id, InboundMail.ticket_id)
            .where(col(InboundMail.message_id).in_(wanted),
                   InboundMail.status == InboundStatus.DONE)):
        if ticket_id and message_id:
            found.setdefault(message_id, ticket_id)
    return [found[i] for i in wanted if i in found]


def run(db: Session, ctx: MailContext) -> Outcome | None:
    actor = actor_loading.load(db, ctx.sender)
    parsed = ctx.parsed
    candidates: list[Ticket] = []
    number = number_in_subject(parsed.subject)
    if number:
        ticket = db.exec(select(Ticket).where(Ticket.number == number)).first()
        if ticket is not None:
            candidates.append(ticket)
    # the message it answers first, then its References from the newest back
    ids = list(parsed.in_reply_to) + list(reversed(parsed.references))
    for ticket_id in _by_references(db, ids):
        ticket = db.get(Ticket, ticket_id)
        if ticket is not None:
            candidates.append(ticket)
    write = Action.REPLY if actor.is_client else Action.NOTE
    for ticket in candidates:
        if not access.can(actor, write, ticket):
            ctx.notes.append(f"reference to {ticket.number} ignored: not the sender's ticket")
            ctx.foreign_ticket = ctx.foreign_ticket or ticket
            continue
        if closed_replies.outcome_on(db, actor, ticket) == closed_replies.FOLLOW_UP:
            ctx.closed_ticket = ticket
            return None
        ctx.ticket = ticket
        return None
    return None
