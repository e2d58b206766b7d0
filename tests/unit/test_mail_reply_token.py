"""mail/outbound/reply_token.py: our Message-IDs carry an HMAC token bound to the
recipient and the ticket; config.secret_key is per install, kept in the data dir."""

from __future__ import annotations

import os
import stat

import pytest

from helpdesk_app.config import SECRET_FILE, get_settings, secret_key
from helpdesk_app.mail.outbound import compose, reply_token

DOMAIN = "pomocnik.test"


def test_a_token_is_valid_only_for_its_recipient_and_ticket() -> None:
    mid = reply_token.message_id(DOMAIN, "Tom@Example.test", 7)
    assert reply_token.issued_to(mid, DOMAIN, "tom@example.test", 7)
    assert reply_token.issued_to(f"<{mid.upper()}>", DOMAIN, "tom@example.test", 7)
    assert not reply_token.issued_to(mid, DOMAIN, "cora@example.test", 7)
    assert not reply_token.issued_to(mid, DOMAIN, "tom@example.test", 8)
    assert not reply_token.issued_to(mid, "other.test", "tom@example.test", 7)


def test_a_tampered_or_guessed_token_is_refused() -> None:
    mid = reply_token.message_id(DOMAIN, "tom@example.test", 7)
    nonce, tag = mid.split("@")[0].split(".r")
    flipped = ("b" if tag[0] == "a" else "a") + tag[1:]
    assert not reply_token.issued_to(f"{nonce}.r{flipped}@{DOMAIN}", DOMAIN,
                                     "tom@example.test", 7)
    other_nonce = reply_token.message_id(DOMAIN, "tom@example.test", 7).split(".r")[0]
    assert not reply_token.issued_to(f"{other_nonce}.r{tag}@{DOMAIN}", DOMAIN,
                                     "tom@example.test", 7)


@pytest.mark.parametrize("value", [
    "", "not-an-id", "abc@pomocnik.test", "x.rshort@pomocnik.test",
    "20261206063010.c41eba4bda2eb9dbbcb80c96@pomocnik.test",  # our plain ids
    "a.b.raaaaaaaaaaaaaaaaaaaa@pomocnik.test",
])
def test_ids_without_a_token_are_never_issued_to_anyone(value: str) -> None:
    assert not reply_token.has_token(value, DOMAIN)
    assert not reply_token.issued_to(value, DOMAIN, "tom@example.test", 7)


def test_ids_are_unique_valid_and_no_longer_than_plain_ones() -> None:
    ids = {reply_token.message_id(DOMAIN, "tom@example.test", 7) for _ in range(200)}
    assert len(ids) == 200
    for mid in ids:
        assert compose.clean_message_id(mid) == mid
        assert len(mid) <= len(compose.new_message_id(DOMAIN))


def test_other_recipients_ids_are_not_visible_to_a_recipient() -> None:
    to_tom = reply_token.message_id(DOMAIN, "tom@example.test", 7)
    assert reply_token.visible_to(to_tom, DOMAIN, "tom@example.test", 7)
    assert not reply_token.visible_to(to_tom, DOMAIN, "carl@org-a.test", 7)
    assert reply_token.visible_to("root@client.test", DOMAIN, "carl@org-a.test", 7)


def test_the_secret_is_made_once_per_install_and_kept_private() -> None:
    path = get_settings().data_dir / SECRET_FILE
    assert not path.exists()
    first = secret_key()
    assert path.exists() and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(first) >= 32 and secret_key() == first
    assert path.read_text().strip().encode() == first


def test_a_token_made_with_another_install_secret_is_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POMOCNIK_SECRET_KEY", "x" * 40)
    mid = reply_token.message_id(DOMAIN, "tom@example.test", 7)
    monkeypatch.setenv("POMOCNIK_SECRET_KEY", "y" * 40)
    assert not reply_token.issued_to(mid, DOMAIN, "tom@example.test", 7)


def test_a_short_configured_secret_is_a_loud_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POMOCNIK_SECRET_KEY", "short")
    with pytest.raises(RuntimeError, match="POMOCNIK_SECRET_KEY"):
        secret_key()
