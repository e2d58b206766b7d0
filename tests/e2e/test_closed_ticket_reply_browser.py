"""A client writing on a closed ticket, in the browser: the page says before sending what
the reply will do; where the workflow allows it the reply reopens the ticket (the timeline
shows it and agents see it in their active list), elsewhere it opens a follow-up ticket
that refers to the closed one."""

from __future__ import annotations

import re
import uuid

from e2e_support import AGENT, CLIENT, CLIENT_REQUESTER_LABEL, login
from playwright.sync_api import expect

ADMIN = "admin@pomocnik.example"
# the default set without any move out of "closed"
NO_REOPEN = [("new", "open"), ("open", "pending"), ("pending", "open"), ("open", "resolved"),
             ("resolved", "open"), ("resolved", "closed")]


def _closed_ticket(agent, subject: str) -> str:
    agent.goto("/agent/new")
    agent.select_option("#n-requester", label=CLIENT_REQUESTER_LABEL)
    agent.fill("#n-subject", subject)
    agent.click("#n-submit")
    agent.wait_for_url(re.compile(r"/agent/tickets/\d{4}-\d{6}"))
    agent.select_option("#e-status", value="closed")
    agent.click("#save-header")
    expect(agent.locator("#h-status")).to_have_text("Zamknięte")
    return agent.locator("#ticket-number").inner_text().strip()


def _in_active_list(agent, number: str):
    agent.goto("/agent")
    expect(agent.locator(".pm-row").first).to_be_visible()  # loaded: a search now sticks
    agent.fill("#search", number)
    agent.click("#search-go")
    return agent.locator(f'[data-number="{number}"]')


def _set_default_transitions(admin, pairs) -> None:
    admin.goto("/admin/workflow")
    admin.select_option("#wf-contract", value="default")
    expect(admin.locator("#wf-matrix")).to_be_visible()
    wanted = set(pairs)
    for box in admin.locator(".pm-transition").all():
        pair = (box.get_attribute("data-from"), box.get_attribute("data-to"))
        if (box.get_attribute("data-state") == "checked") != (pair in wanted):
            box.click()
    admin.click("#wf-trans-save")
    expect(admin.locator("#admin-message")).to_be_visible()


def test_reply_reopens_a_closed_ticket(new_page):
    agent = new_page()
    login(agent, AGENT)
    number = _closed_ticket(agent, "Zamknięte, wróci " + uuid.uuid4().hex[:6])
    expect(_in_active_list(agent, number)).to_have_count(0)

    client = new_page(phone=True)
    login(client, CLIENT)
    client.goto(f"/portal/tickets/{number}")
    note = client.locator("#closed-note")
    expect(note).to_have_attribute("data-outcome", "reopen")
    expect(note).to_contain_text("otworzy je ponownie")
    expect(client.locator("#reply-send")).to_have_text("Wyślij i otwórz ponownie")
    client.fill("#reply-text", "Problem wrócił po restarcie")
    client.click("#reply-send")
    expect(client.locator("#h-status")).to_have_text("Otwarte")
    expect(client.locator("#closed-note")).to_have_count(0)
    expect(client.locator("#timeline")).to_contain_text("Problem wrócił po restarcie")
    expect(client.locator("#timeline")).to_contain_text("Zamknięte → Otwarte")

    expect(_in_active_list(agent, number)).to_have_count(1)


def test_follow_up_where_the_workflow_keeps_it_closed(new_page):
    agent = new_page()
    login(agent, AGENT)
    subject = "Zamknięte na stałe " + uuid.uuid4().hex[:6]
    number = _closed_ticket(agent, subject)
    admin = new_page()
    login(admin, ADMIN)
    try:
        _set_default_transitions(admin, NO_REOPEN)
        client = new_page(phone=True)
        login(client, CLIENT)
        client.goto(f"/portal/tickets/{number}")
        note = client.locator("#closed-note")
        expect(note).to_have_attribute("data-outcome", "follow_up")
        expect(note).to_contain_text(f"nowe zgłoszenie z odwołaniem do {number}")
        expect(client.locator("#reply-send")).to_have_text("Utwórz nowe zgłoszenie")
        client.fill("#reply-text", "Znowu to samo")
        client.click("#reply-send")
        client.wait_for_url(lambda url: "/portal/tickets/" in url and number not in url)
        new_number = client.url.rstrip("/").rsplit("/", 1)[-1]
        expect(client.locator("#ticket-number")).to_have_text(new_number)  # page loaded
        expect(client.locator("#ticket-subject")).to_have_text(subject)
        expect(client.locator("#timeline")).to_contain_text(f"↪ #{number}")
        expect(client.locator("#timeline")).to_contain_text("Znowu to samo")

        expect(_in_active_list(agent, new_number)).to_have_count(1)
        expect(_in_active_list(agent, number)).to_have_count(0)  # the old one stays closed
    finally:  # the default set allows every move again for the other browser tests
        _set_default_transitions(admin, [])
