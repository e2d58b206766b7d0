"""The MIME reader: walks one parsed message tree and collects text, HTML, attachments,
forwards and delivery-status parts into a ParsedMail. Each part is decoded on its own, so
a broken part becomes a recorded defect and not an error."""

from __future__ import annotations

import binascii
import io
import re
from email.generator import BytesGenerator
from email.message import Message
from email.policy import compat32

from helpdesk_app.mail.inbound.parse.alternatives import Piece, choose_alternative, joined
from helpdesk_app.mail.inbound.parse.base import (
    BIDI_CONTROLS,
    PARSER,
    Budget,
    DsnReport,
    ParsedAttachment,
    ParsedMail,
    b64decode,
    clean_body,
    one_line,
    unique,
)
from helpdesk_app.mail.inbound.parse.bounces import field_blocks, informal_bounce, status_fields
from helpdesk_app.mail.inbound.parse.charsets import decode_text
from helpdesk_app.mail.inbound.parse.flowed import unflow
from helpdesk_app.mail.inbound.parse.headers import (
    addresses,
    decode_words,
    header_date,
    header_value,
    message_ids,
    raw_text,
)
from helpdesk_app.mail.inbound.parse.html_text import sanitize_html

_MAX_DEPTH = 25  # MIME nesting we walk (forwards included); deeper parts are skipped
_FORWARD_MARKER = "---- Forwarded message ----"


# --------------------------------------------------------------------------- counting parts

_BOUNDARY_PARAM = re.compile(rb'boundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))', re.I)
_DELIMITER_LINE = re.compile(rb"^--([^\r\n]{1,200}?)[ \t]*\r?$", re.M)


def delimiter_lines(raw: bytes, limit: int) -> int:
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


def count_parts(msg: Message, limit: int) -> int:
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
    probe[header] = raw_text(raw, [], header)
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
        return decode_text(data, charset or None)[0]
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


def _message_charset(msg: Message) -> str | None:
    """The charset the message declares for itself: its own Content-Type's, else that of
    its first text part (raw 8-bit headers are most likely in the same charset)."""
    stack, seen = [msg], 0
    while stack and seen < 50:
        part = stack.pop(0)
        seen += 1
        charset = _param(part, "charset")
        if charset and not part.is_multipart():
            return charset
        payload = _raw_payload(part)
        if isinstance(payload, list) and _content_type(part).startswith("multipart/"):
            stack[:0] = [p for p in payload if isinstance(p, Message)]
    return None


def _default_name(ctype: str) -> str:
    return "attachment" + _EXTENSIONS.get(ctype, ".bin")


