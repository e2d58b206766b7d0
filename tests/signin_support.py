"""Helpers for the sign-in security tests: clients, TOTP codes, mails in the outbox."""

from __future__ import annotations

import email
import re
from email import policy

import pyotp
from sqlmodel import Session, col, select

from helpdesk_app.domain.signin import Client
from helpdesk_app.models import OutboundMail

LAPTOP = Client(ip="10.0.0.5", user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
PHONE = Client(ip="10.0.0.9", user_agent="Mozilla/5.0 (iPhone) Safari/605.1")
ATTACKER = Client(ip="203.0.113.7", user_agent="curl/8.0")


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret).generate_otp(step)


def current_code(secret: str) -> str:
    return pyotp.TOTP(secret).now()


def mails(db: Session, kind: str, to: str | None = None) -> list[OutboundMail]:
    q = select(OutboundMail).where(OutboundMail.kind == kind).order_by(col(OutboundMail.id))
    if to:
        q = q.where(OutboundMail.to_addr == to.lower())
    return list(db.exec(q).all())


def mail_text(row: OutboundMail) -> str:
    msg = email.message_from_bytes(row.raw, policy=policy.default)
    return msg.get_body(preferencelist=("plain",)).get_content()


def six_digits(text: str) -> str:
    found = re.search(r"\b(\d{6})\b", text)
    assert found, text
    return found.group(1)
