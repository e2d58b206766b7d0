"""The SLA board: managers only, and live when tickets change."""

from __future__ import annotations

import re
import uuid

from e2e_support import AGENT, CLIENT_REQUESTER_LABEL, login
from playwright.sync_api import expect

COORDINATOR = "koordynator@pomocnik.example"


# A new ticket on the 24/7 contract's first type (reaction 60 min) is due within the
# board's 2 h horizon: it is at risk, on the card as in the list (domain/sla_board.bucket).
AT_RISK_CARD = '[data-state="warning"] .pm-board-count'


def _at_risk(page) -> int:
    return int(page.locator(AT_RISK_CARD).inner_text())


def test_board_updates_live_when_a_ticket_is_created(new_page):
    board = new_page()
    login(board, COORDINATOR)
    board.click("#nav-sla-board")
    board.wait_for_url(re.compile(r"/agent/sla"))
    expect(board.locator("#board-chart")).to_be_visible()
    expect(board.locator("#compliance-overall")).to_contain_text("%")
    before = _at_risk(board)

    agent = new_page()
    login(agent, AGENT)
    agent.goto("/agent/new")
    agent.select_option("#n-requester", label=CLIENT_REQUESTER_LABEL)  # 24/7 contract
    agent.fill("#n-subject", "Tablica na żywo " + uuid.uuid4().hex[:6])
    agent.click("#n-submit")
    agent.wait_for_url(re.compile(r"/agent/tickets/"))

    expect(board.locator(AT_RISK_CARD)).to_have_text(str(before + 1), timeout=5_000)
    expect(board.locator("#at-risk-total")).to_have_text(str(before + 1))

    board.select_option("#board-period", value="7")
    expect(board.locator("#board-period")).to_have_value("7")


def test_board_is_for_managers_only(new_page):
    page = new_page()
    login(page, AGENT)
    assert page.locator("#nav-sla-board").count() == 0
    page.goto("/agent/sla")
    page.wait_for_url(re.compile(r"/agent$"))
