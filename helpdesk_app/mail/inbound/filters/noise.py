"""Loop and noise protection: mail we must never answer automatically, and mail that is
itself automatic. Nothing is dropped here; the flags steer the auto-reply and follow-ups.

Signals (RFC 3834 and what real mailers send): Auto-Submitted other than "no",
X-Auto-Response-Suppress, Precedence bulk/list/junk/auto_reply, List-Id /
List-Unsubscribe, X-Loop, X-Autoreply / X-Autorespond, the null sender (<>),
mailer-daemon / postmaster / no-reply senders, DSN bounces."""

from __future__ import annotations

import re

from sqlmodel import Session

from helpdesk_app.mail.inbound.context import MailContext, Outcome

_MACHINE_SENDER = re.compile(
    r"^(mailer-daemon|postmaster|no[-_.]?reply|do[-_.]?not[-_.]?reply|bounces?|"
    r"auto[-_.]?reply|notifications?-noreply)([+@]|$)", re.IGNORECASE)
_AUTO_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto(matic)?[- ]?reply|out of (the )?office|"
    r"odpowied[zź] automatyczna|automatyczna odpowied[zź]|nieobecno[sś][cć]|"
    r"abwesenheitsnotiz|autosvar|r[ée]ponse automatique)\b", re.IGNORECASE)


def machine_sender(address: str) -> bool:
    """mailer-daemon@, postmaster@, noreply@... never get an automatic answer."""
    return bool(_MACHINE_SENDER.match(address or ""))


def run(db: Session, ctx: MailContext) -> Outcome | None:
    h = ctx.parsed.headers
    auto_submitted = h.get("auto-submitted", "").strip().lower()
    precedence = h.get("precedence", "").strip().lower()
    reasons: list[str] = []
    if auto_submitted and auto_submitted != "no":
        reasons.append("auto_submitted")
        ctx.automatic = True
    if h.get("x-autoreply") or h.get("x-autorespond") or precedence == "auto_reply":
        reasons.append("auto_reply")
        ctx.automatic = True
    if ctx.parsed.dsn is not None:
        reasons.append("bounce")
        ctx.automatic = True
    if h.get("x-auto-response-suppress"):
        reasons.append("auto_response_suppress")
    if precedence in ("bulk", "list", "junk"):
        reasons.append("precedence")
    if h.get("list-id") or h.get("list-unsubscribe"):
        reasons.append("mailing_list")
    if h.get("x-loop"):
        reasons.append("x_loop")
    envelope_sender = (ctx.mail.mail_from or "").strip()
    if (ctx.mail.source == "smtp" and envelope_sender in ("", "<>")) \
            or h.get("return-path", "").strip() == "<>":
        reasons.append("null_sender")
    if machine_sender(ctx.parsed.from_addr) or machine_sender(envelope_sender):
        reasons.append("machine_sender")
    if _AUTO_SUBJECT.match(ctx.parsed.subject or ""):
        reasons.append("auto_subject")
        ctx.automatic = True
    ctx.no_auto_reply = ",".join(reasons)
    return None
