"""MIME parsing for inbound mail: raw bytes in, one tidy `ParsedMail` out.

Nothing from the sender is trusted. Size and part count are checked before the expensive
work. Each part is decoded on its own, so a broken part becomes a recorded defect and not
an error. HTML is sanitized with nh3, and header values come out as single safe lines.
Only `MailParseError` leaves `parse_message`; the pipeline quarantines with its `reason`.

Built on the stdlib `email` package with the compat32 policy: it keeps raw header values
(decoded here, with the charset fallbacks the Polish market needs) and never raises on
malformed headers, unlike the header objects of the modern policy.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import html as html_lib
import io
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.generator import BytesGenerator
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

import nh3

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

_PARSER = BytesParser(policy=compat32)  # stateless between calls: safe to share
_MAX_DEPTH = 25  # MIME nesting we walk (forwards included); deeper parts are skipped
_FORWARD_MARKER = "---- Forwarded message ----"


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


# --------------------------------------------------------------------------- entry point


def parse_message(raw: bytes, *, max_bytes: int, max_parts: int) -> ParsedMail:
    """Parse one raw RFC 5322 message. Raises only `MailParseError`."""
    raw = bytes(raw)
    if len(raw) > max_bytes:
        raise MailParseError("too_large", f"{len(raw)} bytes; the limit is {max_bytes}")
    # Cheap upper bound before building a Message per part: a few MB of "--b" lines would
    # otherwise become hundreds of thousands of objects.
    if _delimiter_lines(raw, max_parts) > max_parts:
        raise MailParseError("too_many_parts", f"more than {max_parts} MIME parts")
    defects: list[str] = []
    body = raw.lstrip(b"\r\n")
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    if len(body) != len(raw):
        defects.append("blank lines or a byte order mark before the headers; skipped")
    try:
        msg = _PARSER.parsebytes(body)
    except RecursionError:
        raise MailParseError("too_many_parts", "MIME parts nested too deeply to read") from None
    except Exception as exc:  # the stdlib parser is lenient, but keep the promise anyway
        raise MailParseError("unparseable", f"the MIME parser failed: {exc!r}"[:500]) from None
    if not any(str(name).strip() for name, _value in msg.raw_items()):
        raise MailParseError("unparseable", "no header lines found: not an e-mail message")
    count = _count_parts(msg, max_parts)
    if count > max_parts:
        raise MailParseError("too_many_parts", f"more than {max_parts} MIME parts")
    budget = _Budget(max_parts - count)
    linesep = "\r\n" if b"\r\n" in body[:4096] else "\n"
    try:
        parsed = _Reader(budget, depth=0, linesep=linesep).read(msg)
    except Exception as exc:  # a bug of ours; the message is kept raw and quarantined
        raise MailParseError("unparseable",
                             f"internal error while reading the message: {exc!r}"[:500]) from None
    return replace(parsed, part_count=count + budget.added,
                   defects=_unique(defects + parsed.defects))


# --------------------------------------------------------------------------- small helpers

_BOUNDARY_PARAM = re.compile(rb'boundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))', re.I)
_DELIMITER_LINE = re.compile(rb"^--([^\r\n]{1,200}?)[ \t]*\r?$", re.M)


def _delimiter_lines(raw: bytes, limit: int) -> int:
    """Opening delimiter lines of any declared boundary, counted up to limit + 1."""
    boundaries = {a or b for a, b in _BOUNDARY_PARAM.findall(raw)}
    count = 0
    if boundaries:
        for match in _DELIMITER_LINE.finditer(raw):
            if match.group(1) in boundaries:
                count += 1
                if count > limit:
                    break
    return count


def _count_parts(msg: Message, limit: int) -> int:
    """MIME entities in the tree, root included (iterative: nesting can be deep)."""
    count, stack = 0, [msg]
    while stack and count <= limit:
        part = stack.pop()
        count += 1
        if _content_type(part) == "message/delivery-status":
            continue  # its sub-"messages" are field blocks, not parts
        payload = _raw_payload(part)
        if isinstance(payload, list):
            stack.extend(p for p in payload if isinstance(p, Message))
    return count


@dataclass
class _Budget:
    """Parts a repair (re-parse) may still add without crossing max_parts."""

    remaining: int
    added: int = 0

    def take(self, parts: int) -> bool:
        if parts > self.remaining:
            return False
        self.remaining -= parts
        self.added += parts
        return True


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


_LINE_BREAKERS = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")
_BODY_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BIDI_CONTROLS = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


def _no_surrogates(text: str) -> str:
    """Lone surrogates (from odd codecs) cannot be stored as UTF-8: make them '?'."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _one_line(text: str) -> str:
    """CR/LF/TAB/controls collapsed to single spaces: safe to put in a header again."""
    return _no_surrogates(_LINE_BREAKERS.sub(" ", text)).strip()


