"""A subcontractor's mail threads into a ticket only while that ticket is handed to their
organisation.

find_ticket has already kept only a ticket the sender may write a note on
(access.Action.NOTE: for a subcontractor, a ticket handed to their organisation now). A
subcontractor's mail that found none - a new message, a reply about a ticket since
withdrawn or returned, a guessed number - is not a client's request either: a
subcontractor opens no tickets. It is quarantined (`subcontractor_not_handed`) for an
admin to see at /admin/mail, and nothing is written to any ticket or sent back (the
sender learns nothing about a ticket that is no longer theirs). A reply that did find its
ticket goes on: verify_staff checks the sender like staff (our reply token or a trusted
relay), and deliver adds it as a note shared with their organisation."""

from __future__ import annotations

from sqlmodel import Session

from helpdesk_app.mail.inbound.context import MailContext, Outcome
from helpdesk_app.models import InboundStatus, Role

REASON = "subcontractor_not_handed"


def run(db: Session, ctx: MailContext) -> Outcome | None:
    user = ctx.sender
    if user is None or user.role != Role.SUBCONTRACTOR or ctx.ticket is not None:
        return None
    referenced = ctx.foreign_ticket or ctx.closed_ticket
    detail = user.email + (f": #{referenced.number} is not handed to their organisation"
                           if referenced is not None else ": no ticket handed to them")
    ctx.ticket = ctx.closed_ticket = ctx.foreign_ticket = None
    return Outcome(InboundStatus.QUARANTINED, REASON, detail)
