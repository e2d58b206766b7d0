"""SLA in the browser: badges with a live countdown, filters, key contracts, the explain
view — and nothing of it on the client's side."""

from __future__ import annotations

import re

from e2e_support import AGENT, CLIENT, login
from playwright.sync_api import expect


def test_agent_sees_sla_badges_filters_and_explanation(new_page):
    page = new_page()
    login(page, AGENT)
    expect(page.locator(".pm-row .pm-sla").first).to_be_visible()

    page.select_option("#f-sla", value="breached")
    expect(page.locator("#f-sla")).to_have_value("breached")
    expect(page.locator(".pm-row").first).to_have_class(re.compile(r"\bpm-breached\b"))
    states = page.locator(".pm-row .pm-sla").evaluate_all(
        "els => els.map(e => e.dataset.sla)")
    assert states and set(states) == {"breached"}
    # The countdown is rendered in the browser in the user's language ("... temu").
    assert "temu" in page.locator(".pm-row .pm-sla").first.inner_text()

    page.select_option("#f-sla", value="key")
    expect(page.locator("#f-sla")).to_have_value("key")
    expect(page.locator(".pm-row .pm-key").first).to_be_visible()
    assert page.locator(".pm-row").count() == page.locator(".pm-row .pm-key").count()

    page.click("#clear")
    page.click("#sort-due")
    expect(page.locator("#sort-due")).to_contain_text("↑")

    number = page.locator(".pm-row").first.get_attribute("data-number")
    page.goto(f"/agent/tickets/{number}")
    expect(page.locator("#h-sla .pm-sla")).to_be_visible()
    page.click("#sla-explain-toggle")
    explain = page.locator("#sla-explain")
    expect(explain).to_contain_text("Kalendarz pracy")
    expect(explain).to_contain_text("Rozwiązanie")


def test_client_gets_no_sla_data(new_page):
    page = new_page(phone=True)
    login(page, CLIENT)
    expect(page.locator(".pm-row").first).to_be_visible()
    assert page.locator(".pm-sla").count() == 0
    page.locator(".pm-row").first.click()
    expect(page.locator("#timeline")).to_be_visible()
    assert page.locator(".pm-sla").count() == 0
    assert page.locator("#sla-explain-toggle").count() == 0
