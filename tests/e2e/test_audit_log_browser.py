"""The audit log in the browser: an admin changes an SLA contract, finds the change on
/admin/audit (in Polish, what changed old -> new) and downloads it as CSV."""

from __future__ import annotations

import re
import uuid

from e2e_support import AGENT, login
from playwright.sync_api import expect

ADMIN = "admin@pomocnik.example"


def test_admin_changes_a_contract_and_finds_it_in_the_audit_log(new_page):
    page = new_page()
    login(page, ADMIN)
    page.click("#nav-admin-sla")
    page.wait_for_url(re.compile(r"/admin/sla"))
    edit = page.locator('[id^="con-edit-"]').first
    edit_id = edit.get_attribute("id")
    edit.click()
    expect(page.locator("#con-name")).not_to_have_value("")
    original = page.locator("#con-name").input_value()
    name = "Umowa audyt " + uuid.uuid4().hex[:5]
    page.fill("#con-name", name)
    page.click("#con-save")
    expect(page.locator("#admin-message")).to_be_visible()

    page.click("#nav-admin-audit")
    page.wait_for_url(re.compile(r"/admin/audit"))
    row = page.locator('.pm-audit-row[data-action="config.sla.contract.updated"]').first
    expect(row).to_contain_text("Zmiana umowy")
    expect(row).to_contain_text(f"→ {name}")

    page.fill("#audit-text", name)
    page.click("#audit-apply")
    expect(page.locator(".pm-audit-row")).to_have_count(1)
    expect(page.locator("#audit-export")).to_have_attribute("href", re.compile("text=Umowa"))
    href = page.locator("#audit-export").get_attribute("href")
    response = page.request.get(href)  # what the link downloads, with this admin's cookie
    assert response.status == 200
    assert "attachment" in response.headers["content-disposition"]
    text = response.body().decode("utf-8-sig")
    assert text.startswith("Czas (UTC),Czas lokalny,Kto")
    assert "config.sla.contract.updated" in text and name in text

    page.fill("#audit-text", "nic-takiego-" + uuid.uuid4().hex[:5])
    page.click("#audit-apply")
    expect(page.locator("#audit-empty")).to_have_text("Żaden wpis nie pasuje do tych filtrów.")

    # the demo contract keeps its name for the other browser tests
    page.click("#nav-admin-sla")
    page.wait_for_url(re.compile(r"/admin/sla"))
    page.click(f"#{edit_id}")
    expect(page.locator("#con-name")).to_have_value(name)
    page.fill("#con-name", original)
    page.click("#con-save")
    expect(page.locator("#admin-message")).to_be_visible()


def test_the_audit_log_is_for_admins_only(new_page):
    page = new_page()
    login(page, AGENT)
    expect(page.locator("#nav-admin-audit")).to_have_count(0)
    page.goto("/admin/audit")
    page.wait_for_url(re.compile(r"/agent$"))
    response = page.request.get("/api/audit.csv")
    assert response.status == 403