def _clean_body(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    return _no_surrogates(_BODY_CONTROLS.sub("", text))


# --------------------------------------------------------------------------- charsets

_CHARSET_ALIASES = {
    "utf8": "utf-8", "win-1250": "cp1250", "windows1250": "cp1250", "x-cp1250": "cp1250",
    "cp-1250": "cp1250", "win1250": "cp1250", "latin2": "iso-8859-2",
    "unknown-8bit": "", "x-unknown": "", "unknown": "", "default": "", "x-user-defined": "",
}
# Tried in this order when the declared charset does not fit: UTF-8, then Windows-1250
# (what Polish Windows mailers send undeclared), then Latin-1, which never fails.
_FALLBACKS = (("utf-8", "utf-8"), ("cp1250", "windows-1250"), ("latin-1", "iso-8859-1"))
_C1_CONTROLS = re.compile("[\x80-\x9f]")


def _codec(charset: str | None) -> str | None:
    """The Python codec for a MIME charset label; None when unknown or not a text codec."""
    label = (charset or "").strip().strip("\"'").lower()
    label = _CHARSET_ALIASES.get(label, label)
    if not label:
        return None
    try:
        info = codecs.lookup(label)
    except Exception:  # LookupError, or a label no codec name can be (NUL, too long)
        return None
    return info.name if getattr(info, "_is_text_encoding", True) else None


def _decode_text(data: bytes, charset: str | None) -> tuple[str, str]:
    """Decode text bytes. Returns (text, problem); problem is "" when the declared
    charset fitted, else an English note for the defects list."""
    label = (charset or "").strip().strip("\"'")[:40]
    codec = _codec(charset)
    if codec is not None:
        try:
            text = data.decode(codec)
        except Exception:  # UnicodeDecodeError, or an odd codec failing its own way
            problem = f"bytes do not fit the declared charset {label!r}"
        else:
            if codec.startswith("utf"):
                return text, ""
            if not data.isascii() and _is_utf8(data):
                problem = f"declared charset {label!r} but the text is UTF-8"
            elif _C1_CONTROLS.search(text):  # no real text has C1 controls: wrong label
                problem = f"declared charset {label!r} does not fit the text"
            else:
                return text, ""
    elif data.isascii():
        return data.decode("ascii"), ""
    else:
        problem = f"unknown charset {label!r}" if label else "8-bit text without a charset"
    for name, shown in _FALLBACKS:
        try:
            return data.decode(name), f"{problem}; decoded as {shown}"
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# --------------------------------------------------------------------------- headers

_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,75})\?([bBqQ])\?([^?]{0,4000})\?=")
_B64_JUNK = re.compile(rb"[^A-Za-z0-9+/=]")


def _b64decode(data: bytes) -> tuple[bytes, bool]:
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


def _raw_text(value: object, defects: list[str], where: str) -> str:
    """A compat32 header value (8-bit bytes kept as surrogate escapes) as real text."""
    text = value if isinstance(value, str) else str(value)
    try:
        data = text.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return text  # already real text
    if data.isascii():
        return text
    try:
        return data.decode("utf-8")  # raw UTF-8 headers are legal (RFC 6532)
    except UnicodeDecodeError:
        decoded, problem = _decode_text(data, None)
        defects.append(f"{where}: {problem}")
        return decoded


def _decode_words(text: str, defects: list[str], where: str) -> str:
    """Decode RFC 2047 encoded-words anywhere in `text` (also where they are not strictly
    allowed, as mail clients do). Adjacent words are joined before decoding, because
    broken encoders split one multi-byte character across two words."""
    pieces: list[str] = []
    run: list[tuple[str, bytes]] = []
    pos = 0

    def flush() -> None:
        while run:
            charset = run[0][0]
            data = b""
            while run and run[0][0] == charset:
                data += run.pop(0)[1]
            decoded, problem = _decode_text(data, charset)
            if problem:
                defects.append(f"{where}: {problem}")
            pieces.append(decoded)

    for match in _ENCODED_WORD.finditer(text):
        gap = text[pos:match.start()]
        if gap.strip() or not run:
            flush()
            pieces.append(gap)
        # else: whitespace between adjacent encoded-words is dropped (RFC 2047, 6.2)
        charset = match.group(1).split("*", 1)[0]  # RFC 2231 language suffix: utf-8*pl
        payload = match.group(3).encode("utf-8", "surrogateescape")
        if match.group(2) in "bB":
            data, repaired = _b64decode(payload)
            if repaired:
                defects.append(f"{where}: broken base64 in an encoded-word")
        else:
            data = binascii.a2b_qp(payload, header=True)
        run.append((charset.lower(), data))
        pos = match.end()
    flush()
    pieces.append(text[pos:])
    return "".join(pieces)


def _header_value(raw: object, defects: list[str], where: str) -> str:
    return _one_line(_decode_words(_raw_text(raw, defects, where), defects, where))


_WORD_MARK = "pomocnikencodedword"
_MASKED_WORD = re.compile(_WORD_MARK + r"(\d+)x")
_ADDRESS_CHARS = r"[^@\s<>()\[\],;:\"\\\x00-\x1f\x7f-\x9f]+"
_ADDRESS = re.compile(f"{_ADDRESS_CHARS}@{_ADDRESS_CHARS}")


def _bare_address(addr: str) -> str:
    """Lower-case address, or "" when it is not one."""
    addr = addr.strip().strip("<>").strip().lower()
    return addr if len(addr) <= 320 and _ADDRESS.fullmatch(addr) else ""


def _getaddresses(value: str) -> list[tuple[str, str]]:
    # Pythons with the CVE-2023-27043 fix parse strictly by default and then drop the
    # whole list for one malformed entry; a helpdesk wants the good addresses in it.
    try:
        return getaddresses([value], strict=False)
    except TypeError:  # older Pythons: lenient anyway, no `strict` parameter
        return getaddresses([value])


