"""Helpers for the mail tests: build messages, pick free ports, send over real SMTP."""

from __future__ import annotations

import smtplib
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from helpdesk_app.mail.inbound import pipeline, store
from helpdesk_app.models import (
    InboundMail,
    MailChannel,
    MailSource,
    OrganisationDomain,
    OutboundMail,
    TimelineEvent,
)

ADDRESS = "helpdesk@pomocnik.test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def message(*, sender: str, to: str = "helpdesk@pomocnik.test", subject: str = "Printer broken",
            body: str = "The printer on the 2nd floor prints blank pages.",
            message_id: str | None = None, in_reply_to: str | None = None,
            references: list[str] | None = None, headers: dict[str, str] | None = None,
            attachments: list[tuple[str, bytes, str]] | None = None,
            sender_name: str = "") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = f"{sender_name} <{sender}>" if sender_name else sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = f"<{message_id}>" if message_id else make_msgid(domain="client.test")
    if in_reply_to:
        msg["In-Reply-To"] = f"<{in_reply_to}>"
    if references:
        msg["References"] = " ".join(f"<{r}>" for r in references)
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    for filename, data, ctype in attachments or []:
        maintype, subtype = ctype.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg


def message_id_of(msg: EmailMessage) -> str:
    return str(msg["Message-ID"]).strip("<>")


def send(port: int, msg: EmailMessage, *, mail_from: str | None = None,
         rcpt: list[str] | None = None) -> None:
    """Deliver over real SMTP to 127.0.0.1:port (raises on a refusal)."""
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.send_message(msg, from_addr=mail_from if mail_from is not None else msg["From"],
                          to_addrs=rcpt or [str(msg["To"])])


@dataclass
class Room:
    """A world (tests/conftest.py) with a mail channel; see the `room` fixture."""

    db: Session
    world: object
    channel: MailChannel

    @property
    def engine(self) -> Engine:
        return self.db.get_bind()

    def deliver(self, msg: EmailMessage | bytes, *, mail_from: str | None = None,
                rcpt: tuple[str, ...] = (ADDRESS,)) -> InboundMail:
        """Store like the listener does, then run the pipeline on it. The envelope sender
        defaults to the From address (bounces pass mail_from="")."""
        raw = msg if isinstance(msg, bytes) else msg.as_bytes()
        if mail_from is None:
            mail_from = "" if isinstance(msg, bytes) else parseaddr(str(msg["From"]))[1]
        mail_id = store.store_raw(self.db, raw, source=MailSource.SMTP, mail_from=mail_from,
                                  rcpt_to=list(rcpt))
        pipeline.process(self.engine, mail_id)
        self.db.expire_all()
        return self.db.get(InboundMail, mail_id)

    def outbox(self, to: str | None = None) -> list[OutboundMail]:
        query = select(OutboundMail).order_by(col(OutboundMail.id))
        if to:
            query = query.where(OutboundMail.to_addr == to)
        return list(self.db.exec(query).all())

    def events(self, ticket_id: int) -> list[TimelineEvent]:
        return list(self.db.exec(select(TimelineEvent).where(
            TimelineEvent.ticket_id == ticket_id).order_by(col(TimelineEvent.id))).all())


def make_room(db: Session, world, monkeypatch: pytest.MonkeyPatch) -> Room:
    """A mail channel (helpdesk@pomocnik.test -> queue2) on top of the `world` fixture;
    org A's domain org-a.test is verified and its plain client is carl@org-a.test."""
    from helpdesk_app.config import get_settings
    monkeypatch.setenv("POMOCNIK_MAIL_DOMAIN", "pomocnik.test")
    monkeypatch.setenv("POMOCNIK_MAIL_FROM", f"Pomocnik <{ADDRESS}>")
    get_settings.cache_clear()
    world.users["client"].email = "carl@org-a.test"
    db.add_all([world.users["client"],
                OrganisationDomain(organisation_id=world.org_a.id, domain="org-a.test")])
    channel = MailChannel(address=ADDRESS, name="Helpdesk", queue_id=world.queue2.id)
    db.add(channel)
    db.commit()
    return Room(db=db, world=world, channel=channel)
