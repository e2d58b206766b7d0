"""Run stored messages through the filters (filters/__init__.py lists them in order).

Every message is its own transaction: a filter's outcome (done / ignored / rejected) is
committed together with what it did to tickets; anything that goes wrong - a parse limit,
a refusal by the ticket rules, an unexpected exception - quarantines that message with the
reason and never blocks the next one. `process_pending` works through everything still
`received`, oldest first (after a crash or restart too), in batches: one session per
batch, whose configuration reads (statuses, SLA targets, calendars, the staff to notify)
are kept for the batch (domain/tx_cache.py) instead of being repeated per message.

Poison messages: the attempt counter is committed *before* each try, so a message that
kills the process every time (not just raises) is quarantined after MAX_ATTEMPTS. A batch
counts the attempt for all its messages at once; a message that was tried before is
processed alone, so a poison message cannot use up its neighbours' attempts.
"""

from __future__ import annotations

import logging
import threading
import traceback
from dataclasses import dataclass, field

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from helpdesk_app.config import get_settings
from helpdesk_app.domain import tx_cache
from helpdesk_app.mail.inbound.context import AlreadyProcessed, MailContext, Outcome, claim
from helpdesk_app.mail.inbound.filters import FILTERS
from helpdesk_app.models import InboundMail, InboundStatus, MailChannel

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
# Messages per batch: bounds how long batch-cached configuration lives (and how long the
# IMAP poller or an admin's retry may wait for the lock below).
BATCH_SIZE = 25
# One message at a time per process: the SMTP listener's wake-up, the catch-up job and
# the IMAP poller all funnel through here (across processes the claim in context.claim
# keeps it exactly-once).
_serial = threading.Lock()


@dataclass
class BatchResult:
    processed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


def _start(db: Session, mail_ids: list[int]) -> list[int]:
    """Count this attempt for the messages still to do (committed) and return them;
    those out of attempts are quarantined instead."""
    rows = db.exec(select(InboundMail.id, InboundMail.attempts)
                   .where(col(InboundMail.id).in_(mail_ids),
                          InboundMail.status == InboundStatus.RECEIVED)).all()
    attempts = dict(rows)
    todo = [i for i in mail_ids if i in attempts and attempts[i] < MAX_ATTEMPTS]
    for mail_id in mail_ids:
        if mail_id in attempts and attempts[mail_id] >= MAX_ATTEMPTS:
            _finish(db, mail_id, Outcome(InboundStatus.QUARANTINED, "processing_failed",
                                         f"gave up after {attempts[mail_id]} attempts"))
    if todo:
        db.execute(update(InboundMail).where(col(InboundMail.id).in_(todo))
                   .values(attempts=InboundMail.attempts + 1))
        db.commit()
    return todo


def _finish(db: Session, mail_id: int, outcome: Outcome) -> None:
    """Record an outcome that changed nothing else (ignored / quarantined)."""
    db.rollback()  # whatever a filter flushed before giving up goes away
    mail = db.get(InboundMail, mail_id)
    if mail is None:
        return
    try:
        claim(db, MailContext(mail=mail, settings=get_settings().mail), outcome)
        db.commit()
    except AlreadyProcessed:
        db.rollback()


def _run_filters(db: Session, ctx: MailContext) -> Outcome:
    for step in FILTERS:
        outcome = step.run(db, ctx)
        if outcome is not None:
            return outcome
    raise RuntimeError("the deliver filter returned nothing")  # pragma: no cover


def _status(db: Session, mail_id: int) -> str:
    row = db.get(InboundMail, mail_id)
    return row.status if row else InboundStatus.IGNORED


def _process_one(db: Session, mail_id: int, channels: dict[int, MailChannel | None], *,
                 force: bool) -> str:
    mail = db.get(InboundMail, mail_id)
    if mail is None or mail.status != InboundStatus.RECEIVED:
        return _status(db, mail_id)
    if mail.channel_id is not None and mail.channel_id not in channels:
        channel = channels[mail.channel_id] = db.get(MailChannel, mail.channel_id)
        if channel is not None:  # kept for the batch: a rollback must not expire it
            db.expunge(channel)
    ctx = MailContext(mail=mail, settings=get_settings().mail, force=force,
                      channel=channels.get(mail.channel_id) if mail.channel_id else None)
    try:
        outcome = _run_filters(db, ctx)
    except AlreadyProcessed:
        db.rollback()
        return _status(db, mail_id)
    except Exception as exc:  # any bug or bad data: this message waits for an admin
        log.exception("inbound mail %s: processing failed", mail_id)
        detail = "".join(traceback.format_exception_only(exc)).strip()
        _finish(db, mail_id, Outcome(InboundStatus.QUARANTINED, "processing_error", detail))
        return InboundStatus.QUARANTINED
    if outcome.status in (InboundStatus.QUARANTINED, InboundStatus.IGNORED):
        _finish(db, mail_id, outcome)
    if outcome.status == InboundStatus.QUARANTINED:
        log.warning("inbound mail %s quarantined: %s %s", mail_id, outcome.reason,
                    outcome.detail)
    return outcome.status


def process_batch(engine: Engine, mail_ids: list[int], *, force: bool = False
                  ) -> dict[int, str]:
    """Process stored messages, each in its own transaction, in one session; returns
    each one's final status (InboundStatus)."""
    # expire_on_commit=False: what a message loaded stays usable after its own commit
    # instead of being read again (the hot path of mail ingestion); between messages the
    # identity map is emptied anyway
    with _serial, Session(engine, expire_on_commit=False) as db, tx_cache.batch(db):
        todo = set(_start(db, mail_ids))
        channels: dict[int, MailChannel | None] = {}
        result: dict[int, str] = {}
        for mail_id in mail_ids:
            result[mail_id] = (_process_one(db, mail_id, channels, force=force)
                               if mail_id in todo else _status(db, mail_id))
            # the next message reads tickets afresh (this one may have changed them);
            # batch-cached configuration stays, detached and read-only
            db.expunge_all()
        return result


def process(engine: Engine, mail_id: int, *, force: bool = False) -> str:
    """Process one stored message; returns its final status (InboundStatus)."""
    return process_batch(engine, [mail_id], force=force)[mail_id]


def pending(engine: Engine, limit: int = 500) -> list[tuple[int, int]]:
    """(id, attempts so far) of the messages still `received`, oldest first."""
    with Session(engine) as db:
        return [(i, n) for i, n in db.exec(
            select(InboundMail.id, InboundMail.attempts)
            .where(InboundMail.status == InboundStatus.RECEIVED)
            .order_by(col(InboundMail.id)).limit(limit)).all()]


def pending_ids(engine: Engine, limit: int = 500) -> list[int]:
    return [i for i, _ in pending(engine, limit)]


def batches(rows: list[tuple[int, int]], size: int = BATCH_SIZE) -> list[list[int]]:
    """Group (id, attempts) in order: fresh messages up to `size` together, a message
    tried before on its own."""
    out: list[list[int]] = []
    current: list[int] = []
    for mail_id, attempts in rows:
        if attempts:
            if current:
                out.append(current)
                current = []
            out.append([mail_id])
            continue
        current.append(mail_id)
        if len(current) >= size:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


def process_pending(engine: Engine, *, limit: int = 500) -> BatchResult:
    """Everything still `received`, oldest first; one message's failure stops nothing."""
    result = BatchResult()
    for group in batches(pending(engine, limit)):
        for status in process_batch(engine, group).values():
            result.processed += 1
            result.outcomes[status] = result.outcomes.get(status, 0) + 1
    return result
