"""Delivery status notifications: the fields of RFC 3464 reports, and bounces without that
structure (qmail, old Exchange) recognised from the sender and the text."""

from __future__ import annotations

import re

from helpdesk_app.mail.inbound.parse.base import DsnReport, ParsedMail, one_line, unique
from helpdesk_app.mail.inbound.parse.headers import bare_address

_STATUS_CODE = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
_BOUNCE_SENDER = re.compile(r"^(mailer-daemon|postmaster)@", re.I)
_TEXT_MESSAGE_ID = re.compile(r"^\s*Message-ID:\s*<?([^<>\s]{1,500})>?\s*$", re.I | re.M)
_TEXT_RECIPIENT = re.compile(r"^\s*<([^<>\s@]+@[^<>\s]+)>:", re.M)
_ACTION_FOR_CLASS = {"5": "failed", "4": "delayed", "2": "delivered"}


def field_blocks(text: str) -> list[dict[str, str]]:
    """'Name: value' blocks separated by blank lines (a delivery-status body as text)."""
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    last = ""
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            if current:
                blocks.append(current)
            current, last = {}, ""
        elif line[0] in " \t" and last:
            current[last] = one_line(f"{current[last]} {line}")
        elif ":" in line:
            name, value = line.split(":", 1)
            last = name.strip().lower()
            current.setdefault(last, one_line(value))
    if current:
        blocks.append(current)
    return blocks


def status_fields(blocks: list[dict[str, str]]) -> tuple[list[str], str, str]:
    """Recipients, action and status; a failed recipient wins over the others."""
    recipients: list[str] = []
    chosen: dict[str, str] | None = None
    for block in blocks:
        for key in ("final-recipient", "original-recipient"):
            addr = bare_address(block.get(key, "").split(";", 1)[-1])
            if addr and addr not in recipients:
                recipients.append(addr)
        if "action" in block or "final-recipient" in block:
            failed = block.get("action", "").lower().startswith("failed")
            if chosen is None or (failed and not chosen.get("action", "").lower()
                                  .startswith("failed")):
                chosen = block
    chosen = chosen or {}
    action = (chosen.get("action", "").lower().split() or [""])[0]
    status = _STATUS_CODE.search(chosen.get("status", ""))
    return recipients, action, status.group(1) if status else ""


def informal_bounce(from_addr: str, text: str, returned: list[ParsedMail]) -> DsnReport | None:
    """A bounce without RFC 3464 structure (qmail, old Exchange): a mailer-daemon or
    postmaster sender plus a recognisable original Message-ID or failed recipient."""
    if not _BOUNCE_SENDER.match(from_addr):
        return None
    original = next((m.message_id for m in returned if m.message_id), None)
    if original is None:
        match = _TEXT_MESSAGE_ID.search(text)
        original = match.group(1) if match else None
    recipients = unique([a for a in (bare_address(m) for m in _TEXT_RECIPIENT.findall(text))
                          if a])
    if original is None and not recipients:
        return None
    status = _STATUS_CODE.search(text)
    code = status.group(1) if status else ""
    return DsnReport(original, recipients, _ACTION_FOR_CLASS.get(code[:1], ""), code)

