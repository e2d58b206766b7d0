"""Outgoing mail templates: every kind in both languages, filled, escaped, threadable."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from helpdesk_app.mail.outbound.templates import TEMPLATE_KINDS, Rendered, render

FULL = {
    "number": "2026-000123",
    "subject": "Drukarka nie drukuje",
    "ticket_url": "https://helpdesk.example.pl/tickets/123",
    "portal_url": "https://helpdesk.example.pl/portal",
    "recipient_name": "Jan Kowalski",
    "actor_name": "Anna Nowak",
    "body": "Pierwsza linia\nDruga linia",
    "status": "W realizacji",
    "old_status": "Nowe",
    "assignee_name": "Tomasz Technik",
    "clock": "czas reakcji",
    "due_at": "1.07.2026, 12:00",
    "original_subject": "Pytanie o fakturę",
    "organisation": "ElektroSerwis Kraków",
    # sla_warnings / sla_breaches: one line per SLA point (level, clock, due)
    "points": [("warning", "czas rozwiązania", "1.07.2026, 12:00"),
               ("breach", "czas reakcji", "1.07.2026, 10:00")],
}
TICKET_KINDS = [k for k in TEMPLATE_KINDS if k != "rejected"]
# The value each kind exists to tell (besides number and subject).
KEY_FACT = {
    "auto_reply": "portal_url", "rejected": "original_subject", "new_ticket": "body",
    "public_reply": "body", "internal_note": "body", "assignment": "assignee_name",
    "status_change": "status", "ticket_closed": "number", "sla_warning": "due_at",
    "sla_breach": "due_at", "sla_warnings": "due_at", "sla_breaches": "due_at",
    "handover_handed": "organisation", "handover_accepted": "organisation",
    "handover_returned": "organisation", "handover_withdrawn": "organisation",
}
POLISH_LETTERS = set("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ")


class _Text(HTMLParser):
    """The text a mail client shows for the HTML part, and every link in it."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.links: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "a":
            self.links.append(dict(attrs).get("href", ""))

    def handle_data(self, data):
        self.parts.append(data)


def _shown(html: str) -> _Text:
    parser = _Text()
    parser.feed(html)
    return parser


def test_kinds_are_the_agreed_ones():
    assert set(KEY_FACT) == set(TEMPLATE_KINDS) and len(TEMPLATE_KINDS) == 16  # + handover_*


@pytest.mark.parametrize("language", ["pl", "en"])
@pytest.mark.parametrize("kind", TEMPLATE_KINDS)
def test_every_kind_renders_filled_in_both_parts(kind, language):
    out = render(kind, language, FULL)
    assert isinstance(out, Rendered)
    assert out.subject and "\n" not in out.subject and "\r" not in out.subject
    for part in (out.text, out.html):
        assert not re.search(r"\{\w*\}", part), "a placeholder was left unfilled"
        assert "\x00" not in part
    shown = " ".join(_shown(out.html).parts)
    fact = FULL[KEY_FACT[kind]]
    first_line = fact.splitlines()[0]
    assert first_line in out.text and first_line in shown
    if kind != "rejected":
        assert FULL["number"] in out.text and FULL["subject"] in out.text
        assert FULL["subject"] in shown
    assert _shown(out.html).tags.count("html") == 1


@pytest.mark.parametrize("language", ["pl", "en"])
@pytest.mark.parametrize("kind", TICKET_KINDS)
def test_ticket_mail_subject_carries_the_number_token(kind, language):
    out = render(kind, language, FULL)
    assert "[#2026-000123]" in out.subject
    assert FULL["subject"] in out.subject
    # Replies keep the token: the mail says so.
    assert "[#2026-000123]" in out.text


def test_rejected_is_a_reply_to_the_refused_mail_without_a_ticket_token():
    pl = render("rejected", "pl", FULL)
    en = render("rejected", "en", FULL)
    assert pl.subject == "Odp: Pytanie o fakturę"
    assert en.subject == "Re: Pytanie o fakturę"
    assert "[#" not in pl.subject + en.subject
    assert "[#" not in pl.text + en.text


def test_auto_reply_names_the_ticket_and_links_the_portal():
    out = render("auto_reply", "en", FULL)
    assert "registered as ticket 2026-000123" in out.text
    assert FULL["portal_url"] in out.text
    assert FULL["portal_url"] in _shown(out.html).links
    pl = render("auto_reply", "pl", FULL)
    assert "zgłoszenie nr 2026-000123" in pl.text
    assert FULL["portal_url"] in _shown(pl.html).links


def test_ticket_link_is_a_button_in_html_and_a_line_in_text():
    out = render("public_reply", "en", FULL)
    assert FULL["ticket_url"] in _shown(out.html).links
    assert f"Open the ticket: {FULL['ticket_url']}" in out.text


def test_languages_differ_and_polish_uses_diacritics():
    for kind in TEMPLATE_KINDS:
        pl, en = render(kind, "pl", FULL), render(kind, "en", FULL)
        assert pl.text != en.text
        static_pl = render(kind, "pl", {}).text  # the template's own words only
        assert POLISH_LETTERS & set(static_pl), kind
        assert '<html lang="pl">' in pl.html and '<html lang="en">' in en.html


