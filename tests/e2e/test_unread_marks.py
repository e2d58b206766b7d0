"""Unread marks on the agent list, live: another agent's reply marks my row without reload;
opening the ticket (in another tab, or in the same one) takes the mark away."""

from __future__ import annotations

import re
import uuid

from e2e_support import AGENT, AGENT2, CLIENT_REQUESTER_LABEL, login
from playwright.sync_api import expect

LIVE_TIMEOUT_MS = 5_000


def _list_filtered(page, number: str):
    page.goto("/agent")
    expect(page.locator("#ticket-table")).to_be_visible()
    expect(page.locator(".pm-row").first).to_be_visible()  # loaded: a search now sticks
    page.fill("#search", number)
    page.click("#search-go")
    row = page.locator(f'.pm-row[data-number="{number}"]')
    expect(row).to_have_count(1, timeout=15_000)  # a loaded CI machine: the whole suite runs
    return row


def test_reply_by_another_agent_marks_my_row_and_opening_clears_it(new_page):
    subject = "Przeciek w pompowni " + uuid.uuid4().hex[:6]

    # Agent B opens a ticket for a client and assigns it to agent A (Anna Nowak).
    b = new_page()
    login(b, AGENT2)
    b.goto("/agent/new")
    b.select_option("#n-requester", label=CLIENT_REQUESTER_LABEL)
    b.fill("#n-subject", subject)
    b.fill("#n-body", "Woda na posadzce")
    b.click("#n-submit")
    b.wait_for_url(re.compile(r"/agent/tickets/\d{4}-\d{6}"))
    number = b.locator("#ticket-number").inner_text().strip()
    b.select_option("#e-assignee", label="Anna Nowak")
    b.click("#save-header")
    expect(b.locator("#h-assignee")).to_contain_text("Anna Nowak")

    # A: assigned to her by someone else and never opened -> marked.
    a = new_page()
    login(a, AGENT)
    row = _list_filtered(a, number)
    expect(row).to_have_attribute("data-unread", "true")
    expect(row).to_have_class(re.compile(r"\bpm-unread\b"))
    dot = row.locator(".pm-unread-dot")
    expect(dot).to_have_attribute("aria-label", "nowe")
    assert row.locator(".pm-subject a").evaluate("e => getComputedStyle(e).fontWeight") == "700"

    # A opens it, comes back: no mark.
    row.locator(".pm-subject a").click()
    a.wait_for_url(re.compile(rf"/agent/tickets/{number}"))
    expect(a.locator("#ticket-subject")).to_have_text(subject)
    row = _list_filtered(a, number)
    expect(row).to_have_attribute("data-unread", "false")
    expect(row.locator(".pm-unread-dot")).to_have_count(0)

    # B replies while A's list stays open: the mark appears without reload.
    a.evaluate("window.__sameDocument = true")
    b.click("#reply-public")
    b.fill("#reply-text", "Wysłałem ekipę " + subject)
    b.click("#reply-send")
    expect(b.locator("#reply-text")).to_have_value("")
    expect(row).to_have_attribute("data-unread", "true", timeout=LIVE_TIMEOUT_MS)
    expect(row.locator(".pm-unread-dot")).to_have_count(1)
    # B's own reply is nothing new to B (B's tab leaves the ticket for the list)
    b_row = _list_filtered(b, number)
    expect(b_row).to_have_attribute("data-unread", "false")

    # A opens the ticket in another tab: the list tab loses the mark, still without reload.
    other_tab = a.context.new_page()
    other_tab.goto(f"/agent/tickets/{number}")
    expect(other_tab.locator("#timeline")).to_contain_text("Wysłałem ekipę")
    expect(row).to_have_attribute("data-unread", "false", timeout=LIVE_TIMEOUT_MS)
    assert a.evaluate("window.__sameDocument === true"), "the list was reloaded"

    # A's own reply in that tab does not mark the row for her...
    other_tab.click("#reply-public")
    other_tab.fill("#reply-text", "Dziękuję")
    other_tab.click("#reply-send")
    expect(other_tab.locator("#reply-text")).to_have_value("")
    a.wait_for_timeout(1_500)
    expect(row).to_have_attribute("data-unread", "false")
    # ...but B's open list shows it, live.
    expect(b_row).to_have_attribute("data-unread", "true", timeout=LIVE_TIMEOUT_MS)
