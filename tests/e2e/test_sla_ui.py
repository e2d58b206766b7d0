"""SLA in the browser: badges with a live countdown, filters, key contracts, the explain
view — and nothing of it on the client's side."""

from __future__ import annotations

import re
import sqlite3
import uuid

from e2e_support import AGENT, CLIENT, CLIENT_REQUESTER_LABEL, login
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


def test_ticket_turns_at_risk_on_an_open_list_when_the_scheduler_runs(new_page, app_server):
    """The scheduler (2 s sweeps here) marks the warning; the open list updates live."""
    agent = new_page()
    login(agent, AGENT)
    agent.goto("/agent/new")
    agent.select_option("#n-requester", label=CLIENT_REQUESTER_LABEL)  # 24/7 key contract
    agent.fill("#n-subject", "Awaria pompy " + uuid.uuid4().hex[:6])
    agent.click("#n-submit")
    agent.wait_for_url(re.compile(r"/agent/tickets/\d{4}-\d{6}"))
    number = agent.locator("#ticket-number").inner_text().strip()

    agent.goto("/agent")
    agent.fill("#search", number)
    agent.click("#search-go")
    badge = agent.locator(f'.pm-row[data-number="{number}"] .pm-sla')
    expect(badge).to_have_attribute("data-sla", "running")

    # Move the clock instead of waiting 45 minutes: the ticket now arrived 50 minutes ago
    # (reaction target 60 min, warning at 75 %) and is due for the next sweep.
    with sqlite3.connect(app_server.data_dir / "pomocnik.db") as conn:
        conn.execute(
            "UPDATE ticket SET created_at = datetime(created_at, '-50 minutes'), "
            "sla_next_check_at = datetime('now', '-1 second') WHERE number = ?", (number,))
    expect(badge).to_have_attribute("data-sla", "warning", timeout=10_000)
    expect(badge).to_contain_text("Zagrożone")

    agent.goto(f"/agent/tickets/{number}")
    expect(agent.locator('#timeline [data-kind="sla_warning"]')).to_contain_text(
        "ostrzeżenie SLA (Reakcja)")


def test_agent_reclassifies_a_ticket_and_the_sla_follows(new_page):
    agent = new_page()
    login(agent, AGENT)
    agent.goto("/agent/new")
    agent.select_option("#n-requester", label=CLIENT_REQUESTER_LABEL)
    expect(agent.locator("#n-contract")).to_have_value(re.compile(r"\d+"))  # the only one
    agent.select_option("#n-type", label="Awaria")
    agent.fill("#n-subject", "Do przeklasyfikowania " + uuid.uuid4().hex[:6])
    agent.click("#n-submit")
    agent.wait_for_url(re.compile(r"/agent/tickets/\d{4}-\d{6}"))
    agent.click("#sla-explain-toggle")
    expect(agent.locator("#sla-explain")).to_contain_text("Awaria")

    agent.select_option("#e-type", label="Przegląd")
    agent.click("#save-header")
    expect(agent.locator("#edit-message")).to_have_text("Zapisano.")
    expect(agent.locator('#timeline [data-kind="ticket_type"]')).to_contain_text(
        "Awaria / Failure → Przegląd / Inspection")
    expect(agent.locator("#sla-explain")).to_contain_text("Przegląd")
