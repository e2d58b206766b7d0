"""The notification bell and page: an SLA warning on the technician's own ticket shows up
in the top bar live (no reload), is listed with the ticket number, and can be marked read."""

from __future__ import annotations

import re
import sqlite3
import uuid

from e2e_support import AGENT, CLIENT, CLIENT_REQUESTER_LABEL, login
from playwright.sync_api import expect


def _unread(page) -> int:
    return int(page.locator("#notif-count").get_attribute("data-unread") or "0")


def _open_notifications(page) -> None:
    """Via the bell: a client-side navigation, the tab's state stays."""
    page.click("#nav-notifications")
    page.wait_for_url(re.compile(r"/agent/notifications$"))
    expect(page.locator(".pm-notif, #notif-empty").first).to_be_visible()


def test_sla_warning_reaches_the_bell_live_and_is_marked_read(new_page, app_server):
    agent = new_page()
    login(agent, AGENT)
    count = agent.locator("#notif-count")
    expect(count).to_have_attribute("data-unread", re.compile(r"^\d+$"))

    # Start from zero: the demo's overdue tickets have notified her already.
    _open_notifications(agent)
    mark_all = agent.locator("#notif-mark-all")
    if mark_all.is_enabled():
        mark_all.click()
    expect(count).to_have_attribute("data-unread", "0")
    expect(mark_all).to_be_disabled()
    assert agent.locator('.pm-notif[data-read="false"]').count() == 0

    # A new ticket on a 24/7 key contract, assigned to herself.
    agent.goto("/agent/new")
    agent.select_option("#n-requester", label=CLIENT_REQUESTER_LABEL)
    agent.fill("#n-subject", "Zalana rozdzielnia " + uuid.uuid4().hex[:6])
    agent.click("#n-submit")
    agent.wait_for_url(re.compile(r"/agent/tickets/\d{4}-\d{6}"))
    number = agent.locator("#ticket-number").inner_text().strip()
    agent.select_option("#e-assignee", label="Anna Nowak")
    agent.click("#save-header")
    expect(agent.locator("#h-assignee")).to_contain_text("Anna Nowak")
    # (0 unless one of the demo's own tickets crossed a point meanwhile)
    before_warning = _unread(agent)

    # Move the clock (as in test_sla_ui.py): reaction 60 min, warning at 75 %; the next
    # sweep (every 2 s on the test server) warns the assignee. No reload from here on.
    agent.evaluate("window.__sameDocument = true")
    with sqlite3.connect(app_server.data_dir / "pomocnik.db") as conn:
        conn.execute(
            "UPDATE ticket SET created_at = datetime(created_at, '-50 minutes'), "
            "sla_next_check_at = datetime('now', '-1 second') WHERE number = ?", (number,))
    agent.wait_for_function(
        "n => Number(document.querySelector('#notif-count').dataset.unread) > n",
        arg=before_warning, timeout=10_000)
    expect(count).to_be_visible()
    assert agent.evaluate("window.__sameDocument === true"), "the page was reloaded"

    _open_notifications(agent)
    item = agent.locator(f'.pm-notif[data-number="{number}"][data-kind="sla_warning"]')
    expect(item).to_have_count(1)
    expect(item).to_have_attribute("data-read", "false")
    expect(item).to_contain_text(f"{number}: zagrożony SLA (Reakcja), termin")
    expect(item.locator(f'a[href="/agent/tickets/{number}"]')).to_be_visible()

    before = _unread(agent)
    item.locator(".pm-notif-mark").click()
    expect(item).to_have_attribute("data-read", "true")
    expect(count).to_have_attribute("data-unread", str(before - 1))
    expect(item.locator(".pm-notif-mark")).to_have_count(0)

    # The link takes her to the ticket.
    item.locator(f'a[href="/agent/tickets/{number}"]').click()
    agent.wait_for_url(re.compile(rf"/agent/tickets/{number}$"))
    expect(agent.locator("#ticket-number")).to_have_text(number)


def test_clients_bell_leads_to_their_own_page_never_the_agents(new_page):
    page = new_page(phone=True)
    login(page, CLIENT)
    expect(page.locator(".pm-row").first).to_be_visible()
    expect(page.locator("#nav-notifications")).to_have_attribute(
        "href", re.compile(r"/portal/notifications$"))
    page.goto("/agent/notifications")
    page.wait_for_url(re.compile(r"/portal$"))
