"""Account mails (invitation, password reset): both languages, the link as a button, every
value escaped, only web links linked."""

from __future__ import annotations

import pytest

from helpdesk_app.mail.outbound.account_templates import ACCOUNT_KINDS, render

CONTEXT = {"name": "Jan Kowalski", "email": "jan@example.pl", "provider": "Serwis IT",
           "inviter": "Anna Nowak", "expires": "13.12.2026, 10:00",
           "link_url": "https://helpdesk.example.pl/invite/abc_DEF-123"}


@pytest.mark.parametrize("kind", ACCOUNT_KINDS)
@pytest.mark.parametrize("lang", ["pl", "en"])
def test_every_account_mail_renders_with_its_link(kind: str, lang: str) -> None:
    out = render(kind, lang, CONTEXT)
    assert "Serwis IT" in out.subject and "\n" not in out.subject
    assert CONTEXT["link_url"] in out.text and f'href="{CONTEXT["link_url"]}"' in out.html
    assert "13.12.2026, 10:00" in out.text and "jan@example.pl" in out.text
    assert f'<html lang="{lang}">' in out.html and "{" not in out.text


def test_polish_and_english_differ_and_unknown_language_is_polish() -> None:
    pl, en = render("invitation", "pl", CONTEXT), render("invitation", "en", CONTEXT)
    assert "zaprasza" in pl.text and "invites you" in en.text
    assert render("invitation", "de", CONTEXT) == pl
    assert en.text.startswith("Hello Jan Kowalski,") and pl.text.startswith("Dzień dobry,")


def test_values_are_escaped_and_only_web_links_become_buttons() -> None:
    evil = {**CONTEXT, "name": "<script>x</script>", "provider": "<b>P</b>",
            "link_url": "javascript:alert(1)"}
    out = render("password_reset", "en", evil)
    assert "<script>" not in out.html and "<b>" not in out.html
    assert "href" not in out.html and "javascript:" not in out.text


def test_unknown_kind_raises() -> None:
    with pytest.raises(ValueError):
        render("new_ticket", "pl", CONTEXT)
