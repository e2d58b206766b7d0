"""Checklists in the browser: an admin defines an "inspection" template for the ticket
type "Przegląd", an agent creates a ticket of that type, ticks items and sees who/when;
a second agent's open page follows live; clients never see the checklist.

Assumes the wiring: `checklists.instantiate` called by `tickets.create_ticket`, the panel
on the agent ticket page and the /admin/checklists route.
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlparse

from e2e_support import AGENT, AGENT2, login
from playwright.sync_api import expect

ADMIN = "admin@pomocnik.example"
# Northwind's contract: no other browser test resolves its inspections.
CONTRACT = "Umowa serwisowa — Northwind Logistics Ltd"
REQUESTER = "George Brown (Northwind Logistics Ltd)"
CLIENT = "george.brown@northwind.example"


def _item(page, label: str):
    return page.locator(f'.pm-check-item[data-label="{label}"]')


def _tick(page, label: str) -> None:
    _item(page, label).get_by_role("checkbox").click()


def test_admin_template_agent_ticks_items_with_who_and_when(new_page):
    admin = new_page()
    login(admin, ADMIN)
    admin.goto("/admin/checklists")
    name = "Przegląd kotłowni " + uuid.uuid4().hex[:5]
    admin.click("#cl-new")
    admin.select_option("#cl-type", label=f"{CONTRACT} — Przegląd")
    admin.fill("#cl-name-pl", name)
    admin.fill("#cl-name-en", "Boiler inspection")
    admin.click("#cl-save")
    expect(admin.locator(".pm-error")).to_be_visible()  # no items yet
    expect(admin.locator("#cl-items-error")).to_be_visible()  # said under the items
    expect(admin.locator("#cl-name-pl")).to_have_value(name)  # nothing lost
    admin.fill("#cl-items", "* Zasilanie | Power supply\n* Filtry | Filters\n"
                            "Zdjęcia | Photos")
    admin.locator("#cl-before-resolve").click()
    admin.click("#cl-save")
    expect(admin.locator("#admin-message")).to_be_visible()
    expect(admin.locator(f'.pm-config-row[data-title$="{name}"]')).to_be_visible()

    agent = new_page()
    login(agent, AGENT)
    agent.goto("/agent/new")
    agent.select_option("#n-requester", label=REQUESTER)
    expect(agent.locator("#n-contract")).to_have_value(re.compile(r"\d+"))
    agent.select_option("#n-type", label="Przegląd")
    agent.fill("#n-subject", "Przegląd kotłowni " + uuid.uuid4().hex[:6])
    agent.click("#n-submit")
    agent.wait_for_url(re.compile(r"/agent/tickets/\d{4}-\d{6}"))
    path = urlparse(agent.url).path

    progress = agent.locator("#checklist-progress")
    expect(progress).to_have_text("0/3")
    expect(agent.locator("#checklist-blocking")).to_be_visible()  # required ones open

    # A second agent has the same ticket open: it follows without a reload.
    other = new_page()
    login(other, AGENT2)
    other.goto(path)
    expect(other.locator("#checklist-progress")).to_have_text("0/3")
    other.evaluate("window.__sameDocument = true")

    _tick(agent, "Zasilanie")
    expect(progress).to_have_text("1/3")
    meta = _item(agent, "Zasilanie").locator(".pm-check-meta")
    expect(meta).to_contain_text("Anna Nowak")
    expect(meta).to_contain_text(re.compile(r"\d{1,2}:\d{2}"))  # when
    expect(_item(agent, "Zasilanie")).to_have_attribute("data-done", "true")
    expect(agent.locator('#timeline [data-kind="checklist"]')).to_have_count(1)

    expect(other.locator("#checklist-progress")).to_have_text("1/3")
    expect(_item(other, "Zasilanie").locator(".pm-check-meta")).to_contain_text("Anna Nowak")
    assert other.evaluate("window.__sameDocument") is True  # live, not reloaded

    # The second agent ticks the other required item: nothing blocks resolving any more.
    _tick(other, "Filtry")
    expect(progress).to_have_text("2/3")
    expect(_item(agent, "Filtry").locator(".pm-check-meta")).to_contain_text("Piotr Zieliński")
    expect(agent.locator("#checklist-blocking")).to_have_count(0)

    # Unticking clears who/when.
    _tick(agent, "Zasilanie")
    expect(progress).to_have_text("1/3")
    expect(_item(agent, "Zasilanie").locator(".pm-check-meta")).to_have_count(0)
    expect(agent.locator('#timeline [data-kind="checklist"]')).to_have_count(3)

    # The client sees the ticket but neither the checklist nor its timeline events.
    number = path.rsplit("/", 1)[1]
    client = new_page()
    login(client, CLIENT)
    client.goto(f"/portal/tickets/{number}")
    expect(client.locator("#timeline")).to_be_visible()
    assert client.locator(".pm-check-item").count() == 0
    assert client.locator('#timeline [data-kind="checklist"]').count() == 0


def test_checklist_admin_is_for_admins_only(new_page):
    page = new_page()
    login(page, AGENT)
    page.goto("/admin/checklists")
    page.wait_for_url(re.compile(r"/agent$"))
