"""mail/inbound/auth_results.py: only the topmost Authentication-Results of a trusted
relay counts, and only an aligned dkim or dmarc pass vouches for the From domain."""

from __future__ import annotations

import pytest

from helpdesk_app.mail.inbound.auth_results import authserv_id, headers_of, verdict

RELAY = "mx.pomocnik.test"
TRUSTED = (RELAY,)


def test_an_aligned_dkim_pass_of_the_trusted_relay_vouches() -> None:
    v = verdict([f"{RELAY}; dkim=pass header.d=example.test header.s=s1"], "example.test",
                TRUSTED)
    assert v.vouched and "dkim=pass" in v.why


def test_a_dmarc_pass_for_the_from_domain_vouches() -> None:
    v = verdict([f"{RELAY}; spf=pass smtp.mailfrom=x@bounce.example.test; "
                 "dkim=pass header.d=sub.example.test; dmarc=pass header.from=example.test"],
                "example.test", TRUSTED)
    assert v.vouched and "dmarc" in v.why


@pytest.mark.parametrize(("values", "why"), [
    ([], "no Authentication-Results"),
    (["evil.example; dkim=pass header.d=example.test"], "no Authentication-Results"),
    ([f"{RELAY}; dkim=pass header.d=attacker.example"], "no dkim/dmarc pass"),
    ([f"{RELAY}; dkim=pass header.d=test"], "no dkim/dmarc pass"),  # parent: not aligned
    ([f"{RELAY}; spf=pass smtp.mailfrom=tom@example.test"], "no dkim/dmarc pass"),
    ([f"{RELAY}; dkim=fail header.d=example.test"], "no dkim/dmarc pass"),
    ([f"{RELAY}; dmarc=pass header.from=attacker.example"], "no dkim/dmarc pass"),
    ([f"{RELAY}; none"], "no dkim/dmarc pass"),
])
def test_results_that_do_not_vouch(values: list[str], why: str) -> None:
    v = verdict(values, "example.test", TRUSTED)
    assert not v.vouched and why in v.why


def test_a_forged_header_below_the_relays_own_does_not_count() -> None:
    genuine = f"{RELAY}; dkim=fail header.d=example.test"
    forged = f"{RELAY}; dkim=pass header.d=example.test"
    assert not verdict([genuine, forged], "example.test", TRUSTED).vouched
    # ... and headers of other hosts above it are ignored, not trusted
    above = "internal.pomocnik.test; dkim=pass header.d=example.test"
    assert not verdict([above, genuine, forged], "example.test", TRUSTED).vouched
    assert verdict([above, forged, genuine], "example.test", TRUSTED).vouched


def test_a_malformed_trusted_header_vouches_for_nothing_not_even_a_good_one_below() -> None:
    broken = f"{RELAY}; dkim=pass header.d=\"example.test ;;; = ("
    good = f"{RELAY}; dkim=pass header.d=example.test"
    v = verdict([broken, good], "example.test", TRUSTED)
    assert not v.vouched


def test_nothing_vouches_without_a_trusted_relay_or_a_domain() -> None:
    good = [f"{RELAY}; dkim=pass header.d=example.test"]
    assert not verdict(good, "example.test", ()).vouched
    assert not verdict(good, "", TRUSTED).vouched


def test_authserv_id_is_read_leniently_and_case_insensitively() -> None:
    assert authserv_id(" (comment) MX.Pomocnik.Test 1; dkim=pass") == RELAY
    assert authserv_id("") == ""


def test_headers_are_read_topmost_first_also_folded() -> None:
    raw = (b"Authentication-Results: mx.pomocnik.test;\r\n\tdkim=pass header.d=example.test\r\n"
           b"Authentication-Results: evil.example; dkim=pass\r\n"
           b"From: tom@example.test\r\n\r\nbody\r\nAuthentication-Results: body.example\r\n")
    values = headers_of(raw)
    assert len(values) == 2 and authserv_id(values[0]) == RELAY
    assert verdict(values, "example.test", TRUSTED).vouched
    assert headers_of(b"\x00\xff garbage") == []