def test_unknown_language_falls_back_to_polish_and_regional_english_is_english():
    assert render("new_ticket", "de", FULL) == render("new_ticket", "pl", FULL)
    assert render("new_ticket", "", FULL) == render("new_ticket", "pl", FULL)
    assert render("new_ticket", "en-GB", FULL) == render("new_ticket", "en", FULL)
    assert render("new_ticket", "EN", FULL) == render("new_ticket", "en", FULL)


def test_unknown_kind_raises():
    with pytest.raises(ValueError):
        render("password_reset", "pl", FULL)
    with pytest.raises(ValueError):
        render("", "en", {})


@pytest.mark.parametrize("kind", TEMPLATE_KINDS)
def test_missing_keys_render_as_empty(kind):
    out = render(kind, "en", {})
    assert not re.search(r"\{\w*\}", out.text + out.html)
    assert "None" not in out.text
    if kind != "rejected":
        assert out.subject.startswith("[#]")
    # Optional lines with nothing to show are left out, not shown half-empty.
    assert "Assignee:" not in out.text and "Changed by:" not in out.text
    assert "<a " not in out.html  # no URL, no link


def test_html_escapes_every_value_and_text_keeps_it_verbatim():
    evil = {key: f"<b>{key}</b>" for key in FULL}
    evil["body"] = "Hi <script>alert('x')</script>\n& bye"
    evil["ticket_url"] = 'https://x.example/"><script>alert(1)</script>'
    for kind in TEMPLATE_KINDS:
        for language in ("pl", "en"):
            out = render(kind, language, evil)
            parsed = _shown(out.html)
            assert "script" not in parsed.tags and "b" not in parsed.tags, kind
            assert "<script>" not in out.html and "<b>" not in out.html
    out = render("public_reply", "en", evil)
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in out.html
    assert "Hi <script>alert('x')</script>\n& bye" in out.text
    assert "&lt;b&gt;subject&lt;/b&gt;" in out.html


def test_body_keeps_its_line_breaks_in_html():
    out = render("internal_note", "pl", {**FULL, "body": "raz\ndwa\r\ntrzy"})
    assert "raz<br>dwa<br>trzy" in out.html
    assert "raz\ndwa\ntrzy" in out.text


def test_only_web_links_become_links():
    out = render("auto_reply", "en", {**FULL, "portal_url": "javascript:alert(1)"})
    assert _shown(out.html).links == []
    assert "href" not in out.html


def test_values_are_substituted_once_not_reinterpreted():
    out = render("public_reply", "en", {**FULL, "subject": "{number} {body}", "body": "{0}"})
    assert out.subject == "[#2026-000123] {number} {body}"
    assert "{0}" in out.text


def test_non_string_values_are_shown_as_text():
    out = render("sla_warning", "en", {**FULL, "number": 123, "due_at": None})
    assert out.subject.startswith("[#123]")
    assert "None" not in out.text


def test_greeting_uses_the_name_in_english_only():
    assert render("public_reply", "en", FULL).text.startswith("Hello Jan Kowalski,")
    assert render("public_reply", "en", {}).text.startswith("Hello,")
    assert render("public_reply", "pl", FULL).text.startswith("Dzień dobry,")


def test_subject_with_line_breaks_is_one_line():
    out = render("new_ticket", "en", {**FULL, "subject": "Broken\r\nBcc: x@evil.test"})
    assert out.subject == "[#2026-000123] New ticket: Broken Bcc: x@evil.test"


@pytest.mark.parametrize("language", ["pl", "en"])
@pytest.mark.parametrize("kind", ["sla_warnings", "sla_breaches"])
def test_combined_sla_mail_lists_every_point_in_order(kind, language):
    points = [("warning", "Reaction", "16.03.2026, 09:45"),
              ("breach", "Reaction", "16.03.2026, 10:00"),
              ("breach", "<b>{number}</b>", "16.03.2026, 13:00"),
              ("nonsense", "Skipped", "never")]
    out = render(kind, language, {**FULL, "points": points})
    lines = [line for line in out.text.splitlines() if line.startswith("- ")]
    assert len(lines) == 3 and "Skipped" not in out.text
    assert "09:45" in lines[0] and "10:00" in lines[1] and "13:00" in lines[2]
    assert "<b>{number}</b>" in lines[2]  # verbatim in text, substituted once
    assert lines[0] != lines[1]  # a warning and a breach are worded differently
    shown = _shown(out.html)
    assert shown.tags.count("li") == 3 and "b" not in shown.tags
    assert "&lt;b&gt;{number}&lt;/b&gt;" in out.html
    assert "[#2026-000123]" in out.subject


def test_combined_sla_mail_without_points_has_no_empty_list():
    out = render("sla_breaches", "en", {**FULL, "points": []})
    assert "<ul" not in out.html and "\n- " not in out.text