def _addresses(raw: str | None, defects: list[str], where: str) -> list[tuple[str, str]]:
    """(decoded display name, bare address) pairs; invalid addresses are left out."""
    if not raw:
        return []
    # An encoded-word may hide "<", "," or "@" (legal or not): parse the list with each
    # word replaced by a plain atom, so the words can only ever be display names.
    words: list[str] = []

    def mask(match: re.Match[str]) -> str:
        words.append(match.group(0))
        return f"{_WORD_MARK}{len(words) - 1}x"

    def unmask(text: str) -> str:
        return _MASKED_WORD.sub(lambda m: words[int(m.group(1))], text)

    masked = raw if _WORD_MARK in raw else _ENCODED_WORD.sub(mask, raw)
    try:
        pairs = _getaddresses(masked)
    except Exception:
        defects.append(f"{where}: unreadable address list")
        return []
    found = []
    for name, addr in pairs:
        name, addr = unmask(name), unmask(addr)
        bare = _bare_address(addr)
        if bare:
            found.append((_one_line(_decode_words(name, defects, where)), bare))
        elif addr.strip():
            defects.append(f"{where}: invalid address {_one_line(addr)[:80]!r} ignored")
    return found


_MESSAGE_ID = re.compile(r"<([^<>\s]{1,500})>")
_MAX_IDS = 100


def _message_ids(raw: str | None) -> list[str]:
    """Message-IDs without <>, in order, each once; bare ids are accepted too."""
    if not raw:
        return []
    ids = _MESSAGE_ID.findall(raw) or [
        t.replace("<", "").replace(">", "") for t in raw.replace(",", " ").split()]
    ids = _unique([_one_line(i)[:500] for i in ids if _one_line(i)])
    # a runaway References list: keep the thread root and the most recent ancestors
    return ids if len(ids) <= _MAX_IDS else [ids[0], *ids[-(_MAX_IDS - 1):]]


def _date(raw: str | None, defects: list[str]) -> datetime | None:
    if not raw or not raw.strip():
        return None
    try:
        value = parsedate_to_datetime(raw.strip())
        if value.tzinfo is None:  # "-0000": local time unknown, read as UTC
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
    except Exception:
        defects.append(f"Date header unreadable: {_one_line(raw)[:80]!r}")
        return None


# --------------------------------------------------------------------------- MIME parts

_CONTENT_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")
_EXTENSIONS = {
    "application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif",
    "image/webp": ".webp", "image/bmp": ".bmp", "text/plain": ".txt", "text/html": ".html",
    "text/csv": ".csv", "text/calendar": ".ics", "text/rfc822-headers": ".txt",
    "message/rfc822": ".eml", "message/global": ".eml", "application/zip": ".zip",
    "application/ms-tnef": ".dat", "application/pkcs7-signature": ".p7s",
}
_FORWARD_TYPES = ("message/rfc822", "message/global")
_REPAIR_BOUNDARY = re.compile(r'^--([^\s"]{1,200})[ \t]*\r?\n(?=[Cc][Oo][Nn][Tt][Ee][Nn][Tt]-)',
                              re.M)


def _raw_payload(part: Message) -> object:
    """The payload as parsed. compat32's get_payload() would re-decode 8-bit text with the
    declared charset and replace what does not fit - the very bytes we need to see."""
    return getattr(part, "_payload", None)


def _content_type(part: Message) -> str:
    try:
        ctype = part.get_content_type()
    except Exception:
        return "application/octet-stream"
    return ctype if _CONTENT_TYPE.fullmatch(ctype) else "application/octet-stream"


def _param(part: Message, name: str, header: str = "content-type") -> str:
    """A header parameter as text (RFC 2231 values decoded); "" when absent."""
    raw = next((v for k, v in part.raw_items() if str(k).strip().lower() == header), None)
    if raw is None:
        return ""
    # compat32 would hand 8-bit parameter bytes back as U+FFFD: decode them first
    probe = Message()
    probe[header] = _raw_text(raw, [], header)
    try:
        value = probe.get_param(name, header=header)
    except Exception:
        return ""
    if isinstance(value, tuple):  # RFC 2231: (charset, language, text)
        charset, _language, text = value
        try:
            data = str(text).encode("latin-1", "surrogateescape")
        except UnicodeEncodeError:
            return str(text)
        return _decode_text(data, charset or None)[0]
    return str(value) if isinstance(value, str) else ""


def _cte(part: Message) -> str:
    value = str(part.get("Content-Transfer-Encoding", "") or "")
    return (value.strip().strip("\"'").lower().split() or [""])[0].split(";")[0]


def _defect_name(defect: object) -> str:
    words = re.findall(r"[A-Z][a-z0-9]*", type(defect).__name__.removesuffix("Defect"))
    return " ".join(w.lower() for w in words) or type(defect).__name__


def _as_bytes(msg: Message, linesep: str) -> bytes:
    out = io.BytesIO()
    BytesGenerator(out, mangle_from_=False, policy=compat32).flatten(msg, linesep=linesep)
    return out.getvalue()


def _default_name(ctype: str) -> str:
    return "attachment" + _EXTENSIONS.get(ctype, ".bin")


