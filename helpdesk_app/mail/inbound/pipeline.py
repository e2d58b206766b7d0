"""Run stored messages through the filters (filters/__init__.py lists them in order).

`process(engine, mail_id)` handles one message in its own session and transaction:
a filter's outcome (done / ignored / rejected) is committed together with what it did to
tickets; anything that goes wrong - a parse limit, a refusal by the ticket rules, an
unexpected exception - quarantines that message with the reason and never blocks the
next one. `process_pending` works through everything still `received`, oldest first
(after a crash or restart too).

Poison messages: the attempt counter is committed *before* each try, so a message that
kills the process every time (not just raises) is quarantined after MAX_ATTEMPTS.
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
from helpdesk_app.mail.inbound.context import AlreadyProcessed, MailContext, Outcome, claim
from helpdesk_app.mail.inbound.filters import FILTERS
from helpdesk_app.models import InboundMail, InboundStatus, MailChannel

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
# One message at a time per process: the SMTP listener's wake-up, the catch-up job and
# the IMAP poller all funnel through here (across processes the claim in context.claim
# keeps it exactly-once).
_serial = threading.Lock()


@dataclass
class BatchResult:
    processed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


def _start(db: Session, mail_id: int) -> InboundMail | None:
    """Count this attempt (committed) and return the message if it is still to do."""
    mail = db.get(InboundMail, mail_id)
    if mail is None or mail.status != InboundStatus.RECEIVED:
        return None
    if mail.attempts >= MAX_ATTEMPTS:
        _finish(db, mail_id, Outcome(InboundStatus.QUARANTINED, "processing_failed",
                                     f"gave up after {mail.attempts} attempts"))
        return None
    db.execute(update(InboundMail).where(InboundMail.id == mail_id)
               .values(attempts=InboundMail.attempts + 1))
    db.commit()  # the ORM update also counted it on `mail`, which stays loaded (see process)
    return mail


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


def process(engine: Engine, mail_id: int, *, force: bool = False) -> str:
    """Process one stored message; returns its final status (InboundStatus)."""
    # expire_on_commit=False: the message row stays loaded after the attempt commit
    # instead of being read again (this is the hot path of mail ingestion)
    with _serial, Session(engine, expire_on_commit=False) as db:
        mail = _start(db, mail_id)
        if mail is None:
            row = db.get(InboundMail, mail_id)
            return row.status if row else InboundStatus.IGNORED
        ctx = MailContext(mail=mail, settings=get_settings().mail, force=force,
                          channel=db.get(MailChannel, mail.channel_id) if mail.channel_id
                          else None)
        try:
            outcome = _run_filters(db, ctx)
        except AlreadyProcessed:
            db.rollback()
            return db.get(InboundMail, mail_id).status
        except Exception as exc:  # any bug or bad data: this message waits for an admin
            log.exception("inbound mail %s: processing failed", mail_id)
            detail = "".join(traceback.format_exception_only(exc)).strip()
            _finish(db, mail_id, Outcome(InboundStatus.QUARANTINED, "processing_error",
                                         detail))
            return InboundStatus.QUARANTINED
        if outcome.status in (InboundStatus.QUARANTINED, InboundStatus.IGNORED):
            _finish(db, mail_id, outcome)
        if outcome.status == InboundStatus.QUARANTINED:
            log.warning("inbound mail %s quarantined: %s %s", mail_id, outcome.reason,
                        outcome.detail)
        return outcome.status


def pending_ids(engine: Engine, limit: int = 500) -> list[int]:
    with Session(engine) as db:
        return list(db.exec(select(InboundMail.id)
                            .where(InboundMail.status == InboundStatus.RECEIVED)
                            .order_by(col(InboundMail.id)).limit(limit)).all())


def process_pending(engine: Engine, *, limit: int = 500) -> BatchResult:
    """Everything still `received`, oldest first; one message's failure stops nothing."""
    result = BatchResult()
    for mail_id in pending_ids(engine, limit):
        status = process(engine, mail_id)
        result.processed += 1
        result.outcomes[status] = result.outcomes.get(status, 0) + 1
    return result
