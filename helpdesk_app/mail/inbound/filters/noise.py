"""Loop and noise protection: mail we must never answer automatically, and mail that is
itself automatic. Nothing is dropped here; the flags steer the auto-reply and follow-ups.

One small rule per signal (RFC 3834 and what real mailers send), run in the order of
RULES below. A rule returns a Signal or None; the reasons of all signals that fired end up
in `ctx.no_auto_reply` (comma-separated, in RULES order), and a signal that says the mail
is machine-made sets `ctx.automatic` (a follow-up becomes an internal note)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session

from helpdesk_app.mail.inbound.context import MailContext, Outcome


@dataclass(frozen=True)
class Signal:
    reason: str  # machine key, stored in ctx.no_auto_reply
    automatic: bool = False  # the message itself is machine-made, not written by a person


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


def _header(ctx: MailContext, name: str) -> str:
    return ctx.parsed.headers.get(name, "").strip()


def _envelope_sender(ctx: MailContext) -> str:
    return (ctx.mail.mail_from or "").strip()


# --------------------------------------------------------------------------- the rules


def auto_submitted(ctx: MailContext) -> Signal | None:
    """RFC 3834 Auto-Submitted: anything but "no" is a machine talking."""
    value = _header(ctx, "auto-submitted").lower()
    return Signal("auto_submitted", automatic=True) if value and value != "no" else None


def auto_reply_headers(ctx: MailContext) -> Signal | None:
    """X-Autoreply / X-Autorespond (vacation programs) or Precedence: auto_reply."""
    if (_header(ctx, "x-autoreply") or _header(ctx, "x-autorespond")
            or _header(ctx, "precedence").lower() == "auto_reply"):
        return Signal("auto_reply", automatic=True)
    return None


def bounce(ctx: MailContext) -> Signal | None:
    """A delivery status notification (the parser recognised one)."""
    return Signal("bounce", automatic=True) if ctx.parsed.dsn is not None else None


def auto_response_suppress(ctx: MailContext) -> Signal | None:
    """Microsoft's X-Auto-Response-Suppress: the sender asks for no automatic answers."""
    return Signal("auto_response_suppress") if _header(ctx, "x-auto-response-suppress") \
        else None


def precedence(ctx: MailContext) -> Signal | None:
    """Precedence: bulk / list / junk (newsletters, list traffic, spam)."""
    if _header(ctx, "precedence").lower() in ("bulk", "list", "junk"):
        return Signal("precedence")
    return None


def mailing_list(ctx: MailContext) -> Signal | None:
    """List-Id or List-Unsubscribe (RFC 2919 / 2369): a list post, not a person to us."""
    return Signal("mailing_list") if _header(ctx, "list-id") or \
        _header(ctx, "list-unsubscribe") else None


def x_loop(ctx: MailContext) -> Signal | None:
    """X-Loop: some system already looped this message once."""
    return Signal("x_loop") if _header(ctx, "x-loop") else None


def null_sender(ctx: MailContext) -> Signal | None:
    """The null reverse path (<>): SMTP envelope or Return-Path; answers would bounce."""
    if (ctx.mail.source == "smtp" and _envelope_sender(ctx) in ("", "<>")) \
            or _header(ctx, "return-path") == "<>":
        return Signal("null_sender")
    return None


def machine_from(ctx: MailContext) -> Signal | None:
    """mailer-daemon@, postmaster@, noreply@... in From or in the envelope sender."""
    if machine_sender(ctx.parsed.from_addr) or machine_sender(_envelope_sender(ctx)):
        return Signal("machine_sender")
    return None


def out_of_office_subject(ctx: MailContext) -> Signal | None:
    """An out-of-office / automatic-reply subject (pl, en, de, fr, sv) without headers."""
    if _AUTO_SUBJECT.match(ctx.parsed.subject or ""):
        return Signal("auto_subject", automatic=True)
    return None


RULES = (auto_submitted, auto_reply_headers, bounce, auto_response_suppress, precedence,
         mailing_list, x_loop, null_sender, machine_from, out_of_office_subject)


def run(db: Session, ctx: MailContext) -> Outcome | None:
    signals = [signal for rule in RULES if (signal := rule(ctx)) is not None]
    if any(s.automatic for s in signals):
        ctx.automatic = True
    ctx.no_auto_reply = ",".join(s.reason for s in signals)
    return None
