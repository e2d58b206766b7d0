"""RFC 2047 encoding of non-ASCII subjects and names in the mail we compose."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default

import pytest

from helpdesk_app.mail.outbound.compose import build, encoded_words

SUBJECTS = [
    "Zażółć gęślą jaźń",
    "[#2026-000123] Zgłoszenie przyjęte: " + "Awaria drukarki w pokoju 12 – ŁÓDŹ " * 6,
    "€" * 40,  # 3-byte characters must never be cut in half
    "a😀b" * 20,  # 4-byte ones neither
    "ż",
]


def _compose(subject: str, name: str) -> bytes:
    return build(from_addr="Pomocnik Żółw <pomoc@x.example>", to_addr="jan@k.example",
                 to_name=name, subject=subject, text="t", html="<p>h</p>",
                 message_id="a.b@x.example", in_reply_to=None, references=(),
                 auto_submitted=None, loop_token="pomoc@x.example", date=datetime.now(UTC))


@pytest.mark.parametrize("subject", SUBJECTS)
@pytest.mark.parametrize("name", ["Jan Żółwiński-Łęcki", "Ż" * 60, 'Quote "me", please'])
def test_mail_readers_get_back_exactly_the_subject_and_names(subject: str, name: str) -> None:
    raw = _compose(subject, name)
    msg = message_from_bytes(raw, policy=default)
    assert str(msg["Subject"]) == subject.strip()
    assert msg["To"].addresses[0].display_name == name
    assert msg["From"].addresses[0].display_name == "Pomocnik Żółw"
    head = raw.split(b"\r\n\r\n")[0]
    assert head.isascii()
    subject_lines = head.split(b"Subject: ", 1)[1].split(b"\r\nDate:")[0].split(b"\r\n")
    assert all(len(line) <= 78 - len("Subject: ") * (i == 0)
               for i, line in enumerate(subject_lines)), subject_lines


def test_encoded_words_are_at_most_75_characters_and_folded() -> None:
    words = encoded_words("Zgłoszenie " * 30, first_line_used=9)
    lines = words.split("\r\n")
    assert len(lines) > 1 and all(line.startswith(" ") for line in lines[1:])
    assert all(len(w) <= 75 for w in words.split())
    assert len(lines[0]) + 9 <= 78
