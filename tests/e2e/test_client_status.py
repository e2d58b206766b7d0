"""Workflow in the browser: a client may only use the statuses marked for clients."""

from __future__ import annotations

import re
import uuid

from e2e_support import AGENT, CLIENT, CLIENT_REQUESTER_LABEL, login
from playwright.sync_api import expect


def test_client_confirms_a_resolved_ticket(new_page):
    agent = new_page()
    login(agent, AGENT)
    agent.goto("/agent/new")
    agent.select_option("#n-requester", label=CLIENT_REQUESTER_LABEL)
    agent.fill("#n-subject", "Do potwierdzenia " + uuid.uuid4().hex[:6])
    agent.click("#n-submit")
    agent.wait_for_url(re.compile(r"/agent/tickets/\d{4}-\d{6}"))
    number = agent.locator("#ticket-number").inner_text().strip()

    client = new_page(phone=True)
    login(client, CLIENT)
    client.goto(f"/portal/tickets/{number}")
    expect(client.locator("#ticket-number")).to_have_text(number)
    # A new ticket offers the client nothing to set ("closed" needs a resolved ticket? no:
    # the default set allows any move, but only "closed" is marked for clients).
    buttons = client.locator(".pm-client-status")
    expect(buttons).to_have_count(1)
    assert buttons.first.get_attribute("data-status") == "closed"

    agent.select_option("#e-status", value="resolved")
    agent.click("#save-header")
    expect(agent.locator("#h-status")).to_have_text("Rozwiązane")
    expect(client.locator("#h-status")).to_have_text("Rozwiązane")  # live

    buttons.first.click()
    expect(client.locator("#h-status")).to_have_text("Zamknięte")
    expect(client.locator(".pm-client-status")).to_have_count(0)
    expect(agent.locator("#h-status")).to_have_text("Zamknięte")  # live on the agent's page
