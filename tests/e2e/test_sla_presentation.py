"""How the SLA reads to a newcomer: a finished ticket shows its outcome in a neutral badge
(no red "Overdue · a month ago"), and the SLA board's at-risk card counts its list."""

from __future__ import annotations

import re
import sqlite3

from e2e_support import AGENT, login
from playwright.sync_api import expect

COORDINATOR = "koordynator@pomocnik.example"


def _finished(app_server, state: str) -> str:
    with sqlite3.connect(app_server.data_dir / "pomocnik.db") as conn:
        row = conn.execute(
            "SELECT number FROM ticket WHERE resolved_at IS NOT NULL AND sla_state = ? "
            "AND (? = 'met' OR resolution_due_at < resolved_at) ORDER BY id LIMIT 1",
            (state, state)).fetchone()
    assert row, f"the demo has a finished ticket with SLA {state}"
    return row[0]


def test_finished_tickets_show_the_outcome_not_overdue(new_page, app_server):
    page = new_page()
    login(page, AGENT)
    late = _finished(app_server, "breached")
    page.goto(f"/agent/tickets/{late}")
    badge = page.locator("#h-sla .pm-sla")
    expect(badge).to_have_attribute("data-sla", "late")
    expect(badge).to_contain_text(re.compile(r"rozwiązane .+ po terminie"))
    assert "temu" not in badge.inner_text()  # no countdown "a month ago"
    assert badge.evaluate("e => e.dataset.accentColor") == "gray"

    page.goto("/agent")
    page.select_option("#f-status", value="all")  # the list shows active tickets by default
    expect(page.locator("#f-status")).to_have_value("all")
    page.fill("#search", late)
    page.click("#search-go")
    row_badge = page.locator(f'.pm-row[data-number="{late}"] .pm-sla')
    expect(row_badge).to_have_attribute("data-sla", "late")
    expect(row_badge).to_contain_text("po terminie")

    met = _finished(app_server, "met")
    page.goto(f"/agent/tickets/{met}")
    expect(page.locator("#h-sla .pm-sla")).to_have_attribute("data-sla", "met")
    expect(page.locator("#h-sla .pm-sla")).to_have_text("dotrzymane")


def test_board_at_risk_card_counts_the_list(new_page):
    page = new_page()
    login(page, COORDINATOR)
    page.goto("/agent/sla")
    card = page.locator('[data-state="warning"] .pm-board-count')
    expect(card).to_be_visible()
    total = page.locator("#at-risk-total")
    expect(total).to_have_text(card.inner_text())
    rows = page.locator("#at-risk .pm-risk-row")
    assert rows.count() == min(int(card.inner_text()), 20)
    if rows.count():
        states = rows.locator(".pm-sla").evaluate_all("els => els.map(e => e.dataset.sla)")
        assert set(states) == {"warning"}
        assert rows.first.locator(".pm-board-number").evaluate(
            "e => getComputedStyle(e).whiteSpace") == "nowrap"
