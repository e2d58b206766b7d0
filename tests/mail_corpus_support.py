"""The mail corpus (tests/mail_corpus/*.eml, described in its README.md) and builders for
messages that are easier to generate than to commit: big, many-part or deeply nested."""

from __future__ import annotations

import base64
import quopri
from email.message import EmailMessage
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "mail_corpus"


def load(name: str) -> bytes:
    """The raw bytes of one corpus message; `name` with or without ".eml"."""
    return (CORPUS / (name if name.endswith(".eml") else f"{name}.eml")).read_bytes()


def names() -> list[str]:
    return sorted(p.name for p in CORPUS.glob("*.eml"))


def with_attachment(size: int, *, filename: str = "dump.bin") -> bytes:
    """A short text plus one attachment of `size` pseudo-random-looking bytes."""
    msg = EmailMessage()
    msg["From"] = "Jan <jan@example.pl>"
    msg["To"] = "helpdesk@pomocnik.test"
    msg["Subject"] = "Zrzut pamięci"
    msg["Message-ID"] = "<big-1@example.pl>"
    msg.set_content("Zrzut w załączniku.\n")
    data = bytes((i * 131 + i // 7) % 256 for i in range(size))
    msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=filename)
    return msg.as_bytes()


def with_parts(count: int) -> bytes:
    """multipart/mixed with `count` MIME parts in all (the container included)."""
    lines = ["From: jan@example.pl", "To: helpdesk@pomocnik.test", "Subject: Many parts",
             "MIME-Version: 1.0", 'Content-Type: multipart/mixed; boundary="many"', ""]
    for i in range(count - 1):
        lines += ["--many", "Content-Type: text/plain; charset=us-ascii", "", f"part {i}"]
    lines += ["--many--", ""]
    return "\r\n".join(lines).encode()


def nested(levels: int, *, text: str = "deep inside") -> bytes:
    """`levels` multipart/mixed containers, one inside the other, a text part innermost."""
    head = "From: jan@example.pl\r\nTo: helpdesk@pomocnik.test\r\nSubject: Nested\r\n"
    body = f"Content-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
    for level in reversed(range(levels)):
        body = (f'Content-Type: multipart/mixed; boundary="n{level}"\r\n\r\n'
                f"--n{level}\r\n{body}--n{level}--\r\n")
    return (head + body).encode()


def encoded_forward(cte: str = "base64") -> bytes:
    """A forward whose message/rfc822 part is base64- or QP-encoded (not allowed by RFC
    2046, sent by some webmails anyway)."""
    inner = ("From: Klient <klient@example.pl>\r\nSubject: Awaria drukarki\r\n"
             "Message-ID: <inner-enc@example.pl>\r\nContent-Type: text/plain; charset=utf-8\r\n"
             "Content-Transfer-Encoding: 8bit\r\n\r\nDrukarka nie działa.\r\n").encode()
    if cte == "base64":
        payload = base64.encodebytes(inner).decode()
    else:
        payload = quopri.encodestring(inner).decode()
    return ("From: jan@example.pl\r\nTo: helpdesk@pomocnik.test\r\nSubject: Fwd: Awaria\r\n"
            'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="f"\r\n\r\n'
            "--f\r\nContent-Type: text/plain\r\n\r\nPrzesylam.\r\n"
            f"--f\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: {cte}\r\n\r\n"
            f"{payload}\r\n--f--\r\n").encode()
