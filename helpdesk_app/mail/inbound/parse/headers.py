"""Header values: raw 8-bit bytes, RFC 2047 encoded-words, address lists, Message-IDs and
dates, each turned into safe single-line text (nothing from the sender is trusted)."""

from __future__ import annotations

import binascii
import re
from datetime import UTC, datetime
from email.utils import getaddresses, parsedate_to_datetime

from helpdesk_app.mail.inbound.parse.base import b64decode, one_line, unique
from helpdesk_app.mail.inbound.parse.charsets import decode_text

ENCODED_WORD = re.compile(r"=\?([^?\s]{1,75})\?([bBqQ])\?([^?]{0,4000})\?=")
def raw_text(value: object, defects: list[str], where: str,
             charset: str | None = None) -> str:
    """A compat32 header value (8-bit bytes kept as surrogate escapes) as real text.
    Raw 8-bit bytes that are not UTF-8 are read in `charset` first (the message's own
    charset, when the caller knows it), then with the usual fallbacks; raw 7-bit
    ISO-2022-JP (ESC sequences, no encoded-word) is decoded too."""
    text = value if isinstance(value, str) else str(value)
    try:
        data = text.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return text  # already real text
    if data.isascii():
        if b"\x1b" in data:
            decoded, problem = decode_text(data, None)
            if problem.startswith("ISO-2022-JP"):
                defects.append(f"{where}: {problem}; decoded")
                return decoded
        return text
    try:
        return data.decode("utf-8")  # raw UTF-8 headers are legal (RFC 6532)
    except UnicodeDecodeError:
        decoded, problem = decode_text(data, charset)
        if not problem:
            problem = f"raw 8-bit text; decoded as the message's charset {charset!r}"
        defects.append(f"{where}: {problem}")
        return decoded


def decode_words(text: str, defects: list[str], where: str) -> str:
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
            decoded, problem = decode_text(data, charset)
            if problem:
                defects.append(f"{where}: {problem}")
            pieces.append(decoded)

    for match in ENCODED_WORD.finditer(text):
        gap = text[pos:match.start()]
        if gap.strip() or not run:
            flush()
            pieces.append(gap)
        # else: whitespace between adjacent encoded-words is dropped (RFC 2047, 6.2)
        charset = match.group(1).split("*", 1)[0]  # RFC 2231 language suffix: utf-8*pl
        payload = match.group(3).encode("utf-8", "surrogateescape")
        if match.group(2) in "bB":
            data, repaired = b64decode(payload)
            if repaired:
                defects.append(f"{where}: broken base64 in an encoded-word")
        else:
            data = binascii.a2b_qp(payload, header=True)
        run.append((charset.lower(), data))
        pos = match.end()
    flush()
    pieces.append(text[pos:])
    return "".join(pieces)


def header_value(raw: object, defects: list[str], where: str) -> str:
    return one_line(decode_words(raw_text(raw, defects, where), defects, where))


_WORD_MARK = "pomocnikencodedword"
_MASKED_WORD = re.compile(_WORD_MARK + r"(\d+)x")
_ADDRESS_CHARS = r"[^@\s<>()\[\],;:\"\\\x00-\x1f\x7f-\x9f]+"
_ADDRESS = re.compile(f"{_ADDRESS_CHARS}@{_ADDRESS_CHARS}")


def bare_address(addr: str) -> str:
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


def addresses(raw: str | None, defects: list[str], where: str) -> list[tuple[str, str]]:
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

    masked = raw if _WORD_MARK in raw else ENCODED_WORD.sub(mask, raw)
    try:
        pairs = _getaddresses(masked)
    except Exception:
        defects.append(f"{where}: unreadable address list")
        return []
    found = []
    for name, addr in pairs:
        name, addr = unmask(name), unmask(addr)
        bare = bare_address(addr)
        if bare:
            found.append((one_line(decode_words(name, defects, where)), bare))
        elif addr.strip():
            defects.append(f"{where}: invalid address {one_line(addr)[:80]!r} ignored")
    return found


_MESSAGE_ID = re.compile(r"<([^<>\s]{1,500})>")
_MAX_IDS = 100


def message_ids(raw: str | None) -> list[str]:
    """Message-IDs without <>, in order, each once; bare ids are accepted too."""
    if not raw:
        return []
    ids = _MESSAGE_ID.findall(raw) or [
        t.replace("<", "").replace(">", "") for t in raw.replace(",", " ").split()]
    ids = unique([one_line(i)[:500] for i in ids if one_line(i)])
    # a runaway References list: keep the thread root and the most recent ancestors
    return ids if len(ids) <= _MAX_IDS else [ids[0], *ids[-(_MAX_IDS - 1):]]


def header_date(raw: str | None, defects: list[str]) -> datetime | None:
    if not raw or not raw.strip():
        return None
    try:
        value = parsedate_to_datetime(raw.strip())
        if value.tzinfo is None:  # "-0000": local time unknown, read as UTC
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
    except Exception:
        defects.append(f"Date header unreadable: {one_line(raw)[:80]!r}")
        return None



# --------------------------------------------------------------------------- header block

_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
_HEADER_LINE = re.compile(rb"^(?:From |[!-9;-~]+:|[ \t])")  # what the stdlib takes as one
_FIELD = re.compile(rb"^[!-9;-~]+:")
_FROM_FIELD = re.compile(rb"^from:", re.I)


def repair_header_block(raw: bytes) -> tuple[bytes, list[str]]:
    """Mend a damaged header block before the MIME parser sees it (it would otherwise end
    the headers at the first odd line): one junk line before the first header is dropped
    when a real header block with a From follows it, and a line without a field name
    between header lines becomes a continuation of the header above it. A leading mbox
    "From " line is left to the parser (it knows it). Returns (bytes, defects)."""
    end = _BLANK_LINE.search(raw)
    head_end = end.start() if end else len(raw)
    lines = raw[:head_end].split(b"\n")
    first = 1 if lines[0].startswith(b"From ") else 0
    if all(_HEADER_LINE.match(line) for line in lines[first:]):
        return raw, []  # the usual case
    defects: list[str] = []
    fields = [i for i, line in enumerate(lines) if i > first and _FIELD.match(line)]
    if (not _HEADER_LINE.match(lines[first]) and fields and fields[0] == first + 1
            and len(fields) >= 2 and any(_FROM_FIELD.match(lines[i]) for i in fields)):
        del lines[first]
        fields = [i - 1 for i in fields]
        defects.append("a line that is not a header before the headers; skipped")
    last_field = fields[-1] if fields else -1
    for i in range(first + 1, last_field):
        if not _HEADER_LINE.match(lines[i]) and lines[i].strip():
            lines[i] = b" " + lines[i]
            defects.append("header continuation line without indentation; joined")
    if not defects:
        return raw, []
    return b"\n".join(lines) + raw[head_end:], defects
