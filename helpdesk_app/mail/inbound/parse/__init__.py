"""MIME parsing for inbound mail: raw bytes in, one tidy `ParsedMail` out.

Nothing from the sender is trusted. Size and part count are checked before the expensive
work. Each part is decoded on its own, so a broken part becomes a recorded defect and not
an error. HTML is sanitized with nh3, and header values come out as single safe lines.
Only `MailParseError` leaves `parse_message`; the pipeline quarantines with its `reason`.

Built on the stdlib `email` package with the compat32 policy: it keeps raw header values
(decoded here, with the charset fallbacks the Polish market needs) and never raises on
malformed headers, unlike the header objects of the modern policy.

Where things are:
    base.py       ParsedMail & co., MailParseError, shared text helpers, lenient base64
    charsets.py   how body parts and header words are decoded (declared charset, fallbacks)
    headers.py    encoded-words, raw 8-bit headers, addresses, Message-IDs, dates, and
                  mending a damaged header block before parsing
    alternatives.py  which readable parts make the text (multipart/alternative, stubs)
    mime.py       the MIME reader: walks the parts, text/HTML/attachments/forwards
    bounces.py    delivery status notifications (RFC 3464) and informal bounces
    html_text.py  HTML sanitizing and HTML to text
    flowed.py     format=flowed plain text
    replies.py    split_reply: new text vs. quoted history
"""

from __future__ import annotations

from dataclasses import replace

from helpdesk_app.mail.inbound.parse.base import (
    PARSER,
    Budget,
    DsnReport,
    MailParseError,
    ParsedAttachment,
    ParsedMail,
    unique,
)
from helpdesk_app.mail.inbound.parse.headers import repair_header_block
from helpdesk_app.mail.inbound.parse.html_text import html_to_text, sanitize_html
from helpdesk_app.mail.inbound.parse.mime import Reader, count_parts, delimiter_lines
from helpdesk_app.mail.inbound.parse.replies import split_reply

__all__ = [
    "DsnReport",
    "MailParseError",
    "ParsedAttachment",
    "ParsedMail",
    "html_to_text",
    "parse_message",
    "sanitize_html",
    "split_reply",
]


def parse_message(raw: bytes, *, max_bytes: int, max_parts: int) -> ParsedMail:
    """Parse one raw RFC 5322 message. Raises only `MailParseError`."""
    raw = bytes(raw)
    if len(raw) > max_bytes:
        raise MailParseError("too_large", f"{len(raw)} bytes; the limit is {max_bytes}")
    # Cheap upper bound before building a Message per part: a few MB of "--b" lines would
    # otherwise become hundreds of thousands of objects.
    if delimiter_lines(raw, max_parts) > max_parts:
        raise MailParseError("too_many_parts", f"more than {max_parts} MIME parts")
    defects: list[str] = []
    body = raw.lstrip(b"\r\n")
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    if len(body) != len(raw):
        defects.append("blank lines or a byte order mark before the headers; skipped")
    body, repairs = repair_header_block(body)
    defects.extend(repairs)
    try:
        msg = PARSER.parsebytes(body)
    except RecursionError:
        raise MailParseError("too_many_parts", "MIME parts nested too deeply to read") from None
    except Exception as exc:  # the stdlib parser is lenient, but keep the promise anyway
        raise MailParseError("unparseable", f"the MIME parser failed: {exc!r}"[:500]) from None
    if not any(str(name).strip() for name, _value in msg.raw_items()):
        raise MailParseError("unparseable", "no header lines found: not an e-mail message")
    count = count_parts(msg, max_parts)
    if count > max_parts:
        raise MailParseError("too_many_parts", f"more than {max_parts} MIME parts")
    budget = Budget(max_parts - count)
    linesep = "\r\n" if b"\r\n" in body[:4096] else "\n"
    try:
        parsed = Reader(budget, depth=0, linesep=linesep).read(msg)
    except Exception as exc:  # a bug of ours; the message is kept raw and quarantined
        raise MailParseError("unparseable",
                             f"internal error while reading the message: {exc!r}"[:500]) from None
    return replace(parsed, part_count=count + budget.added,
                   defects=unique(defects + parsed.defects))

