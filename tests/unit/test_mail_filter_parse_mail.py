"""filters/parse_mail.py: the raw message becomes ctx.parsed, or the message is
quarantined with the parser's reason; an admin's "create anyway" (force) lifts the
limits and turns a message that still cannot be read into one with the original attached."""

from __future__ import annotations

from dataclasses import replace

import pytest
from mail_filter_support import context

from helpdesk_app.config import get_settings
from helpdesk_app.mail.inbound.filters import parse_mail
from helpdesk_app.models import InboundStatus
from tests.mail_support import message

NOT_MAIL = b"\x00\x01 not a message at all \xff"


def ctx_for(raw, *, force: bool = False, max_bytes: int | None = None,
            max_parts: int | None = None, subject: str = ""):
    ctx = context(raw, parsed=False)
    ctx.force = force
    ctx.mail.subject = subject
    settings = ctx.settings
    ctx.settings = replace(settings, max_message_bytes=max_bytes or settings.max_message_bytes,
                           max_parts=max_parts or settings.max_parts)
    return ctx


def test_a_readable_message_is_parsed_and_handed_on() -> None:
    ctx = ctx_for(message(sender="carl@org-a.test", subject="Zażółć", body="Treść"))
    assert parse_mail.run(None, ctx) is None
    assert (ctx.parsed.subject, ctx.parsed.from_addr) == ("Zażółć", "carl@org-a.test")
    assert ctx.parsed.text == "Treść"


def test_a_message_over_the_size_limit_is_quarantined_as_too_large() -> None:
    raw = message(sender="carl@org-a.test", body="x" * 5000).as_bytes()
    outcome = parse_mail.run(None, ctx_for(raw, max_bytes=1000))
    assert (outcome.status, outcome.reason) == (InboundStatus.QUARANTINED, "too_large")
    assert str(len(raw)) in outcome.detail


def test_a_message_with_too_many_parts_is_quarantined() -> None:
    msg = message(sender="carl@org-a.test",
                  attachments=[(f"f{i}.txt", b"x", "text/plain") for i in range(5)])
    outcome = parse_mail.run(None, ctx_for(msg, max_parts=3))
    assert (outcome.status, outcome.reason) == (InboundStatus.QUARANTINED, "too_many_parts")


def test_something_that_is_not_mail_is_quarantined_as_unparseable() -> None:
    ctx = ctx_for(NOT_MAIL)
    outcome = parse_mail.run(None, ctx)
    assert (outcome.status, outcome.reason) == (InboundStatus.QUARANTINED, "unparseable")
    assert ctx.parsed is None


def test_force_lifts_the_limits() -> None:
    msg = message(sender="carl@org-a.test", body="x" * 5000)
    ctx = ctx_for(msg, force=True, max_bytes=1000)
    assert parse_mail.run(None, ctx) is None
    assert ctx.parsed.text == "x" * 5000


def test_force_on_an_unreadable_message_attaches_the_original() -> None:
    ctx = ctx_for(NOT_MAIL, force=True, subject="Stored subject")
    ctx.mail.mail_from = "Carl@Org-A.test"
    assert parse_mail.run(None, ctx) is None
    parsed = ctx.parsed
    assert (parsed.subject, parsed.from_addr, parsed.text) == (
        "Stored subject", "carl@org-a.test", "")
    [att] = parsed.attachments
    assert (att.filename, att.content_type, att.data) == ("message.eml", "message/rfc822",
                                                          NOT_MAIL)
    assert parsed.defects == ["unreadable: original attached"]


def test_force_on_an_unreadable_message_too_big_to_attach_keeps_no_file(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POMOCNIK_MAX_ATTACHMENT_MB", "1")
    get_settings.cache_clear()
    ctx = ctx_for(NOT_MAIL * 100_000, force=True)
    assert parse_mail.run(None, ctx) is None
    assert ctx.parsed.attachments == [] and ctx.parsed.defects == ["unreadable: too large"]
