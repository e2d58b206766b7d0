"""The last step: a follow-up on the found ticket, or a new ticket (and the auto-reply
with its number). The message row is marked done in the same transaction."""

from __future__ import annotations

from sqlmodel import Session, select

from helpdesk_app.config import get_settings
from helpdesk_app.domain import actor_loading, mail_events, tickets
from helpdesk_app.domain import notification_dispatch as dispatch
from helpdesk_app.domain.attachments import IncomingFile
from helpdesk_app.domain.errors import DomainError
from helpdesk_app.mail.inbound.context import MailContext, Outcome, claim
from helpdesk_app.mail.inbound.filters.noise import machine_sender
from helpdesk_app.mail.inbound.parse import split_reply
from helpdesk_app.models import Channel, InboundStatus, Queue, Ticket, TimelineEvent

NO_SUBJECT = "(bez tematu / no subject)"
EMPTY = "(pusta wiadomość / empty message)"
_TRUNCATED = "\n\n[…]"


def _files(ctx: MailContext) -> list[IncomingFile]:
    files = [IncomingFile(filename=a.filename, content=a.data, content_type=a.content_type)
             for a in ctx.parsed.attachments]
    if ctx.force:  # "create anyway": keep what the attachment rules allow, note the rest
        limit = get_settings().max_attachment_bytes
        kept = [f for f in files if len(f.content) <= limit]
        if len(kept) < len(files):
            ctx.notes.append(f"{len(files) - len(kept)} attachment(s) over the size limit left "
                             "out; the original message is kept in the mail log")
        files = kept
    return files


def _body(ctx: MailContext, *, follow_up: bool) -> str:
    text = ctx.text.strip()
    if follow_up:  # only what is new; the quoted history is already on the ticket
        text = split_reply(text)[0].strip() or text
    if ctx.closed_ticket is not None:
        text = f"↪ #{ctx.closed_ticket.number}\n\n{text}"
    if len(text) > tickets.BODY_MAX:
        text = text[:tickets.BODY_MAX - len(_TRUNCATED)] + _TRUNCATED
    return text


def _queue_id(db: Session, ctx: MailContext) -> int | None:
    if ctx.triage and ctx.settings.triage_queue:
        queue = db.exec(select(Queue).where(Queue.name == ctx.settings.triage_queue,
                                            Queue.is_active.is_(True))).first()
        if queue is not None:
            return queue.id
    return ctx.channel.queue_id if ctx.channel else None


def _event_data(ctx: MailContext) -> dict:
    data = {"mail_id": ctx.mail.id, "from": ctx.parsed.from_addr}
    if ctx.closed_ticket is not None:
        data["follows"] = ctx.closed_ticket.number
    return data


def _auto_reply(db: Session, ctx: MailContext, ticket: Ticket) -> None:
    """The sender learns the number and where to follow the ticket
    (domain/notification_dispatch.py, the path of every outgoing mail) - unless the mail
    was automatic, from a list or a machine: answering those is how mail loops start."""
    if ctx.no_auto_reply or machine_sender(ctx.sender.email):
        return
    dispatch.auto_reply(db, ticket, ctx.sender, in_reply_to=ctx.parsed.message_id,
                      from_addr=ctx.channel.address if ctx.channel else None)


def _reason(ctx: MailContext) -> str:
    if ctx.ticket is not None:
        return "follow_up"
    # it referenced a ticket the sender may not write to (find_ticket): a ticket of its own
    return "foreign_ticket" if ctx.foreign_ticket is not None else "new_ticket"


def run(db: Session, ctx: MailContext) -> Outcome | None:
    actor = actor_loading.load(db, ctx.sender)
    files = _files(ctx)
    done: dict[str, int] = {}

    def mark(ticket: Ticket, event: TimelineEvent) -> None:
        done.update(ticket=ticket.id, event=event.id)
        claim(db, ctx, Outcome(InboundStatus.DONE, _reason(ctx), "; ".join(ctx.notes),
                               ticket_id=ticket.id, event_id=event.id))
        if ctx.ticket is None:
            _auto_reply(db, ctx, ticket)

    via = tickets.Via(channel=Channel.EMAIL, queue_id=_queue_id(db, ctx),
                      contract_id=ctx.channel.contract_id if ctx.channel else None,
                      event_data=_event_data(ctx), max_files=max(len(files), 1),
                      before_commit=mark)
    try:
        if ctx.ticket is not None and ctx.automatic:
            event = mail_events.record_automatic(db, ctx.ticket, _body(ctx, follow_up=True),
                                                 data=_event_data(ctx))
            mark(ctx.ticket, event)
            db.commit()
        elif ctx.ticket is not None:
            # a client's mail is their public reply; staff mail becomes an internal note
            # (a subcontractor's: a note shared with their organisation):
            # a reply to an internal-note notification must never reach the client
            tickets.add_comment(db, actor, ctx.ticket.id, _body(ctx, follow_up=True) or EMPTY,
                                public=actor.is_client, files=files, via=via)
        elif not actor.is_client:
            return Outcome(InboundStatus.QUARANTINED, "staff_new_mail", ctx.sender.email)
        else:
            tickets.create_ticket(db, actor, tickets.NewTicket(
                subject=(ctx.parsed.subject or NO_SUBJECT)[:tickets.SUBJECT_MAX],
                body=_body(ctx, follow_up=False), files=files, fields=None), via=via)
    except DomainError as exc:  # refused by the ticket rules (e.g. attachment too large)
        db.rollback()
        return Outcome(InboundStatus.QUARANTINED, "refused", exc.key)
    return Outcome(InboundStatus.DONE, _reason(ctx), ticket_id=done.get("ticket"),
                   event_id=done.get("event"))