class _Reader:
    """Reads one message tree. A forwarded message is read by a _Reader of its own."""

    def __init__(self, budget: _Budget, *, depth: int, linesep: str) -> None:
        self.budget = budget
        self.depth = depth
        self.linesep = linesep
        self.defects: list[str] = []
        self.plain: list[str] = []
        self.html: list[str] = []
        self.attachments: list[ParsedAttachment] = []
        self.forwards: list[ParsedMail] = []
        self.status_blocks: list[dict[str, str]] = []
        self.returned_ids: list[str] = []
        self.delivery_report = False

    # ---- the whole message

    def read(self, msg: Message) -> ParsedMail:
        defects = self.defects
        raw_headers: list[tuple[str, str]] = []
        headers: dict[str, str] = {}
        for name, value in msg.raw_items():
            key = str(name).strip().lower()
            if not key:
                continue
            where = f"header {key}"
            try:
                text = _raw_text(value, defects, where)
                raw_headers.append((key, text))
                if key not in headers:
                    headers[key] = _one_line(_decode_words(text, defects, where))
            except Exception as exc:
                defects.append(f"{where}: unreadable ({type(exc).__name__}); ignored")

        def first(key: str) -> str | None:
            return next((v for k, v in raw_headers if k == key), None)

        senders = _addresses(first("from"), defects, "header from")
        reply_to = _addresses(first("reply-to"), defects, "header reply-to")
        try:
            self._walk(msg, "", self.depth, related_resource=False, in_report=False)
        except Exception as exc:
            self._defect("", _content_type(msg), f"unreadable ({type(exc).__name__}); skipped")

        text = self._text()
        raw_html = "\n".join(h for h in self.html if h.strip())
        html = ""
        if raw_html:
            try:
                html = sanitize_html(raw_html).strip()
            except Exception as exc:
                defects.append(f"HTML could not be sanitized ({type(exc).__name__}); dropped")
        from_addr = senders[0][1] if senders else ""
        message_ids = _message_ids(first("message-id"))
        return ParsedMail(
            message_id=message_ids[0] if message_ids else None,
            in_reply_to=_message_ids(first("in-reply-to")),
            references=_message_ids(first("references")),
            subject=headers.get("subject", ""),
            from_addr=from_addr,
            from_name=senders[0][0] if senders else "",
            reply_to=reply_to[0][1] if reply_to else None,
            to=_unique([a for _n, a in _addresses(first("to"), defects, "header to")]),
            cc=_unique([a for _n, a in _addresses(first("cc"), defects, "header cc")]),
            date=_date(first("date"), defects),
            headers=headers,
            text=text,
            html=html,
            attachments=self.attachments,
            dsn=self._dsn(from_addr, text),
            part_count=0,
            defects=_unique(defects),
        )

    def _text(self) -> str:
        text = "\n\n".join(t.strip("\n") for t in self.plain if t.strip())
        if not text.strip() and self.html:
            text = html_to_text("\n".join(self.html))
        for fwd in self.forwards:
            lines = [_FORWARD_MARKER]
            sender = f"{fwd.from_name} <{fwd.from_addr}>" if fwd.from_name else fwd.from_addr
            for label, value in (("From", sender), ("Date", fwd.headers.get("date", "")),
                                 ("Subject", fwd.subject), ("To", ", ".join(fwd.to))):
                if value:
                    lines.append(f"{label}: {value}")
            block = "\n".join(lines) + "\n\n" + fwd.text.strip("\n")
            text = f"{text.rstrip()}\n\n{block}" if text.strip() else block
        return text.strip("\n")

    # ---- walking the parts

    def _defect(self, path: str, ctype: str, note: str) -> None:
        where = f"part {path}" if path else "message"
        self.defects.append(f"{where} ({ctype}): {note}")

    def _walk(self, part: Message, path: str, depth: int, *, related_resource: bool,
              in_report: bool) -> None:
        ctype = _content_type(part)
        if depth > _MAX_DEPTH:
            self._defect(path, ctype, "nested too deeply; ignored")
            return
        for defect in part.defects:
            self._defect(path, ctype, _defect_name(defect))
        payload = _raw_payload(part)
        if ctype == "message/delivery-status":
            self._delivery_status(part, path)
            return
        if isinstance(payload, list) and ctype.startswith("message/"):
            self._message(part, ctype, path, depth, in_report=in_report)
            return
        if ctype.startswith("multipart/") or isinstance(payload, list):
            children = payload if isinstance(payload, list) else self._repair(part, ctype, path)
            if children is None:  # no boundary to be found: the body is all there is
                self._text_part(part, "text/plain", path)
                return
            report = ctype == "multipart/report"
            if report and _param(part, "report-type").lower() == "delivery-status":
                self.delivery_report = True
            for i, child in enumerate(c for c in children if isinstance(c, Message)):
                child_path = f"{path}.{i + 1}" if path else str(i + 1)
                try:
                    self._walk(child, child_path, depth + 1, in_report=report,
                               related_resource=ctype == "multipart/related" and i > 0)
                except Exception as exc:
                    self._defect(child_path, _content_type(child),
                                 f"unreadable ({type(exc).__name__}); skipped")
            return
        if in_report and ctype == "text/rfc822-headers":
            self._returned_headers(part, path)
            return
        disposition = (part.get_content_disposition() or "").lower()
        filename = self._filename(part, path)
        if ctype in ("text/plain", "text/html") and disposition != "attachment" \
                and not filename:
            self._text_part(part, ctype, path)
            return
        cid = self._content_id(part)
        inline = disposition != "attachment" and (
            (related_resource and ctype.startswith("image/"))
            or (disposition == "inline" and cid is not None))
        self.attachments.append(ParsedAttachment(
            filename=filename or _default_name(ctype), content_type=ctype,
            data=self._payload(part, ctype, path), content_id=cid, inline=inline))

    def _payload(self, part: Message, ctype: str, path: str) -> bytes:
        """The decoded bytes of a leaf part (transfer encoding undone, leniently)."""
        payload = _raw_payload(part)
        if payload is None:
            return b""
        if isinstance(payload, list):  # parsed as sub-messages, yet wanted as bytes
            data = b"".join(_as_bytes(p, self.linesep) for p in payload
                            if isinstance(p, Message))
        elif isinstance(payload, bytes):
            data = payload
        else:
            try:
                data = payload.encode("ascii", "surrogateescape")
            except UnicodeEncodeError:
                data = payload.encode("utf-8", "surrogateescape")
        cte = _cte(part)
        if cte == "base64":
            data, repaired = _b64decode(data)
            if repaired:
                self._defect(path, ctype, "broken base64 repaired")
            return data
        if cte == "quoted-printable":
            return binascii.a2b_qp(data)
        if cte in ("x-uuencode", "uuencode", "x-uue", "uue"):
            decoded = part.get_payload(decode=True)
            return decoded if isinstance(decoded, bytes) else data
        if cte not in ("", "7bit", "8bit", "binary"):
            self._defect(path, ctype, f"unknown transfer encoding {cte[:40]!r}; kept as is")
        return data

    def _text_part(self, part: Message, ctype: str, path: str) -> None:
        data = self._payload(part, ctype, path)
        text, problem = _decode_text(data, _param(part, "charset") or None)
        if problem:
            self._defect(path, ctype, problem)
        text = _clean_body(text)
        if ctype == "text/plain" and _param(part, "format").lower() == "flowed":
            text = _unflow(text, delsp=_param(part, "delsp").lower() == "yes")
        (self.html if ctype == "text/html" else self.plain).append(text)

    def _filename(self, part: Message, path: str) -> str:
        for name, header in (("filename", "content-disposition"), ("name", "content-type")):
            value = _param(part, name, header)
            if value:
                where = f"part {path} filename"
                value = _decode_words(_raw_text(value, self.defects, where), self.defects, where)
                value = _one_line(_BIDI_CONTROLS.sub("", value))
                if value:
                    return value
        return ""

    def _content_id(self, part: Message) -> str | None:
        raw = part.get("Content-ID")
        if raw is None:
            return None
        value = _one_line(_raw_text(raw, self.defects, "content-id")).strip("<>").strip()
        return value[:500] or None

    def _repair(self, part: Message, ctype: str, path: str) -> list[Message] | None:
        """A multipart whose boundary was never declared (or is not the one used): find
        the delimiter in the body and read it again."""
        body = _raw_payload(part)
        match = _REPAIR_BOUNDARY.search(body) if isinstance(body, str) else None
        if match is None:
            self._defect(path, ctype, "no usable boundary; read as plain text")
            return None
        head = f'Content-Type: {ctype}; boundary="{match.group(1)}"\n\n'
        data = head.encode("ascii", "surrogateescape") + body.encode("ascii", "surrogateescape")
        children = _PARSER.parsebytes(data).get_payload()
        if not isinstance(children, list):
            return None
        added = sum(_count_parts(c, self.budget.remaining + 1) for c in children
                    if isinstance(c, Message))
        if not self.budget.take(added):
            self._defect(path, ctype, "boundary repair would exceed the part limit; read as text")
            return None
        self._defect(path, ctype, f"boundary missing or wrong; used {match.group(1)!r} "
                                  "found in the body")
        return children

    def _message(self, part: Message, ctype: str, path: str, depth: int, *,
                 in_report: bool) -> None:
        """A message inside the message: a forward (its text joins ours after a marker, its
        files become ours, the whole of it an .eml attachment) or, in a bounce, the
        returned original (only its Message-ID matters)."""
        inner = part.get_payload(0)
        cte = _cte(part)
        if cte in ("base64", "quoted-printable"):  # not allowed on message/*, yet it happens
            inner = self._reparse(inner, cte, ctype, path) or inner
        data = _as_bytes(inner, self.linesep)
        if ctype not in _FORWARD_TYPES:  # disposition-notification, partial, ...
            self.attachments.append(ParsedAttachment(
                self._filename(part, path) or _default_name(ctype), ctype, data, None, False))
            return
        reader = _Reader(self.budget, depth=depth + 1, linesep=self.linesep)
        sub = reader.read(inner)
        stem = sub.subject[:150].strip() or self._filename(part, path).removesuffix(".eml")
        self.attachments.append(ParsedAttachment(
            f"{stem or 'message'}.eml", "message/rfc822", data, None, False))
        if in_report:
            self.returned_ids.extend(filter(None, [sub.message_id]))
            return
        self.forwards.append(sub)
        self.attachments.extend(a for a in sub.attachments if not a.inline)
        self.defects.extend(f"forwarded message: {d}" for d in sub.defects)

    def _reparse(self, inner: Message, cte: str, ctype: str, path: str) -> Message | None:
        encoded = _as_bytes(inner, self.linesep).lstrip(b"\r\n")
        data = _b64decode(encoded)[0] if cte == "base64" else binascii.a2b_qp(encoded)
        msg = _PARSER.parsebytes(data)
        if not any(str(k).strip() for k, _v in msg.raw_items()):
            return None
        if not self.budget.take(max(0, _count_parts(msg, self.budget.remaining + 1) - 1)):
            self._defect(path, ctype, "encoded message would exceed the part limit; not read")
            return None
        self._defect(path, ctype, f"message encoded as {cte}; decoded")
        return msg

    # ---- delivery status notifications

    def _delivery_status(self, part: Message, path: str) -> None:
        self.delivery_report = True
        payload = _raw_payload(part)
        if isinstance(payload, list) and _cte(part) not in ("base64", "quoted-printable"):
            for block in payload:
                if isinstance(block, Message):
                    fields: dict[str, str] = {}
                    for name, value in block.raw_items():
                        fields.setdefault(str(name).strip().lower(),
                                          _header_value(value, self.defects, "delivery status"))
                    self.status_blocks.append(fields)
            return
        text, _problem = _decode_text(self._payload(part, "message/delivery-status", path),
                                      None)
        self.status_blocks.extend(_field_blocks(text))

    def _returned_headers(self, part: Message, path: str) -> None:
        data = self._payload(part, "text/rfc822-headers", path)
        headers = _PARSER.parsebytes(data, headersonly=True)
        raw = headers.get("Message-ID")
        ids = _message_ids(_raw_text(raw, self.defects, "returned headers") if raw else None)
        self.returned_ids.extend(ids[:1])

    def _dsn(self, from_addr: str, text: str) -> DsnReport | None:
        if self.delivery_report or self.status_blocks:
            recipients, action, status = _status_fields(self.status_blocks)
            return DsnReport(self.returned_ids[0] if self.returned_ids else None,
                             recipients, action, status)
        return _informal_bounce(from_addr, text, self.forwards)


