"""A client writing on a closed ticket: what their reply will do, and the follow-up.

Where the ticket's workflow allows the move back to work (`workflow.reopen_target`), the
reply reopens the ticket (`tickets_writes.add_comment`; the timeline shows the status
change). Otherwise the reply would sit unseen on a closed ticket, so the client opens a
follow-up ticket that refers to the closed one. Mail follows the same rule
(mail/inbound/filters/find_ticket.py) and records the same reference
(mail/inbound/filters/deliver.py): "↪ #number" above the text and
`{"follows": number}` in the created event's data. The page says which will happen
before anything is sent (`client_reply_outcome`).
"""

from __future__ import annotations

from sqlmodel import Session

from helpdesk_app.domain import access, attachments, workflow
from helpdesk_app.domain.access import Action
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import Forbidden, Invalid
from helpdesk_app.domain.tickets_views import NewTicket, Via
from helpdesk_app.domain.tickets_writes import SUBJECT_MAX, _clean_body, create_ticket
from helpdesk_app.models import Channel, Ticket

REOPEN = "reopen"
FOLLOW_UP = "follow_up"


def client_reply_outcome(db: Session, actor: Actor, ticket_id: int) -> str:
    """What a reply of `actor` on this ticket does beyond being a reply: REOPEN or
    FOLLOW_UP on a closed ticket for a client, else "" (staff: always "")."""
    return outcome_on(db, actor, access.require(actor, Action.VIEW, db.get(Ticket, ticket_id)))


def outcome_on(db: Session, actor: Actor, ticket: Ticket) -> str:
    """`client_reply_outcome` for a ticket the caller has already checked access to: the
    one rule the web reply form and the mail channel (mail/inbound/filters/find_ticket.py)
    both follow."""
    if not actor.is_client or not workflow.is_closed_key(db, ticket.status):
        return ""
    return REOPEN if workflow.reopen_target(db, ticket) else FOLLOW_UP


def open_follow_up(db: Session, actor: Actor, ticket_id: int, body: str,
                   files: list[attachments.IncomingFile] | None = None) -> str:
    """A client's new ticket continuing their closed one (which the workflow keeps closed).
    Same subject, the text under "↪ #number"; returns the new ticket's number."""
    closed = access.require(actor, Action.REPLY, db.get(Ticket, ticket_id))
    if not actor.is_client:
        raise Forbidden()
    if client_reply_outcome(db, actor, closed.id) != FOLLOW_UP:
        raise Invalid("follow_up.not_needed")
    text = _clean_body(body)
    if not text and not files:
        raise Invalid("comment.empty")
    created: dict[str, str] = {}
    via = Via(channel=Channel.WEB, event_data={"follows": closed.number},
              before_commit=lambda ticket, _event: created.update(number=ticket.number))
    create_ticket(db, actor, NewTicket(
        subject=closed.subject[:SUBJECT_MAX], body=f"↪ #{closed.number}\n\n{text}".strip(),
        files=list(files or []), fields=None), via=via)
    return created["number"]
