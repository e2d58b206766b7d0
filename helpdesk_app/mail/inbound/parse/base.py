"""What the mail parser hands out (ParsedMail, ParsedAttachment, DsnReport), the one error
it raises (MailParseError), and the small text helpers every part of it shares: one-line
header values, clean bodies, lenient base64. Imports nothing from its sibling modules, so
they can all import it without a cycle."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import datetime
from email.parser import BytesParser
from email.policy import compat32

PARSER = BytesParser(policy=compat32)  # stateless between calls: safe to share


class MailParseError(Exception):
    """The message cannot be taken at all. `reason` is the machine key the quarantine
    stores: "too_large", "too_many_parts" or "unparseable"; `detail` is for admins."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str  # decoded, never empty
    content_type: str  # lower-case "type/subtype"
    data: bytes
    content_id: str | None  # without <>, for inline images
    inline: bool


@dataclass(frozen=True)
class DsnReport:
    """A delivery status notification (RFC 3464), or a bounce close enough to one."""

    original_message_id: str | None
    recipients: list[str]
    action: str  # "failed", "delayed", ... ("" if unknown)
    status: str  # e.g. "5.1.1" ("" if unknown)


@dataclass(frozen=True)
class ParsedMail:
    message_id: str | None
    in_reply_to: list[str]
    references: list[str]
    subject: str
    from_addr: str
    from_name: str
    reply_to: str | None
    to: list[str]
    cc: list[str]
    date: datetime | None
    headers: dict[str, str]
    text: str
    html: str
    attachments: list[ParsedAttachment]
    dsn: DsnReport | None
    part_count: int
    defects: list[str]  # what was repaired or ignored, in English for admins


@dataclass
class Budget:
    """Parts a repair (re-parse) may still add without crossing max_parts."""

    remaining: int
    added: int = 0

    def take(self, parts: int) -> bool:
        if parts > self.remaining:
            return False
        self.remaining -= parts
        self.added += parts
        return True


def unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


_LINE_BREAKERS = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")
_BODY_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
BIDI_CONTROLS = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


def no_surrogates(text: str) -> str:
    """Lone surrogates (from odd codecs) cannot be stored as UTF-8: make them '?'."""
    return text.encode("utf-8", "replace").decode("utf-8")


def one_line(text: str) -> str:
    """CR/LF/TAB/controls collapsed to single spaces: safe to put in a header again."""
    return no_surrogates(_LINE_BREAKERS.sub(" ", text)).strip()


def clean_body(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    return no_surrogates(_BODY_CONTROLS.sub("", text))


# --------------------------------------------------------------------------- base64

_B64_JUNK = re.compile(rb"[^A-Za-z0-9+/=]")


def b64decode(data: bytes) -> tuple[bytes, bool]:
    """Base64 that survives broken padding, junk characters and per-line padding.
    Returns (bytes, repaired)."""
    compact = b"".join(data.split())
    try:
        return base64.b64decode(compact, validate=True), False
    except (binascii.Error, ValueError):
        pass
    out = []
    for chunk in re.split(rb"=+", _B64_JUNK.sub(b"", compact)):
        if len(chunk) % 4 == 1:  # a lone trailing character carries no whole byte
            chunk = chunk[:-1]
        if chunk:
            out.append(base64.b64decode(chunk + b"=" * (-len(chunk) % 4)))
    return b"".join(out), True
