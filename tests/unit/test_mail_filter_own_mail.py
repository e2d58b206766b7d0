"""filters/own_mail.py: our own mail coming back (by our Message-ID domain, our loop
headers or our From address) is ignored; anyone else's mail goes on."""

from __future__ import annotations

import pytest
from mail_filter_support import context

from helpdesk_app.config import get_settings
from helpdesk_app.mail.inbound.filters import own_mail
from helpdesk_app.models import InboundStatus
from tests.mail_support import message

OURS = "helpdesk@pomocnik.test"


@pytest.fixture(autouse=True)
def _our_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POMOCNIK_MAIL_DOMAIN", "pomocnik.test")
    monkeypatch.setenv("POMOCNIK_MAIL_FROM", f"Pomocnik <{OURS}>")
    get_settings.cache_clear()


def run(**kw):
    kw.setdefault("sender", "carl@org-a.test")
    return own_mail.run(None, context(message(**kw)))


def test_a_clients_mail_goes_on() -> None:
    assert run(message_id="abc@org-a.test",
               headers={"X-Loop": "something@org-a.test"}) is None


def test_a_message_id_of_our_domain_is_our_own_mail() -> None:
    outcome = run(message_id="pomocnik.42.1740990000.aaa@pomocnik.test")
    assert (outcome.status, outcome.reason) == (InboundStatus.IGNORED, "own_mail")


def test_a_message_id_of_a_look_alike_domain_is_not_ours() -> None:
    assert run(message_id="x@evilpomocnik.test") is None
    assert run(message_id="x@pomocnik.test.evil.example") is None


@pytest.mark.parametrize("loop", [OURS, "pomocnik.test", "Helpdesk@Pomocnik.TEST"])
def test_our_marker_header_with_our_loop_token_is_our_own_mail(loop: str) -> None:
    outcome = run(headers={"X-Pomocnik-Message": "1", "X-Loop": loop})
    assert outcome is not None and outcome.reason == "own_mail"


def test_our_marker_header_without_our_loop_token_is_not_enough() -> None:
    assert run(headers={"X-Pomocnik-Message": "1"}) is None
    assert run(headers={"X-Pomocnik-Message": "1", "X-Loop": "other@org-a.test"}) is None


def test_mail_from_our_own_address_is_our_own_mail() -> None:
    outcome = run(sender="Helpdesk@Pomocnik.test")
    assert outcome is not None and outcome.reason == "own_mail"
