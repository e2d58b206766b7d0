"""Admin workflow page in the browser: a new status in one contract's set, with transition
rules, offered on that contract's ticket; clear errors that keep the form; admins only."""

from __future__ import annotations

import re
import uuid

from e2e_support import AGENT, CLIENT, login
from playwright.sync_api import expect

ADMIN = "admin@pomocnik.example"
ORG = "Kancelaria Prawna Dąbrowski i Wspólnicy"
CONTRACT = f"{ORG} — Umowa serwisowa — {ORG}"
REQUESTER = f"Katarzyna Dąbrowska ({ORG})"


def _set_contract_set(page, keys: set[str]) -> None:
    """Tick exactly `keys` in the chosen contract's set and save it."""
    for box in page.locator("#wf-set [data-status]").all():
        wanted = box.get_attribute("data-status") in keys
        if (box.get_attribute("data-state") == "checked") != wanted:
            box.click()
    page.click("#wf-set-save")
    expect(page.locator("#admin-message")).to_be_visible()


def test_new_status_in_one_contracts_set_is_offered_on_its_ticket(new_page):
    page = new_page()
    login(page, ADMIN)
    page.click("#nav-admin-workflow")
    page.wait_for_url(re.compile(r"/admin/workflow"))
    key = "czeka_czesci_" + uuid.uuid4().hex[:4]

    page.click("#st-new")
    page.fill("#st-key", "Czeka na części")  # not a key
    page.fill("#st-name-pl", "Czeka na części")
    page.fill("#st-name-en", "Waiting for parts")
    page.select_option("#st-category", value="waiting")
    page.select_option("#st-sla", value="pauses")
    page.select_option("#st-colour", value="orange")
    page.fill("#st-order", "25")
    page.click("#st-save")
    expect(page.locator(".pm-error")).to_contain_text("Popraw zaznaczone pola")
    expect(page.locator("#st-key-error")).to_contain_text("Klucz to 2–40 małych liter")
    expect(page.locator("#st-name-pl")).to_have_value("Czeka na części")  # nothing lost
    page.fill("#st-key", "new")  # taken: a new status never overwrites another
    page.click("#st-save")
    expect(page.locator("#st-key-error")).to_contain_text("new")
    page.fill("#st-key", key)
    page.click("#st-save")
    expect(page.locator("#admin-message")).to_be_visible()
    row = page.locator(f'.pm-config-row[data-title="Czeka na części ({key})"]')
    expect(row).to_contain_text("Oczekuje")
    expect(row).to_contain_text("SLA wstrzymane")
    expect(page.locator("#st-key")).to_be_disabled()  # keys are fixed once saved

    # The law firm's contract gets its own set, with the new status, and rules.
    page.select_option("#wf-contract", label=CONTRACT)
    expect(page.locator("#wf-uses-default")).to_be_visible()
    page.locator(f'#wf-set [data-status="{key}"]').click()
    page.click("#wf-set-save")
    expect(page.locator("#wf-set-error")).to_contain_text("statusu początkowego")
    try:
        _set_contract_set(page, {"new", "open", key, "resolved", "closed"})
        expect(page.locator("#wf-matrix")).to_be_visible()
        for a, b in (("new", key), ("new", "open"), (key, "open"), ("open", key),
                     ("open", "resolved"), ("resolved", "closed")):
            page.locator(f'.pm-transition[data-from="{a}"][data-to="{b}"]').click()
        page.click("#wf-trans-save")
        expect(page.locator("#admin-message")).to_be_visible()
        expect(page.locator(f'.pm-transition[data-from="new"][data-to="{key}"]')).to_have_attribute(
            "data-state", "checked")

        agent = new_page()
        login(agent, AGENT)
        agent.goto("/agent/new")
        agent.select_option("#n-requester", label=REQUESTER)
        agent.fill("#n-subject", "Drukarka czeka na bęben " + uuid.uuid4().hex[:6])
        agent.click("#n-submit")
        agent.wait_for_url(re.compile(r"/agent/tickets/\d{4}-\d{6}"))
        options = agent.locator("#e-status option")
        # a new ticket may go only where the rules allow; "pending" is not in this set
        expect(options).to_have_count(3)
        assert [o.get_attribute("value") for o in options.all()] == ["new", "open", key]
        agent.select_option("#e-status", value=key)
        agent.click("#save-header")
        expect(agent.locator("#h-status")).to_have_text("Czeka na części")
        expect(options).to_have_count(2)  # from "waiting for parts": back to open only
        assert [o.get_attribute("value") for o in options.all()] == ["open", key]
    finally:  # leave the contract on the default set for the other browser tests
        page.goto("/admin/workflow")
        page.select_option("#wf-contract", label=CONTRACT)
        _set_contract_set(page, set())
        expect(page.locator("#wf-uses-default")).to_be_visible()


def test_workflow_and_fields_pages_are_for_admins_only(new_page):
    agent = new_page()
    login(agent, AGENT)
    assert agent.locator("#nav-admin-workflow").count() == 0
    assert agent.locator("#nav-admin-fields").count() == 0
    agent.goto("/admin/workflow")
    agent.wait_for_url(re.compile(r"/agent$"))
    agent.goto("/admin/fields")
    agent.wait_for_url(re.compile(r"/agent$"))

    client = new_page()
    login(client, CLIENT)
    client.goto("/admin/workflow")
    client.wait_for_url(re.compile(r"/portal$"))
    client.goto("/admin/fields")
    client.wait_for_url(re.compile(r"/portal$"))