# --------------------------------------------------------------------------- bounces

_STATUS_CODE = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
_BOUNCE_SENDER = re.compile(r"^(mailer-daemon|postmaster)@", re.I)
_TEXT_MESSAGE_ID = re.compile(r"^\s*Message-ID:\s*<?([^<>\s]{1,500})>?\s*$", re.I | re.M)
_TEXT_RECIPIENT = re.compile(r"^\s*<([^<>\s@]+@[^<>\s]+)>:", re.M)
_ACTION_FOR_CLASS = {"5": "failed", "4": "delayed", "2": "delivered"}


def _field_blocks(text: str) -> list[dict[str, str]]:
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
            current[last] = _one_line(f"{current[last]} {line}")
        elif ":" in line:
            name, value = line.split(":", 1)
            last = name.strip().lower()
            current.setdefault(last, _one_line(value))
    if current:
        blocks.append(current)
    return blocks


def _status_fields(blocks: list[dict[str, str]]) -> tuple[list[str], str, str]:
    """Recipients, action and status; a failed recipient wins over the others."""
    recipients: list[str] = []
    chosen: dict[str, str] | None = None
    for block in blocks:
        for key in ("final-recipient", "original-recipient"):
            addr = _bare_address(block.get(key, "").split(";", 1)[-1])
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


