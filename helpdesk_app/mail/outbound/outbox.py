"""The outbox: every mail the helpdesk sends is rendered to its final bytes and stored here
first, in the caller's transaction, so a mail exists exactly when what it announces was
committed (a rolled-back reply sends nothing). `sender.send_due` delivers it later, with
retries. This module is only the mechanics (enqueue, threading, caps); who gets which mail
is decided by domain/notification_dispatch.py, and what admins see of the outbox (the list, "send
again") is in domain/mail_admin.py.

Automatic mail is capped per recipient (`auto_reply_cap` per `auto_reply_window_minutes`):
two systems auto-answering each other, or a flood of tickets from one address, must not
turn into an endless stream of mail from us.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from functools import lru_cache
from typing import Any

from sqlalchemy import event, insert
from sqlmodel import Session, col, func, select

from helpdesk_app.config import get_settings
from helpdesk_app.mail.outbound import compose, reply_token
from helpdesk_app.mail.outbound.templates import Rendered
from helpdesk_app.models import InboundMail, OutboundMail, OutboundStatus
from helpdesk_app.models.base import utcnow

log = logging.getLogger(__name__)

# References keeps the thread's root and the newest ids; more only makes headers long.
REFERENCES_MAX = 10
# Answers to mail: RFC 3834 "auto-replied"; everything else automatic is "auto-generated".
_REPLY_KINDS = ("auto_reply", "rejected")
_SUBJECT_MAX = 300
_ADDRESS_MAX = 320


def _valid_ids(ids: list[str | None]) -> list[str]:
    """Message ids safe to put in a header (a malformed one from some client is dropped)."""
    valid = []
    for message_id in ids:
        try:
            valid.append(compose.clean_message_id(message_id or ""))
        except ValueError:
            continue
    return valid


# Thread rows per ticket already read in this transaction (ticket id -> rows as _ends
# returns them), kept up to date by enqueue: the SLA sweep mails the assignee and every
# coordinator about one ticket, and each mail would otherwise read the thread again.
# Not domain/tx_cache: its batch mode keeps entries across commits, and a thread must be
# read afresh by every transaction (the next message may add to it).
_THREADS = "outbox.threads"
# enqueue_many: a queued mail's thread entry carries this stand-in id (after every stored
# row) until its INSERT returns the real one.
_STAND_IN = 1 << 62


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_threads(session: Session) -> None:
    session.info.pop(_THREADS, None)


def forget_thread(db: Session, ticket_id: int) -> None:
    """Mail was linked to the ticket outside enqueue (an inbound message's claim)."""
    db.info.get(_THREADS, {}).pop(ticket_id, None)


def _ends(db: Session, query, id_column, *, side: int) -> set[tuple]:
    """The first and the newest REFERENCES_MAX rows of one side of a thread, as
    (time, side, id, message id): the middle of a long thread is never needed. On equal
    times the client's mail (side 0) sorts before our answer to it."""
    rows = list(db.exec(query.order_by(id_column.desc()).limit(REFERENCES_MAX)).all())
    if len(rows) == REFERENCES_MAX:  # a long thread: its first message is older still
        rows += db.exec(query.order_by(id_column).limit(1)).all()
    return {(at, side, row_id, message_id) for row_id, message_id, at in rows}


def _trimmed(rows: set[tuple]) -> set[tuple]:
    """What _ends would read now from rows known to contain its answer plus newer mail."""
    out: set[tuple] = set()
    for side in (0, 1):
        mine = sorted((r for r in rows if r[1] == side), key=lambda r: r[2], reverse=True)
        out.update(mine[:REFERENCES_MAX])
        if len(mine) >= REFERENCES_MAX:
            out.add(mine[-1])
    return out


def _thread(db: Session, ticket_id: int) -> set[tuple]:
    known = db.info.setdefault(_THREADS, {})
    if ticket_id not in known:
        inbound = select(InboundMail.id, InboundMail.message_id, InboundMail.received_at).where(
            InboundMail.ticket_id == ticket_id, col(InboundMail.message_id).is_not(None))
        outbound = select(OutboundMail.id, OutboundMail.message_id,
                          OutboundMail.created_at).where(
            OutboundMail.ticket_id == ticket_id, OutboundMail.status != OutboundStatus.FAILED)
        known[ticket_id] = (_ends(db, inbound, col(InboundMail.id), side=0)
                            | _ends(db, outbound, col(OutboundMail.id), side=1))
    return known[ticket_id]


def prefetch_threads(db: Session, ticket_ids: list[int]) -> None:
    """Read the threads of many tickets in two queries, for the mails this transaction
    is about to queue about them (the SLA sweep: one batch, hundreds of tickets)."""
    known = db.info.setdefault(_THREADS, {})
    wanted = [t for t in dict.fromkeys(ticket_ids) if t not in known]
    if not wanted:
        return
    rows: dict[int, set[tuple]] = {t: set() for t in wanted}
    for ticket_id, row_id, message_id, at in db.exec(
            select(InboundMail.ticket_id, InboundMail.id, InboundMail.message_id,
                   InboundMail.received_at)
            .where(col(InboundMail.ticket_id).in_(wanted),
                   col(InboundMail.message_id).is_not(None))).all():
        rows[ticket_id].add((at, 0, row_id, message_id))
    for ticket_id, row_id, message_id, at in db.exec(
            select(OutboundMail.ticket_id, OutboundMail.id, OutboundMail.message_id,
                   OutboundMail.created_at)
            .where(col(OutboundMail.ticket_id).in_(wanted),
                   OutboundMail.status != OutboundStatus.FAILED)).all():
        rows[ticket_id].add((at, 1, row_id, message_id))
    known.update(rows)


def thread_headers(db: Session, ticket_id: int, recipient: str | None = None
                   ) -> tuple[str | None, list[str]]:
    """In-Reply-To and References (ids without <>) for the next mail on a ticket
    (to `recipient`: our ids that carry another recipient's reply token are left out,
    see reply_token.py).

    The thread is the ticket's inbound mail and our mail about it (failed mail never
    reached anyone and is left out), oldest first. References keeps the root (normally
    the client's original message) and the newest ids, REFERENCES_MAX in all, as RFC 5322
    suggests for long threads; In-Reply-To is the newest."""
    thread = _trimmed(_thread(db, ticket_id))
    ordered = [message_id for _at, _side, _id, message_id in sorted(thread)]
    ids = list(dict.fromkeys(_valid_ids(ordered)))
    if recipient is not None:
        domain = get_settings().mail.domain
        ids = [i for i in ids if reply_token.visible_to(i, domain, recipient, ticket_id)]
    if not ids:
        return None, []
    refs = ids if len(ids) <= REFERENCES_MAX else [ids[0], *ids[-(REFERENCES_MAX - 1):]]
    return refs[-1], refs


@lru_cache(maxsize=8)
def _loop_token(from_address: str) -> str:
    return parseaddr(from_address)[1].lower()


def _auto_sent_recently(db: Session, to_addr: str, now: datetime) -> int:
    window = timedelta(minutes=get_settings().mail.auto_reply_window_minutes)
    return db.exec(select(func.count()).select_from(OutboundMail).where(
        OutboundMail.to_addr == to_addr, col(OutboundMail.created_at) > now - window,
        col(OutboundMail.is_auto).is_(True))).one()


@dataclass(frozen=True)
class Mail:
    """One mail for `enqueue_many` (the arguments of `enqueue`)."""

    to_addr: str
    rendered: Rendered
    kind: str
    is_auto: bool = True
    ticket_id: int | None = None
    user_id: int | None = None
    to_name: str = ""
    capped: bool | None = None


def enqueue(db: Session, *, to_addr: str, rendered: Rendered, kind: str, is_auto: bool = True,
            ticket_id: int | None = None, user_id: int | None = None, to_name: str = "",
            from_addr: str | None = None, in_reply_to: str | None = None,
            now: datetime | None = None, capped: bool | None = None) -> OutboundMail | None:
    """Queue one mail in the caller's transaction (flushes, never commits).

    Returns the new row, or None when nothing was queued (logged): an address that is not
    one, or automatic mail to an address that already got `auto_reply_cap` automatic
    mails within the window (a cap of 0 or less means no cap). `capped` (default: as
    `is_auto`) says whether the cap applies: it protects outside addresses from mail
    loops; our own staff's notifications are not capped (a busy hour must not silence
    them)."""
    now = now or utcnow()
    values = _prepare(db, Mail(to_addr, rendered, kind, is_auto, ticket_id, user_id, to_name,
                               capped), from_addr=from_addr, in_reply_to=in_reply_to, now=now)
    if values is None:
        return None
    row = OutboundMail(**values)
    db.add(row)
    db.flush()
    _remember(db, values, row.id)
    return row


def enqueue_many(db: Session, mails: list[Mail], *, now: datetime) -> list[int | None]:
    """Queue many mails as `enqueue` would, one after another (each threads onto the mail
    queued before it on the same ticket), with one INSERT for all of them (the SLA sweep:
    hundreds of mails per batch). Returns each mail's row id, or None where `enqueue`
    would have returned None."""
    queued: list[dict[str, Any]] = []
    results: list[int | None] = []
    for mail in mails:
        values = _prepare(db, mail, from_addr=None, in_reply_to=None, now=now)
        results.append(None if values is None else len(queued))
        if values is not None:
            _remember(db, values, _STAND_IN + len(queued))
            queued.append(values)
    if not queued:
        return [None] * len(mails)
    table = OutboundMail.__table__
    # Matched back by message id (unique), not by order: asking for the parameters' order
    # makes SQLAlchemy send the rows one by one on SQLite.
    by_message = dict(db.execute(insert(table).returning(table.c.message_id, table.c.id),
                                 queued).all())
    ids = [by_message[values["message_id"]] for values in queued]
    known = db.info.get(_THREADS, {})
    for i, values in enumerate(queued):  # the stand-ins get their real ids
        thread = known.get(values["ticket_id"])
        if thread is not None:
            thread.discard(_thread_entry(values, _STAND_IN + i))
            thread.add(_thread_entry(values, ids[i]))
    return [None if i is None else ids[i] for i in results]


def _thread_entry(values: dict[str, Any], row_id: int) -> tuple:
    return (values["created_at"], 1, row_id, values["message_id"])


def _remember(db: Session, values: dict[str, Any], row_id: int) -> None:
    """Add a queued mail to its ticket's thread as read in this transaction."""
    ticket_id = values["ticket_id"]
    if ticket_id is not None and ticket_id in db.info.get(_THREADS, {}):
        db.info[_THREADS][ticket_id].add(_thread_entry(values, row_id))


def _prepare(db: Session, mail: Mail, *, from_addr: str | None, in_reply_to: str | None,
             now: datetime) -> dict[str, Any] | None:
    """The outbound_mail row for `mail` (rendered, threaded, composed), or None (logged)."""
    settings = get_settings().mail
    kind, is_auto, ticket_id = mail.kind, mail.is_auto, mail.ticket_id
    try:
        address = compose.clean_address(mail.to_addr).lower()
    except ValueError:
        log.warning("outbox: %s mail not queued, invalid recipient %r", kind, mail.to_addr)
        return None
    if len(address) > _ADDRESS_MAX:
        log.warning("outbox: %s mail not queued, recipient address too long", kind)
        return None
    if (is_auto if mail.capped is None else mail.capped) and settings.auto_reply_cap > 0:
        sent = _auto_sent_recently(db, address, now)
        if sent >= settings.auto_reply_cap:
            log.warning("outbox: %s mail to %s not queued: %d automatic mails within %d "
                        "minutes (cap %d)", kind, address, sent,
                        settings.auto_reply_window_minutes, settings.auto_reply_cap)
            return None

    if in_reply_to is not None:
        parent = _valid_ids([in_reply_to])
        reply_to, references = (parent[0], parent) if parent else (None, [])
    elif ticket_id is not None:
        reply_to, references = thread_headers(db, ticket_id, address)
    else:
        reply_to, references = None, []
    if not is_auto:
        auto_submitted = None
    else:
        auto_submitted = "auto-replied" if kind in _REPLY_KINDS else "auto-generated"
    # mail about a ticket carries the recipient's reply token (mail identity)
    message_id = (reply_token.message_id(settings.domain, address, ticket_id)
                  if ticket_id is not None else compose.new_message_id(settings.domain))
    sender = from_addr or settings.from_address
    rendered = mail.rendered
    try:
        raw = compose.build(
            from_addr=sender, to_addr=address, to_name=mail.to_name, subject=rendered.subject,
            text=rendered.text, html=rendered.html, message_id=message_id,
            in_reply_to=reply_to, references=references, auto_submitted=auto_submitted,
            # Our own address: how a mail server (or our inbound filter) sees a loop.
            loop_token=_loop_token(settings.from_address), date=now,
        )
    except ValueError as exc:
        log.warning("outbox: %s mail to %s not queued: %s", kind, address, exc)
        return None
    return {
        "message_id": message_id, "ticket_id": ticket_id, "user_id": mail.user_id,
        "to_addr": address, "subject": " ".join(rendered.subject.split())[:_SUBJECT_MAX],
        "kind": kind, "is_auto": is_auto, "raw": raw, "status": OutboundStatus.PENDING,
        "attempts": 0, "next_attempt_at": now, "last_error": "", "created_at": now,
        "sent_at": None,
    }


def is_our_message_id(message_id: str | None) -> bool:
    """Whether a Message-ID (with or without <>) is one we generated: mail of ours coming
    back (a bounce, an auto-reply quoting it, a loop)."""
    value = (message_id or "").strip().strip("<>").strip().lower()
    domain = get_settings().mail.domain.strip().lower()
    return bool(domain) and value.endswith("@" + domain) and len(value) > len(domain) + 1
