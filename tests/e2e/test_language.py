"""Guard: in Polish and in English the tab title, `<html lang>`, colour names and date
inputs follow the user's language, and no raw catalog key shows on a handful of pages."""

from __future__ import annotations

import re

import pytest
from e2e_support import CLIENT, login
from playwright.sync_api import expect

from helpdesk_app.domain.workflow import COLOURS
from helpdesk_app.i18n import CATALOGS

ADMIN = "admin@pomocnik.example"
KEYS = set(CATALOGS["pl"])
KEY_LIKE = re.compile(r"\b[a-z_]+(?:\.[a-z_0-9]+)+\b")
DATE_FORMAT = {"pl": "dd.mm.rrrr", "en": "dd/mm/yyyy"}

# What a visitor reads, attributes included (placeholders, tooltips, labels, titles).
VISIBLE_TEXT = """() => [document.title, document.body.innerText,
  ...[...document.querySelectorAll('[placeholder],[title],[aria-label]')].flatMap(
      e => [e.getAttribute('placeholder'), e.getAttribute('title'),
            e.getAttribute('aria-label')]),
  ...[...document.querySelectorAll('option')].map(o => o.textContent)
].filter(Boolean).join('\\n')"""


def _check(page, lang: str, title_key: str | None) -> None:
    title = "Pomocnik" + (f" — {CATALOGS[lang][title_key]}" if title_key else "")
    expect(page).to_have_title(title)
    page.wait_for_function("lang => document.documentElement.lang === lang", arg=lang)
    raw = sorted({k for k in KEY_LIKE.findall(page.evaluate(VISIBLE_TEXT)) if k in KEYS})
    assert not raw, f"{page.url}: raw catalog keys on screen: {raw}"


def _switch(page, lang: str) -> None:
    if not page.locator(f"#lang-{lang}").is_visible():  # on a phone it is in the menu
        page.click("#nav-menu")
    page.click(f"#lang-{lang}")
    page.wait_for_function("lang => document.documentElement.lang === lang", arg=lang)


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_staff_pages_speak_the_users_language(new_page, lang):
    page = new_page()
    login(page, ADMIN)
    expect(page.locator("#nav-tickets")).to_be_visible()
    try:
        _switch(page, lang)
        expect(page.locator("#nav-tickets")).to_have_text(CATALOGS[lang]["nav.tickets"])
        _check(page, lang, "page.tickets")
        expect(page.locator(".pm-row").first).to_be_visible()
        page.locator(".pm-row a.pm-number").first.click()
        page.wait_for_url(re.compile(r"/agent/tickets/"))
        expect(page.locator("#ticket-number")).to_be_visible()
        _check(page, lang, "page.ticket")

        page.goto("/admin/workflow")
        expect(page.locator("#st-rows")).to_be_visible()
        _check(page, lang, "page.admin_workflow")
        names = {CATALOGS[lang][f"colour.{c}"] for c in COLOURS}
        options = set(page.locator("#st-colour option").all_inner_texts())
        assert options == names
        details = page.locator("#st-rows").inner_text()
        assert not re.search(r"· (gray|blue|green|orange|red|purple|amber|cyan) ·", details)
        assert any(n in details for n in names)
        page.select_option("#st-colour", value="blue")
        expect(page.locator("#st-colour-swatch")).to_be_visible()

        page.goto("/admin/sla")
        expect(page.locator("#con-from")).to_be_visible()
        _check(page, lang, "page.admin_sla")
        # Dates are typed in the language's format (a native date input would show the
        # browser's mm/dd/yyyy whatever the page's language).
        for box in ("#con-from", "#con-to"):
            assert page.locator(box).get_attribute("type") != "date"
            expect(page.locator(box)).to_have_attribute("placeholder", DATE_FORMAT[lang])

        # Signed out, the login page keeps the tab's language.
        page.click("#logout")
        page.wait_for_url(re.compile(r"/login"))
        _check(page, lang, "page.login")
    finally:
        if lang != "pl":  # the demo admin's language is stored on the account: put it back
            login(page, ADMIN)
            _switch(page, "pl")


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_portal_speaks_the_clients_language(new_page, lang):
    page = new_page(phone=True)
    login(page, CLIENT)
    expect(page.locator(".pm-row").first).to_be_visible()
    try:
        _switch(page, lang)
        _check(page, lang, "page.portal")
        number = page.locator(".pm-row").first.get_attribute("data-number")
        page.goto(f"/portal/tickets/{number}")
        expect(page.locator("#ticket-number")).to_be_visible()
        _check(page, lang, "page.ticket")
    finally:
        if lang != "pl":
            _switch(page, "pl")