def _informal_bounce(from_addr: str, text: str, returned: list[ParsedMail]) -> DsnReport | None:
    """A bounce without RFC 3464 structure (qmail, old Exchange): a mailer-daemon or
    postmaster sender plus a recognisable original Message-ID or failed recipient."""
    if not _BOUNCE_SENDER.match(from_addr):
        return None
    original = next((m.message_id for m in returned if m.message_id), None)
    if original is None:
        match = _TEXT_MESSAGE_ID.search(text)
        original = match.group(1) if match else None
    recipients = _unique([a for a in (_bare_address(m) for m in _TEXT_RECIPIENT.findall(text))
                          if a])
    if original is None and not recipients:
        return None
    status = _STATUS_CODE.search(text)
    code = status.group(1) if status else ""
    return DsnReport(original, recipients, _ACTION_FOR_CLASS.get(code[:1], ""), code)


# --------------------------------------------------------------------------- text bodies


def _unflow(text: str, *, delsp: bool) -> str:
    """RFC 3676 format=flowed: soft line breaks (a trailing space) joined again."""
    out: list[tuple[int, str]] = []
    joining = False
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):  # space-stuffing
            content = content[1:]
        flowed = content.endswith(" ") and content != "-- "
        if flowed and delsp:
            content = content[:-1]
        if joining and out and out[-1][0] == depth:
            out[-1] = (depth, out[-1][1] + content)
        else:
            out.append((depth, content))
        joining = flowed
    return "\n".join((">" * d + " " + c if d else c) for d, c in out)


# --------------------------------------------------------------------------- HTML

_HTML_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "center", "code", "col", "colgroup",
    "dd", "del", "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "img", "ins", "li", "ol", "p", "pre", "q", "s", "small", "span", "strike", "strong",
    "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul",
}
_HTML_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan", "align", "valign"},
    "th": {"colspan", "rowspan", "align", "valign"},
    "ol": {"start"},
}
# Removed together with their content: code, styling, documents in documents, forms.
_HTML_DROPPED = {
    "script", "style", "head", "title", "template", "noscript", "iframe", "frame",
    "frameset", "object", "embed", "applet", "svg", "math", "xml", "textarea", "select",
    "button",
}