class Reader:
    """Reads one message tree. A forwarded message is read by a Reader of its own."""

    def __init__(self, budget: Budget, *, depth: int, linesep: str) -> None:
        self.budget = budget
        self.depth = depth
        self.linesep = linesep
        self.defects: list[str] = []
        self.body: list[Piece] = []  # the readable parts in order (see alternatives.py)
        self.html: list[str] = []  # every HTML part, for the sanitized HTML view
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
        charset = _message_charset(msg)
        for name, value in msg.raw_items():
            key = str(name).strip().lower()
            if not key:
                continue
            where = f"header {key}"
            try:
                text = raw_text(value, defects, where, charset)
                raw_headers.append((key, text))
                if key not in headers:
                    headers[key] = one_line(decode_words(text, defects, where))
            except Exception as exc:
                defects.append(f"{where}: unreadable ({type(exc).__name__}); ignored")

        def first(key: str) -> str | None:
            return next((v for k, v in raw_headers if k == key), None)

        # the first From header with a usable address (a junk one before it is ignored)
        senders = next((found for found in (addresses(v, defects, "header from")
                                            for k, v in raw_headers if k == "from") if found),
                       [])
        reply_to = addresses(first("reply-to"), defects, "header reply-to")
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
        own_ids = message_ids(first("message-id"))
        return ParsedMail(
            message_id=own_ids[0] if own_ids else None,
            in_reply_to=message_ids(first("in-reply-to")),
            references=message_ids(first("references")),
            subject=headers.get("subject", ""),
            from_addr=from_addr,
            from_name=senders[0][0] if senders else "",
            reply_to=reply_to[0][1] if reply_to else None,
            to=unique([a for _n, a in addresses(first("to"), defects, "header to")]),
            cc=unique([a for _n, a in addresses(first("cc"), defects, "header cc")]),
            date=header_date(first("date"), defects),
            headers=headers,
            text=text,
            html=html,
            attachments=self.attachments,
            dsn=self._dsn(from_addr, text),
            part_count=0,
            defects=unique(defects),
        )

    def _text(self) -> str:
        text = joined(self.body)
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
            alternative = ctype == "multipart/alternative"
            start = len(self.body)
            renderings: list[list[Piece]] = []
            for i, child in enumerate(c for c in children if isinstance(c, Message)):
                child_path = f"{path}.{i + 1}" if path else str(i + 1)
                try:
                    self._walk(child, child_path, depth + 1, in_report=report,
                               related_resource=ctype == "multipart/related" and i > 0)
                except Exception as exc:
                    self._defect(child_path, _content_type(child),
                                 f"unreadable ({type(exc).__name__}); skipped")
                if alternative:  # each child is one rendering of the same content
                    renderings.append(self.body[start:])
                    del self.body[start:]
            if alternative:
                self.body.extend(choose_alternative(renderings))
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
            data, repaired = b64decode(data)
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
        text, problem = decode_text(data, _param(part, "charset") or None)
        if problem:
            self._defect(path, ctype, problem)
        text = clean_body(text)
        if ctype == "text/plain" and _param(part, "format").lower() == "flowed":
            text = unflow(text, delsp=_param(part, "delsp").lower() == "yes")
        if ctype == "text/html":
            self.html.append(text)
        self.body.append(("html" if ctype == "text/html" else "plain", text))

    def _filename(self, part: Message, path: str) -> str:
        for name, header in (("filename", "content-disposition"), ("name", "content-type")):
            value = _param(part, name, header)
            if value:
                where = f"part {path} filename"
                value = decode_words(raw_text(value, self.defects, where), self.defects, where)
                value = one_line(BIDI_CONTROLS.sub("", value))
                if value:
                    return value
        return ""

    def _content_id(self, part: Message) -> str | None:
        raw = part.get("Content-ID")
        if raw is None:
            return None
        value = one_line(raw_text(raw, self.defects, "content-id")).strip("<>").strip()
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
        children = PARSER.parsebytes(data).get_payload()
        if not isinstance(children, list):
            return None
        added = sum(count_parts(c, self.budget.remaining + 1) for c in children
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
        reader = Reader(self.budget, depth=depth + 1, linesep=self.linesep)
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
        data = b64decode(encoded)[0] if cte == "base64" else binascii.a2b_qp(encoded)
        msg = PARSER.parsebytes(data)
        if not any(str(k).strip() for k, _v in msg.raw_items()):
            return None
        if not self.budget.take(max(0, count_parts(msg, self.budget.remaining + 1) - 1)):
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
                                          header_value(value, self.defects, "delivery status"))
                    self.status_blocks.append(fields)
            return
        text, _problem = decode_text(self._payload(part, "message/delivery-status", path),
                                      None)
        self.status_blocks.extend(field_blocks(text))

    def _returned_headers(self, part: Message, path: str) -> None:
        data = self._payload(part, "text/rfc822-headers", path)
        headers = PARSER.parsebytes(data, headersonly=True)
        raw = headers.get("Message-ID")
        ids = message_ids(raw_text(raw, self.defects, "returned headers") if raw else None)
        self.returned_ids.extend(ids[:1])

    def _dsn(self, from_addr: str, text: str) -> DsnReport | None:
        if self.delivery_report or self.status_blocks:
            recipients, action, status = status_fields(self.status_blocks)
            return DsnReport(self.returned_ids[0] if self.returned_ids else None,
                             recipients, action, status)
        return informal_bounce(from_addr, text, self.forwards)

