"""The admin's "retry" and "create ticket anyway" on a quarantined message (/admin/mail).

The domain checks the admin and reopens the message (domain/mail_admin.py
`reopen_quarantined`); then the pipeline runs it again, here on the mail side, so that
domain/ never imports mail/inbound (mail/ builds on domain/, not back).
"""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session

from helpdesk_app.domain import mail_admin
from helpdesk_app.domain.actor import Actor
from helpdesk_app.mail.inbound import pipeline


def retry(db: Session, engine: Engine, actor: Actor, mail_id: int, *,
          force: bool = False) -> str:
    """Run a quarantined message through the pipeline again (after fixing the cause, e.g.
    adding the sender); `force`: "create ticket anyway" - limits and the unknown-sender
    policy give way (a sender nobody knows goes to the triage organisation). Admins only.
    Returns the message's new status (InboundStatus)."""
    mail_admin.reopen_quarantined(db, actor, mail_id, force=force)
    return pipeline.process(engine, mail_id, force=force)


def create_anyway(db: Session, engine: Engine, actor: Actor, mail_id: int) -> str:
    """`retry` with force: "create ticket anyway"."""
    return retry(db, engine, actor, mail_id, force=True)