def _html_attribute(tag: str, attr: str, value: str) -> str | None:
    # remote images over http track the reader and mix content: only cid: and https:
    if tag == "img" and attr == "src":
        return value if value.strip().lower().startswith(("cid:", "https:")) else None
    return value


def sanitize_html(html: str) -> str:
    """Mail HTML made safe to show: basic formatting, links (http/https/mailto/tel) and
    images (cid:/https: only); no scripts, styles, event handlers or forms."""
    return nh3.clean(
        html, tags=_HTML_TAGS, clean_content_tags=_HTML_DROPPED, attributes=_HTML_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel", "cid"}, url_relative="deny",
        attribute_filter=_html_attribute, strip_comments=True,
        link_rel="noopener noreferrer nofollow")


class _TextExtractor(HTMLParser):
    """HTML to readable plain text; blockquotes become "> " quotes, so split_reply
    finds the history in HTML-only replies too."""

    PARAGRAPH = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "dl", "figure",
                           "address", "center"})
    BLOCK = frozenset({"div", "section", "article", "header", "footer", "main", "nav",
                       "aside", "tr", "dt", "dd", "hr", "caption", "form", "fieldset",
                       "figcaption", "details", "summary", "tbody", "thead", "tfoot"})
    # not content: code, styling, embedded documents, form controls (void elements like
    # <embed> cannot be here: without an end tag they would hide the rest)
    SKIP = frozenset({"script", "style", "head", "title", "template", "xml", "noscript",
                      "iframe", "object", "applet", "svg", "math", "textarea", "select",
                      "button", "frameset"})
    LINK_SCHEMES = ("http", "https", "ftp", "mailto", "tel")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[int, str]] = []  # (quote depth, text)
        self.cur: list[str] = []
        self.prefix = ""  # list marker of the current line
        self.depth = 0  # quote depth of the current line
        self.quote = 0
        self.skip = 0
        self.pre = 0
        self.lists: list[list[int]] = []  # [ordered, counter] per open list
        self.link: str | None = None
        self.link_text: list[str] = []
        self.mso = False  # inside an Outlook <p class=MsoNormal>

    # ---- output

    def _write(self, text: str) -> None:
        if not self.cur and not self.prefix:
            self.depth = self.quote
        self.cur.append(text)
        if self.link is not None:
            self.link_text.append(text)

    def _flush(self, *, force: bool = False) -> None:
        body = "".join(self.cur)
        text = body.rstrip() if self.pre else " ".join(body.split())
        if text or self.prefix:
            self.lines.append((self.depth, self.prefix + text))
        elif force:
            self.lines.append((self.quote, ""))
        self.cur, self.prefix = [], ""

    def _paragraph(self) -> None:
        self._flush()
        if self.lines and self.lines[-1][1]:
            self.lines.append((self.quote, ""))

    def _list_break(self) -> None:
        """A top-level list is a paragraph; a nested one just starts a new line."""
        if self.lists:
            self._flush()
        else:
            self._paragraph()

    # ---- parser callbacks

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skip += 1
            return
        if tag == "body":  # an unclosed <head> must not hide the body
            self.skip = 0
        if self.skip:
            return
        if tag == "br":
            self._flush(force=True)
        elif tag in ("ul", "ol"):
            self._list_break()
            self.lists.append([tag == "ol", 0])
        elif tag == "li":
            self._flush()
            ordered, number = self.lists[-1] if self.lists else (False, 0)
            if self.lists:
                self.lists[-1][1] = number + 1
            indent = "  " * max(len(self.lists) - 1, 0)
            self.depth = self.quote
            self.prefix = indent + (f"{number + 1}. " if ordered else "- ")
        elif tag == "blockquote":
            self._paragraph()
            self.quote += 1
        elif tag == "pre":
            self._paragraph()
            self.pre += 1
        elif tag == "p" and "msonormal" in (dict(attrs).get("class") or "").lower():
            # Outlook writes every line as a margin-less <p class=MsoNormal>: a line, not a
            # paragraph; an empty one is its blank line
            self._flush()
            self.mso = True
        elif tag in self.PARAGRAPH:
            self._paragraph()
        elif tag in self.BLOCK:
            self._flush()
        elif tag in ("td", "th"):
            if self.cur:
                self._write(" ")
        elif tag == "a":
            self.link = next((v or "" for k, v in attrs if k == "href"), "")
            self.link_text = []

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skip = max(self.skip - 1, 0)
            return
        if self.skip:
            return
        if tag == "a":
            self._end_link()
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self._list_break()
        elif tag == "li":
            self._flush()
        elif tag == "blockquote":
            self._paragraph()
            self.quote = max(self.quote - 1, 0)
            self._paragraph()
        elif tag == "pre":
            self._flush()
            self.pre = max(self.pre - 1, 0)
            self._paragraph()
        elif tag == "p" and self.mso:
            self.mso = False
            self._flush(force=True)
        elif tag in self.PARAGRAPH:
            self._paragraph()
        elif tag in self.BLOCK:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.pre:
            for i, piece in enumerate(data.replace("\r\n", "\n").split("\n")):
                if i:
                    self._flush(force=True)
                self._write(piece)
            return
        data = re.sub(r"\s+", " ", data)
        if data != " " or self.cur:
            self._write(data)

    def _end_link(self) -> None:
        href, self.link = (self.link or "").strip(), None
        text = " ".join("".join(self.link_text).split())
        scheme = href.split(":", 1)[0].lower() if ":" in href else ""
        if scheme not in self.LINK_SCHEMES:
            return
        shown = href[7:].split("?", 1)[0] if scheme == "mailto" else href
        if not text:
            self._write(shown)
        elif text not in (href, shown):
            self._write(f" ({shown})")

    def text(self) -> str:
        self._flush()
        lines: list[tuple[int, str]] = []
        for depth, line in self.lines:
            if line or (lines and lines[-1][1]):  # one blank line at most
                lines.append((depth, line))
        out: list[str] = []
        for i, (depth, line) in enumerate(lines):
            if not line:  # a blank line between quote levels belongs to the outer one
                after = lines[i + 1][0] if i + 1 < len(lines) else 0
                depth = min(lines[i - 1][0] if i else 0, after)
            quote = ">" * depth
            out.append(f"{quote} {line}" if quote and line else quote + line)
        return "\n".join(out).strip("\n")


