"""Turn a rendered mail into the exact bytes we hand to the relay (RFC 5322 + MIME).

Everything that ends up in a header comes from people (ticket subjects, names) or from
other mail (Message-IDs): names and subjects are flattened to one line, so a CR/LF can never
start a header of its own; addresses and message ids that could are refused.
"""

from __future__ import annotations

import base64
import quopri
import re
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import format_datetime, formataddr, parseaddr
from functools import lru_cache

_NL = "\r\n"


_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
# What a Message-ID may hold between < and > (dot-atom / no-fold-literal characters).
_MSG_ID = re.compile(r"[!-;=?-~]+@[!-;=?-Z^-~]+")
_ADDRESS_BAD = re.compile(r"[\s<>,;\"]")


def _one_line(value: str) -> str:
    """Control characters (CR/LF above all: header injection) become single spaces."""
    return " ".join(_CONTROL.sub(" ", value or "").split())


def clean_address(address: str) -> str:
    """The bare address, stripped, its domain in ASCII (IDNA: "łódź.pl" works).

    ValueError when it has CR/LF, no "@", odd characters, or a non-ASCII local part (that
    needs SMTPUTF8 end to end, which we do not rely on)."""
    value = (address or "").strip()
    if "\r" in value or "\n" in value:
        raise ValueError("line break in an e-mail address")
    local, at, domain = value.rpartition("@")
    if not at or not local or not domain or _ADDRESS_BAD.search(value) or _CONTROL.search(value):
        raise ValueError(f"not an e-mail address: {value!r}")
    if not local.isascii():
        raise ValueError(f"non-ASCII local part: {value!r}")
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise ValueError(f"not an e-mail domain: {value!r}") from exc
    return f"{local}@{domain}"


def clean_message_id(message_id: str) -> str:
    """A message id without <>; ValueError when it is not one (header injection included)."""
    value = (message_id or "").strip()
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1]
    if not _MSG_ID.fullmatch(value):
        raise ValueError(f"not a message id: {message_id!r}")
    return value


def new_message_id(domain: str) -> str:
    """A fresh, globally unique Message-ID on our domain, without the <>."""
    domain = (domain or "").strip().lower()
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    return clean_message_id(f"{stamp}.{secrets.token_hex(12)}@{domain}")


def encoded_words(text: str, *, first_line_used: int = 0) -> str:
    """Non-ASCII header text as RFC 2047 encoded words (UTF-8, base64), each at most 75
    characters and never splitting a character, folded onto continuation lines so that
    no line passes 78 characters (`first_line_used`: what precedes the text on the first
    line, e.g. "Subject: "). (What `email.header.Header` does, without weighing QP
    against base64 per chunk, which made it the slowest part of composing.)"""

    def budget(room: int) -> int:  # bytes whose encoded word fits in `room` characters
        return max((min(room, 75) - 12) // 4 * 3, 3)

    limit = budget(78 - first_line_used)
    words: list[bytes] = []
    chunk = b""
    for ch in text:
        data = ch.encode("utf-8")
        if chunk and len(chunk) + len(data) > limit:
            words.append(chunk)
            chunk, limit = b"", budget(77)  # continuation lines start with a space
        chunk += data
    words.append(chunk)
    return f"{_NL} ".join(f"=?utf-8?b?{base64.b64encode(w).decode('ascii')}?="
                          for w in words)


def _address(name: str, address: str) -> str:
    """`Name <address>`, the name RFC 2047-encoded when it is not ASCII."""
    addr = clean_address(address)
    name = _one_line(name)
    if name and not name.isascii():
        # one encoded word, as email.utils.formataddr makes it: mail readers join
        # several words in an address phrase with spaces
        return f"=?utf-8?b?{base64.b64encode(name.encode('utf-8')).decode('ascii')}?= <{addr}>"
    return formataddr((name, addr))


def _qp(body: str) -> bytes:
    """UTF-8, quoted-printable, CRLF line ends (QP output never contains "=_", so our
    "=_" boundary cannot occur in a part)."""
    text = (body or "").replace("\r\n", "\n").replace("\r", "\n")
    return quopri.encodestring(text.encode("utf-8")).replace(b"\n", b"\r\n")


@lru_cache(maxsize=16)
def _parse_from(from_addr: str) -> tuple[str, str]:
    """Our From address split (always the same few: parsing it for every mail is waste)."""
    return parseaddr(from_addr)


def build(*, from_addr: str, to_addr: str, to_name: str, subject: str, text: str, html: str,
          message_id: str, in_reply_to: str | None, references: Sequence[str],
          auto_submitted: str | None, loop_token: str, date: datetime) -> bytes:
    """The complete message: multipart/alternative (text + HTML, UTF-8, quoted-printable so
    it is 7-bit clean for any relay), non-ASCII headers encoded (RFC 2047), message ids
    one per line and never encoded (no mail client threads on an encoded id).

    `from_addr` is "Name <address>" or an address; ids are given without <>. Raises
    ValueError for an address or message id that is not one, or a naive `date`.

    Written out directly rather than through `email.message`: the structure is always the
    same, and the stdlib's header machinery made composing the most expensive step of
    taking in a mail (docs/performance.md, mail ingestion)."""
    if date.tzinfo is None:
        raise ValueError("naive datetime for the Date header")
    if "\r" in from_addr or "\n" in from_addr:
        raise ValueError("line break in the From address")
    from_name, from_bare = _parse_from(from_addr)
    if not from_bare:
        raise ValueError(f"not an e-mail address: {from_addr!r}")
    refs = list(dict.fromkeys(f"<{clean_message_id(r)}>" for r in references if r))
    subject = _one_line(subject)
    headers = [
        ("From", _address(from_name, from_bare)),
        ("To", _address(to_name, to_addr)),
        ("Subject", subject if subject.isascii()
         else encoded_words(subject, first_line_used=len("Subject: "))),
        ("Date", format_datetime(date)),
        ("Message-ID", f"<{clean_message_id(message_id)}>"),
    ]
    if in_reply_to:
        headers.append(("In-Reply-To", f"<{clean_message_id(in_reply_to)}>"))
    if refs:
        headers.append(("References", (_NL + " ").join(refs)))
    if auto_submitted:
        headers.append(("Auto-Submitted", _one_line(auto_submitted)))
    boundary = f"=_pomocnik_{secrets.token_hex(12)}"
    headers += [
        # Outlook / Exchange: no out-of-office or other automatic answers to our mail.
        ("X-Auto-Response-Suppress", "All"),
        ("X-Loop", _one_line(loop_token)),
        ("X-Pomocnik-Message", "1"),
        ("MIME-Version", "1.0"),
        ("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
    ]
    head = "".join(f"{name}: {value}{_NL}" for name, value in headers)
    if not head.isascii():  # everything above was encoded or checked; never send 8-bit
        raise ValueError("non-ASCII header")
    out = [head.encode("ascii"), _NL.encode()]
    for subtype, body in (("plain", text), ("html", html)):
        out += [f"--{boundary}{_NL}Content-Type: text/{subtype}; charset=\"utf-8\"{_NL}"
                f"Content-Transfer-Encoding: quoted-printable{_NL}{_NL}".encode("ascii"),
                _qp(body), _NL.encode()]
    out.append(f"--{boundary}--{_NL}".encode("ascii"))
    return b"".join(out)