_TAG = re.compile(r"<[^>]*>")


def html_to_text(html: str) -> str:
    """Readable text from HTML: paragraphs and <br> as line breaks, list items as "- "
    (numbered in <ol>), links as "text (url)", blockquotes as "> ", no script/style."""
    if not html:
        return ""
    try:
        parser = _TextExtractor()
        parser.feed(html)
        parser.close()
        text = parser.text()
    except Exception:  # HTMLParser is lenient; this is the never-crash promise
        text = html_lib.unescape(_TAG.sub(" ", html))
    return _clean_body(text).strip("\n")


# --------------------------------------------------------------------------- replies

_ATTRIBUTIONS = (
    re.compile(r"^On\b.{4,400}\bwrote:$"),  # Gmail, Thunderbird, Apple Mail (en)
    re.compile(r"^W dniu\b.{4,400}\b(?:pisze|napisał|napisała|napisał\(a\)):$"),  # pl
    re.compile(r"^.{4,400}\bnapisał\(a\):$"),  # Gmail (pl) without "W dniu"
)
_ORIGINAL_MESSAGE = re.compile(
    r"^-{2,}\s*(?:original message|wiadomość oryginalna|oryginalna wiadomość)\s*-{2,}$", re.I)
_HEADER_FROM = re.compile(r"^\*?(?:from|od)\s*:\*?\s*\S", re.I)
_HEADER_SENT = re.compile(r"^\*?(?:sent|wysłane|wysłano)\s*:\*?\s*\S", re.I)
_HEADER_DATE = re.compile(r"^\*?(?:date|data)\s*:\*?\s*\S", re.I)
_OUTLOOK_RULE = re.compile(r"^_{10,}$")
_RULE = re.compile(r"^(?:_{5,}|-{5,}|—{3,})$")
_FORWARDED = re.compile(r"forwarded message|begin forwarded message|wiadomość przekazana|"
                        r"przekazana wiadomość|forwarded by", re.I)


def _is_attribution(lines: list[str]) -> bool:
    """Do these lines start with an attribution? Gmail wraps long ones over two or three
    lines; a real one carries a date or an address, which keeps prose out."""
    window = ""
    for line in lines:
        if not line:
            return False
        window = f"{window} {line}".strip()
        if any(p.match(window) for p in _ATTRIBUTIONS) and re.search(r"[\d@]", window):
            return True
    return False


def _reply_cut(lines: list[str]) -> int | None:
    """Index of the first line of the quoted history, or None."""
    stripped = [line.strip() for line in lines]
    for i, line in enumerate(stripped):
        if not line:
            continue
        if _ORIGINAL_MESSAGE.match(line):
            return i
        if _is_attribution(stripped[i:i + 3]):
            return i
        if _HEADER_FROM.match(line):
            previous = next((s for s in reversed(stripped[:i]) if s), "")
            if _FORWARDED.search(previous):
                continue  # a forwarded message's header block is content, not history
            following = stripped[i + 1:i + 5]
            if any(_HEADER_SENT.match(s) for s in following) or (
                    _OUTLOOK_RULE.match(previous) and any(_HEADER_DATE.match(s)
                                                          for s in following)):
                return i
    # a trailing block of "> " quoted lines (blank lines allowed in between)
    start = None
    for i in range(len(stripped) - 1, -1, -1):
        if stripped[i].startswith(">"):
            start = i
        elif stripped[i]:
            break
    return start


def split_reply(text: str) -> tuple[str, str]:
    """(new text, quoted history). Cuts at Gmail/Thunderbird attributions ("On ... wrote:",
    "W dniu ... pisze:", "... napisał(a):"), Outlook's "-----Original Message-----" /
    "-----Wiadomość oryginalna-----" and "From: ... Sent: ..." / "Od: ... Wysłane: ..."
    header block, or a trailing block of "> " quotes. When nothing is found, (text, "")."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = _reply_cut(lines)
    if cut is None:
        return text, ""
    # the separator rule Outlook puts above its header block belongs to the history
    while cut > 0 and (not lines[cut - 1].strip() or _RULE.match(lines[cut - 1].strip())):
        cut -= 1
    return "\n".join(lines[:cut]).rstrip(), "\n".join(lines[cut:]).strip("\n")
